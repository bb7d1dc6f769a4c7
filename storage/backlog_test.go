package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// pulledFrom makes n received events as another counter of the unit would
// push them, for ApplyRemote; names, ID numbers and phones differ.
func pulledFrom(t *testing.T, n int) []RemoteEvent {
	t.Helper()
	src := newTestStore(t)
	evs := make([]RemoteEvent, n)
	for i := range evs {
		r, err := src.Intake(intake(fmt.Sprintf("Trần Thị Bích Số%d", i), fmt.Sprintf("0460900%05d", i), fmt.Sprintf("09123%05d", i)))
		if err != nil {
			t.Fatal(err)
		}
		// as if from counter 2: another code
		r.Counter = 2
		r.Code, _ = dossier.FormatCode(r.UnitCode, r.ReceivedAt, 2, i+1)
		evs[i] = RemoteEvent{Seq: uint64(i + 1), Event: dossier.Event{ID: r.History[0].ID, RecordID: r.ID, Type: dossier.EvReceived,
			Actor: r.Clerk, At: r.ReceivedAt, Record: r}}
	}
	return evs
}

func found(t *testing.T, s *Store, text string) int {
	t.Helper()
	recs, _, err := s.Collect(Query{Text: text}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestPulledRecordsOweTheirPartyIndexUntilDrained: a pulled record is
// found by code at once and by name, ID number and phone once drained; the
// file verifies at every step.
func TestPulledRecordsOweTheirPartyIndexUntilDrained(t *testing.T) {
	s := newTestStore(t)
	evs := pulledFrom(t, 30)
	Prepare(evs)
	if res, err := s.ApplyRemote(evs, 30); err != nil || res.Created != 30 {
		t.Fatalf("%+v %v", res, err)
	}
	first := evs[0].Event.Record
	if r, err := s.GetByCode(first.Code); err != nil || r.ID != first.ID {
		t.Fatalf("by code: %v %v", r, err)
	}
	if n, _ := s.BacklogLen(); n != 30 {
		t.Fatalf("backlog %d, want 30", n)
	}
	if probs, err := s.Verify(); err != nil || len(probs) > 0 {
		t.Fatalf("%v %v", probs, err)
	}
	if n := found(t, s, first.Owner.IDNumber); n != 0 {
		t.Fatalf("found %d by ID number before the drain: the index was written at once", n)
	}
	if n, err := s.DrainBacklog(1000); err != nil || n != 30 {
		t.Fatalf("drained %d %v", n, err)
	}
	for _, text := range []string{first.Owner.IDNumber, first.Owner.Phone, "so0", "tran thi bich"} {
		if n := found(t, s, text); n != 1 && !(text == "tran thi bich" && n == 30) {
			t.Errorf("search %q found %d", text, n)
		}
	}
	if n, _ := s.BacklogLen(); n != 0 {
		t.Fatalf("backlog %d after the drain", n)
	}
	if n, err := s.DrainBacklog(1000); err != nil || n != 0 {
		t.Fatalf("second drain %d %v", n, err)
	}
}

// TestWriteOfOwingRecordIndexesItInFull: an officer's event on a record
// still in the backlog indexes it in full and takes it out; a later drain
// leaves the file consistent.
func TestWriteOfOwingRecordIndexesItInFull(t *testing.T) {
	s := newTestStore(t)
	evs := pulledFrom(t, 5)
	if _, err := s.ApplyRemote(evs, 5); err != nil {
		t.Fatal(err)
	}
	r := evs[2].Event.Record
	proc := dossier.Event{ID: dossier.NewEventID(), RecordID: r.ID, Type: dossier.EvProcessing, Actor: "Chuyên viên", At: r.ReceivedAt.Add(3600e9)}
	if res, err := s.ApplyRemote([]RemoteEvent{{Seq: 6, Event: proc}}, 6); err != nil || res.Updated != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if n := found(t, s, r.Owner.IDNumber); n != 1 {
		t.Fatalf("found %d by ID number after an update", n)
	}
	if n, _ := s.BacklogLen(); n != 4 {
		t.Fatalf("backlog %d, want 4", n)
	}
	// a drain that read the backlog before a clerk's action on a record
	s.failpoint = func(step string) error {
		if step == "drain-read" {
			s.failpoint = nil
			r := evs[3].Event.Record
			ev := s.NewEvent(r, dossier.EvWithdrawn)
			ev.Reason = "Công dân xin rút hồ sơ"
			if _, err := s.Apply(ev); err != nil {
				t.Error(err)
			}
		}
		return nil
	}
	if n, err := s.DrainBacklog(1000); err != nil || n != 4 {
		t.Fatalf("drained %d %v", n, err)
	}
	for _, e := range evs {
		if n := found(t, s, e.Event.Record.Owner.Phone); n != 1 {
			t.Errorf("found %d by phone", n)
		}
	}
}

// TestDrainStoppedPartWayIsDoneAgain: a drain that fails before taking the
// records out of the backlog (a crash) leaves a consistent file, and the
// next drain completes it.
func TestDrainStoppedPartWayIsDoneAgain(t *testing.T) {
	s := newTestStore(t)
	evs := pulledFrom(t, 400) // 6 index entries each: two transactions
	if _, err := s.ApplyRemote(evs, uint64(len(evs))); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("crash")
	s.failpoint = func(step string) error {
		if step == "drain-clear" {
			return crash
		}
		return nil
	}
	if _, err := s.DrainBacklog(len(evs)); !errors.Is(err, crash) {
		t.Fatalf("got %v", err)
	}
	s.failpoint = nil
	if n, _ := s.BacklogLen(); n != len(evs) {
		t.Fatalf("backlog %d, want %d", n, len(evs))
	}
	if probs, err := s.Verify(); err != nil || len(probs) > 0 {
		t.Fatalf("%v %v", probs, err)
	}
	if n, err := s.DrainBacklog(len(evs)); err != nil || n != len(evs) {
		t.Fatalf("drained %d %v", n, err)
	}
	if n := found(t, s, evs[len(evs)-1].Event.Record.Owner.IDNumber); n != 1 {
		t.Fatalf("found %d", n)
	}
}

// TestVerifyCatchesWrongBacklog: a backlog entry naming a missing record
// is reported.
func TestVerifyCatchesWrongBacklog(t *testing.T) {
	s := newTestStore(t)
	evs := pulledFrom(t, 2)
	if _, err := s.ApplyRemote(evs, 2); err != nil {
		t.Fatal(err)
	}
	stray := []byte("01900000-0000-7000-8000-000000000000")
	if err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bIdxBacklog).Put(stray, nil) }); err != nil {
		t.Fatal(err)
	}
	probs, err := s.Verify()
	if err != nil || len(probs) != 1 {
		t.Fatalf("%v %v", probs, err)
	}
	// put it right, for the end-of-test check
	_ = s.update(func(tx *bolt.Tx) error { return tx.Bucket(bIdxBacklog).Delete(stray) })
}

// TestBacklogAfterRestart: entries owed by records of an earlier run (no
// longer in memory) are computed from the records.
func TestBacklogAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motcua.db")
	s := openTestStore(t, path)
	if err := s.SaveSettings(testSettings); err != nil {
		t.Fatal(err)
	}
	evs := pulledFrom(t, 10)
	if _, err := s.ApplyRemote(evs, 10); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, path)
	defer s.Close()
	if n, err := s.DrainBacklog(100); err != nil || n != 10 {
		t.Fatalf("drained %d %v", n, err)
	}
	if n := found(t, s, evs[4].Event.Record.Owner.IDNumber); n != 1 {
		t.Fatalf("found %d", n)
	}
	if probs, err := s.Verify(); err != nil || len(probs) > 0 {
		t.Fatalf("%v %v", probs, err)
	}
}
