// Command winres writes what the Windows executables carry besides their
// code: the icon (from the program's PNG), the version information (from
// FyneApp.toml, the one place the version is kept) and the application
// manifest, as resource scripts for mingw's windres, which compiles each
// into the .syso object the Go linker takes from a package's folder.
//
//	go run ./internal/winres -toml FyneApp.toml -out build/windows
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/image/draw"
)

// App is what FyneApp.toml says of the program.
type App struct {
	Website string
	Details struct {
		Icon, Name, ID, Version string
		Build                   int
	}
	Migrations map[string]bool
}

// Binary is one executable the package builds.
type Binary struct {
	File, Description string
	GUI               bool
}

// Binaries are the three executables of a Windows install.
var Binaries = []Binary{
	{"motcua.exe", "Một Cửa: chương trình của bộ phận một cửa", true},
	{"motcuactl.exe", "Một Cửa: công cụ dòng lệnh của quầy", false},
	{"motcua-server.exe", "Một Cửa: máy chủ của tỉnh", false},
}

func main() {
	tomlPath := flag.String("toml", "FyneApp.toml", "the program's metadata")
	out := flag.String("out", "build/windows", "folder for the resource scripts and the icon")
	flag.Parse()
	if err := run(*tomlPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

func run(tomlPath, out string) error {
	var a App
	if _, err := toml.DecodeFile(tomlPath, &a); err != nil {
		return err
	}
	if _, err := versionNumbers(a.Details.Version, a.Details.Build); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	icon, err := os.ReadFile(filepath.Join(filepath.Dir(tomlPath), a.Details.Icon))
	if err != nil {
		return err
	}
	ico, err := ICO(icon, 16, 24, 32, 48, 64, 256)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "motcua.ico"), ico, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "motcua.manifest"), []byte(Manifest(a)), 0o644); err != nil {
		return err
	}
	for _, b := range Binaries {
		rc := RC(a, b, "motcua.ico", "motcua.manifest")
		name := strings.TrimSuffix(b.File, ".exe") + ".rc"
		if err := os.WriteFile(filepath.Join(out, name), []byte(rc), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// versionNumbers are the four numbers of a Windows version: the three of
// the version and the build.
func versionNumbers(version string, build int) ([4]int, error) {
	var v [4]int
	if _, err := fmt.Sscanf(version, "%d.%d.%d", &v[0], &v[1], &v[2]); err != nil {
		return v, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH: %w", version, err)
	}
	if fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) != version {
		return v, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", version)
	}
	v[3] = build
	for _, n := range v {
		if n < 0 || n > 65535 {
			return v, fmt.Errorf("version %q build %d: each number must be 0-65535", version, build)
		}
	}
	return v, nil
}

// rcString quotes s for a resource script read as UTF-8 (windres -c 65001).
func rcString(s string) string {
	return `"` + strings.NewReplacer(`"`, `""`, `\`, `\\`).Replace(s) + `"`
}

// RC is the resource script of one executable: the icon, the manifest and
// the version information, whose product name is the Vietnamese one.
func RC(a App, b Binary, ico, manifest string) string {
	v, _ := versionNumbers(a.Details.Version, a.Details.Build)
	nums := fmt.Sprintf("%d,%d,%d,%d", v[0], v[1], v[2], v[3])
	dotted := fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3])
	var s strings.Builder
	s.WriteString("#pragma code_page(65001)\n")
	fmt.Fprintf(&s, "1 ICON %s\n", rcString(ico))
	fmt.Fprintf(&s, "1 24 %s\n", rcString(manifest)) // RT_MANIFEST
	fmt.Fprintf(&s, "1 VERSIONINFO\nFILEVERSION %s\nPRODUCTVERSION %s\nFILEOS 0x40004\nFILETYPE 0x1\n", nums, nums)
	s.WriteString("BEGIN\n BLOCK \"StringFileInfo\"\n BEGIN\n  BLOCK \"042a04b0\"\n  BEGIN\n") // Vietnamese, UTF-16
	for _, kv := range [][2]string{
		{"CompanyName", "Một Cửa"},
		{"FileDescription", b.Description},
		{"FileVersion", dotted},
		{"InternalName", strings.TrimSuffix(b.File, ".exe")},
		{"OriginalFilename", b.File},
		{"ProductName", a.Details.Name},
		{"ProductVersion", a.Details.Version},
		{"LegalCopyright", "Một Cửa"},
	} {
		fmt.Fprintf(&s, "   VALUE %s, %s\n", rcString(kv[0]), rcString(kv[1]))
	}
	s.WriteString("  END\n END\n BLOCK \"VarFileInfo\"\n BEGIN\n  VALUE \"Translation\", 0x042a, 1200\n END\nEND\n")
	return s.String()
}

// Manifest declares Windows 10/11, sharp text on scaled screens (Fyne
// scales itself per monitor) and the modern common controls.
func Manifest(a App) string {
	v, _ := versionNumbers(a.Details.Version, a.Details.Build)
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="` + a.Details.ID + `" version="` + fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3]) + `" processorArchitecture="amd64"/>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application>
      <supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/>
    </application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
      <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">permonitorv2,permonitor</dpiAwareness>
    </windowsSettings>
  </application>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security>
      <requestedPrivileges>
        <requestedExecutionLevel level="asInvoker" uiAccess="false"/>
      </requestedPrivileges>
    </security>
  </trustInfo>
  <dependency>
    <dependentAssembly>
      <assemblyIdentity type="win32" name="Microsoft.Windows.Common-Controls" version="6.0.0.0" processorArchitecture="*" publicKeyToken="6595b64144ccf1df" language="*"/>
    </dependentAssembly>
  </dependency>
</assembly>
`
}

// ICO is an icon file holding the PNG scaled to each size, each image
// stored as PNG (which Windows reads since Vista).
func ICO(pngData []byte, sizes ...int) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return nil, fmt.Errorf("icon: %w", err)
	}
	var images [][]byte
	for _, n := range sizes {
		if n < 1 || n > 256 {
			return nil, fmt.Errorf("icon size %d: 1-256", n)
		}
		dst := image.NewNRGBA(image.Rect(0, 0, n, n))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var b bytes.Buffer
		if err := png.Encode(&b, dst); err != nil {
			return nil, err
		}
		images = append(images, b.Bytes())
	}
	var out bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&out, le, [3]uint16{0, 1, uint16(len(images))}) // reserved, type icon, count
	offset := 6 + 16*len(images)
	for i, img := range images {
		n := sizes[i] % 256 // 256 is written as 0
		out.Write([]byte{byte(n), byte(n), 0, 0})
		_ = binary.Write(&out, le, [2]uint16{1, 32}) // planes, bits per pixel
		_ = binary.Write(&out, le, [2]uint32{uint32(len(img)), uint32(offset)})
		offset += len(img)
	}
	for _, img := range images {
		out.Write(img)
	}
	return out.Bytes(), nil
}
