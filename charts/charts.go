// Package charts draws the supervisor's charts with gonum/plot, as PNG
// for the window (a canvas.Image) and for the printed report: files
// received per day by channel, files settled early / on time / late per
// month, and on-time rates. Labels are Vietnamese (Liberation fonts).
package charts

import (
	"bytes"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"motcua/report"
)

// Colours: calm, and apart for a person who does not tell red from green
// (blue, orange, teal).
var (
	blue   = color.RGBA{R: 0x1f, G: 0x6f, B: 0xc5, A: 0xff}
	orange = color.RGBA{R: 0xe0, G: 0x7b, B: 0x00, A: 0xff}
	teal   = color.RGBA{R: 0x2a, G: 0x9d, B: 0x8f, A: 0xff}
)

// Words are a chart's words: Vietnamese on paper, the window's language
// on screen.
type Words struct {
	Received, Files, InPerson, Online string
	Settled, Early, OnTime, Late      string
	RateAxis, None                    string
	RateProcedure, RateClerk          string // the rates charts' titles (the caller's, with their period)
}

// Vietnamese are the charts' words in Vietnamese (paper, and the
// Vietnamese window).
var Vietnamese = Words{
	Received: "Hồ sơ tiếp nhận 30 ngày gần nhất", Files: "hồ sơ", InPerson: "Trực tiếp, bưu chính", Online: "Trực tuyến",
	Settled: "Hồ sơ đã giải quyết theo tháng: trước hạn, đúng hạn, quá hạn (%)", Early: "Trước hạn", OnTime: "Đúng hạn", Late: "Quá hạn",
	RateAxis: "% đúng hạn", None: "chưa có hồ sơ đã giải quyết",
}

// Size is a chart's size on screen and paper, in points.
type Size struct{ W, H vg.Length }

// Default fits two charts side by side at 1366 px.
var Default = Size{W: 460, H: 260}

func render(p *plot.Plot, s Size) ([]byte, error) {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(s.W, s.H), vgimg.UseDPI(96))}
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 12
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = 10
	p.X.Tick.Label.Font.Size = 9.5
	p.Y.Tick.Label.Font.Size = 9.5
	return p
}

func bars(vs plotter.Values, w vg.Length, c color.Color) (*plotter.BarChart, error) {
	b, err := plotter.NewBarChart(vs, w)
	if err != nil {
		return nil, err
	}
	b.Color = c
	b.LineStyle.Width = 0
	return b, nil
}

// ReceivedPerDay is files received per day by channel, stacked.
func ReceivedPerDay(days []report.DayCount, s Size, wd Words) ([]byte, error) {
	p := newPlot(wd.Received, wd.Files)
	online, inPerson := make(plotter.Values, len(days)), make(plotter.Values, len(days))
	labels := make([]string, len(days))
	for i, d := range days {
		online[i], inPerson[i] = float64(d.Online), float64(d.InPerson)
		if i%5 == 0 || i == len(days)-1 {
			labels[i] = d.Day.Format("02/01")
		}
	}
	w := s.W / vg.Length(len(days)+6)
	a, err := bars(inPerson, w, blue)
	if err != nil {
		return nil, err
	}
	b, err := bars(online, w, orange)
	if err != nil {
		return nil, err
	}
	b.StackOn(a)
	p.Add(a, b)
	top := 1.0
	for i := range online {
		top = max(top, online[i]+inPerson[i])
	}
	p.Y.Min, p.Y.Max = 0, top*1.35 // room above the bars for the legend
	p.Legend.Add(wd.InPerson, a)
	p.Legend.Add(wd.Online, b)
	p.NominalX(labels...)
	return render(p, s)
}

// Punctuality is the share of files settled early, on time and late per
// month, stacked to 100 %.
func Punctuality(months []report.MonthCount, s Size, wd Words) ([]byte, error) {
	p := newPlot(wd.Settled, "%")
	n := len(months)
	early, onTime, late := make(plotter.Values, n), make(plotter.Values, n), make(plotter.Values, n)
	labels := make([]string, n)
	for i, m := range months {
		if total := m.Early + m.OnTime + m.Late; total > 0 {
			early[i], onTime[i], late[i] = share(m.Early, total), share(m.OnTime, total), share(m.Late, total)
		}
		labels[i] = m.Month.Format("01/06")
	}
	w := s.W / vg.Length(n+6)
	a, err := bars(early, w, teal)
	if err != nil {
		return nil, err
	}
	b, err := bars(onTime, w, blue)
	if err != nil {
		return nil, err
	}
	c, err := bars(late, w, orange)
	if err != nil {
		return nil, err
	}
	b.StackOn(a)
	c.StackOn(b)
	p.Add(a, b, c)
	p.Legend.Add(wd.Early, a)
	p.Legend.Add(wd.OnTime, b)
	p.Legend.Add(wd.Late, c)
	p.Y.Min, p.Y.Max = 0, 135 // room above 100 % for the legend
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}})
	p.NominalX(labels...)
	return render(p, s)
}

func share(n, total int) float64 { return float64(n) * 100 / float64(total) }

// Rates is the on-time rate of up to limit names (procedures, clerks),
// most files first, as horizontal bars labelled with their files.
func Rates(title string, rates []report.Rate, limit int, s Size, wd Words) ([]byte, error) {
	if len(rates) > limit {
		rates = rates[:limit]
	}
	p := newPlot(title, "")
	p.X.Label.Text = wd.RateAxis
	vs := make(plotter.Values, len(rates))
	names := make([]string, len(rates))
	for i, r := range rates {
		j := len(rates) - 1 - i // the most files at the top
		vs[j] = r.Percent()
		name := []rune(r.Name)
		if len(name) > 34 {
			name = append(name[:33], '…')
		}
		names[j] = string(name) + " (" + strconv.Itoa(r.Settled) + ")"
	}
	if len(vs) == 0 {
		vs, names = plotter.Values{0}, []string{wd.None}
	}
	b, err := bars(vs, min(s.H/vg.Length(len(vs)+4), 16), blue)
	if err != nil {
		return nil, err
	}
	b.Horizontal = true
	p.Add(b)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, 100
	p.Legend.Top = false
	return render(p, s)
}

// Sizes of the report's charts on paper.
var Paper = Size{W: 700, H: 260}
