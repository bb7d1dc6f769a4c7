package dossier

import (
	"errors"
	"testing"
)

func sampleFiling() Filing {
	in := sampleIntake()
	return Filing{Code: "G22.99.12-261109-0042", ProcedureCode: in.ProcedureCode, FiledAt: ts("2026-03-09 21:40"),
		Owner: in.Owner, FilerIsOwner: true,
		Attachments: []Attachment{{Name: "to-khai.pdf", Type: "application/pdf", SHA256: "ab12", Size: 2048}}}
}

func filedRecord(t *testing.T) *Record {
	t.Helper()
	e, err := NewFiledEvent(sampleFiling(), testCounter.UnitCode, loadCatalog(t), ts("2026-03-10 08:00"))
	must(t, err)
	var r Record
	must(t, Apply(&r, e, nil))
	return &r
}

// A filing makes a record in status 1 with the portal's code and no
// appointment; receiving it at 15:20 computes the appointment from the
// time of receipt, not of filing, and keeps the portal's code.
func TestOnlineFilingThenReceipt(t *testing.T) {
	cal := loadCalendar(t)
	r := filedRecord(t)
	if r.Status != StatusRegistered || r.Code != "G22.99.12-261109-0042" || r.Channel != ChannelOnline ||
		!r.ReceivedAt.IsZero() || !r.DueAt.IsZero() || !r.Online() || len(r.Attachments) != 1 || r.Overdue(ts("2027-01-01 08:00")) {
		t.Fatalf("filed record %+v", r)
	}
	if rid, eid := FilingIDs(testCounter.UnitCode, r.Code); rid != r.ID || eid != r.History[0].ID {
		t.Fatal("ids not made from the unit and the portal's code")
	}
	rec, err := NewOnlineReceipt(r, loadCatalog(t), cal, testCounter, ts("2026-03-10 09:00"), nil)
	must(t, err)
	must(t, Apply(r, rec, cal))
	if r.Status != StatusReceived || r.Counter != 2 || r.Code != "G22.99.12-261109-0042" || r.Online() {
		t.Fatalf("received: %+v", r)
	}
	// the same 3 working days as an intake at the counter at 09:00
	if !r.DueAt.Equal(ts("2026-03-13 09:00")) || !r.LegalDueAt.Equal(r.DueAt) || !r.ReceivedAt.Equal(ts("2026-03-10 09:00")) {
		t.Fatalf("due %s legal %s received %s", r.DueAt, r.LegalDueAt, r.ReceivedAt)
	}
	if r.History[1].Record != nil {
		t.Fatal("the history keeps the receipt's record")
	}
	// a second receipt (another counter's, made against the filing) is refused
	again, err := NewOnlineReceipt(filedRecord(t), loadCatalog(t), cal, Counter{UnitCode: testCounter.UnitCode, Number: 3, Clerk: "Lê Thị Hoa"}, ts("2026-03-10 09:05"), nil)
	must(t, err)
	again.BaseVersion = r.Version
	var te *TransitionError
	if err := Apply(r, again, cal); !errors.As(err, &te) {
		t.Fatalf("second receipt: %v", err)
	}
}

// A supplement asked for before receipt stops no clock (none runs); the
// citizen's new files bring the file back to status 1.
func TestOnlineSupplementBeforeReceipt(t *testing.T) {
	cal := loadCalendar(t)
	r := filedRecord(t)
	must(t, act(t, r, cal, EvSupplementRequested, "2026-03-10 10:00", func(e *Event) { e.Missing = []string{"Bản sao giấy khai sinh"} }))
	if r.Status != StatusSupplement || !r.Online() {
		t.Fatalf("status %d", r.Status)
	}
	must(t, act(t, r, cal, EvSupplementReceived, "2026-03-12 20:00", func(e *Event) {
		e.Attachments = []Attachment{{Name: "khai-sinh.jpg", Type: "image/jpeg", SHA256: "cd34", Size: 900}}
	}))
	if r.Status != StatusRegistered || !r.DueAt.IsZero() || !r.PausedAt.IsZero() || len(r.Attachments) != 2 || !r.Online() {
		t.Fatalf("after supplement: status %d due %s attachments %d", r.Status, r.DueAt, len(r.Attachments))
	}
	// refused from status 1 with a reason (Mẫu 03)
	must(t, act(t, r, cal, EvRefused, "2026-03-13 08:00", func(e *Event) { e.Reason = "Không thuộc thẩm quyền" }))
	if r.Status != StatusRefused || r.Online() {
		t.Fatalf("status %d", r.Status)
	}
}

func TestOnlineFilingChecked(t *testing.T) {
	cat, now := loadCatalog(t), ts("2026-03-10 08:00")
	for name, change := range map[string]func(*Filing){
		"space in code":     func(f *Filing) { f.Code = "G22 0042" },
		"no code":           func(f *Filing) { f.Code = "" },
		"unknown procedure": func(f *Filing) { f.ProcedureCode = "9.999999" },
		"filed tomorrow":    func(f *Filing) { f.FiledAt = ts("2026-03-11 08:00") },
		"no owner":          func(f *Filing) { f.Owner.Name = "" },
		"bad ID number":     func(f *Filing) { f.Owner.IDNumber = "12345" },
		"control character": func(f *Filing) { f.Attachments[0].Name = "a\x00b" },
	} {
		f := sampleFiling()
		change(&f)
		var ve ValidationErrors
		if _, err := NewFiledEvent(f, testCounter.UnitCode, cat, now); !errors.As(err, &ve) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// a received record is not an online file to receive
	r := newRecord(t, loadCalendar(t))
	if _, err := NewOnlineReceipt(r, cat, loadCalendar(t), testCounter, now, nil); err == nil {
		t.Fatal("receipt of a record received at the counter")
	}
}
