package dossier

import (
	"errors"
	"testing"
	"time"
)

func act(t *testing.T, r *Record, cal *Calendar, typ EventType, at string, set func(*Event)) error {
	t.Helper()
	e := Event{ID: NewEventID(), RecordID: r.ID, Type: typ, Actor: "Trần Văn Bình", At: ts(at), BaseVersion: r.Version}
	if set != nil {
		set(&e)
	}
	return Apply(r, e, cal)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An apology moves the appointment, never the legal deadline: a file
// finished after its legal deadline is late even with an apology.
func TestExtensionKeepsTheLegalDeadline(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal) // received 10/03 09:00, 3 working days: due 13/03 09:00
	legal := r.DueAt
	if !r.LegalDue().Equal(legal) {
		t.Fatalf("legal %s, due %s", r.LegalDue(), r.DueAt)
	}
	must(t, act(t, r, cal, EvProcessing, "2026-03-10 10:00", nil))
	must(t, act(t, r, cal, EvExtended, "2026-03-12 10:00", func(e *Event) { e.NewDue, e.Reason = ts("2026-03-20 16:00"), "Cần xác minh thêm" }))
	if !r.DueAt.Equal(ts("2026-03-20 16:00")) || !r.LegalDue().Equal(legal) {
		t.Fatalf("after the apology: due %s, legal %s", r.DueAt, r.LegalDue())
	}
	// a second apology needs a supervisor's approval
	second := func(e *Event) { e.NewDue, e.Reason = ts("2026-03-25 16:00"), "Chưa có kết quả xác minh" }
	var fe *FieldError
	if err := act(t, r, cal, EvExtended, "2026-03-18 10:00", second); !errors.As(err, &fe) || fe.Key != "extend.second" {
		t.Fatalf("second extension without approval: %v", err)
	}
	must(t, act(t, r, cal, EvExtended, "2026-03-18 10:00", func(e *Event) { second(e); e.Approval = "Phó Chủ tịch UBND phường: đồng ý" }))
	if r.Extensions() != 2 || !r.LegalDue().Equal(legal) {
		t.Fatalf("extensions %d, legal %s", r.Extensions(), r.LegalDue())
	}
	must(t, act(t, r, cal, EvResultReady, "2026-03-19 10:00", nil))
	if p := r.Punctuality(); p != "late" {
		t.Fatalf("finished 19/03 with a legal deadline of 13/03: %q", p)
	}
}

func TestExtensionOnlyBeforeTheAppointment(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal) // due 13/03 09:00
	var fe *FieldError
	err := act(t, r, cal, EvExtended, "2026-03-13 09:01", func(e *Event) { e.NewDue, e.Reason = ts("2026-03-20 16:00"), "x" })
	if !errors.As(err, &fe) || fe.Key != "extend.too_late" || r.Version != 1 {
		t.Fatalf("extension after the appointment: %v", err)
	}
	must(t, act(t, r, cal, EvExtended, "2026-03-13 09:00", func(e *Event) { e.NewDue, e.Reason = ts("2026-03-20 16:00"), "x" }))
}

// Waiting for the citizen's payment stops the clock: the file is not
// overdue meanwhile, and appointment and deadline move by the wait.
func TestPaymentPausesTheClock(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal) // due Fri 13/03 09:00
	due, legal := r.DueAt, r.LegalDue()
	must(t, act(t, r, cal, EvFeeRequested, "2026-03-11 09:00", func(e *Event) { e.Amount = 30000 }))
	if r.Status != StatusFinancial || !r.Paused() || r.Overdue(ts("2026-03-20 09:00")) {
		t.Fatalf("waiting for payment: status %d paused %v", r.Status, r.Paused())
	}
	must(t, act(t, r, cal, EvFeePaid, "2026-03-13 09:00", func(e *Event) { e.Amount = 30000 }))
	// two working days waited: 11/03 09:00 → 13/03 09:00
	wantDue, wantLegal := cal.Add(due, 2*MinutesPerWorkingDay), cal.Add(legal, 2*MinutesPerWorkingDay)
	if !r.DueAt.Equal(wantDue) || !r.LegalDue().Equal(wantLegal) || r.Paused() || r.Status != StatusReceived {
		t.Fatalf("after payment: due %s (want %s), legal %s, status %d", r.DueAt, wantDue, r.LegalDue(), r.Status)
	}
	if last := r.History[len(r.History)-1]; last.PausedMin != 2*MinutesPerWorkingDay || !last.NewLegalDue.Equal(wantLegal) {
		t.Fatalf("event %+v", last)
	}
	// a replica with another calendar keeps what the author computed
	var copyRec Record
	for _, e := range r.History {
		ev := e
		if e.Type == EvReceived {
			ev.Record = newRecord(t, cal)
			ev.Record.History = nil
		}
		must(t, Apply(&copyRec, ev, &Calendar{Week: [7]DayHours{time.Monday: {Open: []Span{{7 * 60, 17 * 60}}, Counts: true}}, Days: map[string]SpecialDay{}}))
	}
	if !copyRec.DueAt.Equal(r.DueAt) || !copyRec.LegalDue().Equal(r.LegalDue()) {
		t.Fatalf("replica: due %s legal %s", copyRec.DueAt, copyRec.LegalDue())
	}
}

func TestMoneyAndRefusalRules(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	for _, amount := range []int64{0, -5000} {
		if err := act(t, r, cal, EvFeeRequested, "2026-03-10 10:00", func(e *Event) { e.Amount = amount }); err == nil {
			t.Fatalf("fee of %d accepted", amount)
		}
		if err := act(t, r, cal, EvFeePaid, "2026-03-10 10:00", func(e *Event) { e.Amount = amount }); err == nil {
			t.Fatalf("payment of %d accepted", amount)
		}
	}
	must(t, act(t, r, cal, EvProcessing, "2026-03-10 10:00", nil))
	var te *TransitionError
	if err := act(t, r, cal, EvRefused, "2026-03-10 11:00", func(e *Event) { e.Reason = "Không thuộc thẩm quyền" }); !errors.As(err, &te) {
		t.Fatalf("refusal after processing started: %v", err)
	}
}

// A typing mistake is put right as an event with the old and new values;
// the code and times stay.
func TestCorrection(t *testing.T) {
	cal := loadCalendar(t)
	r := newRecord(t, cal)
	code, received := r.Code, r.ReceivedAt
	owner := r.Owner
	owner.Name, owner.Phone = "Nguyễn Thị Lanh", "0987 654 321"
	if err := act(t, r, cal, EvCorrected, "2026-03-10 10:00", func(e *Event) { e.Correction = &Correction{Owner: &owner} }); err == nil {
		t.Fatal("a correction without a reason")
	}
	bad := owner
	bad.IDNumber = "12"
	if err := act(t, r, cal, EvCorrected, "2026-03-10 10:00", func(e *Event) { e.Reason = "x"; e.Correction = &Correction{Owner: &bad} }); err == nil {
		t.Fatal("a correction to an invalid ID")
	}
	must(t, act(t, r, cal, EvCorrected, "2026-03-10 10:00", func(e *Event) {
		e.Reason = "Gõ nhầm tên và số điện thoại"
		e.Correction = &Correction{Owner: &owner}
	}))
	last := r.History[len(r.History)-1].Correction
	if r.Owner.Name != "Nguyễn Thị Lanh" || r.Owner.Phone != "0987654321" || r.Code != code || !r.ReceivedAt.Equal(received) ||
		last == nil || last.OldOwner == nil || last.OldOwner.Name != "Nguyễn Thị Lan" || r.Status != StatusReceived {
		t.Fatalf("after the correction: %+v, event %+v", r.Owner, last)
	}
}
