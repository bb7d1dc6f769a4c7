package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/assets"
	"motcua/dossier"
)

var testSettings = Settings{UnitName: "UBND phường Thuận Hóa", UnitCode: "000.00.12.H57", Place: "Huế", Counter: 2, Clerk: "Trần Văn Bình", Language: "vi"}

func openTestStore(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTestStore opens a set-up store in a temporary directory whose clock is
// fixed at 2026-03-10 09:00, and checks the file's consistency at the end.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	s := openTestStore(t, filepath.Join(t.TempDir(), "motcua.db"))
	s.now = func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc) }
	if err := s.SaveSettings(testSettings); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		probs, err := s.Verify()
		if err != nil || len(probs) > 0 {
			t.Errorf("store inconsistent at end of test: %v %v", err, probs)
		}
		s.Close()
	})
	return s
}

func intake(name, id, phone string) dossier.Intake {
	return dossier.Intake{
		ProcedureCode: "1.004873",
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: name, IDNumber: id, Phone: phone,
			Address: dossier.Address{Ward: "Phường Thuận Hóa", Province: "Thành phố Huế"}},
		FilerIsOwner: true,
	}
}

func TestIntakeAndGet(t *testing.T) {
	s := newTestStore(t)
	r, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "0912345678"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != "000.00.12.H57-260310-2001" {
		t.Fatalf("code %s", r.Code)
	}
	r2, err := s.Intake(intake("Lê Thị Bình", "046190001235", ""))
	if err != nil || r2.Code != "000.00.12.H57-260310-2002" {
		t.Fatalf("second code %v %v", r2, err)
	}
	got, err := s.GetByCode(r.Code)
	if err != nil || got.ID != r.ID || got.Owner.Name != "Nguyễn Văn An" || got.Status != dossier.StatusReceived {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v", err)
	}
	st, _ := s.Stats()
	if st.Records != 2 || st.Pending != 2 {
		t.Fatalf("%+v", st)
	}
	out, _ := s.Outbox(10)
	if len(out) != 2 || out[0].Event.Type != dossier.EvReceived || out[0].Event.Record == nil || out[0].Event.Record.Code != r.Code {
		t.Fatalf("outbox %+v", out)
	}
	aud, _ := s.Audit(10)
	if len(aud) != 3 || aud[0].Code != r2.Code || aud[0].Action != "received" {
		t.Fatalf("audit %+v", aud)
	}
}

func TestIntakeRefusesBadInputAndKeepsData(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Intake(intake("", "12", "999"))
	var ve dossier.ValidationErrors
	if !errors.As(err, &ve) || len(ve) < 3 {
		t.Fatalf("got %v", err)
	}
	st, _ := s.Stats()
	if st.Records != 1 {
		t.Fatalf("records %d", st.Records)
	}
}

func TestIntakeNeedsSetUp(t *testing.T) {
	s := openTestStore(t, filepath.Join(t.TempDir(), "x.db"))
	defer s.Close()
	if _, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "")); !errors.Is(err, ErrNotSetUp) {
		t.Fatalf("got %v", err)
	}
	if err := s.SaveSettings(Settings{Counter: 12}); err == nil {
		t.Fatal("bad settings saved")
	}
}

func TestCodesNeverCollideAcrossCounters(t *testing.T) {
	seen := map[string]bool{}
	for counter := 1; counter <= 3; counter++ {
		s := newTestStore(t)
		set := testSettings
		set.Counter = counter
		if err := s.SaveSettings(set); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			r, err := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
			if err != nil {
				t.Fatal(err)
			}
			if seen[r.Code] {
				t.Fatalf("code %s issued twice", r.Code)
			}
			seen[r.Code] = true
			if p, _ := dossier.ParseCode(r.Code); p.Counter != counter {
				t.Fatalf("code %s not of counter %d", r.Code, counter)
			}
		}
	}
}

func TestDailySequenceResets(t *testing.T) {
	s := newTestStore(t)
	in := intake("Nguyễn Văn An", "046090001234", "")
	in.ReceivedAt = time.Date(2026, 3, 9, 8, 0, 0, 0, dossier.Loc) // the day before the store's clock
	s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	r, err := s.Intake(in)
	if err != nil || r.Code != "000.00.12.H57-260309-2001" {
		t.Fatalf("%v %v", r, err)
	}
}

func TestReceiptTimeBounds(t *testing.T) {
	s := newTestStore(t)
	for _, at := range []time.Time{
		time.Date(2026, 3, 10, 9, 30, 0, 0, dossier.Loc), // half an hour ahead of the clock
		time.Date(2025, 6, 30, 9, 0, 0, 0, dossier.Loc),  // before the wards existed
	} {
		in := intake("Nguyễn Văn An", "046090001234", "")
		in.ReceivedAt = at
		_, err := s.Intake(in)
		var ve dossier.ValidationErrors
		if !errors.As(err, &ve) || ve.For("received_at") == nil {
			t.Fatalf("%v accepted: %v", at, err)
		}
	}
	in := intake("Nguyễn Văn An", "046090001234", "")
	in.ReceivedAt = time.Date(2026, 3, 10, 9, 5, 0, 0, dossier.Loc) // within the clock's tolerance
	if _, err := s.Intake(in); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(); st.Records != 1 {
		t.Fatalf("%d records", st.Records)
	}
}

func TestFailedStepLeavesNothing(t *testing.T) {
	for _, step := range []string{"record", "outbox", "audit"} {
		t.Run(step, func(t *testing.T) {
			s := newTestStore(t)
			boom := fmt.Errorf("injected failure at %s", step)
			s.failpoint = func(at string) error {
				if at == step {
					return boom
				}
				return nil
			}
			if _, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "0912345678")); !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			err := s.db.View(func(tx *bolt.Tx) error {
				for _, b := range append(indexBuckets, bRecords, bOutbox) {
					if n := tx.Bucket(b).Stats().KeyN; n != 0 {
						t.Errorf("%s has %d keys after a failed intake", b, n)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			aud, _ := s.Audit(10)
			if len(aud) != 1 || aud[0].Action != "settings" {
				t.Errorf("audit %+v", aud)
			}
			s.failpoint = nil
			r, err := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
			if err != nil || r.Code != "000.00.12.H57-260310-2001" {
				t.Fatalf("the failed intake consumed a code: %v %v", r, err)
			}
		})
	}
}

func TestApplyFailureLeavesRecord(t *testing.T) {
	s := newTestStore(t)
	r, _ := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	s.failpoint = func(at string) error { return errors.New("disk gone") }
	if _, err := s.Apply(s.NewEvent(r, dossier.EvProcessing)); err == nil {
		t.Fatal("no error")
	}
	s.failpoint = nil
	got, _ := s.Get(r.ID)
	if got.Status != dossier.StatusReceived || got.Version != 1 {
		t.Fatalf("record changed: %+v", got)
	}
	up, err := s.Apply(s.NewEvent(r, dossier.EvProcessing))
	if err != nil || up.Status != dossier.StatusProcessing {
		t.Fatal(err)
	}
	var te *dossier.TransitionError
	if _, err := s.Apply(s.NewEvent(up, dossier.EvReturned)); !errors.As(err, &te) {
		t.Fatalf("got %v", err)
	}
	if _, err := s.Apply(s.NewEvent(r, dossier.EvResultReady)); !errors.Is(err, dossier.ErrVersion) {
		t.Fatalf("stale event: %v", err)
	}
}

func TestSecondCopyIsLockedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motcua.db")
	s := openTestStore(t, path)
	defer s.Close()
	start := time.Now()
	_, err := Open(path, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("hung instead of failing")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motcua.db")
	s := openTestStore(t, path)
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSchema, u32(99)) })
	s.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("got %v", err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motcua.db")
	s := openTestStore(t, path)
	s.SaveSettings(testSettings)
	r, err := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, path)
	defer s.Close()
	if !reflect.DeepEqual(s.Settings(), testSettings) {
		t.Fatalf("settings %+v", s.Settings())
	}
	if got, err := s.Get(r.ID); err != nil || got.Code != r.Code {
		t.Fatal(err)
	}
	if v, _ := s.db.Begin(false); v != nil {
		defer v.Rollback()
		if got := be32(v.Bucket(bMeta).Get(kSchema)); int(got) != SchemaVersion() {
			t.Fatalf("schema %d", got)
		}
	}
}

func TestBackupWhileOpen(t *testing.T) {
	s := newTestStore(t)
	for i := 0; i < 10; i++ {
		s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := s.Backup(dst); err != nil {
		t.Fatal(err)
	}
	b := openTestStore(t, dst)
	defer b.Close()
	st, _ := b.Stats()
	probs, _ := b.Verify()
	if st.Records != 10 || len(probs) != 0 {
		t.Fatalf("%+v %v", st, probs)
	}
}

func TestCalendarReplacement(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.SetCalendar([]byte(`{"week":[]}`), "admin"); err == nil {
		t.Fatal("calendar without working time accepted")
	}
	cal := s.Calendar()
	doc, _ := cal.MarshalJSON()
	cal2, _ := dossier.ParseCalendar(doc)
	cal2.Days["2026-03-11"] = dossier.SpecialDay{Date: "2026-03-11", Kind: dossier.DayOff, Name: "Nghỉ đột xuất"}
	doc2, _ := cal2.MarshalJSON()
	if _, err := s.SetCalendar(doc2, "admin"); err != nil {
		t.Fatal(err)
	}
	r, _ := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	if want := time.Date(2026, 3, 16, 9, 0, 0, 0, dossier.Loc); !r.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s (11/3 is now a day off)", r.DueAt, want)
	}
}

// testdata/schema1.db was written by the schema-1 program (commit f704248:
// motcuactl setup, then three intakes of docs/intake-example.json). Every
// migration since runs on it; nothing is lost and the file verifies.
func TestMigrationFromSchema1(t *testing.T) {
	data, err := os.ReadFile("testdata/schema1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "motcua.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	old.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kSchema); len(v) != 4 || be32(v) != 1 {
			t.Fatalf("the fixture is not schema 1: %v", v)
		}
		return nil
	})
	old.Close()

	s := openTestStore(t, path)
	defer s.Close()
	if _, err := os.Stat(fmt.Sprintf("%s.before-schema-%d", path, SchemaVersion())); err != nil {
		t.Fatalf("no copy kept before the upgrade: %v", err)
	}
	st, _ := s.Stats()
	if probs, err := s.Verify(); err != nil || len(probs) != 0 || st.Records != 3 || st.Pending != 3 {
		t.Fatalf("after migration: %+v %v %v", st, probs, err)
	}
	for _, code := range []string{"000.00.12.H57-260213-2001", "000.00.12.H57-260213-2002", "000.00.12.H57-260213-2003"} {
		r, err := s.GetByCode(code)
		if err != nil || r.Owner.Name != "Nguyễn Thị Lan" {
			t.Fatalf("%s: %v", code, err)
		}
	}
	if recs, _, err := s.Collect(Query{Text: "046190001234"}, 10); err != nil || len(recs) != 3 {
		t.Fatalf("found by ID number: %d %v", len(recs), err)
	}
	if batch, err := s.PendingBatch(10); err != nil || len(batch) != 3 {
		t.Fatalf("outbox: %d %v", len(batch), err)
	}
	// the calendar and catalogue the old release shipped are replaced by
	// this release's, and the audit says so
	if v := s.Calendar().Version; v != docVersion(assets.Calendar) {
		t.Fatalf("calendar %s after the upgrade", v)
	}
	if v := s.Catalog().Version; v != docVersion(assets.Catalog) {
		t.Fatalf("catalogue %s after the upgrade", v)
	}
	aud, _ := s.Audit(10)
	if !slices.ContainsFunc(aud, func(a AuditEntry) bool {
		return a.Action == "calendar_update" && a.Detail == legacyShipped+" → "+docVersion(assets.Calendar)
	}) {
		t.Fatalf("no audit line for the calendar update: %+v", aud)
	}
	// the upgraded file goes on like a new one
	r, err := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(); st.Records != 4 || st.Pending != 4 || r.Code == "" {
		t.Fatalf("after an intake: %+v", st)
	}
}

func TestLogPrintCountsReprints(t *testing.T) {
	s := newTestStore(t)
	r, _ := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	for i, want := range []bool{false, true, true} {
		re, err := s.LogPrint("Trần Văn Bình", r, "receipt")
		if err != nil || re != want {
			t.Fatalf("print %d: reprint %v err %v", i, re, err)
		}
	}
	if re, _ := s.LogPrint("Trần Văn Bình", r, "control"); re {
		t.Fatal("another form counted as a reprint")
	}
	aud, _ := s.Audit(3)
	if aud[0].Action != "print" || aud[0].Detail != "control" || aud[1].Action != "reprint" || aud[1].Code != r.Code {
		t.Fatalf("%+v", aud)
	}
}

func TestRemoteCodeCollisionNeedsAttention(t *testing.T) {
	s := newTestStore(t)
	mine, _ := s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	// a pulled record from elsewhere carrying the same code (a misconfigured counter)
	other := *mine
	other.ID = dossier.NewEventID()
	other.History = nil
	ev := dossier.Event{ID: dossier.NewEventID(), RecordID: other.ID, Type: dossier.EvReceived, Actor: "x", At: mine.ReceivedAt, Record: &other}
	res, err := s.ApplyRemote([]RemoteEvent{{Seq: 7, Event: ev}}, 7)
	if err != nil || res.Refused != 1 || res.Created != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	att, _ := s.Attention()
	if len(att) != 1 || !att[0].Remote {
		t.Fatalf("%+v", att)
	}
	st, _ := s.SyncState()
	if st.Cursor != 7 {
		t.Fatalf("cursor %d: the page must still be consumed", st.Cursor)
	}
}

// TestPreparedApplyMatchesPlainApply: records created from events
// prepared outside the transaction are the same as those applied inside.
func TestPreparedApplyMatchesPlainApply(t *testing.T) {
	src := newTestStore(t)
	var evs []RemoteEvent
	for i := 0; i < 20; i++ {
		r, _ := src.Intake(intake(fmt.Sprintf("Nguyễn Văn An %d", i), "046090001234", "0912345678"))
		evs = append(evs, RemoteEvent{Seq: uint64(i + 1), Event: dossier.Event{ID: r.History[0].ID, RecordID: r.ID, Type: dossier.EvReceived,
			Actor: r.Clerk, At: r.ReceivedAt, Record: r}})
	}
	plain, prepared := newTestStore(t), newTestStore(t)
	if _, err := plain.ApplyRemote(evs, 20); err != nil {
		t.Fatal(err)
	}
	prep := append([]RemoteEvent(nil), evs...)
	Prepare(prep)
	res, err := prepared.ApplyRemote(prep, 20)
	if err != nil || res.Created != 20 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, e := range evs {
		a, _ := plain.Get(e.Event.RecordID)
		b, _ := prepared.Get(e.Event.RecordID)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("records differ:\n%s\n%s", ja, jb)
		}
	}
	// applying the same page again changes nothing
	if res, _ := prepared.ApplyRemote(prep, 20); res.Known != 20 || res.Created != 0 {
		t.Fatalf("%+v", res)
	}
}

// A calendar an administrator imported is never replaced by the shipped
// one; the shipped one of an older release is.
func TestShippedReferenceDataRefresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motcua.db")
	s := openTestStore(t, path)
	own := bytes.Replace(assets.Calendar, []byte(`"version": "`+docVersion(assets.Calendar)+`"`), []byte(`"version": "tinh-2026-12"`), 1)
	if docVersion(own) != "tinh-2026-12" {
		t.Fatal("could not make the province's calendar")
	}
	if _, err := s.SetCalendar(own, "Quản trị"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, path)
	if v := s.Calendar().Version; v != "tinh-2026-12" {
		t.Fatalf("the imported calendar was replaced by %s", v)
	}
	// a later release ships another calendar: an imported one still stays,
	// the shipped catalogue is replaced
	s.Close()
	newer := bytes.Replace(assets.Catalog, []byte(`"version": "`+docVersion(assets.Catalog)+`"`), []byte(`"version": "2099-01-01"`), 1)
	s, err := Open(path, Options{DefaultCatalog: newer, DefaultCalendar: assets.Calendar})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Calendar().Version != "tinh-2026-12" || s.Catalog().Version != "2099-01-01" {
		t.Fatalf("calendar %s, catalogue %s", s.Calendar().Version, s.Catalog().Version)
	}
}

// TestChangedSince: the store remembers the records its committed
// transactions wrote, not those of one rolled back, and says when a reader
// fell further behind than it remembers.
func TestChangedSince(t *testing.T) {
	s := newTestStore(t)
	_, start, _ := s.ChangedSince(^uint64(0))
	r, err := s.Intake(dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true, Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}})
	if err != nil {
		t.Fatal(err)
	}
	ids, now, complete := s.ChangedSince(start)
	if !complete || len(ids) != 1 || ids[0] != r.ID || now != start+1 {
		t.Fatalf("after an intake: %v %d %v", ids, now, complete)
	}
	s.failpoint = func(step string) error { return errors.New("stop") }
	if _, err := s.Apply(dossier.Event{ID: dossier.NewEventID(), RecordID: r.ID, Type: dossier.EvProcessing, At: s.now()}); err == nil {
		t.Fatal("the failpoint did not stop the action")
	}
	s.failpoint = nil
	if ids, _, _ := s.ChangedSince(now); len(ids) != 0 {
		t.Fatalf("a rolled-back action is a change: %v", ids)
	}
	s.changes.seq += changeRing + 1 // as if many were written
	if _, _, complete := s.ChangedSince(now); complete {
		t.Fatal("a reader too far behind is told it has everything")
	}
}
