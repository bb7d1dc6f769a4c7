package charts

import (
	"bytes"
	"image"
	"image/png"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/report"
)

func sample() report.Trends {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, dossier.Loc)
	var t report.Trends
	for i := range 30 {
		t.Days = append(t.Days, report.DayCount{Day: now.AddDate(0, 0, i-29), Online: i % 7, InPerson: 10 + i%5})
	}
	for i := range 12 {
		t.Months = append(t.Months, report.MonthCount{Month: time.Date(2025, time.Month(12+i), 1, 0, 0, 0, 0, dossier.Loc), Early: 30 + i, OnTime: 50, Late: i % 4})
	}
	t.Procedures = []report.Rate{{Name: "Đăng ký khai sinh", OnTime: 90, Settled: 100}, {Name: "Chứng thực bản sao từ bản chính giấy tờ, văn bản", OnTime: 70, Settled: 80}}
	t.Clerks = []report.Rate{{Name: "Nguyễn Thị Lan", OnTime: 95, Settled: 100}}
	return t
}

// TestChartsDraw: every chart is a PNG of its size with something drawn
// in each of its colours' places (not a blank image).
func TestChartsDraw(t *testing.T) {
	tr := sample()
	for name, draw := range map[string]func() ([]byte, error){
		"received": func() ([]byte, error) { return ReceivedPerDay(tr.Days, Default, Vietnamese) },
		"months":   func() ([]byte, error) { return Punctuality(tr.Months, Default, Vietnamese) },
		"procedures": func() ([]byte, error) {
			return Rates("Tỷ lệ đúng hạn theo thủ tục", tr.Procedures, 8, Default, Vietnamese)
		},
		"clerks": func() ([]byte, error) {
			return Rates("Tỷ lệ đúng hạn theo cán bộ", tr.Clerks, 8, Default, Vietnamese)
		},
		"empty": func() ([]byte, error) { return Rates("Không có gì", nil, 8, Default, Vietnamese) },
	} {
		data, err := draw()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
			t.Fatalf("%s: %v", name, b)
		}
		if colours(img) < 3 {
			t.Errorf("%s: the image is nearly blank", name)
		}
	}
}

func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	return len(seen)
}

// BenchmarkChart is one chart drawn (the window draws four on opening the
// charts).
func BenchmarkChart(b *testing.B) {
	tr := sample()
	for b.Loop() {
		if _, err := Punctuality(tr.Months, Default, Vietnamese); err != nil {
			b.Fatal(err)
		}
	}
}
