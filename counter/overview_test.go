package counter

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// TestOverview: today's and this week's figures, the overdue board (most
// late first) and the results waiting to be collected, on a fixed clock.
func TestOverview(t *testing.T) {
	c := openTest(t, Options{})
	now := time.Date(2026, 3, 12, 10, 0, 0, 0, dossier.Loc) // a Thursday
	in := func(received time.Time, ch dossier.Channel) *dossier.Record {
		t.Helper()
		c.SetClock(func() time.Time { return received })
		x := intake
		x.ReceivedAt, x.Channel = received, ch
		r, err := c.Intake(x)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	act := func(r *dossier.Record, at time.Time, ev dossier.EventType) *dossier.Record {
		t.Helper()
		c.SetClock(func() time.Time { return at })
		r, err := c.Act(ActionRequest{Code: r.Code, Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// 1.004873 takes 3 working days
	old1 := in(time.Date(2026, 2, 2, 9, 0, 0, 0, dossier.Loc), dossier.ChannelInPerson) // overdue since February
	old2 := in(time.Date(2026, 3, 2, 9, 0, 0, 0, dossier.Loc), dossier.ChannelInPerson) // overdue since 5/3
	done := in(time.Date(2026, 3, 9, 9, 0, 0, 0, dossier.Loc), dossier.ChannelOnline)   // this week, ready today
	in(time.Date(2026, 3, 12, 8, 0, 0, 0, dossier.Loc), dossier.ChannelOnline)          // today
	in(time.Date(2026, 3, 12, 9, 0, 0, 0, dossier.Loc), dossier.ChannelInPerson)        // today
	done = act(done, now.Add(-time.Hour), dossier.EvProcessing)
	act(done, now.Add(-time.Minute), dossier.EvResultReady)
	c.SetClock(func() time.Time { return now })
	ov, err := c.Overview()
	if err != nil {
		t.Fatal(err)
	}
	if ov.Today.Online != 1 || ov.Today.InPerson != 1 || ov.Today.Settled != 1 {
		t.Errorf("today: %+v", ov.Today)
	}
	if ov.Week.Online != 2 || ov.Week.InPerson != 1 || ov.Week.Settled != 1 || ov.Week.Carried != 2 {
		t.Errorf("this week: %+v", ov.Week)
	}
	if len(ov.Overdue) != 2 || ov.Overdue[0].Record.Code != old1.Code || ov.Overdue[1].Record.Code != old2.Code || ov.Overdue[0].DaysLate <= ov.Overdue[1].DaysLate {
		t.Errorf("overdue board: %+v", ov.Overdue)
	}
	if len(ov.Waiting) != 1 || ov.Waiting[0].Code != done.Code {
		t.Errorf("waiting: %+v", ov.Waiting)
	}
	// handed back: off the waiting list, counted as returned today and this week
	c.SetClock(func() time.Time { return now.Add(-30 * time.Second) })
	if _, err := c.Act(ActionRequest{Code: done.Code, Event: dossier.EvReturned, Collector: &dossier.Collector{Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}}); err != nil {
		t.Fatal(err)
	}
	c.SetClock(func() time.Time { return now })
	if ov, err := c.Overview(); err != nil || ov.ReturnedToday != 1 || ov.ReturnedWeek != 1 || len(ov.Waiting) != 0 {
		t.Fatalf("after the return: %+v %v", ov, err)
	}
	res, err := c.PrintOverdue(filepath.Join(t.TempDir(), "overdue.pdf"))
	if err != nil || res.Records != 2 {
		t.Fatalf("the overdue list: %+v %v", res, err)
	}
	text := pdfText(t, res.Path)
	if !strings.Contains(text, "DANH SÁCH HỒ SƠ QUÁ HẠN") || strings.Index(text, old1.Code) > strings.Index(text, old2.Code) || strings.Contains(text, done.Code) {
		t.Fatalf("the overdue list:\n%s", text)
	}
	tr, err := c.Trends(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	last, march := tr.Days[len(tr.Days)-1], tr.Months[len(tr.Months)-1]
	if last.Online != 1 || last.InPerson != 1 || march.Early+march.OnTime != 1 || march.Late != 0 {
		t.Errorf("trends: today %+v, March %+v", last, march)
	}
	if len(tr.Procedures) != 1 || tr.Procedures[0].Settled != 1 || len(tr.Clerks) != 1 || tr.Clerks[0].Name != testSettings.Clerk {
		t.Errorf("rates: %+v %+v", tr.Procedures, tr.Clerks)
	}
}

// TestHandOverSlipsInBatch: prepared hand-over slips for the files a
// supervisor chose on the waiting list, one page each in one PDF, each
// print in the audit; a file that is not waiting stops the print and is
// named; the slip printed at the return is still a first print.
func TestHandOverSlipsInBatch(t *testing.T) {
	c := openTest(t, Options{})
	var ready []*dossier.Record
	for range 3 {
		r, err := c.Intake(intake)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = c.Act(ActionRequest{Code: r.Code, Event: dossier.EvProcessing}); err != nil {
			t.Fatal(err)
		}
		ready = append(ready, r)
	}
	open := ready[2]
	for _, r := range ready[:2] {
		if _, err := c.Act(ActionRequest{Code: r.Code, Event: dossier.EvResultReady}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.PrintHandOvers([]string{ready[0].ID, open.ID}, filepath.Join(t.TempDir(), "no.pdf"))
	var nw *forms.ErrNotWaiting
	if !errors.As(err, &nw) || nw.Code != open.Code || !strings.Contains(Explain(err), open.Code) {
		t.Fatalf("a file still in progress: %v", err)
	}
	if _, err := c.PrintHandOvers(nil, ""); !errors.Is(err, ErrNothingChosen) {
		t.Fatalf("nothing chosen: %v", err)
	}
	res, err := c.PrintHandOvers([]string{ready[0].ID, ready[1].ID}, filepath.Join(t.TempDir(), "slips.pdf"))
	if err != nil || res.Records != 2 || !res.Audited {
		t.Fatalf("%+v %v", res, err)
	}
	text := pdfText(t, res.Path)
	if strings.Count(text, "GIẤY BIÊN NHẬN TRẢ KẾT QUẢ") != 2 || strings.Count(text, "\f") != 2 ||
		!strings.Contains(text, ready[0].Code) || !strings.Contains(text, ready[1].Code) || strings.Contains(text, open.Code) {
		t.Fatalf("the slips:\n%s", text)
	}
	if !strings.Contains(text, "……giờ……phút, ngày……/……/………") || !strings.Contains(text, "ngày…… tháng…… năm………") {
		t.Errorf("the return time and the date are not left to fill in:\n%s", text)
	}
	audit, err := c.AuditWhere(storage.AuditFilter{Action: "print"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range audit {
		if e.Detail == formHandOverPrepared {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d prepared slips in the audit, want 2: %+v", n, audit)
	}
	// handed back: the slip of the return is a first print, not a reprint
	r, err := c.Act(ActionRequest{Code: ready[0].Code, Event: dossier.EvReturned, Collector: &dossier.Collector{Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.PrintForm(r, forms.KindHandOver, filepath.Join(t.TempDir(), "slip.pdf")); err != nil || res.Reprint {
		t.Fatalf("the slip at the return: %+v %v", res, err)
	}
	if _, err := c.PrintHandOvers([]string{ready[0].ID}, ""); !errors.As(err, &nw) {
		t.Fatalf("a file handed back: %v", err)
	}
}

// TestOverviewKeptUpToDate: after the first count the desk reads only the
// records written since; what it shows equals a count from scratch after
// intakes, steps, returns and a new day.
func TestOverviewKeptUpToDate(t *testing.T) {
	c := openTest(t, Options{})
	now := time.Date(2026, 3, 12, 10, 0, 0, 0, dossier.Loc)
	at := func(when time.Time) { c.SetClock(func() time.Time { return when }) }
	fromScratch := func() Overview {
		t.Helper()
		c.desk.mu.Lock()
		c.desk.files = nil
		c.desk.mu.Unlock()
		ov, err := c.Overview()
		if err != nil {
			t.Fatal(err)
		}
		return ov
	}
	same := func(step string) {
		t.Helper()
		kept, err := c.Overview()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summary(kept), summary(fromScratch()); got != want {
			t.Fatalf("%s: kept up to date\n%s\ncounted from scratch\n%s", step, got, want)
		}
	}
	var codes []string
	for _, md := range [][2]int{{2, 2}, {2, 3}, {3, 9}, {3, 10}, {3, 11}} { // February is overdue by March
		at(time.Date(2026, time.Month(md[0]), md[1], 9, 0, 0, 0, dossier.Loc))
		r, err := c.Intake(intake)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, r.Code)
	}
	at(now)
	same("first count")
	act := func(code string, ev dossier.EventType) {
		t.Helper()
		req := ActionRequest{Code: code, Event: ev}
		if ev == dossier.EvReturned {
			req.Collector = &dossier.Collector{Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}
		}
		if _, err := c.Act(req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Intake(intake); err != nil {
		t.Fatal(err)
	}
	same("an intake")
	act(codes[0], dossier.EvProcessing)
	act(codes[0], dossier.EvResultReady)
	same("an overdue file finished")
	act(codes[0], dossier.EvReturned)
	same("its result handed back")
	act(codes[3], dossier.EvProcessing)
	same("a file sent for processing")
	at(now.AddDate(0, 0, 4)) // Monday: a new week
	same("a new week")
	if ov, _ := c.Overview(); ov.ReturnedWeek != 0 || ov.Week.Received != 5 {
		t.Fatalf("the new week: returned %d, %+v", ov.ReturnedWeek, ov.Week)
	}
}

// summary is what the desk shows, as text to compare.
func summary(ov Overview) string {
	var b strings.Builder
	fmt.Fprintf(&b, "today %+v\nweek %+v\nreturned %d/%d due %d paused %d fee %d\n", ov.Today, ov.Week, ov.ReturnedToday, ov.ReturnedWeek, ov.DueToday, ov.Paused, ov.WaitingFee)
	for _, o := range ov.Overdue {
		fmt.Fprintf(&b, "overdue %s %d %s\n", o.Record.Code, o.DaysLate, statusName(o.Record.Status))
	}
	for _, r := range ov.Waiting {
		fmt.Fprintf(&b, "waiting %s\n", r.Code)
	}
	return b.String()
}

func statusName(s dossier.Status) string { return fmt.Sprint(int(s)) }
