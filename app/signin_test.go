package app

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"motcua/account"
	"motcua/counter"
	"motcua/dossier"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestMain(m *testing.M) {
	account.Cost = account.Cheap // a hash names its costs; sign-in's own cost is account.BenchmarkHash's
	os.Exit(m.Run())
}

const (
	// accountEvents is what withAccounts leaves in the outbox: the admin's
	// creation, Bình's, and Bình's own password.
	accountEvents = 3
	adminPass     = "Quản-trị-2026"
	binhPass      = "Tiếp-nhận-2026"
)

// withAccounts gives a set-up counter its first admin (an) and Bình, the
// clerk the tests work as (clerk, supervisor and admin), signed in.
func withAccounts(t *testing.T, c *counter.Counter) {
	t.Helper()
	if _, err := c.CreateFirstAdmin("an", "Lê Văn An", adminPass); err != nil {
		t.Fatal(err)
	}
	addPerson(t, c, "binh", "Trần Văn Bình", binhPass, dossier.RoleClerk, dossier.RoleSupervisor, dossier.RoleAdmin)
}

// addPerson has the admin add someone, who then signs in and chooses a
// password (and stays signed in).
func addPerson(t *testing.T, c *counter.Counter, username, name, password string, roles ...dossier.Role) {
	t.Helper()
	if _, err := c.SignIn("an", adminPass); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddAccount(username, name, roles, "Tạm-thời-2026"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SignIn(username, "Tạm-thời-2026"); err != nil {
		t.Fatal(err)
	}
	if err := c.ChangePassword("Tạm-thời-2026", password); err != nil {
		t.Fatal(err)
	}
}

// TestSignInLockAndShiftChange: the window opens on the sign-in screen; a
// clerk sees no supervisor action; the screen locks idle and by hand; a
// shift change keeps each person's half-filled form with that person.
func TestSignInLockAndShiftChange(t *testing.T) {
	u, _ := newTestUI(t)
	c := u.ctr
	addPerson(t, c, "lan", "Nguyễn Thị Lan", "Lan-chọn-2026", dossier.RoleClerk)
	c.SignOut(false)
	u.build()
	if u.tabs != nil || u.gate == nil || len(u.gate.fields) != 2 {
		t.Fatal("the window did not open on the sign-in screen")
	}
	if u.win.MainMenu() != nil {
		t.Fatal("the menu's shortcuts work behind the sign-in screen")
	}
	signInWith := func(user, pw string) {
		t.Helper()
		g := u.gate
		g.fields[0].SetText("")
		test.Type(g.fields[0], user)
		pressEnter(g.fields[0])
		if u.win.Canvas().Focused() != g.fields[1] {
			t.Fatal("Enter on the username does not move to the password")
		}
		test.Type(g.fields[1], pw)
		pressEnter(g.fields[1])
	}
	signInWith("lan", "sai-mật-khẩu")
	if u.tabs != nil || !strings.Contains(u.gate.errText.Text, "không đúng") || u.gate.fields[1].Text != "" {
		t.Fatalf("wrong password: %q", u.gate.errText.Text)
	}
	signInWith("lan", "Lan-chọn-2026")
	if u.tabs == nil || !strings.Contains(u.status.who.Text, "Nguyễn Thị Lan") {
		t.Fatalf("Lan is not signed in, or the status bar does not say so: %v %q", u.tabs == nil, u.gate.errText.Text)
	}
	// a clerk: no audit, accounts or settings tab, no ledger, no refusal
	if tabNamed(u, "tab.audit") != nil || tabNamed(u, "tab.accounts") != nil || tabNamed(u, "tab.settings") != nil {
		t.Fatal("a clerk sees the supervisor's or admin's tabs")
	}
	r, err := c.Intake(dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Văn Một", IDNumber: "046090001234"}})
	if err != nil {
		t.Fatal(err)
	}
	u.records.open(r)
	for _, b := range buttonsOf(u.records.detail.actions) {
		if b == eventLabel(dossier.EvRefused) || b == eventLabel(dossier.EvWithdrawn) || b == eventLabel(dossier.EvExtended) {
			t.Fatalf("a clerk is offered %q", b)
		}
	}
	objects(u.records.content, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == lang.L("records.print_ledger") {
			t.Fatal("a clerk is offered the ledger")
		}
	})

	// Lan starts a file, and the counter is left alone: it locks itself
	u.showTab(0)
	test.Type(u.intake.owner.name, "Phạm Văn Đợi")
	u.checkIdle() // the typing is activity
	clock := u.now()
	u.now = func() time.Time { return clock.Add(DefaultIdleLock + time.Second) }
	u.checkIdle()
	if u.tabs != nil || c.User() != nil || u.gate == nil {
		t.Fatal("the idle counter did not lock")
	}
	if !strings.Contains(lang.L("signin.locked", map[string]any{"Name": "Nguyễn Thị Lan"}), "Nguyễn Thị Lan") || u.gate.fields[0].Text != "lan" {
		t.Fatal("the lock screen does not name who locked it")
	}
	lanForm := u.spaces["lan"].intake

	// shift change: Bình signs in; he gets a form of his own
	signInWith("binh", binhPass)
	if c.User() == nil || c.User().Username != "binh" || u.intake == lanForm || u.intake.owner.name.Text != "" {
		t.Fatal("Bình sees Lan's form")
	}
	test.Type(u.intake.owner.name, "Hồ Thị Bảy")
	menuAction(t, u, shortcutLock)()
	if u.tabs != nil || c.User() != nil {
		t.Fatal("Ctrl+Shift+L did not lock")
	}
	// Lan back: her form as she left it; Bình's kept for him
	signInWith("lan", "Lan-chọn-2026")
	if u.intake != lanForm || u.intake.owner.name.Text != "Phạm Văn Đợi" {
		t.Fatalf("Lan's half-filled form is gone: %q", u.intake.owner.name.Text)
	}
	if u.spaces["binh"].intake.owner.name.Text != "Hồ Thị Bảy" {
		t.Fatal("Bình's form was lost")
	}
	u.lock()
	signInWith("binh", binhPass) // a supervisor reads the audit
	entries, err := c.Audit(100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		count[e.Action+" "+e.Actor]++
	}
	if count["lock lan"] != 2 || count["lock binh"] != 1 || count["signin_failed lan"] != 1 || count["signin lan"] < 3 {
		t.Fatalf("audit of the shift: %v", count)
	}
}

// buttonsOf lists the texts of the buttons in a container.
func buttonsOf(c *fyne.Container) []string {
	var out []string
	for _, o := range c.Objects {
		if b, ok := o.(*widget.Button); ok {
			out = append(out, b.Text)
		}
	}
	return out
}

// TestAuditAndAccountsTabs: a supervisor filters the audit by person and period and
// exports what it finds to CSV; an admin adds a person from the accounts tab.
func TestAuditAndAccountsTabs(t *testing.T) {
	u, _ := newTestUI(t)
	if _, err := u.ctr.Intake(dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Văn Một", IDNumber: "046090001234"}}); err != nil {
		t.Fatal(err)
	}
	var audit *auditScreen
	tabContent(t, u, "tab.audit")
	audit = newAuditScreen(u)
	test.Type(audit.person, "binh")
	pressEnter(audit.person)
	if !strings.Contains(audit.lines.Text, "received") || strings.Contains(audit.lines.Text, "account_create") {
		t.Fatalf("Bình's entries:\n%s", audit.lines.Text)
	}
	audit.period.SetText("31/02/2026")
	audit.reload()
	if !strings.Contains(audit.lines.Text, "dd/mm/yyyy") {
		t.Fatalf("a bad date: %q", audit.lines.Text)
	}
	audit.period.SetText("")
	audit.action.SetText("account_")
	audit.person.SetText("")
	audit.reload()
	if strings.Count(audit.lines.Text, "account_") != len(audit.shown) || len(audit.shown) != 3 {
		t.Fatalf("account changes: %d\n%s", len(audit.shown), audit.lines.Text)
	}
	audit.export()
	if !strings.Contains(u.status.msg.Text, ".csv") {
		t.Fatalf("export: %q", u.status.msg.Text)
	}
	path := u.status.msg.Text[strings.Index(u.status.msg.Text, "/"):]
	data, err := os.ReadFile(strings.TrimSpace(path))
	if err != nil || !strings.HasPrefix(string(data), "\ufeffstt,") || strings.Count(string(data), "account_") != 3 {
		t.Fatalf("the CSV: %v\n%s", err, data)
	}

	acc := newAccountsScreen(u)
	before := len(acc.list.Objects)
	if before != 2 {
		t.Fatalf("%d accounts listed", before)
	}
	if _, err := u.ctr.AddAccount("hoa", "Trần Thị Hoa", []dossier.Role{dossier.RoleSupervisor}, "Ban-đầu-2026"); err != nil {
		t.Fatal(err)
	}
	acc.reload()
	if len(acc.list.Objects) != 3 {
		t.Fatal("the new account is not listed")
	}
}

// TestEveryDialogTakesTheKeyboard: errors, questions and the print choice
// close with Enter or Esc; a digit picks a form; set-up's first field has
// the cursor and Enter saves it.
func TestEveryDialogTakesTheKeyboard(t *testing.T) {
	u, _ := newTestUI(t)
	key := func(n fyne.KeyName) { u.onKey(&fyne.KeyEvent{Name: n}) }
	open := func() bool { return u.win.Canvas().Overlays().Top() != nil }

	u.showError(errors.New("thử"))
	key(fyne.KeyReturn)
	if open() {
		t.Fatal("Enter did not close the error")
	}
	var answer []bool
	u.showConfirm("Hỏi", "Có không?", func(yes bool) { answer = append(answer, yes) })
	key(fyne.KeyEscape)
	u.showConfirm("Hỏi", "Có không?", func(yes bool) { answer = append(answer, yes) })
	key(fyne.KeyReturn)
	if open() || len(answer) != 2 || answer[0] || !answer[1] {
		t.Fatalf("Esc then Enter on a question: %v", answer)
	}
	// an error over a form dialog: closing it gives the keys back to the form
	r, err := u.ctr.Intake(dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Văn Một", IDNumber: "046090001234"}})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan []string, 4)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	u.choosePrint(r)
	under := u.active
	u.showError(errors.New("thử"))
	key(fyne.KeyEscape)
	if u.active != under || !open() {
		t.Fatal("closing an error did not give the keys back to the dialog under it")
	}
	key(fyne.Key1) // 1: the receipt
	if open() {
		t.Fatal("the digit did not choose")
	}
	if cmd := waitPrint(t, u, ran); len(cmd) == 0 || !strings.Contains(strings.Join(cmd, " "), "receipt") {
		t.Fatalf("printed %v", cmd)
	}
	u.choosePrint(r)
	key(fyne.KeyEscape)
	if open() {
		t.Fatal("Esc did not cancel the print choice")
	}

	// first-run set-up: the cursor in the first field, Enter saves
	s2 := openStore(t)
	u2 := New(test.NewTempApp(t), counter.New(s2, counter.Options{}))
	first, ok := u2.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		t.Fatal("set-up opens with no field focused")
	}
	test.Type(first, "UBND phường Kim Long")
	var fields []*widget.Entry
	objects(u2.win.Content(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			fields = append(fields, e)
		}
	})
	fields[1].SetText("000.00.12.H57")
	fields[2].SetText("Huế")
	fields[3].SetText("Hồ Thị Mai")
	objects(u2.win.Content(), func(o fyne.CanvasObject) {
		if sel, ok := o.(*widget.Select); ok {
			sel.SetSelected("3")
		}
	})
	pressEnter(fields[2])
	if !s2.Settings().Ready() || s2.Settings().UnitName != "UBND phường Kim Long" || u2.gate == nil {
		t.Fatalf("Enter did not save the set-up: %+v", s2.Settings())
	}
}

// TestFormFollowsTab: Tab down to the notes at the bottom of the form
// scrolls it into view; a save (or Ctrl+N) brings the form back to the top.
func TestFormFollowsTab(t *testing.T) {
	u, _ := newTestUI(t)
	u.win.Resize(fyne.NewSize(1280, 560))
	in := u.intake
	visible := func(o fyne.CanvasObject) bool {
		d := u.app.Driver()
		y := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(in.scroll.Content).Y
		return y >= in.scroll.Offset.Y && y+o.Size().Height <= in.scroll.Offset.Y+in.scroll.Size().Height
	}
	if visible(in.notes) {
		t.Skip("the whole form fits: nothing to follow")
	}
	c := u.win.Canvas()
	for i := 0; i < 200 && c.Focused() != in.notes; i++ {
		c.FocusNext()
		in.follow()
	}
	if c.Focused() != in.notes {
		t.Fatal("Tab never reached the notes")
	}
	if !visible(in.notes) {
		t.Fatalf("the notes have the focus but are out of view (offset %v)", in.scroll.Offset)
	}
	menuAction(t, u, shortcutNew)()
	if in.scroll.Offset.Y != 0 || c.Focused() != in.search {
		t.Fatalf("Ctrl+N: offset %v, focus %T", in.scroll.Offset, c.Focused())
	}
}

// TestSupervisorsDesk: a supervisor who is no clerk lands on the overview;
// an overdue file is on the board and opens when clicked.
func TestSupervisorsDesk(t *testing.T) {
	u, _ := newTestUI(t)
	c := u.ctr
	old := dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true, ReceivedAt: time.Date(2026, 2, 2, 9, 0, 0, 0, dossier.Loc),
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Văn Quá Hạn", IDNumber: "046090001234"}}
	r, err := c.Intake(old)
	if err != nil {
		t.Fatal(err)
	}
	var ready []string // two results waiting to be collected
	for _, name := range []string{"Lê Văn Chờ", "Phan Thị Đợi"} {
		x := old
		x.ReceivedAt, x.Owner.Name = time.Time{}, name
		r, err := c.Intake(x)
		for _, ev := range []dossier.EventType{dossier.EvProcessing, dossier.EvResultReady} {
			if err == nil {
				r, err = c.Act(counter.ActionRequest{Code: r.Code, Event: ev})
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		ready = append(ready, r.Code)
	}
	addPerson(t, c, "hoa", "Trần Thị Hoa", "Hoa-chọn-2026", dossier.RoleSupervisor)
	u.rebuild()
	if u.tabs.Selected() != tabNamed(u, "tab.overview") {
		t.Fatalf("a supervisor lands on %q", u.tabs.Selected().Text)
	}
	ov := u.overview
	pump(t, u, func() bool { return len(ov.data.Overdue) > 0 && len(ov.data.Waiting) == 2 })
	// prepared hand-over slips for the files ticked on the waiting list
	if !ov.slips.Disabled() {
		t.Fatal("the slips print with nothing ticked")
	}
	test.Tap(ov.chooseAll)
	if ov.slips.Disabled() || !strings.Contains(ov.slips.Text, "(2)") {
		t.Fatalf("after choosing all: %q", ov.slips.Text)
	}
	ran := make(chan []string, 4)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	test.Tap(ov.slips)
	cmd := waitPrint(t, u, ran)
	text := pdfFileText(t, cmd[len(cmd)-1])
	if strings.Count(text, "GIẤY BIÊN NHẬN TRẢ KẾT QUẢ") != 2 || !strings.Contains(text, ready[0]) || !strings.Contains(text, ready[1]) {
		t.Fatalf("printed %v:\n%s", cmd, text)
	}
	// a save while the desk is in view refreshes it: the collected file leaves the list and its tick
	if _, err := c.Act(counter.ActionRequest{Code: ready[0], Event: dossier.EvReturned, Collector: &dossier.Collector{Name: "Lê Văn Chờ", IDNumber: "046090001235"}}); err != nil {
		t.Fatal(err)
	}
	u.changed()
	pump(t, u, func() bool { return len(ov.data.Waiting) == 1 })
	if !strings.Contains(ov.slips.Text, "(1)") || ov.data.ReturnedToday != 1 {
		t.Fatalf("after the return: %q, returned today %d", ov.slips.Text, ov.data.ReturnedToday)
	}
	if ov.data.Overdue[0].Record.Code != r.Code || !strings.Contains(ov.overdueLine(ov.data.Overdue[0]), "Nguyễn Văn Quá Hạn") {
		t.Fatalf("overdue board: %+v", ov.data.Overdue)
	}
	if !strings.Contains(ov.heading.Text, "1") {
		t.Fatalf("heading %q", ov.heading.Text)
	}
	ov.overdue.Select(0)
	if u.tabs.SelectedIndex() != 1 || u.records.search.Text != r.Code {
		t.Fatal("clicking the overdue file did not open it")
	}
	// the charts, drawn when their tab is shown
	ov.inner.SelectIndex(1)
	pump(t, u, func() bool { return len(ov.charts.Objects) == 4 })
	if _, ok := ov.charts.Objects[0].(*canvas.Image); !ok {
		t.Fatalf("the charts: %T", ov.charts.Objects[0])
	}
	// the period's report, written from the desk
	ov.period.SetSelectedIndex(4)
	ov.from.SetText("01/02/2026")
	ov.to.SetText("28/02/2026")
	ov.write(counter.FormatCSV)
	pump(t, u, func() bool { return strings.Contains(u.status.msg.Text, ".csv") })
}

// TestIntakeTakesTwoColumnsWhereThereIsWidth: on a wide window the form's
// second half (filer, documents, other) sits beside the first; at the
// counter's 1366 px it stays below.
func TestIntakeTakesTwoColumnsWhereThereIsWidth(t *testing.T) {
	u, _ := newTestUI(t)
	second := u.intake.filerSame
	d := u.app.Driver()
	u.win.Resize(fyne.NewSize(1280, 700))
	narrowX := d.AbsolutePositionForObject(second).X
	u.win.Resize(fyne.NewSize(1900, 1000))
	wideX := d.AbsolutePositionForObject(second).X
	if wideX < narrowX+400 {
		t.Fatalf("the second column did not move beside the first: x %v → %v", narrowX, wideX)
	}
	if y := d.AbsolutePositionForObject(second).Y; y > d.AbsolutePositionForObject(u.intake.search).Y+200 {
		t.Fatalf("the second column starts %v below the top", y)
	}
}
