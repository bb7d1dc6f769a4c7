package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The sent journal: events the backend accepted, kept for SentRetention
// after they were acknowledged, under their outbox sequence. A backend
// restored from an older backup no longer holds some of them; it says so
// by the highest sequence of this device it holds (or by a new generation
// of its store), and Rewind puts the missing ones back in the outbox, in
// their original order, ahead of anything newer.

// SentRetention is how long accepted events stay in the sent journal: the
// oldest backup a province would restore its backend from.
var SentRetention = 180 * 24 * time.Hour

// sentEntry is one journal entry: the outbox entry as it was sent.
type sentEntry struct {
	OutboxEntry
	AckedAt time.Time `json:"acked_at"`
}

// Held is what the backend said it holds of this device's events.
type Held struct {
	Generation string // the backend store's identity
	High       uint64 // the highest outbox sequence of this device it holds
}

// CursorCheck is the protocol's check of a pull cursor that ends at the
// event with this id (the same as wire.CursorCheck).
func CursorCheck(eventID string) string {
	h := sha256.Sum256([]byte(eventID))
	return hex.EncodeToString(h[:8])
}

// journal keeps an acknowledged outbox entry in the sent journal: the
// outbox's value as it is, with the time of the acknowledgement put
// first. The event's bytes stay those the counter stored (and signed for
// the office network), and nothing is decoded or encoded again. Its state
// says where it was when sent; Rewind sets it.
func journal(sent *bolt.Bucket, key, outboxValue []byte, now time.Time) error {
	if len(outboxValue) < 2 || outboxValue[0] != '{' {
		return fmt.Errorf("storage: outbox entry %d is not a JSON object", be64(key))
	}
	at, err := now.MarshalJSON()
	if err != nil {
		return err
	}
	data := make([]byte, 0, len(outboxValue)+len(at)+13)
	data = append(append(data, `{"acked_at":`...), at...)
	if rest := bytes.TrimLeft(outboxValue[1:], " \t\r\n"); len(rest) > 0 && rest[0] != '}' {
		data = append(data, ',')
	}
	data = append(data, outboxValue[1:]...)
	sent.FillPercent = 0.9 // appended in key order
	return sent.Put(clone(key), data)
}

// noteHeld records what the backend said it holds; it never lowers
// Acked (that is Rewind's work, with the events to re-send). The outbox
// sequence is moved past the backend's high, so a counter restored from
// its own backup does not reuse sequences the backend has seen.
func noteHeld(tx *bolt.Tx, held Held) error {
	if held.High > 0 {
		if b := tx.Bucket(bOutbox); b.Sequence() < held.High {
			if err := b.SetSequence(held.High); err != nil {
				return err
			}
		}
	}
	return updateSyncState(tx, func(st *SyncState) {
		st.Acked = max(st.Acked, held.High)
		if held.Generation != "" && st.Generation == "" {
			st.Generation = held.Generation
		}
	})
}

// NoteHeld records what the backend said it holds (after a pull).
func (s *Store) NoteHeld(held Held) error {
	return s.update(func(tx *bolt.Tx) error { return noteHeld(tx, held) })
}

// Rewound says whether the backend has gone back in time since this
// counter last heard from it: another generation of its store, or fewer of
// this device's events than it acknowledged.
func (st SyncState) Rewound(held Held) bool {
	return (held.Generation != "" && st.Generation != "" && held.Generation != st.Generation) || held.High < st.Acked
}

// Rewind answers a backend that went back in time, in one transaction:
// every journal entry above held.High goes back to the outbox as pending
// (the backend dedupes by event id, so an event it does hold after all is
// harmless), Acked becomes held.High, the generation is taken, and the
// pull cursor goes back to 0 (the whole unit again, known events skipped
// by id). It returns how many events will be sent again.
func (s *Store) Rewind(held Held) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		sent, out := tx.Bucket(bSent), tx.Bucket(bOutbox)
		c := sent.Cursor()
		var keys [][]byte
		for k, v := c.Seek(u64(held.High + 1)); k != nil; k, v = c.Next() {
			var e sentEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if out.Get(k) == nil {
				entry := e.OutboxEntry
				entry.State, entry.LastError, entry.Sig = OutboxPending, "", nil // encoded again
				data, err := json.Marshal(entry)
				if err != nil {
					return err
				}
				if err := out.Put(clone(k), data); err != nil {
					return err
				}
				n++
			}
			keys = append(keys, clone(k))
		}
		for _, k := range keys {
			if err := sent.Delete(k); err != nil {
				return err
			}
		}
		if err := addCount(tx, kPendingN, n); err != nil {
			return err
		}
		if err := updateSyncState(tx, func(st *SyncState) {
			st.Acked, st.Cursor, st.CursorCheck = held.High, 0, ""
			if held.Generation != "" {
				st.Generation = held.Generation
			}
			st.Rewinds++
			st.LastRewind = s.now()
		}); err != nil {
			return err
		}
		return s.audit(tx, AuditEntry{Actor: "sync", Action: "backend_rewound",
			Detail: "generation " + held.Generation + ", re-sending " + strconv.Itoa(n)})
	})
	return n, err
}

// PruneSent drops journal entries acknowledged before SentRetention ago.
func (s *Store) PruneSent() (int, error) {
	cutoff := s.now().Add(-SentRetention)
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bSent)
		c := b.Cursor()
		var keys [][]byte
		for k, v := c.First(); k != nil && len(keys) < 10_000; k, v = c.Next() {
			var e struct {
				AckedAt time.Time `json:"acked_at"`
			}
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !e.AckedAt.Before(cutoff) {
				break // acknowledged in sequence order, near enough
			}
			keys = append(keys, clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	return n, err
}

// SentCount is the number of events in the sent journal.
func (s *Store) SentCount() int {
	n := 0
	_ = s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bSent).Stats().KeyN; return nil })
	return n
}
