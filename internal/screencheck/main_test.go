package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"
)

// screen is a 400x300 black screen with a window of w at (x, y).
func screen(w image.Image, x, y int) *image.RGBA {
	s := image.NewRGBA(image.Rect(0, 0, 400, 300))
	draw.Draw(s, s.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	draw.Draw(s, w.Bounds().Add(image.Pt(x, y)), w, w.Bounds().Min, draw.Src)
	return s
}

// window is a 200x100 window with text-like stripes in many colours.
func testWindow() *image.RGBA {
	w := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := range 200 {
			c := color.RGBA{250, 250, 250, 255}
			if (x/3+y/5)%4 == 0 {
				c = color.RGBA{uint8(x), uint8(y * 2), 80, 255}
			}
			w.SetRGBA(x, y, c)
		}
	}
	return w
}

func TestSameWindowAnywhereOnTheScreen(t *testing.T) {
	w := testWindow()
	r, err := Compare(screen(w, 4, 23), screen(w, 0, 0))
	if err != nil || r.Differ != 0 || r.Windows != image.Rect(4, 23, 204, 123) || r.Linux != image.Rect(0, 0, 200, 100) {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestALetterDrawnDifferentlyIsSeen(t *testing.T) {
	w := testWindow()
	other := testWindow()
	// a replacement box where a 9x14 letter was
	draw.Draw(other, image.Rect(50, 40, 59, 54), image.NewUniform(color.RGBA{20, 20, 20, 255}), image.Point{}, draw.Src)
	r, err := Compare(screen(other, 4, 23), screen(w, 0, 0))
	if err != nil || r.Differ < 60 {
		t.Fatalf("%+v %v", r, err)
	}
	// a rounding difference in the rasteriser is not
	w2 := testWindow()
	c := w2.RGBAAt(10, 10)
	c.R ^= 4
	w2.SetRGBA(10, 10, c)
	if r, err := Compare(screen(w2, 0, 0), screen(w, 0, 0)); err != nil || r.Differ != 0 {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestWrongSizeOrBlankWindowFails(t *testing.T) {
	w := testWindow()
	small := w.SubImage(image.Rect(0, 0, 150, 100))
	if _, err := Compare(screen(small, 0, 0), screen(w, 0, 0)); err == nil || !strings.Contains(err.Error(), "size") {
		t.Fatalf("sizes: %v", err)
	}
	blank := image.NewRGBA(image.Rect(0, 0, 200, 100))
	draw.Draw(blank, blank.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if _, err := Compare(screen(blank, 0, 0), screen(blank, 0, 0)); err == nil || !strings.Contains(err.Error(), "blank") {
		t.Fatalf("blank: %v", err)
	}
	empty := screen(image.NewRGBA(image.Rect(0, 0, 0, 0)), 0, 0)
	if _, err := Compare(empty, screen(w, 0, 0)); err == nil {
		t.Fatal("no window was not an error")
	}
}

// TestReadXWD reads what `xwd -root` writes of a 24-bit Xvfb screen: a
// header, the window's name, a colour map, then 32-bit pixels B,G,R,x.
func TestReadXWD(t *testing.T) {
	name := []byte("xwdump\x00")
	h := xwdHeader{HeaderSize: uint32(100 + len(name)), Version: 7, Format: 2, Depth: 24, Width: 3, Height: 2,
		ByteOrder: 0, BitmapUnit: 32, BitmapPad: 32, BitsPerPixel: 32, BytesPerLine: 12, VisualClass: 4,
		RedMask: 0xff0000, GreenMask: 0xff00, BlueMask: 0xff, BitsPerRGB: 8, ColormapSize: 256, NColors: 2}
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, h)
	b.Write(name)
	b.Write(make([]byte, 12*2))
	b.Write([]byte{0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0}) // red, green, blue
	b.Write([]byte{255, 255, 255, 0, 0, 0, 0, 0, 10, 20, 30, 0})
	img, err := ReadXWD(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}, {0, 0, 0, 255}, {30, 20, 10, 255}}
	for i, c := range want {
		if got := img.RGBAAt(i%3, i/3); got != c {
			t.Errorf("pixel %d: %v, want %v", i, got, c)
		}
	}
	// cut short, or not a ZPixmap: an error, not a panic
	if _, err := ReadXWD(bytes.NewReader(b.Bytes()[:50])); err == nil {
		t.Error("a cut header was read")
	}
	h.Format = 1
	b.Reset()
	_ = binary.Write(&b, binary.BigEndian, h)
	if _, err := ReadXWD(&b); err == nil || !strings.Contains(err.Error(), "ZPixmap") {
		t.Errorf("format 1: %v", err)
	}
}
