package report

import (
	"sort"
	"time"

	"motcua/dossier"
)

// Trends are what the supervisor's charts show: files received per day
// for the last 30 days by channel, files settled early / on time / late
// per month for the last 12 months, and the on-time rate per procedure
// and per clerk over a chosen period (by default those 12 months),
// counted as the report counts.
type Trends struct {
	Days       []DayCount
	Months     []MonthCount
	Procedures []Rate // most files first
	Clerks     []Rate
}

// DayCount is one day's files received.
type DayCount struct {
	Day              time.Time
	Online, InPerson int
}

// MonthCount is one month's files settled.
type MonthCount struct {
	Month               time.Time
	Early, OnTime, Late int
}

// Rate is the files settled early or on time among those settled.
type Rate struct {
	Name            string
	OnTime, Settled int
}

// Percent is the on-time rate.
func (r Rate) Percent() float64 { return pct(r.OnTime, r.Settled) }

// TrendBuilder counts files into Trends.
type TrendBuilder struct {
	cat           *dossier.Catalog
	first         time.Time // the first of the 30 days
	firstMonth    time.Time
	days          []DayCount
	months        []MonthCount
	procs, clerks map[string]*Rate
	rateFrom      time.Time // the rates count files settled in [rateFrom, rateTo)
	rateTo        time.Time
}

// NewTrends counts the trends up to now's day and month.
func NewTrends(now time.Time, cat *dossier.Catalog) *TrendBuilder {
	today := dossier.Midnight(now)
	t := &TrendBuilder{cat: cat, first: today.AddDate(0, 0, -29), procs: map[string]*Rate{}, clerks: map[string]*Rate{}}
	for i := range 30 {
		t.days = append(t.days, DayCount{Day: t.first.AddDate(0, 0, i)})
	}
	m := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, dossier.Loc)
	t.firstMonth = m.AddDate(0, -11, 0)
	for i := range 12 {
		t.months = append(t.months, MonthCount{Month: t.firstMonth.AddDate(0, i, 0)})
	}
	t.rateFrom, t.rateTo = t.firstMonth, today.AddDate(0, 0, 1)
	return t
}

// RatesFor makes the rates count the files settled in the days [from,
// to] instead of the last 12 months.
func (t *TrendBuilder) RatesFor(from, to time.Time) {
	t.rateFrom, t.rateTo = dossier.Midnight(from), dossier.Midnight(to).AddDate(0, 0, 1)
}

// Since is the earliest receipt a file counted needs (its settling falls
// in the months or the rates' period; files are rarely open a year).
func (t *TrendBuilder) Since() time.Time {
	first := t.firstMonth
	if t.rateFrom.Before(first) {
		first = t.rateFrom
	}
	return first.AddDate(-1, 0, 0)
}

// Add counts one file.
func (t *TrendBuilder) Add(f File) {
	if d := dossier.Midnight(f.Received); !d.Before(t.first) {
		if i := int(d.Sub(t.first).Hours()+12) / 24; i < len(t.days) {
			if f.Channel == dossier.ChannelOnline {
				t.days[i].Online++
			} else {
				t.days[i].InPerson++
			}
		}
	}
	if f.Finished.IsZero() {
		return
	}
	punctuality := dossier.PunctualityOf(f.Finished, f.LegalDue)
	if fm := f.Finished.In(dossier.Loc); !f.Finished.Before(t.firstMonth) {
		if i := (fm.Year()-t.firstMonth.Year())*12 + int(fm.Month()) - int(t.firstMonth.Month()); i < len(t.months) {
			switch punctuality {
			case "early":
				t.months[i].Early++
			case "on_time":
				t.months[i].OnTime++
			default:
				t.months[i].Late++
			}
		}
	}
	if f.Finished.Before(t.rateFrom) || !f.Finished.Before(t.rateTo) {
		return
	}
	ok := punctuality != "late"
	name := f.Procedure
	if p, found := t.cat.Lookup(f.Procedure); found {
		name = p.Name
	}
	for _, r := range []*Rate{t.rate(t.procs, name), t.rate(t.clerks, f.Clerk)} {
		r.Settled++
		if ok {
			r.OnTime++
		}
	}
}

func (t *TrendBuilder) rate(m map[string]*Rate, name string) *Rate {
	if name == "" {
		name = "—"
	}
	r := m[name]
	if r == nil {
		r = &Rate{Name: name}
		m[name] = r
	}
	return r
}

// Trends is what was counted; the rates come most files first.
func (t *TrendBuilder) Trends() Trends {
	list := func(m map[string]*Rate) []Rate {
		out := make([]Rate, 0, len(m))
		for _, r := range m {
			out = append(out, *r)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Settled != out[j].Settled {
				return out[i].Settled > out[j].Settled
			}
			return out[i].Name < out[j].Name
		})
		return out
	}
	return Trends{Days: t.days, Months: t.months, Procedures: list(t.procs), Clerks: list(t.clerks)}
}
