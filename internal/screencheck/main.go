// Command screencheck compares the window of the Windows build, captured
// under Wine, with the window of the Linux build on the same data and the
// same screen (scripts/wine-smoke.sh). Fyne draws every letter itself,
// with the font it embeds and its own rasteriser, so both builds paint the
// same pixels; a letter the Windows build could not draw (a missing glyph
// box or "�"), a font Windows substituted, a window of another size or a
// blank one all show as a difference. It is a check without OCR: it
// needs no knowledge of where a word is, only that the two agree.
//
//	go run ./internal/screencheck -windows w.xwd -linux l.xwd [-png DIR]
//
// (PNG files, from `import -window root`, are read too.)
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	win := flag.String("windows", "", "screen captured with the Windows build's window (xwd -root)")
	lin := flag.String("linux", "", "screen captured with the Linux build's window")
	pngDir := flag.String("png", "", "also write both screens as PNG files here")
	maxDiff := flag.Float64("max-diff", 0.001, "largest share of the window's pixels that may differ (a blinking text cursor is far less; one letter drawn as a box, far more once its line reflows)")
	flag.Parse()
	if err := run(*win, *lin, *pngDir, *maxDiff); err != nil {
		fmt.Fprintln(os.Stderr, "screencheck:", err)
		os.Exit(1)
	}
}

func run(winPath, linPath, pngDir string, maxDiff float64) error {
	w, err := readXWDFile(winPath)
	if err != nil {
		return err
	}
	l, err := readXWDFile(linPath)
	if err != nil {
		return err
	}
	if pngDir != "" {
		for name, img := range map[string]image.Image{"windows-wine.png": w, "linux.png": l} {
			if err := writePNG(filepath.Join(pngDir, name), img); err != nil {
				return err
			}
		}
	}
	r, err := Compare(w, l)
	if err != nil {
		return err
	}
	fmt.Printf("screencheck: window %dx%d at %v (Windows), %dx%d at %v (Linux); %d colours; %d pixels (%.3f%%) differ\n",
		r.Windows.Dx(), r.Windows.Dy(), r.Windows.Min, r.Linux.Dx(), r.Linux.Dy(), r.Linux.Min, r.Colours, r.Differ, 100*r.Diff)
	if r.Diff > maxDiff {
		return fmt.Errorf("%.3f%% of the window differs from the Linux build's (at most %.3f%%)", 100*r.Diff, 100*maxDiff)
	}
	return nil
}

// Result is what Compare found: each window's place on its screen, the
// number of colours in the Windows window, and the share of pixels that
// differ between the two.
type Result struct {
	Windows, Linux image.Rectangle
	Colours        int
	Differ         int
	Diff           float64
}

// Compare finds the window on each screen (what is not the empty
// screen's colour) and compares them pixel by pixel. Windows of different
// sizes, or an empty window, are an error.
func Compare(w, l image.Image) (Result, error) {
	r := Result{Windows: window(w), Linux: window(l)}
	if r.Windows.Empty() {
		return r, errors.New("no window on the Windows screen")
	}
	if r.Windows.Dx() != r.Linux.Dx() || r.Windows.Dy() != r.Linux.Dy() {
		return r, fmt.Errorf("the windows differ in size: %v (Windows) and %v (Linux)", r.Windows.Size(), r.Linux.Size())
	}
	colours := map[color.RGBA]bool{}
	differ := 0
	for y := 0; y < r.Windows.Dy(); y++ {
		for x := 0; x < r.Windows.Dx(); x++ {
			a := rgba(w.At(r.Windows.Min.X+x, r.Windows.Min.Y+y))
			b := rgba(l.At(r.Linux.Min.X+x, r.Linux.Min.Y+y))
			colours[a] = true
			if far(a, b) {
				differ++
			}
		}
	}
	r.Colours, r.Differ = len(colours), differ
	r.Diff = float64(differ) / float64(r.Windows.Dx()*r.Windows.Dy())
	if r.Colours < 8 {
		return r, fmt.Errorf("the Windows window is nearly blank (%d colours)", r.Colours)
	}
	return r, nil
}

// window is the bounding box of what differs from the empty screen, whose
// colour the bottom right corner has (both programs open their window at
// the top left of a screen larger than it).
func window(img image.Image) image.Rectangle {
	b := img.Bounds()
	bg := rgba(img.At(b.Max.X-1, b.Max.Y-1))
	out := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if rgba(img.At(x, y)) != bg {
				out = out.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return out
}

func rgba(c color.Color) color.RGBA { return color.RGBAModel.Convert(c).(color.RGBA) }

// far: a difference a person would see, not a rounding in the rasteriser.
func far(a, b color.RGBA) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R)+d(a.G, b.G)+d(a.B, b.B) > 48
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readXWDFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var img image.Image
	if strings.HasSuffix(path, ".png") {
		img, err = png.Decode(f)
	} else {
		img, err = ReadXWD(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// xwdHeader is the X Window Dump header (X11's XWDFileHeader, version 7),
// big-endian, as `xwd` writes it.
type xwdHeader struct {
	HeaderSize, Version, Format, Depth, Width, Height, XOffset, ByteOrder uint32
	BitmapUnit, BitmapBitOrder, BitmapPad, BitsPerPixel, BytesPerLine     uint32
	VisualClass, RedMask, GreenMask, BlueMask, BitsPerRGB, ColormapSize   uint32
	NColors, WindowWidth, WindowHeight, WindowX, WindowY, BorderWidth     uint32
}

// ReadXWD reads a 24- or 32-bit TrueColor ZPixmap dump, what `xwd -root`
// writes of an Xvfb screen of depth 24.
func ReadXWD(r io.Reader) (*image.RGBA, error) {
	var h xwdHeader
	if err := binary.Read(r, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("xwd header: %w", err)
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	// the window's name, then the colour map (12 bytes an entry)
	if _, err := io.CopyN(io.Discard, r, int64(h.HeaderSize-xwdHeaderLen)+12*int64(h.NColors)); err != nil {
		return nil, fmt.Errorf("xwd: %w", err)
	}
	line := make([]byte, h.BytesPerLine)
	img := image.NewRGBA(image.Rect(0, 0, int(h.Width), int(h.Height)))
	for y := 0; y < int(h.Height); y++ {
		if _, err := io.ReadFull(r, line); err != nil {
			return nil, fmt.Errorf("xwd: line %d: %w", y, err)
		}
		for x := 0; x < int(h.Width); x++ {
			img.SetRGBA(x, y, h.pixel(line, x))
		}
	}
	return img, nil
}

const xwdHeaderLen = 100

func (h xwdHeader) check() error {
	switch {
	case h.Version != 7 || h.Format != 2:
		return fmt.Errorf("xwd: version %d format %d (want 7, ZPixmap)", h.Version, h.Format)
	case h.BitsPerPixel != 32 && h.BitsPerPixel != 24:
		return fmt.Errorf("xwd: %d bits per pixel", h.BitsPerPixel)
	case h.HeaderSize < xwdHeaderLen || h.Width == 0 || h.Height == 0 || h.Width > 1<<14 || h.Height > 1<<14:
		return fmt.Errorf("xwd: bad header (%d bytes, %dx%d)", h.HeaderSize, h.Width, h.Height)
	case h.BytesPerLine < h.Width*h.BitsPerPixel/8:
		return fmt.Errorf("xwd: %d bytes per line for %d pixels", h.BytesPerLine, h.Width)
	}
	return nil
}

// pixel is pixel x of a line, in the header's byte order and masks.
func (h xwdHeader) pixel(line []byte, x int) color.RGBA {
	bpp := int(h.BitsPerPixel / 8)
	p := line[x*bpp : x*bpp+bpp]
	var v uint32
	for i := range bpp {
		if h.ByteOrder == 0 { // LSBFirst
			v |= uint32(p[i]) << (8 * i)
		} else {
			v = v<<8 | uint32(p[i])
		}
	}
	return color.RGBA{channel(v, h.RedMask), channel(v, h.GreenMask), channel(v, h.BlueMask), 255}
}

// channel is the 8-bit value of one colour's mask in a pixel.
func channel(v, mask uint32) uint8 {
	if mask == 0 {
		return 0
	}
	v = (v & mask) >> bits.TrailingZeros32(mask)
	if width := bits.OnesCount32(mask); width < 8 {
		return uint8(v << (8 - width))
	} else {
		return uint8(v >> (width - 8))
	}
}
