package forms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// word is one word of a rendered page, in points from the page's top left.
type word struct {
	text                   string
	xMin, yMin, xMax, yMax float64
}

var wordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// words reads where every word of a PDF's first page is (pdftotext -bbox).
func words(t *testing.T, pdf []byte) []word {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox (poppler-utils): %v", err)
	}
	var ws []word
	for _, m := range wordRE.FindAllStringSubmatch(string(out), -1) {
		f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
		ws = append(ws, word{m[5], f(1), f(2), f(3), f(4)})
	}
	if len(ws) < 50 {
		t.Fatalf("only %d words read", len(ws))
	}
	return ws
}

const mm = 72 / 25.4 // points

// Every form is laid out as Decree 30/2020 Phụ lục I asks: margins (left
// 30–35 mm, right 15–20, top 20–25, bottom 20–25), the body at 13–14 pt,
// read from the rendered PDF itself.
func TestDecree30Layout(t *testing.T) {
	u := unit
	u.Parent = "Ủy ban nhân dân phường Thuận Hóa"
	u.Name = "Trung tâm Phục vụ hành chính công"
	u.SignerAuthority, u.SignerTitle, u.SignerName = "TM. Ủy ban nhân dân", "Chủ tịch", "Nguyễn Văn Hùng"
	for _, k := range []Kind{KindReceipt, KindSupplement, KindRefusal, KindExtension, KindStop, KindControl, KindHandOver} {
		t.Run(string(k), func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, k, u, fixture(), at("2026-03-13 15:00")); err != nil {
				t.Fatal(err)
			}
			keep(t, "layout-"+string(k), b.Bytes())
			ws := words(t, b.Bytes())
			const pageW, pageH = 595.28, 841.89
			var heights []float64
			for _, w := range ws {
				if w.xMin < 30*mm-1 || w.xMax > pageW-15*mm+1 || w.yMin < 20*mm-3 || w.yMax > pageH-20*mm+1 {
					t.Errorf("%q at x %.1f–%.1f, y %.1f–%.1f pt lies in a margin", w.text, w.xMin, w.xMax, w.yMin, w.yMax)
				}
				heights = append(heights, w.yMax-w.yMin)
			}
			sort.Float64s(heights)
			// poppler gives a word's box as the font's ascent to descent:
			// 1.107 em for Liberation Serif
			size := func(h float64) float64 { return h / 1.107 }
			if body := size(heights[len(heights)/2]); k != KindControl && (body < 12.9 || body > 14.1) {
				t.Errorf("body type %.1f pt (the commonest), want 13–14", body)
			}
			first := func(s string) word {
				for _, w := range ws {
					if w.text == s {
						return w
					}
				}
				t.Fatalf("no %q on the page", s)
				return word{}
			}
			if dl := first("tháng"); size(dl.yMax-dl.yMin) < 12.9 || size(dl.yMax-dl.yMin) > 14.1 {
				t.Errorf("place-and-date line %.1f pt, want 13–14", size(dl.yMax-dl.yMin))
			}
			if first("BAN").yMin >= first("TRUNG").yMin {
				t.Errorf("the governing body is not above the issuing one")
			}
			text := pdfTextOf(t, b.Bytes())
			if k == KindExtension || k == KindStop {
				for _, want := range []string{"Kính gửi: Ông/Bà Hoàng Đức Khải", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn Hùng", "Số: ……/……"} {
					if !strings.Contains(text, want) {
						t.Errorf("letter lacks %q", want)
					}
				}
			}
		})
	}
}

// A title never leaves one word alone on its last line.
func TestTitleHasNoOrphan(t *testing.T) {
	d := newDoc(unit, "P")
	d.pdf.AddPage()
	d.font("B", 14)
	for _, title := range []string{"VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ CỦA TỔ CHỨC VÀ CÁ NHÂN"} {
		for _, width := range []float64{100, 120, 140, d.bodyW} {
			lines := d.balanced(title, width)
			if n := len(lines); n > 1 && len(strings.Fields(lines[n-1])) < 2 {
				t.Errorf("%q in %.0f mm: %q", title, width, lines)
			}
		}
	}
}

func pdfTextOf(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.pdf")
	os.WriteFile(path, pdf, 0o600)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
