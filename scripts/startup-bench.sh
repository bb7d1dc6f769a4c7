#!/usr/bin/env bash
# Start-up time to an interactive window and resident memory, on a given
# store file (the benchmark's million records), five runs.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?store file}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ln -s "$(realpath "$db")" "$dir/motcua.db"
echo "start-up on $(basename "$db") ($(du -h "$db" | cut -f1)):"
for i in 1 2 3 4 5; do
	LANGUAGE=vi xvfb-run -a -s "-screen 0 1366x850x24" ./bin/motcua -data "$dir" -smoke 1s 2>/dev/null | grep ready_ms
done
