package report

import (
	"fmt"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("02/01/2006 15:04", s, dossier.Loc)
	if err != nil {
		panic(err)
	}
	return t
}

// A case is a file and where a person counting by hand puts it in the
// report of March 2026: how it arrived in the period (online, in person
// and by post, carried over, or not at all) and where it is at its end.
type fixtureCase struct {
	name             string
	channel          dossier.Channel
	received, legal  string
	finished         string // status 9/10 reached; "" open
	endType          dossier.EventType
	endAt            string
	apology          string
	arrival, outcome string // hand-counted
}

var cases = []fixtureCase{
	{"early", dossier.ChannelInPerson, "05/03/2026 09:00", "10/03/2026 17:00", "09/03/2026 10:00", "", "", "", "inperson", "early"},
	{"on time, same date", dossier.ChannelOnline, "05/03/2026 09:00", "10/03/2026 09:00", "10/03/2026 16:00", "", "", "", "online", "ontime"},
	{"late by post", dossier.ChannelPost, "05/03/2026 09:00", "10/03/2026 17:00", "11/03/2026 08:00", "", "", "", "inperson", "late"},
	{"carried, early", dossier.ChannelInPerson, "20/02/2026 09:00", "03/03/2026 17:00", "02/03/2026 10:00", "", "", "", "carried", "early"},
	{"closed before", dossier.ChannelInPerson, "20/02/2026 09:00", "03/03/2026 17:00", "25/02/2026 10:00", "", "", "", "none", "none"},
	{"carried, overdue", dossier.ChannelInPerson, "20/02/2026 09:00", "05/03/2026 17:00", "", "", "", "", "carried", "overdue"},
	{"open, within time", dossier.ChannelOnline, "25/03/2026 09:00", "10/04/2026 17:00", "", "", "", "", "online", "within"},
	{"due on the last day", dossier.ChannelInPerson, "25/03/2026 09:00", "31/03/2026 17:00", "", "", "", "", "inperson", "within"},
	{"received after", dossier.ChannelInPerson, "02/04/2026 09:00", "07/04/2026 17:00", "", "", "", "", "none", "none"},
	{"refused", dossier.ChannelInPerson, "10/03/2026 09:00", "13/03/2026 17:00", "", dossier.EvRefused, "10/03/2026 10:00", "", "inperson", "ended"},
	{"withdrawn", dossier.ChannelOnline, "10/03/2026 09:00", "13/03/2026 17:00", "", dossier.EvWithdrawn, "12/03/2026 10:00", "", "online", "ended"},
	{"carried, stopped", dossier.ChannelInPerson, "01/02/2026 09:00", "10/02/2026 17:00", "", dossier.EvStopped, "05/03/2026 10:00", "", "carried", "ended"},
	{"stopped before", dossier.ChannelInPerson, "01/02/2026 09:00", "10/02/2026 17:00", "", dossier.EvStopped, "20/02/2026 10:00", "", "none", "none"},
	{"late with an apology", dossier.ChannelInPerson, "10/03/2026 09:00", "15/03/2026 17:00", "18/03/2026 10:00", "", "", "Chờ xác minh của công an", "inperson", "late"},
	{"paused, early", dossier.ChannelInPerson, "10/03/2026 09:00", "20/03/2026 17:00", "19/03/2026 10:00", "", "", "", "inperson", "early"},
	{"received on a Sunday, on time", dossier.ChannelOnline, "08/03/2026 10:00", "12/03/2026 17:00", "12/03/2026 11:00", "", "", "", "online", "ontime"},
	{"finished late on the deadline day", dossier.ChannelInPerson, "12/03/2026 09:00", "16/03/2026 09:00", "16/03/2026 16:30", "", "", "", "inperson", "ontime"},
	{"carried, finished after", dossier.ChannelInPerson, "28/02/2026 09:00", "06/03/2026 17:00", "01/04/2026 09:00", "", "", "", "carried", "overdue"},
	{"returned", dossier.ChannelInPerson, "15/03/2026 09:00", "18/03/2026 17:00", "17/03/2026 10:00", "", "", "", "inperson", "early"},
	{"last minute online", dossier.ChannelOnline, "31/03/2026 23:00", "07/04/2026 17:00", "", "", "", "", "online", "within"},
	{"first minute", dossier.ChannelInPerson, "01/03/2026 00:30", "05/03/2026 17:00", "05/03/2026 17:00", "", "", "", "inperson", "ontime"},
	{"overdue since yesterday", dossier.ChannelInPerson, "20/03/2026 09:00", "30/03/2026 17:00", "", "", "", "", "inperson", "overdue"},
	{"finished the day after the period's end", dossier.ChannelPost, "26/03/2026 09:00", "27/03/2026 17:00", "01/04/2026 08:00", "", "", "", "inperson", "overdue"},
}

// fields the copies of the cases are spread over: procedure code and the
// field the catalogue gives it
var fieldsOf = []struct{ code, field string }{
	{"1.001193", "Hộ tịch"}, {"2.000815", "Chứng thực"}, {"1.001612", "Thành lập và hoạt động của hộ kinh doanh"},
	{"1.001731", "Bảo trợ xã hội"}, {"9.999999", OtherField},
}

func (c fixtureCase) record(i int, proc string) *dossier.Record {
	r := &dossier.Record{ID: fmt.Sprintf("r%03d", i), Code: fmt.Sprintf("000.00.12.H57-260301-2%03d", i), ProcedureCode: proc, ProcedureName: c.name,
		Channel: c.channel, ReceivedAt: at(c.received), LegalDueAt: at(c.legal), DueAt: at(c.legal), Status: dossier.StatusProcessing}
	r.History = []dossier.Event{{Type: dossier.EvReceived, At: r.ReceivedAt}}
	if c.apology != "" {
		r.DueAt = r.DueAt.AddDate(0, 0, 7)
		r.History = append(r.History, dossier.Event{Type: dossier.EvExtended, At: at(c.legal).Add(-time.Hour), Reason: c.apology})
	}
	if c.finished != "" {
		r.FinishedAt, r.Status = at(c.finished), dossier.StatusDone
	}
	if c.endType != "" {
		r.History = append(r.History, dossier.Event{Type: c.endType, At: at(c.endAt)})
	}
	return r
}

// TestMarchReportByHand: 23 cases, 8 copies each over five fields (184
// files); every cell of every row is the sum of the hand-made labels.
func TestMarchReportByHand(t *testing.T) {
	cat, err := dossier.ParseCatalog(assets.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder(Period{From: at("01/03/2026 00:00"), To: at("31/03/2026 00:00")}, cat)
	want := map[string]*Row{}
	var wantLate int
	n := 0
	for copyNo := range 8 {
		for _, c := range cases {
			f := fieldsOf[(n+copyNo)%len(fieldsOf)]
			n++
			b.Add(c.record(n, f.code))
			if c.arrival == "none" {
				continue
			}
			w := want[f.field]
			if w == nil {
				w = &Row{Field: f.field}
				want[f.field] = w
			}
			w.Received++
			switch c.arrival {
			case "online":
				w.Online++
			case "inperson":
				w.InPerson++
			case "carried":
				w.Carried++
			}
			switch c.outcome {
			case "early":
				w.Settled++
				w.Early++
			case "ontime":
				w.Settled++
				w.OnTime++
			case "late":
				w.Settled++
				w.Late++
				wantLate++
			case "ended":
				w.Ended++
			case "within":
				w.InProgress++
				w.WithinTime++
			case "overdue":
				w.InProgress++
				w.Overdue++
				wantLate++
			}
		}
	}
	for range 5 {
		b.AddGuidance(&dossier.Guidance{At: at("10/03/2026 09:00")})
	}
	b.AddGuidance(&dossier.Guidance{At: at("10/04/2026 09:00")})
	rep := b.Report("UBND phường Thuận Hóa")
	if len(rep.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(rep.Fields), len(want))
	}
	var total Row
	for _, got := range rep.Fields {
		w := want[got.Field]
		if w == nil || got != *w {
			t.Errorf("field %q:\n got %+v\nwant %+v", got.Field, got, w)
			continue
		}
		total.add(*w)
	}
	if rep.Total != total {
		t.Errorf("total:\n got %+v\nwant %+v", rep.Total, total)
	}
	if tot := rep.Total; tot.Received != tot.Settled+tot.InProgress+tot.Ended || tot.Received != tot.Online+tot.InPerson+tot.Carried {
		t.Errorf("the total does not add up: %+v", tot)
	}
	if len(rep.Late) != wantLate || rep.Guidance != 5 {
		t.Errorf("%d late files (want %d), guidance %d (want 5)", len(rep.Late), wantLate, rep.Guidance)
	}
	var apology bool
	for _, l := range rep.Late {
		apology = apology || l.Reason == "Chờ xác minh của công an"
		if l.DaysLate < 1 {
			t.Errorf("%s is late by %d days", l.Code, l.DaysLate)
		}
		if l.Procedure == "late by post" && l.DaysLate != 1 || l.Procedure == "carried, overdue" && l.DaysLate != 26 {
			t.Errorf("%s (%s): %d days late", l.Code, l.Procedure, l.DaysLate)
		}
	}
	if !apology {
		t.Error("the apology's reason is not on the list of late files")
	}
	// per copy, by hand: settled 10 (4 early, 4 on time, 2 late): 80 %;
	// received in the period 16, 5 of them online: 31.25 %, shown 31.2
	if rep.Indicators.OnTimeRate != 80 || rep.Indicators.OnlineShare != 31.2 {
		t.Errorf("indicators %+v", rep.Indicators)
	}
}

// TestPeriodNotOver: in a period that has not ended, a file open today is
// overdue only if its deadline's date has passed today, not the period's
// end.
func TestPeriodNotOver(t *testing.T) {
	cat, _ := dossier.ParseCatalog(assets.Catalog)
	b := NewBuilder(Period{From: at("01/03/2026 00:00"), To: at("31/03/2026 00:00"), Now: at("20/03/2026 10:00")}, cat)
	for i, due := range []string{"19/03/2026 17:00", "20/03/2026 17:00", "30/03/2026 17:00"} {
		c := fixtureCase{name: due, channel: dossier.ChannelInPerson, received: "10/03/2026 09:00", legal: due}
		b.Add(c.record(i, "1.001193"))
	}
	rep := b.Report("x")
	if rep.Total.Overdue != 1 || rep.Total.WithinTime != 2 || len(rep.Late) != 1 || rep.Late[0].DaysLate != 1 {
		t.Fatalf("as of 20/03: %+v, late %+v", rep.Total, rep.Late)
	}
}

// TestTrends: days by channel, months by punctuality, and rates for a
// chosen period only.
func TestTrends(t *testing.T) {
	cat, _ := dossier.ParseCatalog(assets.Catalog)
	now := at("30/04/2026 10:00")
	tb := NewTrends(now, cat)
	tb.RatesFor(at("01/04/2026 00:00"), at("30/04/2026 00:00"))
	add := func(received, due, finished string, ch dossier.Channel, clerk string) {
		f := File{Received: at(received), LegalDue: at(due), Channel: ch, Procedure: "1.001193", Clerk: clerk}
		if finished != "" {
			f.Finished = at(finished)
		}
		tb.Add(f)
	}
	add("30/04/2026 08:00", "05/05/2026 17:00", "", dossier.ChannelOnline, "Lan")
	add("29/04/2026 08:00", "05/05/2026 17:00", "", dossier.ChannelInPerson, "Lan")
	add("10/03/2026 08:00", "13/03/2026 17:00", "12/03/2026 10:00", dossier.ChannelInPerson, "Lan")  // March, early
	add("01/04/2026 08:00", "06/04/2026 17:00", "07/04/2026 10:00", dossier.ChannelInPerson, "Bình") // April, late
	add("01/04/2026 08:00", "06/04/2026 17:00", "06/04/2026 10:00", dossier.ChannelInPerson, "Lan")  // April, on time
	tr := tb.Trends()
	if d := tr.Days[len(tr.Days)-1]; d.Online != 1 || d.InPerson != 0 || tr.Days[len(tr.Days)-2].InPerson != 1 {
		t.Errorf("days: %+v %+v", tr.Days[len(tr.Days)-2], d)
	}
	mar, apr := tr.Months[len(tr.Months)-2], tr.Months[len(tr.Months)-1]
	if mar.Early != 1 || apr.OnTime != 1 || apr.Late != 1 {
		t.Errorf("months: March %+v April %+v", mar, apr)
	}
	// April only: Lan 1 of 1 on time, Bình 0 of 1; March's file not counted
	if len(tr.Procedures) != 1 || tr.Procedures[0].Settled != 2 || tr.Procedures[0].OnTime != 1 || len(tr.Clerks) != 2 {
		t.Errorf("rates: %+v %+v", tr.Procedures, tr.Clerks)
	}
}
