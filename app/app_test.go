package app

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/assets"
	"motcua/counter"
	"motcua/dossier"
	"motcua/server"
	"motcua/storage"
	"motcua/storage/storagetest"
	mcsync "motcua/sync"
)

var testSettings = storage.Settings{UnitName: "UBND phường Thuận Hóa", UnitCode: "000.00.12.H57", Place: "Huế", Counter: 2, Clerk: "Trần Văn Bình", Language: "vi"}

func openStore(t *testing.T) *storage.Store { return storagetest.Open(t) }

func newTestUI(t *testing.T) (*UI, *storage.Store) {
	t.Helper()
	s := openStore(t)
	if err := s.SaveSettings(testSettings); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	c := counter.New(s, counter.Options{})
	withAccounts(t, c)
	u := New(a, c)
	u.now = func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc) }
	u.ctr.SetClock(u.now)
	queue := make(chan func(), 10_000)
	u.do = func(f func()) { queue <- f } // run by settle, on the test's goroutine
	queues[u] = queue
	u.win.Resize(fyne.NewSize(1280, 800))
	return u, s
}

// queues holds each test UI's background results, waiting to be applied
// on the test's goroutine as the window would apply them on its own.
var queues = map[*UI]chan func(){}

// settle applies background results until no search waits or runs.
func settle(t *testing.T, u *UI) {
	t.Helper()
	q := queues[u]
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case f := <-q:
			f()
			continue
		default:
		}
		if u.records.inflight.Load() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the search did not settle")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pressEnter(e interface{ TypedKey(*fyne.KeyEvent) }) {
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// menuAction finds the main-menu item bound to a shortcut, as the window
// does when the clerk presses it.
func menuAction(t *testing.T, u *UI, sc fyne.Shortcut) func() {
	for _, m := range u.win.MainMenu().Items {
		for _, it := range m.Items {
			if it.Shortcut != nil && it.Shortcut.ShortcutName() == sc.ShortcutName() {
				return it.Action
			}
		}
	}
	t.Fatalf("no menu item for %s", sc.ShortcutName())
	return nil
}

// objects walks a canvas object tree, through widget renderers.
func objects(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			objects(c, visit)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			objects(c, visit)
		}
	}
}

// entryOf is the entry in an object: a plain one or a dialog's keyEntry.
func entryOf(o fyne.CanvasObject) (*widget.Entry, bool) {
	switch e := o.(type) {
	case *widget.Entry:
		return e, true
	case *keyEntry:
		return &e.Entry, true
	}
	return nil, false
}

func findButton(t *testing.T, root fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	objects(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

func topOverlay(t *testing.T, u *UI) fyne.CanvasObject {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog shown")
	}
	return top
}

const qr = "046190001234|191234567|Nguyễn Thị Lan|12031990|Nữ|12 Lê Lợi, Phường Thuận Hóa, Thành phố Huế|01072021"

func TestIntakeFormSaveFindAndTransition(t *testing.T) {
	u, s := newTestUI(t)
	in := u.intake

	// Procedure search ignores case and diacritics; Enter picks the first.
	test.Type(in.search, "KHAI SINH")
	if len(in.matches) == 0 || in.matches[0].Code != "1.001193" && in.matches[1].Code != "1.001193" {
		t.Fatalf("matches %v", in.matches)
	}
	in.search.SetText("")
	test.Type(in.search, "1.001193")
	pressEnter(in.search)
	if in.procedure == nil || in.procedure.Code != "1.001193" {
		t.Fatal("procedure not chosen")
	}
	if len(in.docs.rows) != 3 || in.docs.rows[0].name.Text != "Tờ khai đăng ký khai sinh" {
		t.Fatalf("checklist not filled: %d rows", len(in.docs.rows))
	}
	// received 09:00 Tuesday 10/3/2026, same-day procedure: due 17:00 the same day
	if got := in.due.Text; got != "17:00, Thứ Ba 10/03/2026" {
		t.Fatalf("live appointment %q", got)
	}

	// A scanner types the chip card's QR code into the ID field.
	test.Type(in.owner.idNumber, qr)
	o := in.owner
	if o.idNumber.Text != "046190001234" || o.name.Text != "Nguyễn Thị Lan" || o.birth.Text != "12/03/1990" ||
		o.sex.Selected != "Nữ" || o.ward.Text != "Phường Thuận Hóa" || o.province.Text != "Thành phố Huế" || o.street.Text != "12 Lê Lợi" {
		t.Fatalf("QR fill: id %q name %q birth %q sex %q street %q ward %q prov %q", o.idNumber.Text, o.name.Text, o.birth.Text, o.sex.Selected, o.street.Text, o.ward.Text, o.province.Text)
	}
	// Fields validate as typed, in Vietnamese.
	test.Type(o.phone, "0123")
	if err := o.phone.Validate(); err == nil || !strings.Contains(err.Error(), "Số điện thoại không hợp lệ") {
		t.Fatalf("phone validation: %v", err)
	}
	// Saving with a bad phone shows the error and saves nothing.
	menuAction(t, u, shortcutSave)()
	if st, _ := s.Stats(); st.Records != 0 {
		t.Fatal("saved with an invalid phone")
	}
	if d := topOverlay(t, u); d == nil {
		t.Fatal("no error shown")
	}
	u.win.Canvas().Overlays().Top().Hide()
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	o.phone.SetText("0912 345 678")

	// Ctrl+S saves.
	menuAction(t, u, shortcutSave)()
	st, _ := s.Stats()
	if st.Records != 1 || st.Pending != 1+accountEvents {
		t.Fatalf("stats after save %+v", st)
	}
	if !strings.Contains(in.lastSaved.Text, "000.00.12.H57-260310-2001") {
		t.Fatalf("saved panel %q", in.lastSaved.Text)
	}
	if in.procedure != nil || o.name.Text != "" {
		t.Fatal("form not cleared for the next citizen")
	}
	if !strings.Contains(u.status.pending.Text, "4") { // the intake and withAccounts' three
		t.Fatalf("status bar %q", u.status.pending.Text)
	}

	// Find it by a folded name search.
	u.showTab(1)
	test.Type(u.records.search, "nguyen thi lan")
	settle(t, u)
	if len(u.records.items) != 1 || u.records.items[0].Code != "000.00.12.H57-260310-2001" {
		t.Fatalf("search found %d", len(u.records.items))
	}
	u.records.list.Select(0)
	d := u.records.detail
	if !strings.Contains(d.title.Text, "Được tiếp nhận") {
		t.Fatalf("detail title %q", d.title.Text)
	}
	// Only allowed actions are offered: no "Trả kết quả" while received.
	for _, b := range d.actions.Objects {
		if b.(*widget.Button).Text == "Trả kết quả" {
			t.Fatal("return offered before the result is ready")
		}
	}
	// Perform a transition: result ready, confirmed in the dialog.
	test.Tap(findButton(t, d.actions, "Có kết quả"))
	test.Tap(findButton(t, topOverlay(t, u), "Có"))
	r, _ := s.GetByCode("000.00.12.H57-260310-2001")
	if r.Status != dossier.StatusDone {
		t.Fatalf("status %d", r.Status)
	}
	// Return it: the dialog asks who collected it, filled from the filer.
	test.Tap(findButton(t, d.actions, "Trả kết quả"))
	test.Tap(findButton(t, topOverlay(t, u), "Thực hiện"))
	r, _ = s.GetByCode("000.00.12.H57-260310-2001")
	if r.Status != dossier.StatusReturned || r.Collector == nil || r.Collector.Name != "Nguyễn Thị Lan" {
		t.Fatalf("after return: %d %+v", r.Status, r.Collector)
	}
	if len(d.actions.Objects) != 2 { // a note, and putting a typing mistake right
		t.Fatalf("%d actions offered after return", len(d.actions.Objects))
	}
	if st, _ := s.Stats(); st.Pending != 3+accountEvents {
		t.Fatalf("pending %d", st.Pending)
	}
}

func TestRefusalNeedsAReason(t *testing.T) {
	u, s := newTestUI(t)
	r, err := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Văn Cường", IDNumber: "046085001111"}})
	if err != nil {
		t.Fatal(err)
	}
	u.records.openCode(r.Code)
	settle(t, u)
	d := u.records.detail
	test.Tap(findButton(t, d.actions, "Từ chối tiếp nhận"))
	dlg := topOverlay(t, u)
	ok := findButton(t, dlg, "Thực hiện")
	if !ok.Disabled() {
		t.Fatal("refusal can be confirmed without a reason")
	}
	var reason *widget.Entry
	objects(dlg, func(o fyne.CanvasObject) {
		if e, isEntry := entryOf(o); isEntry && e.MultiLine && reason == nil {
			reason = e
		}
	})
	test.Type(reason, "Hồ sơ không thuộc thẩm quyền")
	test.Tap(ok)
	got, _ := s.Get(r.ID)
	if got.Status != dossier.StatusRefused || got.History[1].Reason != "Hồ sơ không thuộc thẩm quyền" {
		t.Fatalf("%d %+v", got.Status, got.History)
	}
}

func TestFirstRunSetUp(t *testing.T) {
	s := openStore(t)
	a := test.NewTempApp(t)
	u := New(a, counter.New(s, counter.Options{}))
	if u.tabs != nil {
		t.Fatal("main screens shown before set-up")
	}
	setup := newSetupScreen(u, true)
	u.win.SetContent(setup.content)
	test.Type(setup.unitName, "UBND phường Kim Long")
	test.Type(setup.unitCode, "000.00.12.H5")
	if setup.unitCode.Validate() == nil {
		t.Fatal("bad unit code accepted")
	}
	test.Type(setup.unitCode, "7")
	test.Type(setup.place, "Huế")
	setup.counter.SetSelected("3")
	test.Type(setup.clerk, "Hồ Thị Mai")
	setup.submit()
	if !s.Settings().Ready() || s.Settings().Counter != 3 || u.tabs != nil || u.gate == nil {
		t.Fatalf("set-up not applied, or the main screens came before the first admin: %+v", s.Settings())
	}
	// the first admin, typed as a person would: Enter moves on, the last submits
	g := u.gate
	if len(g.fields) != 4 || g.fields[0].Text != "Hồ Thị Mai" {
		t.Fatalf("first admin form: %d fields, name %q", len(g.fields), g.fields[0].Text)
	}
	test.Type(g.fields[1], "mai")
	test.Type(g.fields[2], "matkhau123")
	test.Type(g.fields[3], "matkhau123")
	pressEnter(g.fields[3])
	if u.tabs != nil || !strings.Contains(g.errText.Text, "phổ biến") {
		t.Fatalf("a common password was taken: %q", g.errText.Text)
	}
	g.fields[2].SetText("Trăng-rằm-2026")
	g.fields[3].SetText("Trăng-rằm-2026")
	pressEnter(g.fields[3])
	if u.tabs == nil || u.ctr.User() == nil || u.ctr.User().Username != "mai" {
		t.Fatalf("the first admin is not signed in: %q", g.errText.Text)
	}
	// an admin alone is no clerk: accounts and settings, no audit
	if tabNamed(u, "tab.accounts") == nil || tabNamed(u, "tab.settings") == nil || tabNamed(u, "tab.audit") != nil {
		t.Fatal("the admin's tabs are wrong")
	}
}

// tabNamed is the tab with the translation of key as its title, or nil.
func tabNamed(u *UI, key string) *container.TabItem {
	for _, it := range u.tabs.Items {
		if it.Text == lang.L(key) {
			return it
		}
	}
	return nil
}

func tabContent(t *testing.T, u *UI, key string) fyne.CanvasObject {
	t.Helper()
	it := tabNamed(u, key)
	if it == nil {
		t.Fatalf("no tab %s", key)
	}
	return it.Content
}

func TestEnglish(t *testing.T) {
	u, s := newTestUI(t)
	set := s.Settings()
	set.Language = "en"
	if err := s.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	u.rebuild()
	defer SetLanguage("vi")
	if got := u.tabs.Items[0].Text; got != "Receive a file" {
		t.Fatalf("tab %q", got)
	}
	if got := statusLabel(dossier.StatusReturned); got != "Result returned" {
		t.Fatalf("status %q", got)
	}
	if got := counter.FieldMessage(dossier.ValidatePhone("1")); got != "Invalid phone number" {
		t.Fatalf("%q", got)
	}
}

func TestEveryKeyIsTranslated(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`lang\.(?:L|X)\("([a-z_.]+[a-z])"`)
	var vi, en map[string]string
	json.Unmarshal(assets.TranslationVI, &vi)
	json.Unmarshal(assets.TranslationEN, &en)
	n := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			if _, ok := vi[m[1]]; !ok {
				t.Errorf("%s: %q missing in vi.json", f, m[1])
			}
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: %q missing in en.json", f, m[1])
			}
		}
	}
	for _, st := range dossier.AllStatuses() {
		if _, ok := en[fmt.Sprintf("status.%d", st)]; !ok {
			t.Errorf("status %d has no English label", st)
		}
	}
	for _, e := range dossier.AllEventTypes() {
		if _, ok := en["event."+string(e)]; !ok {
			t.Errorf("event %s has no English label", e)
		}
	}
	if n < 100 {
		t.Fatalf("only %d keys found: the scan is broken", n)
	}
}

func TestSplitAddress(t *testing.T) {
	for in, want := range map[string][3]string{
		"12 Lê Lợi, Phường Thuận Hóa, Thành phố Huế":                 {"12 Lê Lợi", "Phường Thuận Hóa", "Thành phố Huế"},
		"Thôn 3, Xã Phú Vinh, Thành phố Huế":                         {"Thôn 3", "Xã Phú Vinh", "Thành phố Huế"},
		"5 Kim Long, Phường Kim Long, Quận Phú Xuân, Thừa Thiên Huế": {"5 Kim Long, Quận Phú Xuân", "Phường Kim Long", "Thừa Thiên Huế"},
		"Huế": {"Huế", "", ""},
	} {
		s, w, p := splitAddress(in)
		if [3]string{s, w, p} != want {
			t.Errorf("%q → %q %q %q", in, s, w, p)
		}
	}
}

func TestPrintingFromTheCounter(t *testing.T) {
	u, s := newTestUI(t)
	ui := serialise(u)
	ran := make(chan []string, 4)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	set := s.Settings()
	set.Printer = "Quay_2"
	set.AutoPrint = true
	if err := s.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	in := u.intake
	ui(func() {
		test.Type(in.search, "2.000884")
		pressEnter(in.search)
		test.Type(in.owner.idNumber, qr)
		in.save()
	})
	var cmd []string
	select {
	case cmd = <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the receipt was not printed automatically")
	}
	if cmd[0] != "lp" || cmd[2] != "Quay_2" || !strings.HasSuffix(cmd[len(cmd)-1], "-receipt.pdf") {
		t.Fatalf("print command %v", cmd)
	}
	pdf, err := os.ReadFile(cmd[len(cmd)-1])
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("no PDF at %s: %v", cmd[len(cmd)-1], err)
	}
	// the refusal offers its form, Mẫu 03
	r, _ := s.GetByCode(strings.TrimSuffix(filepath.Base(cmd[len(cmd)-1]), "-receipt.pdf"))
	if r == nil {
		t.Fatal("record of the printed receipt not found")
	}
	ui(func() { u.records.openCode(r.Code) })
	settle(t, u) // outside ui: the search's result takes the same lock
	ui(func() {
		test.Tap(findButton(t, u.records.detail.actions, "Từ chối tiếp nhận"))
		dlg := topOverlay(t, u)
		objects(dlg, func(o fyne.CanvasObject) {
			if e, ok := entryOf(o); ok && e.MultiLine {
				test.Type(e, "Không thuộc thẩm quyền")
			}
		})
		test.Tap(findButton(t, dlg, "Thực hiện"))
		test.Tap(findButton(t, topOverlay(t, u), "Có"))
	})
	select {
	case cmd = <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the refusal was not printed")
	}
	if !strings.HasSuffix(cmd[len(cmd)-1], "-refusal.pdf") {
		t.Fatalf("%v", cmd)
	}
	// the printing goroutine ends by telling the status bar: wait for it, so
	// it does not outlive the test
	waitFor(t, func() bool {
		var msg string
		ui(func() { msg = u.status.msg.Text })
		return strings.Contains(msg, "từ chối")
	})
	aud, _ := s.Audit(5)
	var prints []string
	for _, a := range aud {
		if a.Action == "print" || a.Action == "reprint" {
			prints = append(prints, a.Detail)
		}
	}
	if fmt.Sprint(prints) != "[refusal receipt]" {
		t.Fatalf("audit of prints %v", prints)
	}
}

func TestShortCode(t *testing.T) {
	if got := shortCode("000.00.12.H57-260310-2001", "000.00.12.H57"); got != "260310-2001" {
		t.Fatal(got)
	}
	if got := shortCode("000.00.12.H56-260310-2001", "000.00.12.H57"); got != "000.00.12.H56-260310-2001" {
		t.Fatal(got)
	}
}

func TestSyncFromTheUI(t *testing.T) {
	srvStore, err := server.OpenBolt(t.TempDir(), assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.NewHandler(srvStore))
	defer func() { hs.Close(); srvStore.Close() }()
	code, _ := srvStore.NewEnrollCode("000.00.12.H57", 2)

	s := openStore(t)
	s.SaveSettings(testSettings)
	ctr := counter.New(s, counter.Options{Sync: mcsync.Config{Interval: 100 * time.Millisecond, BackoffBase: 10 * time.Millisecond, BackoffCap: 100 * time.Millisecond, Timeout: 2 * time.Second}})
	withAccounts(t, ctr)
	u := New(test.NewTempApp(t), ctr)
	eng := ctr.Engine()
	u.now = func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc) }
	ui := serialise(u)
	ctr.StartSync()
	defer ctr.StopSync() // the engine must not outlive the test

	// Settings → Kết nối máy chủ
	settings := tabContent(t, u, "tab.settings")
	ui(func() {
		objects(settings, func(o fyne.CanvasObject) {
			if e, ok := entryOf(o); ok {
				switch e.PlaceHolder {
				case "https://motcua.hue.gov.vn":
					test.Type(e, hs.URL)
				case "XXXX-XXXX-XXXX-XXXX":
					test.Type(e, code)
				}
			}
		})
		test.Tap(findButton(t, settings, "Đăng ký quầy"))
	})
	waitFor(t, func() bool {
		var text string
		ui(func() { text = u.status.who.Text })
		st, _ := s.SyncState()
		return st.Enrolled() && strings.Contains(text, "Quầy 2")
	})
	ui(func() {
		test.Type(u.intake.search, "1.004873")
		pressEnter(u.intake.search)
		test.Type(u.intake.owner.idNumber, qr)
		u.intake.save()
	})
	waitFor(t, func() bool {
		n := 0
		srvStore.Export("", func(*dossier.Record) error { n++; return nil })
		return n == 1
	})
	waitFor(t, func() bool { return eng.Status().Pending == 0 && eng.Status().State == mcsync.StateOnline })
	waitFor(t, func() bool {
		var text string
		ui(func() { text = u.status.link.Text })
		return strings.Contains(text, "Tỉnh: ● đã kết nối")
	})
	ui(func() {
		u.selectContent(u.syncView.content)
		u.syncView.refresh()
		if !strings.Contains(u.syncView.detail.Text, "Chờ gửi: 0") || !strings.Contains(u.syncView.outbox.Text, "Không còn gì chờ gửi") {
			t.Errorf("sync screen: %q / %q", u.syncView.detail.Text, u.syncView.outbox.Text)
		}
	})
}

// serialise makes background UI changes and the test's own UI actions
// take turns: Fyne's test driver runs fyne.Do on the calling goroutine.
func serialise(u *UI) func(func()) {
	var mu gosync.Mutex
	run := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
	}
	u.do = run
	return run
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStatusBarSaysPulledRecordsAreBeingIndexed: while records received
// from the province still owe their search entries, the status bar says so.
func TestStatusBarSaysPulledRecordsAreBeingIndexed(t *testing.T) {
	u, s := newTestUI(t)
	at := time.Date(2026, 3, 9, 9, 0, 0, 0, dossier.Loc)
	var evs []storage.RemoteEvent
	for i := 0; i < 3; i++ {
		rec := &dossier.Record{ID: dossier.NewEventID(), UnitCode: testSettings.UnitCode, Counter: 1, ProcedureCode: "1.004873",
			ProcedureName: "Cấp Giấy xác nhận tình trạng hôn nhân", Owner: dossier.Party{Type: 1, Name: fmt.Sprintf("Lê Văn Số%d", i), IDNumber: fmt.Sprintf("04609000%04d", i)},
			FilerIsOwner: true, ReceivedAt: at, DueAt: at.Add(72 * time.Hour), Sets: 1, Channel: 1, Delivery: 1, Clerk: "Cán bộ quầy 1"}
		rec.Code, _ = dossier.FormatCode(testSettings.UnitCode, at, 1, i+1)
		evs = append(evs, storage.RemoteEvent{Seq: uint64(i + 1), Event: dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: dossier.EvReceived, Actor: rec.Clerk, At: at, Record: rec}})
	}
	if _, err := s.ApplyRemote(evs, 3); err != nil {
		t.Fatal(err)
	}
	u.status.refresh()
	if !strings.Contains(u.status.pending.Text, "lập chỉ mục tìm kiếm: 3 hồ sơ") {
		t.Fatalf("status bar %q", u.status.pending.Text)
	}
	// as the engine reports it during a pull: the record count moves too
	u.status.applySync(mcsync.Status{State: mcsync.StateSyncing, Records: 2003, Indexing: 1000})
	if !strings.Contains(u.status.pending.Text, "lập chỉ mục tìm kiếm: 1.000 hồ sơ") || !strings.Contains(u.status.store.Text, "2.003 hồ sơ") {
		t.Fatalf("status bar %q / %q", u.status.store.Text, u.status.pending.Text)
	}
	if _, err := s.DrainBacklog(100); err != nil {
		t.Fatal(err)
	}
	u.status.refresh()
	if strings.Contains(u.status.pending.Text, "chỉ mục") {
		t.Fatalf("status bar %q after indexing", u.status.pending.Text)
	}
}

// Automatic backups: the status bar says when none is set up, makes one
// when due into the chosen folder, says when it was made, and warns when
// the folder goes missing.
func TestAutomaticBackup(t *testing.T) {
	u, s := newTestUI(t)
	if !strings.Contains(u.status.backup.Text, "Chưa đặt thư mục sao lưu") {
		t.Fatalf("no folder: %q", u.status.backup.Text)
	}
	dir := t.TempDir()
	set := s.Settings()
	set.BackupDir, set.BackupKeep = dir, 3
	if err := s.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	u.backupIfDue()
	files, _ := filepath.Glob(filepath.Join(dir, "motcua-*.db"))
	if len(files) != 1 {
		t.Fatalf("backups: %v", files)
	}
	if err := storage.CheckBackup(files[0]); err != nil {
		t.Fatal(err)
	}
	u.status.refresh()
	if !strings.HasPrefix(u.status.backup.Text, "Sao lưu: ") || u.status.backup.Importance == widget.DangerImportance {
		t.Fatalf("after a backup: %q", u.status.backup.Text)
	}
	u.backupIfDue() // not due again the same day
	if files, _ := filepath.Glob(filepath.Join(dir, "motcua-*.db")); len(files) != 1 {
		t.Fatalf("a second backup the same day: %v", files)
	}
	os.RemoveAll(dir)
	u.status.refresh()
	if !strings.Contains(u.status.backup.Text, "Không thấy thư mục sao lưu") || u.status.backup.Importance != widget.DangerImportance {
		t.Fatalf("folder missing: %q", u.status.backup.Text)
	}
}

// The procedure box takes the best match on Enter, the arrow keys move
// through the matches, and the list closes once one is chosen.
func TestProcedureSearchKeyboard(t *testing.T) {
	u, _ := newTestUI(t)
	in := u.intake
	test.Type(in.search, "dang ky ho kinh doanh")
	pressEnter(in.search)
	if in.procedure == nil || in.procedure.Code != "1.001612" {
		t.Fatalf("Enter chose %+v", in.procedure)
	}
	if in.listBox.Visible() {
		t.Fatal("the list stays open after a choice")
	}
	in.search.SetText("")
	test.Type(in.search, "chung thuc")
	if !in.listBox.Visible() || len(in.matches) < 3 {
		t.Fatalf("typing again: list visible %v, %d matches", in.listBox.Visible(), len(in.matches))
	}
	second := in.matches[1]
	in.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	in.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	in.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	pressEnter(in.search)
	if in.procedure == nil || in.procedure.Code != second.Code {
		t.Fatalf("Down, Down, Up, Enter chose %v, want %s", in.procedure, second.Code)
	}
}

// A scanner types a receipt's code, or its lookup link, and Enter: that
// record opens, and the list shows it.
func TestScannedReceiptOpensTheRecord(t *testing.T) {
	u, s := newTestUI(t)
	var want *dossier.Record
	for i := range 5 {
		r, err := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true,
			Owner: dossier.Party{Type: dossier.PartyCitizen, Name: fmt.Sprintf("Lê Văn Số%d", i), IDNumber: "046085001111"}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			want = r
		}
	}
	u.showTab(1)
	settle(t, u)
	for _, scanned := range []string{want.Code, "https://tracuu.example.vn/hoso?ma=" + want.Code} {
		u.records.detail.clear()
		u.records.search.SetText("")
		settle(t, u)
		test.Type(u.records.search, scanned)
		pressEnter(u.records.search)
		settle(t, u)
		if u.records.detail.rec == nil || u.records.detail.rec.ID != want.ID {
			t.Fatalf("%q opened %v", scanned, u.records.detail.rec)
		}
		if len(u.records.items) != 1 || u.records.items[0].ID != want.ID {
			t.Fatalf("%q listed %d records", scanned, len(u.records.items))
		}
	}
}

// Ctrl+S does nothing while a dialog is open over the window.
func TestShortcutsWaitForDialogs(t *testing.T) {
	u, s := newTestUI(t)
	in := u.intake
	test.Type(in.search, "1.004873")
	pressEnter(in.search)
	test.Type(in.owner.idNumber, qr)
	dialog.ShowInformation("Thông báo", "Một hộp thoại đang mở", u.win)
	menuAction(t, u, shortcutSave)()
	if st, _ := s.Stats(); st.Records != 0 {
		t.Fatal("saved behind an open dialog")
	}
	u.win.Canvas().Overlays().Top().Hide()
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	menuAction(t, u, shortcutSave)()
	if st, _ := s.Stats(); st.Records != 1 {
		t.Fatalf("%d records after Ctrl+S with no dialog", st.Records)
	}
}

// The unit's ward and province start every address as values (saved and
// printed), and optional documents start at zero.
func TestAddressDefaultsAndOptionalDocuments(t *testing.T) {
	u, s := newTestUI(t)
	set := s.Settings()
	set.Ward, set.Province = "Phường Thuận Hóa", "Thành phố Huế"
	if err := s.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	in := u.intake
	in.reset()
	if in.owner.ward.Text != "Phường Thuận Hóa" || in.owner.province.Text != "Thành phố Huế" {
		t.Fatalf("address starts with %q, %q", in.owner.ward.Text, in.owner.province.Text)
	}
	test.Type(in.search, "1.001193") // khai sinh: the authorisation letter is optional
	pressEnter(in.search)
	lines, err := in.docs.lines()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range lines {
		if strings.Contains(d.Name, "ủy quyền") && d.Received() {
			t.Fatalf("optional document counted in: %+v", d)
		}
	}
	test.Type(in.owner.idNumber, "046190001234")
	test.Type(in.owner.name, "Nguyễn Thị Lan")
	in.save()
	recs, _, _ := s.Collect(storage.Query{Text: "046190001234"}, 5)
	if len(recs) != 1 || recs[0].Owner.Address.Ward != "Phường Thuận Hóa" || recs[0].Owner.Address.Province != "Thành phố Huế" {
		t.Fatalf("saved address: %+v", recs)
	}
}

// A chip-ID QR scanned into the name field fills the person; it is never
// left as the name.
func TestQRScannedIntoAnyFieldOfThePerson(t *testing.T) {
	u, _ := newTestUI(t)
	p := u.intake.owner
	test.Type(p.name, qr)
	if p.name.Text != "Nguyễn Thị Lan" || p.idNumber.Text != "046190001234" || p.birth.Text != "12/03/1990" {
		t.Fatalf("name %q, ID %q, birth %q", p.name.Text, p.idNumber.Text, p.birth.Text)
	}
	p.reset()
	test.Type(p.street, qr)
	if p.street.Text != "12 Lê Lợi" || p.name.Text != "Nguyễn Thị Lan" {
		t.Fatalf("street %q, name %q", p.street.Text, p.name.Text)
	}
}

// waitPrint applies background results until a print command was run.
func waitPrint(t *testing.T, u *UI, ran <-chan []string) []string {
	t.Helper()
	var cmd []string
	pump(t, u, func() bool {
		select {
		case cmd = <-ran:
			return true
		default:
			return false
		}
	})
	return cmd
}

// pump applies background results on the test's goroutine until cond holds.
func pump(t *testing.T, u *UI, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		select {
		case f := <-queues[u]:
			f()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// The ledger prints what the list shows: here one citizen's files found by
// the search, after saying how many and asking.
func TestLedgerPrintsWhatTheListShows(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is required (poppler-utils)")
	}
	u, s := newTestUI(t)
	for i, name := range []string{"Phan Văn Tìm", "Lê Thị Khác", "Phan Văn Tìm"} {
		if _, err := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true, ReceivedAt: time.Date(2026, 3, 9, 9, i, 0, 0, dossier.Loc),
			Owner: dossier.Party{Type: dossier.PartyCitizen, Name: name, IDNumber: fmt.Sprintf("04608500111%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	ran := make(chan []string, 1)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	u.showTab(1)
	test.Type(u.records.search, "phan van tim")
	settle(t, u)
	if len(u.records.items) != 2 {
		t.Fatalf("the search lists %d", len(u.records.items))
	}
	u.printLedger(u.records.currentQuery())
	var ask fyne.CanvasObject
	pump(t, u, func() bool { ask = u.win.Canvas().Overlays().Top(); return ask != nil })
	found := false
	var texts []string
	objects(ask, func(o fyne.CanvasObject) {
		switch l := o.(type) {
		case *widget.Label:
			texts = append(texts, l.Text)
		case *canvas.Text:
			texts = append(texts, l.Text)
		case *widget.RichText:
			texts = append(texts, l.String())
		}
	})
	for _, x := range texts {
		found = found || strings.Contains(x, "2 hồ sơ")
	}
	if !found {
		t.Fatalf("the question does not say how many files: %q", texts)
	}
	test.Tap(findButton(t, ask, "Có"))
	cmd := waitPrint(t, u, ran)
	text, err := exec.Command("pdftotext", "-layout", cmd[len(cmd)-1], "-").Output()
	if err != nil || strings.Count(string(text), "Phan Văn Tìm") != 2 || strings.Contains(string(text), "Lê Thị Khác") {
		t.Fatalf("ledger: %v\n%s", err, text)
	}
}

// A returning citizen: typing an ID on file offers to fill the person from
// the newest file; the same person and procedure again today asks first;
// Ctrl+P prints the receipt just saved.
func TestReturningCitizenAndDuplicate(t *testing.T) {
	u, s := newTestUI(t)
	ran := make(chan []string, 2)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	first, err := s.Intake(dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true, ReceivedAt: time.Date(2026, 3, 10, 8, 0, 0, 0, dossier.Loc),
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Thị Mỹ Hạnh", IDNumber: "046190001234", Birth: "12/03/1990", Sex: dossier.SexFemale,
			Address: dossier.Address{Street: "5 Hùng Vương", Ward: "Phường Phú Xuân", Province: "Thành phố Huế"}, Phone: "0912345678"}})
	if err != nil {
		t.Fatal(err)
	}
	in := u.intake
	test.Type(in.search, "1.004873")
	pressEnter(in.search)
	test.Type(in.owner.idNumber, "046 190 001 234")
	if in.owner.sex.Selected != "Nữ" {
		t.Fatalf("sex from the ID: %q", in.owner.sex.Selected)
	}
	var ask fyne.CanvasObject
	pump(t, u, func() bool { ask = u.win.Canvas().Overlays().Top(); return ask != nil })
	test.Tap(findButton(t, ask, "Có"))
	if in.owner.name.Text != "Lê Thị Mỹ Hạnh" || in.owner.street.Text != "5 Hùng Vương" || in.owner.birth.Text != "12/03/1990" {
		t.Fatalf("not filled: %q %q %q", in.owner.name.Text, in.owner.street.Text, in.owner.birth.Text)
	}
	in.save()
	dup := u.win.Canvas().Overlays().Top()
	if dup == nil {
		t.Fatal("no duplicate warning")
	}
	found := false
	objects(dup, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, first.Code) {
			found = true
		}
	})
	if !found {
		t.Fatal("the warning does not name the file received today")
	}
	test.Tap(findButton(t, dup, "Có"))
	if st, _ := s.Stats(); st.Records != 2 {
		t.Fatalf("%d records after confirming", st.Records)
	}
	menuAction(t, u, shortcutPrint)()
	cmd := waitPrint(t, u, ran)
	if !strings.Contains(cmd[len(cmd)-1], in.lastCode) || !strings.HasSuffix(cmd[len(cmd)-1], "-receipt.pdf") {
		t.Fatalf("Ctrl+P printed %v", cmd)
	}
}

// Refusal, stop and withdrawal stand apart; fee actions only where a fee
// applies; "Gửi ngay" waits for an enrolled server.
func TestActionButtons(t *testing.T) {
	u, s := newTestUI(t)
	free, _ := s.Intake(dossier.Intake{ProcedureCode: "1.001193", FilerIsOwner: true, // khai sinh: free
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Văn A", IDNumber: "046085001111"}})
	u.records.openCode(free.Code)
	settle(t, u)
	for _, o := range u.records.detail.actions.Objects {
		b := o.(*widget.Button)
		if b.Text == "Yêu cầu nộp phí, lệ phí" {
			t.Fatal("a fee action for a free procedure")
		}
		if (b.Text == "Từ chối tiếp nhận" || b.Text == "Rút hồ sơ" || b.Text == "Dừng xử lý") != (b.Importance == widget.DangerImportance) {
			t.Fatalf("%q importance %v", b.Text, b.Importance)
		}
	}
	u.syncView.refresh()
	if !u.syncView.sendNow.Disabled() {
		t.Fatal("Gửi ngay enabled with no server enrolled")
	}
}

// From the records search, Down and Up move through the list and the
// record under the selection opens beside it.
func TestRecordsSearchArrowKeys(t *testing.T) {
	u, s := newTestUI(t)
	for i := range 3 {
		if _, err := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true,
			Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Trần Văn Phím", IDNumber: fmt.Sprintf("04608500111%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	u.showTab(1)
	test.Type(u.records.search, "tran van phim")
	settle(t, u)
	if len(u.records.items) != 3 {
		t.Fatalf("%d listed", len(u.records.items))
	}
	key := func(k fyne.KeyName) { u.records.search.TypedKey(&fyne.KeyEvent{Name: k}) }
	key(fyne.KeyDown)
	key(fyne.KeyDown)
	key(fyne.KeyDown)
	key(fyne.KeyUp)
	if d := u.records.detail.rec; d == nil || d.ID != u.records.items[1].ID {
		t.Fatalf("Down×3, Up opened %v, want the second row", d)
	}
}

// Guidance instead of a receipt from the intake screen: Mẫu 03 for the
// person on the form, no record, the form printed.
func TestGuidanceFromTheIntakeScreen(t *testing.T) {
	u, s := newTestUI(t)
	ran := make(chan []string, 1)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	in := u.intake
	test.Type(in.search, "1.004873")
	pressEnter(in.search)
	test.Type(in.owner.name, "Phạm Thị Hướng")
	in.guide(dossier.GuideRefusal)
	dlg := topOverlay(t, u)
	objects(dlg, func(o fyne.CanvasObject) {
		if e, ok := entryOf(o); ok && e.MultiLine {
			test.Type(e, "Không thuộc thẩm quyền của phường")
		}
	})
	test.Tap(findButton(t, dlg, "Thực hiện"))
	cmd := waitPrint(t, u, ran)
	text, err := exec.Command("pdftotext", cmd[len(cmd)-1], "-").Output()
	if err != nil || !strings.Contains(string(text), "PHIẾU TỪ CHỐI") || !strings.Contains(string(text), "Phạm Thị Hướng") {
		t.Fatalf("%v\n%s", err, text)
	}
	if st, _ := s.Stats(); st.Records != 0 || st.Pending != 1+accountEvents {
		t.Fatalf("%+v", st)
	}
	if in.owner.name.Text != "" {
		t.Fatal("the form did not clear for the next citizen")
	}
}

// "Sửa thông tin" puts a typing mistake right from the record screen.
func TestCorrectionFromTheRecordScreen(t *testing.T) {
	u, s := newTestUI(t)
	r, _ := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Văn Cườg", IDNumber: "046085001111"}})
	u.records.openCode(r.Code)
	settle(t, u)
	test.Tap(findButton(t, u.records.detail.actions, "Sửa thông tin"))
	dlg := topOverlay(t, u)
	objects(dlg, func(o fyne.CanvasObject) {
		e, ok := entryOf(o)
		switch {
		case ok && e.Text == "Lê Văn Cườg":
			e.SetText("Lê Văn Cường")
		case ok && e.MultiLine:
			test.Type(e, "Gõ thiếu chữ")
		}
	})
	test.Tap(findButton(t, dlg, "Thực hiện"))
	got, _ := s.GetByCode(r.Code)
	if got.Owner.Name != "Lê Văn Cường" || got.History[len(got.History)-1].Correction.OldOwner.Name != "Lê Văn Cườg" {
		t.Fatalf("after the correction: %q", got.Owner.Name)
	}
}

// Record action dialogs: the first field has the cursor, Esc closes,
// Enter confirms a confirmation and submits from a one-line field.
func TestDialogKeys(t *testing.T) {
	u, s := newTestUI(t)
	r, _ := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Văn Phím", IDNumber: "046085001111"}})
	u.records.openCode(r.Code)
	settle(t, u)
	// a reason dialog: Esc leaves it without acting
	test.Tap(findButton(t, u.records.detail.actions, "Ghi chú"))
	focused, ok := u.win.Canvas().Focused().(*keyEntry)
	if !ok {
		t.Fatalf("the first field has no cursor: %T", u.win.Canvas().Focused())
	}
	test.Type(focused, "Khách hẹn quay lại")
	focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Esc left the dialog open")
	}
	if got, _ := s.GetByCode(r.Code); got.Version != 1 {
		t.Fatal("Esc applied the action")
	}
	// a confirmation: Enter confirms
	test.Tap(findButton(t, u.records.detail.actions, "Chuyển xử lý"))
	u.onKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got, _ := s.GetByCode(r.Code); got.Status != dossier.StatusProcessing {
		t.Fatalf("Enter did not confirm: status %d", got.Status)
	}
	settle(t, u)
	// a one-line field: Enter submits
	test.Tap(findButton(t, u.records.detail.actions, "Yêu cầu nộp phí, lệ phí"))
	amount := u.win.Canvas().Focused().(*keyEntry)
	amount.SetText("") // it starts with the procedure's fee
	test.Type(amount, "30000")
	amount.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got, _ := s.GetByCode(r.Code); got.Status != dossier.StatusFinancial || got.Fee != 30000 {
		t.Fatalf("Enter did not submit: status %d fee %d", got.Status, got.Fee)
	}
}

// A few digits of a number say what to type instead of "0 files".
func TestPartialNumberSaysWhatToType(t *testing.T) {
	u, s := newTestUI(t)
	if _, err := s.Intake(dossier.Intake{ProcedureCode: "2.000884", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Văn Số", IDNumber: "046085001111", Phone: "0912345678"}}); err != nil {
		t.Fatal(err)
	}
	u.showTab(1)
	test.Type(u.records.search, "5678")
	settle(t, u)
	if !strings.Contains(u.records.count.Text, "Nhập đủ số") {
		t.Fatalf("count says %q", u.records.count.Text)
	}
	u.records.search.SetText("")
	test.Type(u.records.search, "0912345678")
	settle(t, u)
	if len(u.records.items) != 1 {
		t.Fatalf("the whole phone finds %d", len(u.records.items))
	}
}

// pdfFileText is a printed PDF's text (pdftotext, in reading order).
func pdfFileText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is required (poppler-utils)")
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
