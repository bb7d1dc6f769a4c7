package storage

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/sync/wire"
)

// lanPrepared is one event of a peer, as the office network hands it over.
func lanPrepared(t *testing.T, seq uint64, e dossier.Event) []LANPrepared {
	t.Helper()
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PrepareLAN([]wire.LANEvent{{Seq: seq, Event: raw, Sig: make([]byte, 64)}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Three counters change one file apart from each other (the province and
// one another away): counter Z finishes it, counter X stops it a minute
// later (it had not seen Z's change), counter Y returns it after Z's. The
// changes reach a fourth counter in each of the six possible orders; it
// always ends with the file returned, the stop refused and listed in
// needs-attention, and the very same record.
func TestLANChangesFoldInTheAgreedOrder(t *testing.T) {
	src := newTestStore(t)
	rec, err := src.Intake(intake("Nguyễn Văn An", "046090001234", "0912345678"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := src.PendingBatch(1)
	if err != nil || len(out) != 1 {
		t.Fatalf("the intake's event: %v", err)
	}
	in := out[0].Event // with its record
	mk := func(typ dossier.EventType, min int, after string) dossier.Event {
		return dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: typ, Actor: "canbo", BaseVersion: 1, After: after,
			At: rec.ReceivedAt.Add(time.Duration(min) * time.Minute), HLC: in.HLC + int64(min)*int64(time.Minute)}
	}
	done := mk(dossier.EvResultReady, 1, in.ID)
	stop := mk(dossier.EvStopped, 2, in.ID)
	stop.Reason = "Công dân đề nghị dừng"
	ret := mk(dossier.EvReturned, 3, done.ID)
	ret.BaseVersion, ret.Collector = 2, &dossier.Collector{Name: "Trần Thị Bình"}
	changes := []struct {
		origin string
		e      dossier.Event
	}{{"dev-Z", done}, {"dev-X", stop}, {"dev-Y", ret}}

	var first []byte
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		s := newTestStore(t)
		if _, _, err := s.ApplyLAN("dev-A", lanPrepared(t, 1, in)); err != nil {
			t.Fatal(err)
		}
		refolded := 0
		for _, i := range order {
			_, res, err := s.ApplyLAN(changes[i].origin, lanPrepared(t, 1, changes[i].e))
			if err != nil {
				t.Fatal(err)
			}
			refolded += res.Refolded
		}
		got, err := s.Get(rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, e := range got.History {
			ids = append(ids, e.ID)
		}
		if got.Status != dossier.StatusReturned || got.Version != 3 || !slices.Equal(ids, []string{in.ID, done.ID, ret.ID}) {
			t.Fatalf("order %v: status %d, version %d, events %v", order, got.Status, got.Version, ids)
		}
		att, _ := s.Attention()
		if len(att) != 1 || att[0].Event.ID != stop.ID || !att[0].Remote || !strings.HasPrefix(att[0].Reason, "Hồ sơ đã có một thao tác khác đến trước.") {
			t.Fatalf("order %v: needs-attention lists %+v", order, att)
		}
		data, _ := json.Marshal(got)
		if first == nil {
			first = data
		} else if !bytes.Equal(data, first) {
			t.Fatalf("order %v: the record differs from the first order's", order)
		}
		if order[0] != 0 && refolded == 0 {
			t.Fatalf("order %v: a change came before one applied, yet nothing was folded again", order)
		}
	}
}

// A change made here always comes after every change this counter had
// seen of the record, even one from a device whose clock runs ahead; once
// the backend speaks of the record (its copy taken), the fold is gone.
func TestOwnChangeComesLastAndTheBackendSettles(t *testing.T) {
	s := newTestStore(t)
	rec := onLANWithAFile(t, s)
	ahead := dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: dossier.EvProcessing, Actor: "canbo", BaseVersion: 1,
		After: rec.History[0].ID, At: rec.ReceivedAt, HLC: rec.History[0].HLC + int64(time.Hour)}
	if _, _, err := s.ApplyLAN("dev-X", lanPrepared(t, 1, ahead)); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(rec.ID)
	mine, err := s.Apply(s.NewEvent(got, dossier.EvResultReady))
	if err != nil {
		t.Fatal(err)
	}
	last := mine.History[len(mine.History)-1]
	if dossier.FoldOrder(last, ahead) <= 0 {
		t.Fatalf("this counter's change (clock %d) does not come after the one it had seen (%d)", last.HLC, ahead.HLC)
	}
	if n := s.foldCount(t); n != 1 {
		t.Fatalf("%d folds open, want 1", n)
	}
	if err := s.AdoptServerCopy(mine); err != nil {
		t.Fatal(err)
	}
	if n := s.foldCount(t); n != 0 {
		t.Fatalf("%d folds open after the backend's copy was taken", n)
	}
}

// onLANWithAFile puts the counter on the office network (a certificate
// as far as the store can tell) and receives a file.
func onLANWithAFile(t *testing.T, s *Store) *dossier.Record {
	t.Helper()
	if err := s.UpdateLANIdentity(func(id *LANIdentity) {
		id.Key, id.Cert, id.CA = make([]byte, 64), []byte("cert"), []byte("ca")
	}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "0912345678"))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (s *Store) foldCount(t *testing.T) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bLANFold).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// Verify checks that a record with a fold is its base with the fold's
// changes in order: a fold that lost a change is reported.
func TestVerifyFindsAFoldThatDoesNotGiveItsRecord(t *testing.T) {
	s := openTestStore(t, filepath.Join(t.TempDir(), "motcua.db"))
	defer s.Close()
	if err := s.SaveSettings(testSettings); err != nil {
		t.Fatal(err)
	}
	rec := onLANWithAFile(t, s)
	if _, err := s.Apply(s.NewEvent(rec, dossier.EvProcessing)); err != nil {
		t.Fatal(err)
	}
	if probs, err := s.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("a whole fold: %v %v", probs, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		f, err := getFold(tx, rec.ID)
		if err != nil || f == nil {
			t.Fatalf("no fold: %v", err)
		}
		f.Events = nil
		return putFold(tx, rec.ID, f)
	}); err != nil {
		t.Fatal(err)
	}
	probs, err := s.Verify()
	if err != nil || len(probs) != 1 || !strings.HasPrefix(probs[0].Where, "lan_fold/") {
		t.Fatalf("a fold that lost its change: %v %v", probs, err)
	}
}
