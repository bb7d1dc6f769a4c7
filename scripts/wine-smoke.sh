#!/usr/bin/env bash
# The Windows build under Wine and Xvfb (make wine-smoke, part of make test),
# on a throwaway Wine prefix:
#   1. the NSIS installer installs silently: files, Start-menu entry, uninstaller;
#   2. motcuactl.exe sets up a counter in %LocalAppData%\MotCua, takes an intake
#      from a file with CRLF line ends, verifies, exports and prints on paths
#      with Vietnamese letters and spaces; printing with no PDF viewer is a
#      clear Vietnamese message and the PDF is kept; the console speaks UTF-8;
#   3. the installed program starts (ready_ms), its window shows the same
#      Vietnamese screen as the Linux build on the same data, a second copy is
#      refused, and it closes cleanly;
#   4. the data file's size stays within 2x of the same data on Linux;
#   5. the backend runs on Windows: its admin socket answers while it serves,
#      and the counter enrolls and syncs with it;
#   6. an upgrade installs in place, also refusing while the program runs;
#   7. the uninstaller removes the program and leaves the data whole.
# VERSION comes from the Makefile; the installer from `make dist`.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VERSION:?} ${BUILD:?}"
setup=$PWD/dist/motcua-setup-$VERSION-windows-amd64.exe
[ -f "$setup" ] || { echo "wine-smoke: no $setup (make dist)"; exit 1; }
work=$(mktemp -d)
# winedbg off: a program that crashes under Wine ends at once instead of
# waiting for a debugger nobody attaches
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d" LANGUAGE=vi
pass=0
exec 3>&1
# Wine's client now and then loses its server ("wine client error:0: recvmsg:
# Connection reset by peer") and the program dies before it has done
# anything: a command that ends so is run once more, and says so
wine1() {
	local err=$work/wine1.stderr rc=0
	wine "$@" 2>"$err" || rc=$?
	if [ $rc -ne 0 ] && grep -q 'wine client error' "$err"; then
		echo "wine-smoke: Wine lost its server under ${1##*\\} ${2:-} ($(grep -m1 'wine client error' "$err")); once more" >&3
		rc=0
		wine "$@" 2>"$err" || rc=$?
	fi
	cat "$err" >&2
	rm -f "$err"
	return $rc
}
ok() { pass=$((pass + 1)); echo "wine-smoke: ok: $*"; }
die() { echo "wine-smoke: FAIL: $*"; for f in "$work"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done; exit 1; }

for n in $(seq 141 190); do [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }; done
Xvfb "$display" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
cleanup() {
	wineserver -k 2>/dev/null || true
	kill $xpid 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
export DISPLAY=$display
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done

t0=$(date +%s)
wine wineboot --init >/dev/null 2>&1
wineserver -w
c=$WINEPREFIX/drive_c
sys32=$c/windows/system32
# Wine before 9 lacks bcryptprimitives.dll: a stand-in for the test only
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
	x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" scripts/wine/prng.c -ladvapi32
fi
# an empty prefix has no fonts at all (Windows has Segoe UI and its symbols)
cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf "$c/windows/Fonts/"
user=$(ls "$c/users" | grep -vx Public | head -1)
appdata=$c/users/$user/AppData/Local/MotCua
echo "wine-smoke: prefix ready in $(($(date +%s) - t0)) s ($(wine --version))"

# 1. install
wine "$setup" /S >"$work/install.out" 2>"$work/install.err" || die "the installer exited $?"
inst="$c/Program Files/MotCua"
for f in motcua.exe motcuactl.exe motcua-server.exe uninstall.exe README.txt; do
	[ -f "$inst/$f" ] || die "the installer did not put $f in Program Files\\MotCua"
done
[ -f "$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Một Cửa.lnk" ] || die "no Start-menu entry \"Một Cửa\""
key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\MotCua'
# a registry key as text (reg export writes UTF-16; reg query, the console's code page)
regkey() {
	rm -f "$work/key.reg"
	wine1 reg export "$1" "Z:${work//\//\\}\\key.reg" /y >/dev/null 2>&1 || return 1
	iconv -f utf-16 -t utf-8 "$work/key.reg" | tr -d '\r'
}
regkey "$key" | grep -x >/dev/null '"DisplayName"="Một Cửa"' || die "no uninstaller registered as \"Một Cửa\""
regkey "$key" | grep -x >/dev/null "\"DisplayVersion\"=\"$VERSION\"" || die "the uninstaller's version is not $VERSION"
ok "installed to Program Files\\MotCua, Start menu \"Một Cửa\", uninstaller registered ($VERSION)"

# 2. the command-line tool, in the default data folder and on Vietnamese paths
ctl() { wine1 "C:\\Program Files\\MotCua\\motcuactl.exe" "$@"; }
export MOTCUA_PASSWORD="Quản-trị-thử-2026" MOTCUA_NEW_PASSWORD="Tạm-thời-2026"
ctl version | tr -d '\r' | grep -x >/dev/null "motcuactl $VERSION" || die "motcuactl.exe version is not $VERSION"
ctl setup -unit-name "UBND phường Thuận Hóa" -unit-code 000.00.12.H57 -place "Huế" -counter 1 \
	-clerk "Cán bộ thử nghiệm" -admin-user quantri -admin-name "Quản trị thử" >"$work/setup.out" 2>"$work/setup.err" || die "setup"
[ -f "$appdata/motcua.db" ] || die "the data file is not in %LocalAppData%\\MotCua"
ctl -user quantri user add -username thu -name "Cán bộ thử nghiệm" -roles clerk,supervisor >/dev/null 2>"$work/user.err" || die "user add"
ctl -user quantri seed -records 2000 -seed 1 >/dev/null 2>"$work/seed.err" || die "seed"
MOTCUA_PASSWORD="Tạm-thời-2026" MOTCUA_NEW_PASSWORD="Cán-bộ-thử-2026" ctl -user thu passwd >/dev/null 2>"$work/passwd.err" || die "passwd"
export MOTCUA_PASSWORD="Cán-bộ-thử-2026"
ok "motcuactl.exe set up a counter in %LocalAppData%\\MotCua"

viet="$c/Dữ liệu thử/Quầy số 1"
mkdir -p "$viet"
winviet='C:\Dữ liệu thử\Quầy số 1'
sed 's/$/\r/' docs/intake-example.json >"$viet/hồ sơ khai sinh.json"
sed 's/$/\r/' assets/data/calendar.json >"$viet/lịch làm việc.json"
grep -q $'\r$' "$viet/hồ sơ khai sinh.json" || die "the CRLF file was not made"
ctl -user thu calendar import "$winviet\\lịch làm việc.json" >"$work/cal.out" 2>"$work/cal.err" || die "calendar import of a CRLF file"
code=$(ctl -user thu intake "$winviet\\hồ sơ khai sinh.json" 2>"$work/intake.err" | tr -d '\r' | grep -o '000\.00\.12\.H57-[0-9-]*' | head -1) || true
[ -n "$code" ] || die "intake of a CRLF file gave no record code"
ok "a CRLF calendar and intake file on a Vietnamese path ($code)"
ctl verify >"$work/verify.out" 2>"$work/verify.err" || die "verify"
ctl -user thu export -csv "$winviet\\xuất hồ sơ.csv" >/dev/null 2>"$work/export.err" || die "export"
grep -q "$code" "$viet/xuất hồ sơ.csv" || die "the export lacks $code"
ctl -user thu print -form receipt -code "$code" -o "$winviet\\giấy tiếp nhận.pdf" >"$work/print.out" 2>"$work/print.err" || die "print"
tr -d '\r' <"$work/print.out" | grep >/dev/null "Đã in" || die "print's console output is not UTF-8 Vietnamese: $(cat "$work/print.out")"
pdftotext "$viet/giấy tiếp nhận.pdf" - | grep >/dev/null "$code" || die "the receipt PDF lacks $code"
pdftotext "$viet/giấy tiếp nhận.pdf" - | grep >/dev/null "Nguyễn Thị Lan" || die "the receipt PDF lacks the owner's name"
ok "verify, export and print on Vietnamese paths; the receipt PDF holds the record"
# printing as the print button does, each way Windows may be set up
send() { ctl -user thu print -form receipt -code "$code" -o "$winviet\\in lại.pdf" -send >"$work/send.out" 2>"$work/send.err"; }
#   the default PDF viewer: Wine's is its browser, which hands the file to
#   the Linux side's xdg-open (a stand-in here that notes what it got)
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "$@" >"%s/opened"\n' "$work" >"$work/bin/xdg-open"
chmod +x "$work/bin/xdg-open"
PATH=$work/bin:$PATH send || die "opening the PDF in the default viewer: $(cat "$work/send.err")"
for _ in $(seq 1 50); do [ -s "$work/opened" ] && break; sleep 0.2; done
grep >/dev/null 'in%20l%E1%BA%A1i.pdf' "$work/opened" || die "the default viewer did not get the PDF"
ok "no printer chosen: the PDF opens in the default viewer"
#   a printer chosen, no SumatraPDF: no program prints PDF files to it
ctl -user thu setup -printer "Máy in quầy 1 (HP)" >/dev/null 2>"$work/setup-printer.err" || die "setting the printer"
set +e; send; rc=$?; set -e
[ $rc -eq 1 ] && grep >/dev/null "chưa có chương trình in tệp PDF tới máy in “Máy in quầy 1 (HP)”" "$work/send.err" \
	&& grep >/dev/null "Tệp PDF vẫn được lưu tại: C:.Dữ liệu thử.Quầy số 1.in lại.pdf" "$work/send.err" \
	|| die "a printer with nothing to print PDF files (exit $rc): $(cat "$work/send.err")"
ok "a printer and no SumatraPDF: \"$(tr -d '\r' <"$work/send.err" | head -1 | cut -c1-80)…\", the PDF kept"
#   SumatraPDF installed (a stand-in that notes its command line): a silent print
mkdir -p "$c/Program Files/SumatraPDF"
x86_64-w64-mingw32-gcc -O2 -o "$c/Program Files/SumatraPDF/SumatraPDF.exe" scripts/wine/fakeprint.c
MOTCUA_FAKE_PRINT_LOG='C:\sumatra.log' send || die "printing through SumatraPDF: $(cat "$work/send.err")"
want='-print-to "Máy in quầy 1 (HP)" -print-settings noscale -silent -exit-when-done "C:\Dữ liệu thử\Quầy số 1\in lại.pdf"'
grep -F >/dev/null -- "$want" "$c/sumatra.log" || die "SumatraPDF was asked: $(cat "$c/sumatra.log")"
ok "a printer and SumatraPDF: $(cut -c1-100 "$c/sumatra.log")…"
rm -rf "$c/Program Files/SumatraPDF"
#   no printer chosen and no PDF viewer at all
ctl -user thu setup -printer "" >/dev/null 2>>"$work/setup-printer.err" || die "clearing the printer"
wine reg delete 'HKCR\.pdf' /f >/dev/null 2>&1 || die "removing the PDF association"
set +e; send; rc=$?; set -e
[ $rc -eq 1 ] && grep >/dev/null "chưa có chương trình xem PDF" "$work/send.err" && grep >/dev/null "Tệp PDF vẫn được lưu tại" "$work/send.err" \
	&& [ -f "$viet/in lại.pdf" ] || die "printing with no PDF viewer (exit $rc): $(cat "$work/send.err")"
ok "no PDF viewer: \"$(tr -d '\r' <"$work/send.err" | head -1 | cut -c1-80)…\", the PDF kept"

# 3. the window
prog() { wine "C:\\Program Files\\MotCua\\motcua.exe" "$@"; }
export MOTCUA_USER=thu
prog -smoke 25s >"$work/gui.out" 2>"$work/gui.err" &
gui=$!
for _ in $(seq 1 150); do grep -q ready_ms "$work/gui.out" && break; sleep 0.2; done
grep -q '^ready_ms=' "$work/gui.out" || die "the window never became ready"
ok "the installed program is ready: $(tr -d '\r' <"$work/gui.out" | grep ready_ms)"
# Wine's GL sometimes crashes in the refusal's window of a second process
# (a page fault in the driver, after the message is written): one more try
for try in 1 2; do
	set +e
	timeout 60 wine "C:\\Program Files\\MotCua\\motcua.exe" -smoke 1s >/dev/null 2>"$work/second.err"
	rc=$?
	set -e
	[ $rc -eq 1 ] && break
	grep -q "page fault" "$work/second.err" && [ $try -eq 1 ] && echo "wine-smoke: the second copy crashed in Wine's GL (exit $rc); once more" && continue
	break
done
[ $rc -eq 1 ] && grep -q "đang chạy" "$work/second.err" || die "a second copy was not refused (exit $rc)"
ok "a second copy is refused: $(tr -d '\r' <"$work/second.err" | grep -m1 "đang chạy")"
# a running program holds its files: an upgrade waits, a silent one gives up
set +e
wine "$setup" /S >/dev/null 2>&1
rc=$?
set -e
[ $rc -ne 0 ] || die "a silent install over the running program said it succeeded"
ok "an install over the running program gives up (exit $rc) and leaves it be"
sleep 3
xwd -root -silent >"$work/windows.xwd"
wait $gui || die "the program exited $? after its smoke run"
grep >/dev/null "closed cleanly" "$work/gui.err" || die "the program did not close cleanly"
if grep >/dev/null "fyne=\"did not return\"" "$work/gui.err"; then
	ok "the program closed its data and ended 5 s after its window (Fyne did not return from its loop under Wine)"
else
	ok "the program closed cleanly"
fi
# the same data and screen on Linux, for the comparison
linux=$work/linux
mkdir -p "$linux"
cp "$appdata/motcua.db" "$linux/"
./bin/motcua -data "$linux" -smoke 6s >"$work/linux.out" 2>"$work/linux.err" &
lpid=$!
for _ in $(seq 1 150); do grep >/dev/null ready_ms "$work/linux.out" && break; sleep 0.2; done
sleep 3
xwd -root -silent >"$work/linux.xwd"
wait $lpid || die "the Linux build exited $?"
go run ./internal/screencheck -windows "$work/windows.xwd" -linux "$work/linux.xwd" \
	${MOTCUA_SHOTS:+-png "$MOTCUA_SHOTS"} || die "the window under Wine does not show what the Linux build shows"
ok "the window under Wine shows, pixel for pixel, what the Linux build does"
unset MOTCUA_USER

# 4. the data file's size on Windows against the same data on Linux
sized="$c/Cỡ tệp"
mkdir -p "$sized" "$linux/size"
for side in windows linux; do
	if [ $side = windows ]; then
		run() { wine1 "C:\\Program Files\\MotCua\\motcuactl.exe" -data 'C:\Cỡ tệp' "$@"; }
	else
		run() { ./bin/motcuactl -data "$linux/size" "$@"; }
	fi
	MOTCUA_PASSWORD="Quản-trị-thử-2026" run setup -unit-name "UBND phường Thuận Hóa" -unit-code 000.00.12.H57 -place "Huế" \
		-counter 1 -clerk "Cán bộ thử nghiệm" -admin-user quantri -admin-name "Quản trị thử" >/dev/null 2>"$work/size-$side.err" || die "setup ($side)"
	MOTCUA_PASSWORD="Quản-trị-thử-2026" run -user quantri seed -records 20000 -seed 7 >/dev/null 2>>"$work/size-$side.err" || die "seed ($side)"
done
wsize=$(stat -c %s "$sized/motcua.db")
lsize=$(stat -c %s "$linux/size/motcua.db")
[ "$wsize" -le $((2 * lsize)) ] || die "20,000 records take $wsize bytes on Windows, $lsize on Linux (over 2x)"
ok "20,000 records: $((wsize / 1048576)) MiB on Windows, $((lsize / 1048576)) MiB on Linux"

# 5. the backend on Windows: its admin socket while it serves, a counter's sync
srv() { wine1 "C:\\Program Files\\MotCua\\motcua-server.exe" "$@"; }
port=$((20000 + RANDOM % 20000))
wine "C:\\Program Files\\MotCua\\motcua-server.exe" serve -data 'C:\Máy chủ tỉnh' -addr "127.0.0.1:$port" \
	>"$work/serve.out" 2>"$work/serve.err" &
spid=$!
sdir="$c/Máy chủ tỉnh"
for _ in $(seq 1 100); do [ -e "$sdir/admin.sock" ] || [ -e "$sdir/admin.port" ] && break; sleep 0.2; done
kill -0 $spid 2>/dev/null || die "the backend did not start"
over="its admin socket"
[ -e "$sdir/admin.port" ] && over="its loopback admin port (this Wine has no Unix sockets)"
enroll=$(srv enroll-code -data 'C:\Máy chủ tỉnh' -unit 000.00.12.H57 -counter 1 2>"$work/enroll-code.err" | tr -d '\r' | tail -1) ||
	die "enroll-code through the admin socket of the running backend"
[ -n "$enroll" ] && kill -0 $spid 2>/dev/null || die "the running backend gave no enrollment code"
ok "the running backend answers an admin command through $over"
MOTCUA_PASSWORD="Quản-trị-thử-2026" ctl -user quantri enroll -server "http://127.0.0.1:$port" -code "$enroll" >/dev/null 2>"$work/enroll.err" || die "enroll"
MOTCUA_PASSWORD="Quản-trị-thử-2026" ctl -user quantri sync >"$work/sync.out" 2>"$work/sync.err" || die "sync"
srv export -data 'C:\Máy chủ tỉnh' 2>"$work/srv-export.err" | grep >/dev/null "$code" || die "the backend did not receive $code"
ok "the counter enrolled and synced with the backend on Windows; the backend holds $code"
# Wine ends a program on SIGTERM at once (no signal reaches Go): a killed
# backend, whose store is whole by design
kill $spid 2>/dev/null || true
wait $spid 2>/dev/null || true
wine "C:\\Program Files\\MotCua\\motcua-server.exe" export -data 'C:\Máy chủ tỉnh' 2>"$work/srv-export2.err" | grep >/dev/null "$code" ||
	die "the killed backend's store lost $code"

# 6. upgrade in place: a newer installer over this one
next=$work/motcua-setup-next.exe
makensis -V1 -INPUTCHARSET UTF8 -DVERSION=9.9.9 -DBUILD="$BUILD" -DSIZE_KB=1 -DSRC="$PWD/dist/windows" \
	-DICON="$PWD/build/windows/motcua.ico" -DOUTFILE="$next" packaging/windows/motcua.nsi >/dev/null
wine "$next" /S >/dev/null 2>&1 || die "the upgrade exited $?"
regkey "$key" | grep -x >/dev/null '"DisplayVersion"="9.9.9"' || die "the upgrade did not record its version"
[ "$(regkey 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' | grep -c '"DisplayName"="Một Cửa"')" = 1 ] ||
	die "the upgrade registered a second uninstaller"
ctl verify >/dev/null 2>"$work/verify2.err" || die "the data after the upgrade"
ok "an upgrade installs in place: one uninstaller, version 9.9.9, data whole"

# 7. uninstall: the program goes, the data stays
wine "$inst/uninstall.exe" /S >/dev/null 2>&1 || true
for _ in $(seq 1 150); do [ -e "$inst/motcua.exe" ] || break; sleep 0.2; done
wineserver -w
[ ! -e "$inst/motcua.exe" ] || die "the uninstaller left motcua.exe"
[ ! -e "$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Một Cửa.lnk" ] || die "the uninstaller left the Start-menu entry"
! regkey "$key" >/dev/null || die "the uninstaller left its registry key"
[ -f "$appdata/motcua.db" ] || die "the uninstaller removed the data"
wine "$PWD/dist/windows/motcuactl.exe" verify >/dev/null 2>"$work/verify3.err" || die "the data after uninstalling"
ok "uninstalled; %LocalAppData%\\MotCua is still there and whole"
echo "wine-smoke: $pass passed, 0 failed ($(($(date +%s) - t0)) s)"
