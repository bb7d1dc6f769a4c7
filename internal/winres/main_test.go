package main

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFromFyneAppToml: the resource scripts carry FyneApp.toml's version
// and build as the four numbers Windows shows, the Vietnamese product
// name, and each binary's own file name; the icon holds each size as a
// PNG that decodes to that size.
func TestFromFyneAppToml(t *testing.T) {
	out := t.TempDir()
	if err := run("../../FyneApp.toml", out); err != nil {
		t.Fatal(err)
	}
	rc, err := os.ReadFile(filepath.Join(out, "motcuactl.rc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FILEVERSION 0,1,0,1", `VALUE "ProductName", "Một Cửa"`, `VALUE "OriginalFilename", "motcuactl.exe"`,
		`VALUE "ProductVersion", "0.1.0"`, `1 ICON "motcua.ico"`, "#pragma code_page(65001)"} {
		if !strings.Contains(string(rc), want) {
			t.Errorf("motcuactl.rc lacks %q:\n%s", want, rc)
		}
	}
	man, _ := os.ReadFile(filepath.Join(out, "motcua.manifest"))
	if !strings.Contains(string(man), `name="vn.motcua.counter" version="0.1.0.1"`) || !strings.Contains(string(man), "permonitorv2") {
		t.Errorf("manifest:\n%s", man)
	}
	ico, err := os.ReadFile(filepath.Join(out, "motcua.ico"))
	if err != nil {
		t.Fatal(err)
	}
	var head [3]uint16
	if err := binary.Read(bytes.NewReader(ico), binary.LittleEndian, &head); err != nil || head != [3]uint16{0, 1, 6} {
		t.Fatalf("icon header %v %v", head, err)
	}
	for i, size := range []int{16, 24, 32, 48, 64, 256} {
		e := ico[6+16*i : 6+16*i+16]
		n, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		img, err := png.Decode(bytes.NewReader(ico[off : off+n]))
		if err != nil || img.Bounds().Dx() != size || int(e[0]) != size%256 {
			t.Errorf("icon %d: %v %v", size, img.Bounds(), err)
		}
	}
}

func TestVersionNumbers(t *testing.T) {
	if v, err := versionNumbers("1.12.3", 40); err != nil || v != [4]int{1, 12, 3, 40} {
		t.Fatalf("%v %v", v, err)
	}
	for _, bad := range []string{"1.2", "1.2.3-rc1", "v1.2.3", "1.2.70000"} {
		if _, err := versionNumbers(bad, 1); err == nil {
			t.Errorf("%q was taken", bad)
		}
	}
	if _, err := versionNumbers("1.2.3", 70000); err == nil {
		t.Error("build 70000 was taken")
	}
}
