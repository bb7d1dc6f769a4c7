package app

import (
	"bytes"
	"encoding/json"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"motcua/assets"
)

// systemSymbols are the few symbols of the UI that Fyne's own font (Noto
// Sans) lacks, so Fyne takes them from the system's fonts: on Windows from
// Segoe UI Symbol (in every Windows since 7), on Linux from DejaVu Sans
// (Debian's fonts-dejavu-core, which the Windows smoke test also copies
// into its empty Wine prefix). Anything else must be in Fyne's own font.
const systemSymbols = "●○→✕⟳⚠"

// TestEveryLetterOfTheUIIsInTheEmbeddedFont: every letter of every UI
// string (Vietnamese and English) is drawn from the font the program
// carries, so no Windows or Linux font can turn one into a box; the few
// symbols that are not are listed above and found in DejaVu Sans.
func TestEveryLetterOfTheUIIsInTheEmbeddedFont(t *testing.T) {
	runes := map[rune]bool{}
	for _, tr := range [][]byte{assets.TranslationVI, assets.TranslationEN} {
		var m map[string]string
		if err := json.Unmarshal(tr, &m); err != nil {
			t.Fatal(err)
		}
		for _, s := range m {
			for _, r := range s {
				runes[r] = true
			}
		}
	}
	// and the strings the screens' code writes itself
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var sc scanner.Scanner
		fset := token.NewFileSet()
		sc.Init(fset.AddFile(name, -1, len(src)), src, nil, 0)
		for {
			_, tok, lit := sc.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.STRING {
				for _, r := range lit {
					runes[r] = true
				}
			}
		}
	}
	// every Vietnamese letter, whether a string uses it yet or not
	for _, r := range "ĂÂĐÊÔƠƯăâđêôơư" + "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ" {
		runes[r], runes[unicode.ToLower(r)] = true, true
	}
	// Fyne's colour emoji font comes after the text font (▶ is there)
	emoji := parseFont(t, theme.DefaultEmojiFont().Content())
	for _, st := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}} {
		f := parseFont(t, theme.DefaultTheme().Font(st).Content())
		var missing []string
		for r := range runes {
			_, ok := f.NominalGlyph(r)
			if _, e := emoji.NominalGlyph(r); e {
				ok = true
			}
			if !ok && !unicode.IsControl(r) && !strings.ContainsRune(systemSymbols, r) {
				missing = append(missing, string(r))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%+v: not in Fyne's font and not a listed system symbol: %q", st, missing)
		}
	}
	dejavu, err := os.ReadFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
	if err != nil {
		t.Fatalf("DejaVu Sans (fonts-dejavu-core): %v", err)
	}
	f := parseFont(t, dejavu)
	for _, r := range systemSymbols {
		if _, ok := f.NominalGlyph(r); !ok {
			t.Errorf("%q is not in DejaVu Sans", r)
		}
	}
}

func parseFont(t *testing.T, data []byte) *font.Face {
	t.Helper()
	f, err := font.ParseTTF(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
