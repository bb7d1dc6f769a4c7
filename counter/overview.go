package counter

import (
	"cmp"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/forms"
	"motcua/report"
)

// OverviewLookback is how far back the supervisor's overview reads files:
// a file open for longer is rare and the periodic report, which reads
// everything, still counts it.
const OverviewLookback = 366 * 24 * time.Hour

// Overview is the supervisor's first screen: today's and this week's
// figures (counted as the report counts them), the overdue board and the
// files whose result waits to be collected.
type Overview struct {
	Now           time.Time
	Today, Week   report.Row
	GuidanceToday int
	GuidanceWeek  int
	ReturnedToday int // results handed back today
	ReturnedWeek  int
	DueToday      int // open files whose appointment is today
	Paused        int // waiting for a supplement or a payment
	Overdue       []OverdueFile
	Waiting       []*dossier.Record // result ready, not collected: longest waiting first
	WaitingFee    int64             // fees still to collect on them
}

// OverdueFile is an open file past its legal deadline.
type OverdueFile struct {
	Record   *dossier.Record
	DaysLate int
}

// weekStart is the Monday of t's week.
func weekStart(t time.Time) time.Time {
	d := dossier.Midnight(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// Overview counts today's and this week's figures and lists the overdue
// and waiting files (supervisor). The first call reads the last year's
// files once; later calls the same day read again only the records written
// since (desk.go).
func (c *Counter) Overview() (Overview, error) {
	if err := c.require(account.Reports); err != nil {
		return Overview{}, err
	}
	now := c.now().In(dossier.Loc)
	today := dossier.Midnight(now)
	cat := c.store.Catalog()
	day := report.NewBuilder(report.Period{From: today, To: today, Now: now}, cat)
	week := report.NewBuilder(report.Period{From: weekStart(now), To: today, Now: now}, cat)
	ov := Overview{Now: now}
	err := c.desk.each(c.store, now, func(f report.File, full func() (*dossier.Record, error)) error {
		day.AddFile(f, full)
		week.AddFile(f, full)
		if err := errors.Join(day.Err(), week.Err()); err != nil {
			return err
		}
		return ov.note(f, full, now, today)
	})
	if err != nil {
		return Overview{}, err
	}
	err = c.store.EachGuidance(func(g *dossier.Guidance) error {
		day.AddGuidance(g)
		week.AddGuidance(g)
		return nil
	})
	if err != nil {
		return Overview{}, err
	}
	d, w := day.Report(""), week.Report("")
	ov.Today, ov.Week, ov.GuidanceToday, ov.GuidanceWeek = d.Total, w.Total, d.Guidance, w.Guidance
	// most late first, then the earliest received; longest waiting first
	slices.SortFunc(ov.Overdue, func(a, b OverdueFile) int {
		return cmp.Or(cmp.Compare(b.DaysLate, a.DaysLate), a.Record.ReceivedAt.Compare(b.Record.ReceivedAt), cmp.Compare(a.Record.Code, b.Record.Code))
	})
	slices.SortFunc(ov.Waiting, func(a, b *dossier.Record) int {
		return cmp.Or(a.FinishedAt.Compare(b.FinishedAt), cmp.Compare(a.Code, b.Code))
	})
	return ov, nil
}

// note puts an open or waiting file where the overview shows it; full
// reads its record for the lists.
func (ov *Overview) note(f report.File, full func() (*dossier.Record, error), now, today time.Time) error {
	if !f.Returned.IsZero() && !f.Returned.Before(weekStart(now)) {
		ov.ReturnedWeek++
		if !f.Returned.Before(today) {
			ov.ReturnedToday++
		}
	}
	if f.Status.Open() && f.Due.In(dossier.Loc).Format("20060102") == today.Format("20060102") {
		ov.DueToday++
	}
	switch {
	case f.Status == dossier.StatusDone:
		r, err := full()
		if err != nil {
			return err
		}
		ov.Waiting = append(ov.Waiting, r)
		ov.WaitingFee += max(0, r.Fee-r.FeePaid)
	case !f.Status.Open():
	case f.Paused:
		ov.Paused++
	case f.LegalDue.Before(now):
		r, err := full()
		if err != nil {
			return err
		}
		ov.Overdue = append(ov.Overdue, OverdueFile{Record: r, DaysLate: max(1, report.DaysLate(f.LegalDue, today))})
	}
	return nil
}

// Trends counts the supervisor's charts up to now (supervisor): files
// received per day for 30 days, settled per month for 12, and the
// on-time rates per procedure and per clerk for the days [from, to] (zero
// days: those 12 months).
func (c *Counter) Trends(from, to time.Time) (report.Trends, error) {
	if err := c.mayPrint(account.Reports); err != nil {
		return report.Trends{}, err
	}
	return c.trends(c.now(), from, to)
}

func (c *Counter) trends(now, from, to time.Time) (report.Trends, error) {
	t := report.NewTrends(now, c.store.Catalog())
	if !from.IsZero() && !to.IsZero() && !to.Before(from) {
		t.RatesFor(from, to)
	}
	end := now.In(dossier.Loc).AddDate(0, 0, 1)
	err := c.store.EachFileBetween(t.Since(), end, func(f report.File, _ func() (*dossier.Record, error)) error {
		t.Add(f)
		return nil
	})
	return t.Trends(), err
}

// PrintOverdue renders the overdue board as a list to out ("" for the
// prints folder) and notes it in the audit (supervisor).
func (c *Counter) PrintOverdue(out string) (PrintResult, error) {
	ov, err := c.Overview()
	if err != nil {
		return PrintResult{}, err
	}
	rows := make([]forms.OverdueRow, len(ov.Overdue))
	for i, o := range ov.Overdue {
		rows[i] = forms.OverdueRow{Record: o.Record, DaysLate: o.DaysLate}
	}
	if out == "" {
		if out, err = c.printPath("qua-han-" + ov.Now.Format("20060102-1504") + ".pdf"); err != nil {
			return PrintResult{}, err
		}
	}
	if err := writeFile(out, func(w io.Writer) error { return forms.OverdueList(w, c.unit(), rows, ov.Now) }); err != nil {
		return PrintResult{}, err
	}
	res := PrintResult{Path: out, Records: len(rows)}
	err = c.store.LogListPrint(c.actor(), "overdue", strconv.Itoa(len(rows)))
	res.Audited = err == nil
	return res, err
}

// formHandOverPrepared names prepared hand-over slips in the audit: apart
// from the slip printed at the return, so that one does not become a
// reprint.
const formHandOverPrepared = "handover-prepared"

// PrintHandOvers writes prepared hand-over slips for files whose result
// waits to be collected, one page each in one PDF, to out ("" for the
// prints folder), and notes each in the audit. A file that is not waiting
// (collected meanwhile at another counter) stops the print and is named.
func (c *Counter) PrintHandOvers(ids []string, out string) (PrintResult, error) {
	if err := c.mayPrint(account.Print); err != nil {
		return PrintResult{}, err
	}
	recs := make([]*dossier.Record, 0, len(ids))
	for _, id := range ids {
		r, err := c.store.Get(id)
		if err != nil {
			return PrintResult{}, err
		}
		if r.Status != dossier.StatusDone {
			return PrintResult{}, &forms.ErrNotWaiting{Code: r.Code}
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 {
		return PrintResult{}, ErrNothingChosen
	}
	if out == "" {
		var err error
		if out, err = c.printPath("tra-ket-qua-" + c.now().In(dossier.Loc).Format("20060102-150405") + ".pdf"); err != nil {
			return PrintResult{}, err
		}
	}
	if err := writeFile(out, func(w io.Writer) error { return forms.HandOvers(w, c.unit(), recs) }); err != nil {
		return PrintResult{}, err
	}
	res := PrintResult{Path: out, Records: len(recs), Audited: !c.store.ReadOnly()}
	if c.store.ReadOnly() {
		return res, nil
	}
	for _, r := range recs {
		if _, err := c.store.LogPrint(c.actor(), r, formHandOverPrepared); err != nil {
			res.Audited = false
			return res, err
		}
	}
	return res, nil
}
