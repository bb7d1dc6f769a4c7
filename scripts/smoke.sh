#!/usr/bin/env bash
# Smoke test of the real binary under Xvfb: it starts on a set-up store,
# shows its window, reports start-up time and memory, and quits cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# the unit, its first admin, and a clerk who has chosen her password
export MOTCUA_PASSWORD="Quản-trị-thử-2026" MOTCUA_NEW_PASSWORD="Tạm-thời-2026"
./bin/motcuactl -data "$dir" setup -unit-name "UBND phường Thuận Hóa" -unit-code 000.00.12.H57 \
	-place "Huế" -counter 1 -clerk "Cán bộ thử nghiệm" -admin-user quantri -admin-name "Quản trị thử" >/dev/null
./bin/motcuactl -data "$dir" -user quantri user add -username thu -name "Cán bộ thử nghiệm" -roles clerk,supervisor >/dev/null
./bin/motcuactl -data "$dir" -user quantri seed -records 2000 -seed 1 >/dev/null 2>&1
MOTCUA_PASSWORD="Tạm-thời-2026" MOTCUA_NEW_PASSWORD="Cán-bộ-thử-2026" ./bin/motcuactl -data "$dir" -user thu passwd >/dev/null
export MOTCUA_USER=thu MOTCUA_PASSWORD="Cán-bộ-thử-2026"
export LANGUAGE=vi
# One X server for the whole script (xvfb-run per case sometimes fails to
# clean up after itself and turns a right exit status into 5).
for n in $(seq 90 140); do [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }; done
Xvfb "$display" -screen 0 1366x850x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null; rm -rf "$dir"' EXIT
export DISPLAY=$display
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
xvfb=(env)

# 1. The window starts, becomes ready and closes cleanly on request.
out=$(timeout 60 "${xvfb[@]}" ./bin/motcua -data "$dir" -smoke 2s 2>"$dir/stderr") || {
	echo "smoke: the program failed"; cat "$dir/stderr"; exit 1; }
echo "$out"
grep -q '^ready_ms=' <<<"$out" || { echo "smoke: the window never became ready"; cat "$dir/stderr"; exit 1; }
grep -q 'closed cleanly' "$dir/stderr" || { echo "smoke: did not close cleanly"; cat "$dir/stderr"; exit 1; }

# 2. A second copy on the same data gets a clear message, not a hang.
timeout 60 "${xvfb[@]}" ./bin/motcua -data "$dir" -smoke 8s >"$dir/first.out" 2>&1 &
first=$!
for _ in $(seq 1 100); do grep -q ready_ms "$dir/first.out" && break; sleep 0.2; done
set +e
timeout 30 "${xvfb[@]}" ./bin/motcua -data "$dir" -smoke 1s >/dev/null 2>"$dir/second.err"
code=$?
set -e
wait $first
[ $code -eq 1 ] && grep -q "đang chạy" "$dir/second.err" || {
	echo "smoke: a second copy did not refuse clearly (exit $code)"; cat "$dir/second.err"; exit 1; }
echo "second copy refused: $(head -1 "$dir/second.err")"
# the store is whole after the run
./bin/motcuactl -data "$dir" verify

# 3. A damaged store (cut short; emptied) is a message in the window, exit 1, never a crash.
for damage in "truncate -s 8192" "truncate -s 0"; do
	bad=$(mktemp -d)
	cp "$dir/motcua.db" "$bad/motcua.db"
	$damage "$bad/motcua.db"
	set +e
	timeout 30 "${xvfb[@]}" ./bin/motcua -data "$bad" -smoke 1s >/dev/null 2>"$bad/err"
	code=$?
	set -e
	[ $code -eq 1 ] && grep -q "bị hỏng" "$bad/err" && grep -q "bản sao lưu" "$bad/err" && ! grep -q "goroutine " "$bad/err" || {
		echo "smoke: a damaged file ($damage) was not a clear message (exit $code)"; cat "$bad/err"; exit 1; }
	echo "damaged file ($damage): $(grep -m1 "bị hỏng" "$bad/err" | cut -c1-120)"
	rm -rf "$bad"
done
echo "smoke: 3 passed, 0 failed"
