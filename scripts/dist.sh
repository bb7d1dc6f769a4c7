#!/usr/bin/env bash
# make dist: the packages of a release, built on Debian/Ubuntu.
#   dist/motcua-setup-VERSION-windows-amd64.exe  NSIS installer (64-bit)
#   dist/windows/{motcua,motcuactl,motcua-server}.exe
#   dist/motcua-VERSION-linux-amd64.tar.xz        binaries, .desktop, icon, Makefile
#   dist/motcua_VERSION-BUILD_amd64.deb
# The version, build number, product name and the build tags come from
# FyneApp.toml through the Makefile (VERSION, BUILD, TAGS); nothing here
# writes to a tracked file. Go's build cache keeps the cross-compiled
# objects (GLFW's C code for Windows takes minutes the first time only);
# the builds are reproducible (-trimpath), so a package whose contents
# have not changed since the last run is not compressed again.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VERSION:?} ${BUILD:?} ${TAGS?}"
out=dist
win=$out/windows
res=build/windows
ldflags="-s -w -X motcua/internal/version.Version=$VERSION"
mkdir -p "$win" "$res"
# the digest of a package's contents, and whether it is the last one built
digest() { { echo "$VERSION $BUILD"; cat "$@"; } | sha256sum | cut -d' ' -f1; }
fresh() { [ -f "$1" ] && [ "$(cat "$1.sha256" 2>/dev/null)" = "$2" ]; }

# icon, version information and manifest of each .exe, compiled by mingw's
# windres into the .syso the Go linker takes from the package's folder
go run ./internal/winres -toml FyneApp.toml -out "$res"
for b in motcua:. motcuactl:cmd/motcuactl motcua-server:cmd/motcua-server; do
	name=${b%%:*} dir=${b#*:}
	x86_64-w64-mingw32-windres -c 65001 --include-dir "$res" -i "$res/$name.rc" -O coff \
		-o "$dir/rsrc_windows_amd64.syso"
done

t0=$(date +%s)
GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
	go build -trimpath -tags "$TAGS" -ldflags "$ldflags -H windowsgui" -o "$win/motcua.exe" .
for c in motcuactl motcua-server; do
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$win/$c.exe" "./cmd/$c"
done
echo "dist: Windows programs built in $(($(date +%s) - t0)) s"
sed 's/$/\r/' packaging/windows/README.txt >"$win/README.txt"
size_kb=$(du -sk "$win" | cut -f1)
setup=$out/motcua-setup-$VERSION-windows-amd64.exe
sum=$(digest "$win"/*.exe "$win/README.txt" packaging/windows/motcua.nsi "$res/motcua.ico")
if fresh "$setup" "$sum"; then
	echo "dist: $setup is up to date"
else
	rm -f "$out"/motcua-setup-*-windows-amd64.exe*
	makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$VERSION" -DBUILD="$BUILD" -DSIZE_KB="$size_kb" \
		-DSRC="$PWD/$win" -DICON="$PWD/$res/motcua.ico" -DOUTFILE="$PWD/$setup" packaging/windows/motcua.nsi
	echo "$sum" >"$setup.sha256"
	echo "dist: $setup ($(du -h "$setup" | cut -f1))"
fi

# Linux: the same build tags as `make build`
stage=build/linux
rm -rf "$stage"
tree=$stage/motcua-$VERSION-linux-amd64
go build -trimpath -tags "$TAGS" -ldflags "$ldflags" -o "$tree/usr/local/bin/motcua" .
for c in motcuactl motcua-server; do
	CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tree/usr/local/bin/$c" "./cmd/$c"
done
install -Dm644 packaging/linux/vn.motcua.counter.desktop "$tree/usr/local/share/applications/vn.motcua.counter.desktop"
install -Dm644 assets/icon.png "$tree/usr/local/share/icons/hicolor/256x256/apps/vn.motcua.counter.png"
cp packaging/linux/Makefile "$tree/Makefile"
tarball=$out/motcua-$VERSION-linux-amd64.tar.xz
debfile=$out/motcua_$VERSION-${BUILD}_amd64.deb
sum=$(digest $(find "$tree" -type f | sort) scripts/dist.sh)
if fresh "$tarball" "$sum" && fresh "$debfile" "$sum"; then
	echo "dist: $tarball and $debfile are up to date"
	exit 0
fi
rm -f "$out"/motcua-*-linux-amd64.tar.xz* "$out"/motcua_*_amd64.deb*
tar -C "$stage" --owner=0 --group=0 --mtime=@0 -cf - "motcua-$VERSION-linux-amd64" | xz -T2 -6 >"$tarball"
echo "dist: $tarball"

# a Debian package of the same files under /usr
deb=$stage/deb
install -Dm755 "$tree/usr/local/bin/motcua" "$deb/usr/bin/motcua"
install -Dm755 "$tree/usr/local/bin/motcuactl" "$deb/usr/bin/motcuactl"
install -Dm755 "$tree/usr/local/bin/motcua-server" "$deb/usr/bin/motcua-server"
install -Dm644 packaging/linux/vn.motcua.counter.desktop "$deb/usr/share/applications/vn.motcua.counter.desktop"
install -Dm644 assets/icon.png "$deb/usr/share/icons/hicolor/256x256/apps/vn.motcua.counter.png"
mkdir -p "$deb/DEBIAN"
cat >"$deb/DEBIAN/control" <<CONTROL
Package: motcua
Version: $VERSION-$BUILD
Architecture: amd64
Maintainer: Một Cửa <motcua@example.invalid>
Installed-Size: $(du -sk "$deb/usr" | cut -f1)
Depends: libc6, libgl1, libx11-6, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1
Recommends: xdg-utils, cups-client
Section: misc
Priority: optional
Description: Một Cửa: the one-stop counter program of a ward service centre
 Receives citizens' files for administrative procedures, gives a receipt
 with the appointment date and hands back the result, also offline; syncs
 with the provincial backend when the network is back.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$deb" "$debfile" >/dev/null
echo "dist: $debfile"

# what was packed is what a ward gets: every file, and programs of this version
check=$stage/check
mkdir -p "$check/tar" "$check/deb"
tar -C "$check/tar" -xJf "$tarball"
dpkg-deb -x "$debfile" "$check/deb"
for f in tar/motcua-$VERSION-linux-amd64/{usr/local/bin/motcua,usr/local/bin/motcuactl,usr/local/bin/motcua-server,usr/local/share/applications/vn.motcua.counter.desktop,usr/local/share/icons/hicolor/256x256/apps/vn.motcua.counter.png,Makefile} \
	deb/usr/bin/{motcua,motcuactl,motcua-server} deb/usr/share/applications/vn.motcua.counter.desktop; do
	[ -s "$check/$f" ] || { echo "dist: $f is missing from the package" >&2; exit 1; }
done
for b in "$check/tar/motcua-$VERSION-linux-amd64/usr/local/bin" "$check/deb/usr/bin"; do
	[ "$("$b/motcuactl" version)" = "motcuactl $VERSION" ] && [ "$("$b/motcua-server" version)" = "motcua-server $VERSION" ] ||
		{ echo "dist: the packed programs are not version $VERSION" >&2; exit 1; }
done
[ "$(dpkg-deb -f "$debfile" Version)" = "$VERSION-$BUILD" ] || { echo "dist: the package's version" >&2; exit 1; }
if command -v desktop-file-validate >/dev/null; then desktop-file-validate packaging/linux/vn.motcua.counter.desktop; fi
echo "dist: the tarball and the package hold every file, version $VERSION"
echo "$sum" >"$tarball.sha256"
echo "$sum" >"$debfile.sha256"
