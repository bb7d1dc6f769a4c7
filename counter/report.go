package counter

import (
	"io"
	"time"

	"motcua/account"
	"motcua/charts"
	"motcua/dossier"
	"motcua/forms"
	"motcua/report"
)

// Report computes the periodic report for the days [from, to] (README
// "Reports"): every record received before the period's end is read once.
func (c *Counter) Report(from, to time.Time) (report.Report, error) {
	if err := c.mayPrint(account.Reports); err != nil {
		return report.Report{}, err
	}
	if to.Before(from) {
		return report.Report{}, &UsageError{L("error.report_period")}
	}
	period := report.Period{From: from, To: to, Now: c.now()}
	b := report.NewBuilder(period, c.store.Catalog())
	err := c.store.EachFileBetween(time.Time{}, period.End(), func(f report.File, full func() (*dossier.Record, error)) error {
		b.AddFile(f, full)
		return b.Err()
	})
	if err != nil {
		return report.Report{}, err
	}
	if err := c.store.EachGuidance(func(g *dossier.Guidance) error { b.AddGuidance(g); return nil }); err != nil {
		return report.Report{}, err
	}
	return b.Report(c.store.Settings().UnitName), nil
}

// Report formats.
const (
	FormatPDF  = "pdf"
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// WriteReport computes the report for [from, to] and writes it to out (""
// for the prints folder) as pdf, xlsx or csv; the export is in the audit.
func (c *Counter) WriteReport(from, to time.Time, format, out string) (PrintResult, report.Report, error) {
	rep, err := c.Report(from, to)
	if err != nil {
		return PrintResult{}, rep, err
	}
	var render func(io.Writer) error
	switch format {
	case FormatPDF:
		now := c.now()
		figs, err := c.reportFigures(rep.To)
		if err != nil {
			return PrintResult{}, rep, err
		}
		render = func(w io.Writer) error { return forms.Report(w, c.unit(), &rep, now, figs...) }
	case FormatXLSX:
		render = rep.WriteXLSX
	case FormatCSV:
		render = rep.WriteCSV
	default:
		return PrintResult{}, rep, &UsageError{L("error.report_format", map[string]any{"Format": format})}
	}
	if out == "" {
		name := "bao-cao-" + rep.From.Format("20060102") + "-" + rep.To.Format("20060102") + "." + format
		if out, err = c.printPath(name); err != nil {
			return PrintResult{}, rep, err
		}
	}
	if err := writeFile(out, render); err != nil {
		return PrintResult{}, rep, err
	}
	res := PrintResult{Path: out}
	if !c.store.ReadOnly() {
		err = c.store.LogListPrint(c.actor(), "report", format+" "+rep.From.Format("02/01/2006")+"–"+rep.To.Format("02/01/2006"))
		res.Audited = err == nil
	}
	return res, rep, err
}

// reportFigures are the charts printed with a report: the 12 months and
// the 30 days up to its last day.
func (c *Counter) reportFigures(last time.Time) ([]forms.Figure, error) {
	t, err := c.trends(dossier.Midnight(last).Add(24*time.Hour-time.Minute), time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	months, err := charts.Punctuality(t.Months, charts.Paper, charts.Vietnamese)
	if err != nil {
		return nil, err
	}
	days, err := charts.ReceivedPerDay(t.Days, charts.Paper, charts.Vietnamese)
	if err != nil {
		return nil, err
	}
	return []forms.Figure{{Name: "months", PNG: months}, {Name: "days", PNG: days}}, nil
}
