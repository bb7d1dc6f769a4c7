package storage

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// PortalMark is how far the national portal (DVCQG) has a record, as the
// backend last said: up to the event EventID, told at At.
type PortalMark struct {
	EventID string    `json:"event"`
	At      time.Time `json:"at"`
}

// applyRemoteReported keeps the backend's news that DVCQG has a record up
// to an event (a reported event); it changes nothing of the record.
func applyRemoteReported(tx *bolt.Tx, e dossier.Event) error {
	data, err := json.Marshal(PortalMark{EventID: e.Reported, At: e.At})
	if err != nil {
		return err
	}
	return tx.Bucket(bPortalMarks).Put([]byte(e.RecordID), data)
}

// PortalReach says how far DVCQG has a record: the mark, and how many of
// the record's steps it does not have yet (all of them with no mark).
func (s *Store) PortalReach(r *dossier.Record) (mark PortalMark, behind int) {
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bPortalMarks); b != nil {
			if v := b.Get([]byte(r.ID)); v != nil {
				_ = json.Unmarshal(v, &mark)
			}
		}
		return nil
	})
	for i := len(r.History) - 1; i >= 0; i-- {
		if r.History[i].ID == mark.EventID {
			break
		}
		behind++
	}
	return mark, behind
}
