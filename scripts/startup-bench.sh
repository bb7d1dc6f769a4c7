#!/usr/bin/env bash
# Start-up time to an interactive window and resident memory, on a given
# store file (the benchmark's million records), five runs.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?store file}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ln -s "$(realpath "$db")" "$dir/motcua.db"
# the window is measured signed in, on the work screens: the bench store
# gets its first admin, who is also a clerk, once
export MOTCUA_PASSWORD="Quản-trị-đo-2026" MOTCUA_NEW_PASSWORD="Tạm-thời-2026"
./bin/motcuactl -data "$dir" -user quantri user list >/dev/null 2>&1 || {
	./bin/motcuactl -data "$dir" setup -admin-user quantri -admin-name "Quản trị đo" >/dev/null
	./bin/motcuactl -data "$dir" -user quantri user roles -username quantri -roles admin,clerk,supervisor >/dev/null
}
export MOTCUA_USER=quantri
echo "start-up on $(basename "$db") ($(du -h "$db" | cut -f1)):"
for i in 1 2 3 4 5; do
	LANGUAGE=vi xvfb-run -a -s "-screen 0 1366x850x24" ./bin/motcua -data "$dir" -smoke 1s 2>/dev/null | grep ready_ms
done
