#!/usr/bin/env bash
# Smoke test of the real binary under Xvfb: it starts on a set-up store,
# shows its window, reports start-up time and memory, and quits cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
./bin/motcuactl -data "$dir" setup -unit-name "UBND phường Thuận Hóa" -unit-code 000.00.12.H57 \
	-place "Huế" -counter 1 -clerk "Cán bộ thử nghiệm" >/dev/null
./bin/motcuactl -data "$dir" seed -records 2000 -seed 1 >/dev/null 2>&1
out=$(LANGUAGE=vi timeout 60 xvfb-run -a -s "-screen 0 1366x850x24" ./bin/motcua -data "$dir" -smoke 2s 2>"$dir/stderr") || {
	echo "smoke: the program failed"; cat "$dir/stderr"; exit 1; }
echo "$out"
grep -q '^ready_ms=' <<<"$out" || { echo "smoke: the window never became ready"; cat "$dir/stderr"; exit 1; }
grep -q 'closed cleanly' "$dir/stderr" || { echo "smoke: did not close cleanly"; cat "$dir/stderr"; exit 1; }
# the store is whole after the run
./bin/motcuactl -data "$dir" verify
echo "smoke: 1 passed, 0 failed"
