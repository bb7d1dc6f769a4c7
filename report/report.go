// Package report computes the periodic report of receiving and settling
// administrative procedures (Biểu II.06a/VPCP/KSTT, README "Reports") and
// the indicators a province scores a unit on, from the unit's records:
// one computation for the supervisor's screen, the PDF, the XLSX, the CSV
// and motcuactl report.
package report

import (
	"sort"
	"time"

	"motcua/dossier"
)

// Row is one line of the report: a field of procedures (lĩnh vực), or the
// unit's total.
type Row struct {
	Field string `json:"field"`

	// Received: files of the period (received in it, online or in person
	// and by post) and files carried over (received before it, still
	// open at its start).
	Received int `json:"received"` // Online + InPerson + Carried
	Online   int `json:"online"`
	InPerson int `json:"in_person"` // in person and by post
	Carried  int `json:"carried"`

	// Settled in the period (status 9 or 10 reached in it), against the
	// legal deadline, by date: early before its date, on time on it, late
	// after it.
	Settled int `json:"settled"`
	Early   int `json:"early"`
	OnTime  int `json:"on_time"`
	Late    int `json:"late"`

	// In progress at the end of the period: overdue when the legal
	// deadline's date is before the period's last day's end.
	InProgress int `json:"in_progress"`
	WithinTime int `json:"within_time"`
	Overdue    int `json:"overdue"`

	// Ended in the period without a result: refused after receipt,
	// withdrawn by the citizen, stopped. Received = Settled + InProgress
	// + Ended.
	Ended int `json:"ended"`
}

// add counts r into t.
func (t *Row) add(r Row) {
	t.Received += r.Received
	t.Online += r.Online
	t.InPerson += r.InPerson
	t.Carried += r.Carried
	t.Settled += r.Settled
	t.Early += r.Early
	t.OnTime += r.OnTime
	t.Late += r.Late
	t.InProgress += r.InProgress
	t.WithinTime += r.WithinTime
	t.Overdue += r.Overdue
	t.Ended += r.Ended
}

// LateFile is a file settled late in the period, or overdue at its end,
// with what its record says of why (the apology letters' reasons).
type LateFile struct {
	Code      string    `json:"code"`
	Procedure string    `json:"procedure"`
	Field     string    `json:"field"`
	Received  time.Time `json:"received"`
	LegalDue  time.Time `json:"legal_due"`
	Finished  time.Time `json:"finished,omitzero"` // zero: still open at the period's end
	DaysLate  int       `json:"days_late"`         // days from the legal deadline's date to the finish's (or to today's, or the period's end)
	Reason    string    `json:"reason,omitempty"`
}

// Report is the period's figures.
type Report struct {
	Unit     string     `json:"unit"`
	From     time.Time  `json:"from"` // first day
	To       time.Time  `json:"to"`   // last day
	Fields   []Row      `json:"fields"`
	Total    Row        `json:"total"`
	Late     []LateFile `json:"late"`
	Guidance int        `json:"guidance"` // guidance given at the counter in the period (Mẫu 02, 03)

	Indicators Indicators `json:"indicators"`
}

// Indicators are the figures a province scores a unit on, for the period
// (README "Reports": each with its definition).
type Indicators struct {
	// OnTimeRate: files settled early or on time, over files settled, in
	// percent (Decision 766/QĐ-TTg, "tỷ lệ hồ sơ giải quyết đúng hạn").
	OnTimeRate float64 `json:"on_time_rate"`
	// OnlineShare: files received online over files received in the
	// period, in percent ("tỷ lệ hồ sơ trực tuyến").
	OnlineShare float64 `json:"online_share"`
	// OverdueShare: files in progress and overdue at the period's end,
	// over files in progress.
	OverdueShare float64 `json:"overdue_share"`
}

// Period is the days of a report, inclusive, in Viet Nam time. Now, when
// set and before the period's end, is where a period not over yet stops:
// files open now are overdue or within time as of today.
type Period struct{ From, To, Now time.Time }

func (p Period) start() time.Time { return dossier.Midnight(p.From) }

// End is the instant after the period's last day.
func (p Period) End() time.Time { return dossier.Midnight(p.To).AddDate(0, 0, 1) }

// Builder counts records into a report, one at a time (a million need not
// be held at once).
type Builder struct {
	cat      *dossier.Catalog
	start    time.Time
	end      time.Time
	asOf     time.Time // the period's end, or now if it is not over
	rows     map[string]*Row
	late     []LateFile
	guidance int
	err      error
}

// NewBuilder starts a report of the period; the catalogue names each
// record's field.
func NewBuilder(p Period, cat *dossier.Catalog) *Builder {
	b := &Builder{cat: cat, start: p.start(), end: p.End(), rows: map[string]*Row{}}
	b.asOf = b.end
	if !p.Now.IsZero() && p.Now.Before(b.end) {
		b.asOf = p.Now
	}
	return b
}

// OtherField names the procedures the catalogue does not know.
const OtherField = "Lĩnh vực khác"

func (b *Builder) field(code string) string {
	if p, ok := b.cat.Lookup(code); ok && p.Field != "" {
		return p.Field
	}
	return OtherField
}

// File is what a report reads of a record: kept small, so that a year of
// a busy unit is counted without decoding every record (storage keeps it
// beside the record, in the index of receipt times).
type File struct {
	Received, LegalDue, Due, Finished, Ended time.Time
	Returned                                 time.Time
	Status                                   dossier.Status
	Channel                                  dossier.Channel
	Paused                                   bool
	Procedure                                string
	Clerk                                    string // who received it, by name
}

// FileOf is what a report reads of r.
func FileOf(r *dossier.Record) File {
	return File{Received: r.ReceivedAt, LegalDue: r.LegalDue(), Due: r.DueAt, Finished: r.FinishedAt, Ended: ended(r), Returned: r.ReturnedAt,
		Status: r.Status, Channel: r.Channel, Paused: r.Paused(), Procedure: r.ProcedureCode, Clerk: r.Clerk}
}

// ended is when a file ended without a result (refused, withdrawn,
// stopped), or zero.
func ended(r *dossier.Record) time.Time {
	for i := len(r.History) - 1; i >= 0; i-- {
		switch r.History[i].Type {
		case dossier.EvRefused, dossier.EvWithdrawn, dossier.EvStopped:
			return r.History[i].At
		}
	}
	return time.Time{}
}

// Add counts one record.
func (b *Builder) Add(r *dossier.Record) {
	b.AddFile(FileOf(r), func() (*dossier.Record, error) { return r, nil })
}

// AddFile counts one file: received after the period's end, or closed
// before its start, it counts nowhere. full reads the whole record, for
// the list of late files only.
func (b *Builder) AddFile(f File, full func() (*dossier.Record, error)) {
	if !f.Received.Before(b.end) {
		return
	}
	if !f.Finished.IsZero() && f.Finished.Before(b.start) || !f.Ended.IsZero() && f.Ended.Before(b.start) {
		return // closed before the period
	}
	field := b.field(f.Procedure)
	row := b.rows[field]
	if row == nil {
		row = &Row{Field: field}
		b.rows[field] = row
	}
	switch {
	case f.Received.Before(b.start):
		row.Carried++
	case f.Channel == dossier.ChannelOnline:
		row.Online++
	default:
		row.InPerson++
	}
	row.Received++
	switch {
	case !f.Finished.IsZero() && f.Finished.Before(b.end):
		b.settled(row, f, field, full)
	case !f.Ended.IsZero() && f.Ended.Before(b.end):
		row.Ended++
	default:
		b.open(row, f, field, full)
	}
}

// settled counts a file finished in the period, by the date it finished
// against its legal deadline's.
func (b *Builder) settled(row *Row, f File, field string, full func() (*dossier.Record, error)) {
	row.Settled++
	switch dossier.PunctualityOf(f.Finished, f.LegalDue) {
	case "early":
		row.Early++
	case "on_time":
		row.OnTime++
	default:
		row.Late++
		b.addLate(f, field, f.Finished, full)
	}
}

// open counts a file still in progress at the period's end: overdue when
// its legal deadline's date is before the period's last day.
func (b *Builder) open(row *Row, f File, field string, full func() (*dossier.Record, error)) {
	row.InProgress++
	if dossier.Midnight(f.LegalDue).Before(dossier.Midnight(b.asOf.Add(-time.Nanosecond))) {
		row.Overdue++
		b.addLate(f, field, time.Time{}, full)
		return
	}
	row.WithinTime++
}

// AddGuidance counts guidance given at the counter (Mẫu 02, 03 instead of
// a receipt) in the period.
func (b *Builder) AddGuidance(g *dossier.Guidance) {
	if !g.At.Before(b.start) && g.At.Before(b.end) {
		b.guidance++
	}
}

func (b *Builder) addLate(f File, field string, finished time.Time, full func() (*dossier.Record, error)) {
	r, err := full()
	if err != nil {
		if b.err == nil {
			b.err = err
		}
		return
	}
	lf := LateFile{Code: r.Code, Procedure: r.ProcedureName, Field: field, Received: f.Received, LegalDue: f.LegalDue, Finished: finished}
	until := finished
	if until.IsZero() { // still open: counted to the last day
		until = b.asOf.Add(-time.Nanosecond)
	}
	lf.DaysLate = DaysLate(f.LegalDue, until)
	for _, e := range r.History {
		if e.Type == dossier.EvExtended && e.Reason != "" {
			if lf.Reason != "" {
				lf.Reason += "; "
			}
			lf.Reason += e.Reason
		}
	}
	b.late = append(b.late, lf)
}

// DaysLate is how many days a file settled (or looked at) on until is
// late: from its legal deadline's date to until's.
func DaysLate(legalDue, until time.Time) int {
	return int(dossier.Midnight(until).Sub(dossier.Midnight(legalDue)).Hours()+12) / 24 // whole days (12 h absorbs no DST: Viet Nam has none)
}

// Err is the first error reading a late file's record.
func (b *Builder) Err() error { return b.err }

// Report is what was counted: the fields in order of name, the unit's
// total, the late files (most late first) and the indicators.
func (b *Builder) Report(unit string) Report {
	rep := Report{Unit: unit, From: b.start, To: b.end.AddDate(0, 0, -1), Guidance: b.guidance, Late: b.late}
	for _, r := range b.rows {
		rep.Fields = append(rep.Fields, *r)
		rep.Total.add(*r)
	}
	sort.Slice(rep.Fields, func(i, j int) bool { return rep.Fields[i].Field < rep.Fields[j].Field })
	sort.SliceStable(rep.Late, func(i, j int) bool {
		if rep.Late[i].DaysLate != rep.Late[j].DaysLate {
			return rep.Late[i].DaysLate > rep.Late[j].DaysLate
		}
		return rep.Late[i].Code < rep.Late[j].Code
	})
	rep.Total.Field = ""
	t := rep.Total
	rep.Indicators = Indicators{OnTimeRate: pct(t.Early+t.OnTime, t.Settled), OnlineShare: pct(t.Online, t.Online+t.InPerson),
		OverdueShare: pct(t.Overdue, t.InProgress)}
	return rep
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n*1000/of) / 10 // one decimal, rounded down
}
