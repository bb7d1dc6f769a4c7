package storage

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/report"
)

// TestReportFactsBesideTheIndex: a record's report facts ride in its
// receipt index entry and equal what the record says; entries from before
// (no facts) are read from the record, and FillFacts fills them.
func TestReportFactsBesideTheIndex(t *testing.T) {
	s := newTestStore(t)
	var want []report.File
	for i := range 5 {
		r, err := s.Intake(intake(fmt.Sprintf("Người %d", i), fmt.Sprintf("0460900012%02d", i), ""))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, report.FileOf(r))
	}
	collect := func() ([]report.File, int) {
		var got []report.File
		reads := 0
		err := s.EachFileBetween(time.Time{}, s.now().Add(time.Hour), func(f report.File, full func() (*dossier.Record, error)) error {
			got = append(got, f)
			if r, err := full(); err != nil || report.FileOf(r).Procedure != f.Procedure {
				t.Errorf("full record: %v", err)
			}
			reads++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, reads
	}
	check := func(when string) {
		t.Helper()
		got, _ := collect()
		if len(got) != len(want) {
			t.Fatalf("%s: %d files", when, len(got))
		}
		for i := range want {
			w, g := want[i], got[i]
			if !w.Received.Equal(g.Received) || !w.LegalDue.Equal(g.LegalDue) || !w.Due.Equal(g.Due) || w.Status != g.Status ||
				w.Channel != g.Channel || w.Procedure != g.Procedure || w.Clerk != g.Clerk || g.Clerk == "" || w.Paused != g.Paused || !g.Finished.IsZero() || !g.Ended.IsZero() || !g.Returned.IsZero() {
				t.Fatalf("%s: file %d\n got %+v\nwant %+v", when, i, g, w)
			}
		}
	}
	check("kept")
	// entries as an older program wrote them: no facts
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bIdxReceived)
		var keys [][]byte
		_ = b.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
		for _, k := range keys {
			if err := b.Put(k, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("read from the records")
	n, done, err := s.FillFacts(3)
	if err != nil || n != 3 || done {
		t.Fatalf("first fill: %d %v %v", n, done, err)
	}
	n, done, err = s.FillFacts(3)
	if err != nil || n != 2 || !done {
		t.Fatalf("second fill: %d %v %v", n, done, err)
	}
	if n, done, _ := s.FillFacts(3); n != 0 || !done {
		t.Fatal("a third fill found work")
	}
	check("filled")
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bIdxReceived).ForEach(func(_, v []byte) error {
			if _, ok := decodeFacts(v); !ok {
				t.Error("an entry left without facts")
			}
			return nil
		})
	})
}
