package dossier

import (
	"errors"
	"os"
	"testing"
	"time"
)

func loadCatalog(t testing.TB) *Catalog {
	t.Helper()
	data, err := os.ReadFile("../assets/data/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCatalog(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sampleIntake() Intake {
	return Intake{
		ProcedureCode: "1.004873",
		Owner: Party{Type: PartyCitizen, Name: "  Nguyễn   Thị Lan ", IDNumber: "046190001234", Birth: "12/03/1990",
			Sex: SexFemale, Address: Address{Street: "12 Lê Lợi", Ward: "Phường Thuận Hóa", Province: "Thành phố Huế"}, Phone: "0912 345 678"},
		FilerIsOwner: true,
	}
}

var testCounter = Counter{UnitCode: "000.00.12.H57", Number: 2, Clerk: "Trần Văn Bình"}

func newRecord(t *testing.T, cal *Calendar) *Record {
	t.Helper()
	ev, err := NewReceivedEvent(sampleIntake(), loadCatalog(t), cal, testCounter, ts("2026-03-10 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	if err := Apply(&r, ev, cal); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestNewReceivedEvent(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	if r.Status != StatusReceived || r.Version != 1 || len(r.History) != 1 {
		t.Fatalf("status %d version %d history %d", r.Status, r.Version, len(r.History))
	}
	if r.Owner.Name != "Nguyễn Thị Lan" || r.Owner.Phone != "0912345678" || r.Owner.Birth != "1990-03-12" {
		t.Fatalf("not normalised: %+v", r.Owner)
	}
	if !r.DueAt.Equal(ts("2026-03-13 09:00")) {
		t.Fatalf("due %s", r.DueAt)
	}
	if len(r.Documents) != 3 || r.Documents[0].Name != "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" {
		t.Fatalf("documents %+v", r.Documents)
	}
	if r.History[0].Record != nil {
		t.Fatal("history must not nest the record")
	}
}

func TestIntakeValidationCollectsAll(t *testing.T) {
	in := Intake{ProcedureCode: "9.999999", Owner: Party{Type: PartyCitizen, IDNumber: "123", Phone: "12345"}, Sets: -1}
	errs := in.Validate(loadCatalog(t))
	for _, f := range []string{"procedure", "owner.name", "owner.id_number", "owner.phone", "filer.type", "sets"} {
		if errs.For(f) == nil {
			t.Errorf("no error for %s in %v", f, errs)
		}
	}
	var ve ValidationErrors
	_, err := NewReceivedEvent(in, loadCatalog(t), loadCalendar(t), testCounter, time.Now())
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationErrors, got %T", err)
	}
}

func ev(r *Record, typ EventType, at string) Event {
	e := Event{ID: NewEventID(), RecordID: r.ID, Type: typ, Actor: "cb", At: ts(at), BaseVersion: r.Version,
		Reason: "lý do", Missing: []string{"Giấy chứng sinh"}, NewDue: r.DueAt.Add(48 * time.Hour), Deadline: ts("2026-03-20 17:00"),
		Collector: &Collector{Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}, Amount: 10000}
	if typ == EvSupplementReceived {
		e.NewDue = time.Time{} // computed by Apply
	}
	if typ == EvCorrected {
		phone := r.Owner
		phone.Phone = "0987654321"
		e.Correction = &Correction{Owner: &phone}
	}
	return e
}

// reach drives a fresh record into status s along a valid path.
func reach(t *testing.T, cal *Calendar, s Status) *Record {
	r := newRecord(t, cal)
	paths := map[Status][]EventType{
		StatusReceived:   nil,
		StatusRefused:    {EvRefused},
		StatusProcessing: {EvProcessing},
		StatusSupplement: {EvProcessing, EvSupplementRequested},
		StatusFinancial:  {EvProcessing, EvFeeRequested},
		StatusWithdrawn:  {EvWithdrawn},
		StatusStopped:    {EvProcessing, EvStopped},
		StatusDone:       {EvProcessing, EvResultReady},
		StatusReturned:   {EvProcessing, EvResultReady, EvReturned},
	}
	for _, e := range paths[s] {
		if err := Apply(r, ev(r, e, "2026-03-10 10:00"), cal); err != nil {
			t.Fatalf("path to %d: %s: %v", s, e, err)
		}
	}
	if r.Status != s {
		t.Fatalf("reached %d, want %d", r.Status, s)
	}
	return r
}

func TestStatusMachineEveryTransition(t *testing.T) {
	cal := loadCalendar(t)
	wantTarget := map[EventType]Status{EvRefused: 3, EvProcessing: 4, EvSupplementRequested: 5, EvFeeRequested: 6,
		EvWithdrawn: 7, EvStopped: 8, EvResultReady: 9, EvReturned: 10}
	for _, from := range AllStatuses() {
		if from == StatusRegistered {
			continue // the counter creates records already received; 1 comes from online filing
		}
		for _, e := range AllEventTypes() {
			t.Run(from.Label()+"/"+string(e), func(t *testing.T) {
				r := reach(t, cal, from)
				before := r.Clone()
				err := Apply(r, ev(r, e, "2026-03-10 11:00"), cal)
				if !CanApply(from, e) {
					var te *TransitionError
					if !errors.As(err, &te) || te.From != from || te.Event != e {
						t.Fatalf("want TransitionError, got %v", err)
					}
					if r.Version != before.Version || r.Status != before.Status {
						t.Fatal("refused event changed the record")
					}
					return
				}
				if err != nil {
					t.Fatalf("allowed event refused: %v", err)
				}
				if r.Version != before.Version+1 || len(r.History) != len(before.History)+1 {
					t.Fatal("version or history not advanced")
				}
				want := from
				if s, ok := wantTarget[e]; ok {
					want = s
				}
				if e == EvSupplementReceived || (e == EvFeePaid && from == StatusFinancial) {
					want = StatusProcessing // back to where the pause began
				}
				if r.Status != want {
					t.Fatalf("status %d, want %d", r.Status, want)
				}
			})
		}
	}
}

func TestReceivedOnlyFirst(t *testing.T) {
	cal := loadCalendar(t)
	var r Record
	err := Apply(&r, Event{ID: NewEventID(), Type: EvProcessing, At: time.Now()}, cal)
	var te *TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("got %v", err)
	}
	r2 := newRecord(t, cal)
	if err := Apply(r2, ev(r2, EvReceived, "2026-03-10 10:00"), cal); err == nil {
		t.Fatal("received twice")
	}
}

func TestStaleVersionRefused(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	e := ev(r, EvProcessing, "2026-03-10 10:00")
	e.BaseVersion = 0
	if err := Apply(r, e, cal); !errors.Is(err, ErrVersion) {
		t.Fatalf("got %v", err)
	}
}

func TestSupplementPausesClock(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal) // received Tue 10/3 09:00, 3 days → Fri 13/3 09:00
	if err := Apply(r, ev(r, EvSupplementRequested, "2026-03-11 09:00"), cal); err != nil {
		t.Fatal(err)
	}
	if r.Overdue(ts("2026-03-30 09:00")) {
		t.Fatal("paused file counted overdue")
	}
	// papers back Mon 16/3 09:00: paused Wed 9:00 → Mon 9:00 = 3 working days
	e := ev(r, EvSupplementReceived, "2026-03-16 09:00")
	if err := Apply(r, e, cal); err != nil {
		t.Fatal(err)
	}
	if want := ts("2026-03-18 09:00"); !r.DueAt.Equal(want) {
		t.Fatalf("due %s want %s", r.DueAt, want)
	}
	last := r.History[len(r.History)-1]
	if last.PausedMin != 3*480 || !last.OldDue.Equal(ts("2026-03-13 09:00")) {
		t.Fatalf("event does not carry the pause: %+v", last)
	}
	if r.Status != StatusReceived {
		t.Fatalf("status %d", r.Status)
	}
}

func TestSupplementAcrossTet(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	r.DueAt = ts("2026-02-12 10:00")
	if err := Apply(r, ev(r, EvSupplementRequested, "2026-02-11 10:00"), cal); err != nil {
		t.Fatal(err)
	}
	// 11/2 10:00 → 23/2 10:00 is 24 working hours (5 + 8 + 8 + 3); Tết does not count.
	if err := Apply(r, ev(r, EvSupplementReceived, "2026-02-23 10:00"), cal); err != nil {
		t.Fatal(err)
	}
	if want := ts("2026-02-24 10:00"); !r.DueAt.Equal(want) {
		t.Fatalf("due %s want %s", r.DueAt, want)
	}
}

func TestExtension(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	e := ev(r, EvExtended, "2026-03-12 10:00")
	e.NewDue = r.DueAt.Add(-time.Hour)
	var fe *FieldError
	if err := Apply(r, e, cal); !errors.As(err, &fe) || fe.Key != "extend.not_later" {
		t.Fatalf("earlier due accepted: %v", err)
	}
	old := r.DueAt
	e.NewDue = ts("2026-03-20 17:00")
	if err := Apply(r, e, cal); err != nil {
		t.Fatal(err)
	}
	last := r.History[len(r.History)-1]
	if !r.DueAt.Equal(e.NewDue) || !last.OldDue.Equal(old) || !last.NewDue.Equal(e.NewDue) {
		t.Fatal("extension not recorded with old and new dates")
	}
}

func TestReasonsRequired(t *testing.T) {
	cal := loadCalendar(t)
	for _, typ := range []EventType{EvRefused, EvStopped, EvWithdrawn} {
		r := newRecord(t, cal)
		e := ev(r, typ, "2026-03-10 10:00")
		e.Reason = " "
		if err := Apply(r, e, cal); err == nil {
			t.Errorf("%s without reason accepted", typ)
		}
	}
	r := reach(t, cal, StatusDone)
	e := ev(r, EvReturned, "2026-03-10 10:00")
	e.Collector = nil
	if err := Apply(r, e, cal); err == nil {
		t.Error("return without collector accepted")
	}
}

func TestOverdueAndPunctuality(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	if r.Overdue(ts("2026-03-13 08:59")) || !r.Overdue(ts("2026-03-13 09:01")) {
		t.Fatal("overdue boundary")
	}
	for _, c := range []struct{ at, want string }{{"2026-03-12 10:00", "early"}, {"2026-03-13 16:00", "on_time"}, {"2026-03-16 08:00", "late"}} {
		r := newRecord(t, cal)
		if err := Apply(r, ev(r, EvResultReady, c.at), cal); err != nil {
			t.Fatal(err)
		}
		if got := r.Punctuality(); got != c.want {
			t.Errorf("finished %s: %s, want %s", c.at, got, c.want)
		}
		if r.Overdue(ts("2026-04-01 00:00")) {
			t.Error("finished file overdue")
		}
	}
}

func TestCodes(t *testing.T) {
	day := ts("2025-07-03 10:00")
	code, err := FormatCode("000.00.12.H56", day, 2, 7)
	if err != nil || code != "000.00.12.H56-250703-2007" {
		t.Fatalf("%s %v", code, err)
	}
	p, ok := ParseCode(code)
	if !ok || p.Counter != 2 || p.N != 7 || p.Unit != "000.00.12.H56" || !p.Day.Equal(ts("2025-07-03 00:00")) {
		t.Fatalf("%+v", p)
	}
	if _, err := FormatCode("000.00.12.H56", day, 2, 1000); !errors.Is(err, ErrSequenceFull) {
		t.Fatal("sequence 1000 accepted")
	}
	if _, err := FormatCode("000.00.12.H56", day, 100, 1); err == nil {
		t.Fatal("counter 100 accepted")
	}
	// a large centre: 30 desks, 500 files each in a day, every code its own
	seen := map[string]bool{}
	for desk := 1; desk <= 30; desk++ {
		for n := 1; n <= 500; n++ {
			c, err := FormatCode("000.00.12.H56", day, desk, n)
			if err != nil || seen[c] {
				t.Fatalf("desk %d file %d: %q %v", desk, n, c, err)
			}
			seen[c] = true
			if p, ok := ParseCode(c); !ok || p.Counter != desk || p.N != n || FindCode("https://x/tra-cuu?ma="+c+"&x=1") != c {
				t.Fatalf("%s parses as %+v", c, p)
			}
		}
	}
	if c, _ := FormatCode("000.00.12.H56", day, 12, 7); c != "000.00.12.H56-250703-12007" {
		t.Fatalf("counter 12: %s", c)
	}
	if _, ok := ParseCode("000.00.12.H56-251303-2007"); ok {
		t.Fatal("month 13 parsed")
	}
}

func FuzzParseCode(f *testing.F) {
	f.Add("000.00.12.H56-250703-2007")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParseCode(s)
		if !ok {
			return
		}
		back, err := FormatCode(p.Unit, p.Day, p.Counter, p.N)
		if p.Counter >= 1 && p.N >= 1 && err == nil && back != s {
			t.Fatalf("%q → %q", s, back)
		}
	})
}

func TestReplicaKeepsAuthorsDueDate(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	if err := Apply(r, ev(r, EvSupplementRequested, "2026-03-11 09:00"), cal); err != nil {
		t.Fatal(err)
	}
	e := ev(r, EvSupplementReceived, "2026-03-16 09:00")
	e.NewDue = ts("2026-03-19 10:00") // computed by the author with its calendar
	if err := Apply(r, e, cal); err != nil {
		t.Fatal(err)
	}
	if !r.DueAt.Equal(ts("2026-03-19 10:00")) {
		t.Fatalf("due %s", r.DueAt)
	}
}
