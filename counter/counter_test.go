package counter

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

var testSettings = storage.Settings{UnitName: "UBND phường Thuận Hóa", UnitCode: "000.00.12.H57", Place: "Huế", Counter: 2, Clerk: "Trần Văn Bình", Language: "vi"}

func openTest(t *testing.T, opts Options) *Counter {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		probs, _, err := c.Verify() // every test leaves a file that verifies
		if err != nil || len(probs) > 0 {
			t.Errorf("verify: %v %v", err, probs)
		}
		c.Close()
	})
	if err := c.SaveSettings(testSettings); err != nil {
		t.Fatal(err)
	}
	withAccounts(t, c)
	return c
}

var intake = dossier.Intake{ProcedureCode: "1.004873", Owner: dossier.Party{Type: 1, Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}, FilerIsOwner: true}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is required (poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Every key the window and this package look up is in both languages,
// and both files have the same keys.
func TestTranslationsHaveEveryKey(t *testing.T) {
	files := map[string]map[string]string{}
	for code, data := range map[string][]byte{"vi": assets.TranslationVI, "en": assets.TranslationEN} {
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		files[code] = m
	}
	for k := range files["vi"] {
		if _, ok := files["en"][k]; !ok {
			t.Errorf("%q is in vi.json, not in en.json", k)
		}
	}
	// the domain's own labels are Vietnamese already: vi.json needs no
	// entry for them (counter.domain)
	domainKey := regexp.MustCompile(`^(status|event|form|channel|delivery|party|err)\.`)
	for k := range files["en"] {
		if _, ok := files["vi"][k]; !ok && !domainKey.MatchString(k) {
			t.Errorf("%q is in en.json, not in vi.json", k)
		}
	}
	used := regexp.MustCompile(`\b(?:L|X)\("([a-z_]+\.[a-z0-9_.]*[a-z0-9_])"`)
	srcs, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("../app/*.go")
	n := 0
	for _, f := range append(srcs, more...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(data), -1) {
			n++
			if _, ok := files["vi"][m[1]]; !ok {
				t.Errorf("%s looks up %q, which vi.json lacks", f, m[1])
			}
		}
	}
	// keys made at run time: the sync notes, network reasons and imports
	for _, k := range []string{mcsync.NoteRound, mcsync.NoteEnrolled, mcsync.NoteRewound, mcsync.NoteResync, mcsync.NoteReference, mcsync.NoteError,
		"error.sync.net." + mcsync.NetRefused, "error.sync.net." + mcsync.NetReset, "error.sync.net." + mcsync.NetDNS, "error.sync.net." + mcsync.NetTimeout,
		"error.sync.net." + mcsync.NetUnreachable, "error.sync.net." + mcsync.NetOther, "error.sync.reference.calendar", "error.sync.reference.catalog",
		"error.import.calendar", "error.import.catalog"} {
		if _, ok := files["vi"][k]; !ok {
			t.Errorf("%q is missing", k)
		}
	}
	if n < 100 {
		t.Fatalf("only %d lookups found: the pattern no longer matches the code", n)
	}
}

var vietnamese = regexp.MustCompile(`[ạảãàáâậầấẩẫăắằặẳẵđêếềệểễôốồộổỗơớờợởỡưứừựửữíìịỉĩóòọỏõúùụủũýỳỵỷỹ]`)

// An error reads as a sentence in the language in force: in English with
// no Vietnamese words, in Vietnamese as the clerk says it.
func TestExplainInBothLanguages(t *testing.T) {
	defer SetLanguage("vi")
	cases := []struct {
		err    error
		vi, en string
	}{
		{&mcsync.NetError{Reason: mcsync.NetRefused, Err: errors.New("connect: connection refused")}, "Không kết nối được máy chủ: máy chủ từ chối kết nối", "Cannot reach the backend: the backend refused the connection"},
		{fmt.Errorf("round: %w", mcsync.ErrAuth), "cần đăng ký lại", "enroll again"},
		{fmt.Errorf("%w: %w: %q", wire.ErrMalformed, mcsync.ErrNotJSON, "text/html"), "trang đăng nhập", "Wi-Fi login page"},
		{&mcsync.HTTPError{Status: 400, Message: "bad"}, "Máy chủ trả lời lỗi 400: bad", "The backend answered with error 400: bad"},
		{&mcsync.RewoundError{State: wire.State{Generation: "g7"}}, "thế hệ g7", "generation g7"},
		{mcsync.ErrNotEnrolled, "chưa đăng ký", "not enrolled"},
		{storage.ErrDiskFull, "ổ đĩa đã đầy", "disk is full"},
		{&CodeError{ErrNoRecord, "000.00.12.H57-260310-2001"}, "Không tìm thấy hồ sơ có mã 000.00.12.H57-260310-2001", "No record has the code 000.00.12.H57-260310-2001"},
		{ErrLedgerTooBig, "20.000", "20.000"},
		{&dossier.TransitionError{Event: dossier.EvReturned, From: dossier.StatusReceived}, "Trả kết quả", "Return"},
		{&ImportError{"calendar", errors.New("x")}, "lịch cũ vẫn giữ nguyên", "the one in force is kept"},
	}
	for _, c := range cases {
		SetLanguage("vi")
		if got := Explain(c.err); !strings.Contains(strings.ToLower(got), strings.ToLower(c.vi)) {
			t.Errorf("vi: Explain(%v) = %q, want %q in it", c.err, got, c.vi)
		}
		SetLanguage("en")
		got := Explain(c.err)
		if !strings.Contains(got, c.en) {
			t.Errorf("en: Explain(%v) = %q, want %q in it", c.err, got, c.en)
		}
		if _, ok := c.err.(*dossier.TransitionError); !ok && vietnamese.MatchString(strings.ReplaceAll(got, "Một Cửa", "")) {
			t.Errorf("en: Explain(%v) = %q has Vietnamese in it", c.err, got)
		}
	}
	SetLanguage("en")
	note := Wording(mcsync.Summary{Pushed: 1200, Pulled: 3}.Note())
	if !strings.Contains(note, "sent 1.200 events") || vietnamese.MatchString(note) {
		t.Errorf("en note %q", note)
	}
}

// A print is the PDF and its audit line in one call; the second print of
// the same form is a reprint.
func TestPrintFormIsRenderedAndAudited(t *testing.T) {
	c := openTest(t, Options{})
	r, err := c.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.PrintForm(r, forms.KindReceipt, "")
	if err != nil || !res.Audited || res.Reprint {
		t.Fatalf("%+v %v", res, err)
	}
	if dir, _ := c.PrintsDir(); filepath.Dir(res.Path) != dir {
		t.Fatalf("printed to %s", res.Path)
	}
	text := pdfText(t, res.Path)
	if !strings.Contains(text, r.Code) || !strings.Contains(text, "Nguyễn Thị Lan") {
		t.Fatalf("receipt text:\n%s", text)
	}
	res, err = c.PrintForm(r, forms.KindReceipt, filepath.Join(t.TempDir(), "again.pdf"))
	if err != nil || !res.Reprint {
		t.Fatalf("second print: %+v %v", res, err)
	}
	audit, err := c.Audit(10)
	if err != nil {
		t.Fatal(err)
	}
	prints := 0
	for _, a := range audit {
		if a.Code == r.Code && strings.Contains(a.Action, "print") {
			prints++
		}
	}
	if prints != 2 {
		t.Fatalf("%d print lines in the audit: %+v", prints, audit)
	}
	// a form the record has no content for is a typed error, and no file
	out := filepath.Join(t.TempDir(), "refusal.pdf")
	if _, err := c.PrintForm(r, forms.KindRefusal, out); err == nil {
		t.Fatal("a refusal printed for a record that was not refused")
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a half-made file was left: %v", err)
	}
}

// The ledger has one limit for both front ends.
func TestLedgerLimit(t *testing.T) {
	dir := t.TempDir()
	c := openTest(t, Options{Dir: dir, Bulk: true})
	if err := c.Seed(LedgerLimit+1, 7, nil); err != nil {
		t.Fatal(err)
	}
	all := LedgerRequest{From: dossier.EarliestReceipt, To: time.Now().AddDate(1, 0, 0)}
	if _, err := c.PrintLedger(all, filepath.Join(dir, "all.pdf")); !errors.Is(err, ErrLedgerTooBig) {
		t.Fatalf("%d records printed: %v", LedgerLimit+1, err)
	}
	// a zero To is today; the seeded records reach back over months
	from := time.Now().In(dossier.Loc).AddDate(0, 0, -10)
	res, err := c.PrintLedger(LedgerRequest{From: from}, "")
	if err != nil || res.Records == 0 || res.Records > LedgerLimit || res.Period != from.Format("02/01/2006")+"–"+time.Now().In(dossier.Loc).Format("02/01/2006") {
		t.Fatalf("%+v %v", res, err)
	}
	if text := pdfText(t, res.Path); !strings.Contains(text, "SỔ THEO DÕI") {
		t.Fatalf("ledger text:\n%.500s", text)
	}
	if _, err := c.PrintLedger(LedgerRequest{From: time.Date(2026, 3, 2, 0, 0, 0, 0, dossier.Loc), To: time.Date(2026, 3, 1, 0, 0, 0, 0, dossier.Loc)}, ""); !errors.As(err, new(*UsageError)) {
		t.Fatalf("end before start: %v", err)
	}
}

// Status counts what the store holds; motcuactl status and the status bar
// both read it.
func TestStatusSummary(t *testing.T) {
	c := openTest(t, Options{})
	for range 3 {
		if _, err := c.Intake(intake); err != nil {
			t.Fatal(err)
		}
	}
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 3 || st.Pending != 3+accountEvents || st.Enrolled || st.FileBytes == 0 || st.BackupDir != "" || st.BackupStale {
		t.Fatalf("%+v", st)
	}
	set := c.Settings()
	set.BackupDir = t.TempDir()
	if err := c.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	if st, _ = c.Status(); !st.BackupStale {
		t.Fatalf("no backup yet, not said stale: %+v", st)
	}
	if path, err := c.BackupIfDue(); err != nil || path == "" {
		t.Fatalf("%q %v", path, err)
	}
	if st, _ = c.Status(); st.BackupStale || st.Backup.LastGood.IsZero() {
		t.Fatalf("after a backup: %+v", st)
	}
}

// Close stops the engine and waits for it before the file closes.
func TestCloseWaitsForTheEngine(t *testing.T) {
	c, err := Open(Options{Dir: t.TempDir(), Sync: mcsync.Config{Interval: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	c.StartSync()
	done := c.done
	time.Sleep(20 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	default:
		t.Fatal("the file closed while the engine ran")
	}
}

// A data file in the old place (the configuration directory) is moved to
// the user data directory on first start, with its prints.
func TestDataMovesToTheDataDirectory(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	oldDir := filepath.Join(home, ".config", "motcua")
	s, err := storage.Open(filepath.Join(oldDir, "motcua.db"), storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
	if err != nil {
		t.Fatal(err)
	}
	old := New(s, Options{})
	old.SaveSettings(testSettings)
	withAccounts(t, old)
	r, err := old.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("moved while the old file was open: %v", err)
	}
	old.Close()
	os.MkdirAll(filepath.Join(oldDir, "prints"), 0o700)
	os.WriteFile(filepath.Join(oldDir, "prints", "a.pdf"), []byte("%PDF"), 0o600)

	c, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	newDir := filepath.Join(home, ".local", "share", "motcua")
	if m := c.Moved(); m == nil || m.From != oldDir || m.To != newDir || c.File() != filepath.Join(newDir, "motcua.db") {
		t.Fatalf("moved %+v, file %s", c.Moved(), c.File())
	}
	if got, err := c.GetByCode(r.Code); err != nil || got.ID != r.ID {
		t.Fatalf("record after the move: %v", err)
	}
	if _, err := os.Stat(filepath.Join(newDir, "prints", "a.pdf")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(oldDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old folder still there: %v", err)
	}
	c.Close()
	c, err = Open(Options{})
	if err != nil || c.Moved() != nil {
		t.Fatalf("second start: %+v %v", c.Moved(), err)
	}
	c.Close()
}

// A reprinted receipt reproduces what was handed over: the appointment of
// the first print, marked "Bản in lại"; the extension announces the new one.
func TestReprintShowsWhatWasHandedOver(t *testing.T) {
	c := openTest(t, Options{})
	r, err := c.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.PrintForm(r, forms.KindReceipt, "")
	if err != nil {
		t.Fatal(err)
	}
	handed := r.DueAt.In(dossier.Loc).Format("02/01/2006")
	if text := pdfText(t, first.Path); strings.Contains(text, "Bản in lại") || !strings.Contains(text, handed) {
		t.Fatalf("first print:\n%s", text)
	}
	newDue := r.DueAt.AddDate(0, 0, 14)
	r, err = c.Act(ActionRequest{Code: r.Code, Event: dossier.EvExtended, NewDue: newDue, Reason: "Cần xác minh thêm"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.PrintForm(r, forms.KindReceipt, filepath.Join(t.TempDir(), "again.pdf"))
	if err != nil || !again.Reprint {
		t.Fatalf("%+v %v", again, err)
	}
	text := pdfText(t, again.Path)
	if !strings.Contains(text, "Bản in lại") || !strings.Contains(text, handed) || strings.Contains(text, newDue.In(dossier.Loc).Format("02/01/2006")) {
		t.Fatalf("reprint:\n%s", text)
	}
	ext, err := c.PrintForm(r, forms.KindExtension, filepath.Join(t.TempDir(), "ext.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, ext.Path); !strings.Contains(text, newDue.In(dossier.Loc).Format("02/01/2006")) {
		t.Fatalf("Mẫu 04 does not announce the new appointment:\n%s", text)
	}
}

// Every supplement request can be printed again, not only the latest; a
// missing PDF viewer is said in words a clerk can act on.
func TestEarlierSupplementRequestAndPrinterErrors(t *testing.T) {
	c := openTest(t, Options{})
	r, err := c.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	for _, missing := range []string{"Bản sao giấy khai sinh", "Giấy xác nhận nơi cư trú"} {
		if r, err = c.Act(ActionRequest{Code: r.Code, Event: dossier.EvSupplementRequested, Missing: []string{missing}}); err != nil {
			t.Fatal(err)
		}
		if r, err = c.Act(ActionRequest{Code: r.Code, Event: dossier.EvSupplementReceived}); err != nil {
			t.Fatal(err)
		}
	}
	evs := forms.EventsFor(r, forms.KindSupplement)
	if len(evs) != 2 {
		t.Fatalf("%d supplement requests", len(evs))
	}
	res, err := c.PrintEventForm(r, forms.KindSupplement, evs[0].ID, filepath.Join(t.TempDir(), "first.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, res.Path); !strings.Contains(text, "Bản sao giấy khai sinh") || strings.Contains(text, "nơi cư trú") {
		t.Fatalf("the first request:\n%s", text)
	}
	err = c.Send(res.Path, func(string, ...string) error { return exec.ErrNotFound })
	if msg := Explain(err); !strings.Contains(msg, "trình xem PDF") {
		t.Fatalf("no viewer: %q", msg)
	}
}

// Guidance before receipt: Mẫu 02 or 03 instead of a receipt, with no
// record code and no record; audited, queued for the backend, reprintable.
func TestGuidanceBeforeReceipt(t *testing.T) {
	c := openTest(t, Options{})
	person := dossier.Party{Type: dossier.PartyCitizen, Name: "Phạm Thị Hướng", IDNumber: "046 190 001 234"}
	if _, err := c.Guide(dossier.Guidance{Kind: dossier.GuideSupplement, ProcedureCode: "1.001193", Person: person}); err == nil {
		t.Fatal("guidance to complete a file with nothing missing")
	}
	g, err := c.Guide(dossier.Guidance{Kind: dossier.GuideSupplement, ProcedureCode: "1.001193", Person: person,
		Missing: []string{"Giấy chứng sinh", "Văn bản ủy quyền có chứng thực"}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.Guide(dossier.Guidance{Kind: dossier.GuideRefusal, ProcedureCode: "1.004873", Person: person, Reason: "Không thuộc thẩm quyền của phường"})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := c.Status()
	if st.Records != 0 || st.Pending != 2+accountEvents {
		t.Fatalf("guidance made records or was not queued: %+v", st)
	}
	res, err := c.PrintGuidance(g, "")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, res.Path)
	for _, want := range []string{"PHIẾU YÊU CẦU BỔ SUNG", "Phạm Thị Hướng", "Giấy chứng sinh", "đã xem xét hồ sơ"} {
		if !strings.Contains(text, want) {
			t.Errorf("Mẫu 02 lacks %q", want)
		}
	}
	if strings.Contains(text, "Mã hồ sơ") || strings.Contains(text, "tiếp nhận hồ sơ của") {
		t.Errorf("guidance reads as a received file:\n%s", text)
	}
	res, err = c.PrintGuidance(ref, filepath.Join(t.TempDir(), "r.pdf"))
	if err != nil || !strings.Contains(pdfText(t, res.Path), "Không thuộc thẩm quyền") {
		t.Fatalf("Mẫu 03: %v", err)
	}
	if again, err := c.PrintGuidance(g, filepath.Join(t.TempDir(), "again.pdf")); err != nil || !again.Reprint {
		t.Fatalf("reprint: %+v %v", again, err)
	}
	list, _ := c.Guidances(10)
	if len(list) != 2 || list[0].ID != ref.ID || list[1].Person.IDNumber != "046190001234" {
		t.Fatalf("guidance list %+v", list)
	}
	audit, _ := c.Audit(20)
	kinds := map[string]bool{}
	for _, a := range audit {
		kinds[a.Action] = true
	}
	if !kinds["guidance_supplement"] || !kinds["guidance_refusal"] {
		t.Fatalf("audit %+v", audit)
	}
}

// The new data folder already has something in it (not a data file): the
// old folder's entries move in one by one, nothing is overwritten.
func TestDataMovesIntoAFolderInUse(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	oldDir, newDir := filepath.Join(home, ".config", "motcua"), filepath.Join(home, ".local", "share", "motcua")
	s, err := storage.Open(filepath.Join(oldDir, "motcua.db"), storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.MkdirAll(filepath.Join(oldDir, "prints"), 0o700)
	os.MkdirAll(filepath.Join(newDir, "prints"), 0o700)
	os.WriteFile(filepath.Join(newDir, "prints", "new.pdf"), []byte("%PDF"), 0o600)
	c, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Moved() == nil || c.File() != filepath.Join(newDir, "motcua.db") {
		t.Fatalf("moved %+v, file %s", c.Moved(), c.File())
	}
	if _, err := os.Stat(filepath.Join(newDir, "prints", "new.pdf")); err != nil {
		t.Fatal("a file in the new folder was lost")
	}
	if _, err := os.Stat(filepath.Join(oldDir, "prints")); err != nil {
		t.Fatal("the old prints folder, which could not go over the new one, was lost")
	}
}
