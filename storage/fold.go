package storage

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// Conflicts on the office network (docs/lan.md). While the province is
// away, two counters may act on one file before they see each other's
// changes. Every counter on the office network keeps, for each record
// with changes the backend has not spoken of yet, the record as it stood
// before them (the fold's base) and those changes, in the order every
// counter agrees on (dossier.FoldOrder: hybrid logical clock, then id).
// A change that arrives late, before some already applied in that order,
// makes the record be folded again from its base: each change in order
// through the status machine, what it refuses on the attention list. Every
// counter holding the same changes so holds the same record and lists the
// same refusals. When the backend speaks of the record (a pulled event, a
// push answered, its copy taken) the fold is dropped: from then on the
// backend's order prevails, as with no office network.

type lanFold struct {
	Base    json.RawMessage `json:"base"`              // the record before the first change
	Events  []dossier.Event `json:"events"`            // the changes, in the agreed order
	Refused []string        `json:"refused,omitempty"` // ids of the changes the order refuses
}

func (f *lanFold) has(id string) bool {
	return slices.ContainsFunc(f.Events, func(e dossier.Event) bool { return e.ID == id })
}

// events are the fold's changes (none without a fold).
func (f *lanFold) events() []dossier.Event {
	if f == nil {
		return nil
	}
	return f.Events
}

func getFold(tx *bolt.Tx, recordID string) (*lanFold, error) {
	b := tx.Bucket(bLANFold)
	if b == nil {
		return nil, nil // a store opened read-only, from before it
	}
	v := b.Get([]byte(recordID))
	if v == nil {
		return nil, nil
	}
	var f lanFold
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, fmt.Errorf("storage: the changes of record %s on the office network: %w", recordID, err)
	}
	return &f, nil
}

func putFold(tx *bolt.Tx, recordID string, f *lanFold) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return tx.Bucket(bLANFold).Put([]byte(recordID), data)
}

// dropFold settles a record's changes: the backend has spoken of it.
func dropFold(tx *bolt.Tx, recordID string) error {
	if !foldsOpen(tx) {
		return nil // none open: the usual case, at no cost
	}
	return tx.Bucket(bLANFold).Delete([]byte(recordID))
}

// foldsOpen says whether any record has a fold.
func foldsOpen(tx *bolt.Tx) bool {
	b := tx.Bucket(bLANFold)
	if b == nil {
		return false
	}
	k, _ := b.Cursor().First()
	return k != nil
}

// dropFoldOf drops the fold of the record of an outbox entry.
func dropFoldOf(tx *bolt.Tx, entry []byte) error {
	var e struct {
		Event struct {
			RecordID string `json:"record_id"`
		} `json:"event"`
	}
	if err := json.Unmarshal(entry, &e); err != nil {
		return err
	}
	return tx.Bucket(bLANFold).Delete([]byte(e.Event.RecordID))
}

// ownFold is the fold a change made at this counter to r joins (its
// base r as stored when none is open), nil off the office network (a
// counter without a certificate keeps no folds).
func ownFold(tx *bolt.Tx, r *dossier.Record) (*lanFold, error) {
	if _, certified := lanSelf(tx); !certified {
		return nil, nil
	}
	f, err := getFold(tx, r.ID)
	if f != nil || err != nil {
		return f, err
	}
	return &lanFold{Base: clone(tx.Bucket(bRecords).Get([]byte(r.ID)))}, nil
}

// applyLANRecord applies a peer's change of a record in the agreed order:
// on top of the record when it comes after every change held, by folding
// the record again from its base when it comes before some.
func (s *Store) applyLANRecord(tx *bolt.Tx, re RemoteEvent, cal *dossier.Calendar, res *RemoteResult, owed map[string][]partyKey) error {
	e := re.Event
	raw := tx.Bucket(bRecords).Get([]byte(e.RecordID))
	if raw == nil { // a new record: nothing comes before its intake
		return s.applyRemoteRecord(tx, re, cal, res, owed)
	}
	var old dossier.Record
	if err := json.Unmarshal(raw, &old); err != nil {
		return fmt.Errorf("storage: record %s: %w", e.RecordID, err)
	}
	f, err := getFold(tx, e.RecordID)
	if err != nil {
		return err
	}
	if f == nil {
		f = &lanFold{Base: clone(raw)}
	}
	if old.HasEvent(e.ID) || f.has(e.ID) {
		res.Known++
		return nil
	}
	at := len(f.Events)
	for at > 0 && dossier.FoldOrder(f.Events[at-1], e) > 0 {
		at--
	}
	f.Events = slices.Insert(f.Events, at, e)
	if at < len(f.Events)-1 {
		return s.refold(tx, f, &old, cal, res)
	}
	enc, why, err := applyToCopy(&old, e, cal)
	switch {
	case err != nil:
		return err
	case why != nil:
		f.Refused = append(f.Refused, e.ID)
		if err := putFold(tx, e.RecordID, f); err != nil {
			return err
		}
		return s.refuseRemote(tx, e, old.Code, cameAfter(why), res)
	}
	if err := s.putEncoded(tx, enc, &old, true); err != nil {
		return err
	}
	res.Updated++
	return putFold(tx, e.RecordID, f)
}

// refold builds the record again from the fold's base, its changes in
// order; the attention list follows what the order refuses now.
func (s *Store) refold(tx *bolt.Tx, f *lanFold, old *dossier.Record, cal *dossier.Calendar, res *RemoteResult) error {
	r, whys, err := f.replay(cal)
	if err != nil {
		return fmt.Errorf("storage: the base of record %s on the office network: %w", old.ID, err)
	}
	before := f.Refused
	f.Refused = nil
	for _, e := range f.Events {
		if whys[e.ID] != nil {
			f.Refused = append(f.Refused, e.ID)
		}
	}
	if err := s.putRecord(tx, r, old); err != nil {
		return err
	}
	res.Updated++
	res.Refolded++
	for _, e := range f.Events {
		was, now := slices.Contains(before, e.ID), whys[e.ID] != nil
		switch {
		case now && !was:
			res.Refused++
			a := Attention{RecordID: r.ID, Code: r.Code, Event: e, Reason: cameAfter(whys[e.ID]).Error(), Remote: !ownEvent(tx, e.ID), Order: true}
			if err := s.addAttention(tx, a); err != nil {
				return err
			}
		case was && !now:
			if err := dropAttention(tx, e.ID); err != nil {
				return err
			}
		}
	}
	return putFold(tx, r.ID, f)
}

// replay is the record the fold gives: its base, its changes applied in
// order; whys says why the status machine refused those it refused.
func (f *lanFold) replay(cal *dossier.Calendar) (*dossier.Record, map[string]error, error) {
	var r dossier.Record
	if err := json.Unmarshal(f.Base, &r); err != nil {
		return nil, nil, err
	}
	whys := map[string]error{}
	for _, e := range f.Events {
		applied := e
		applied.BaseVersion = r.Version
		if why := dossier.Apply(&r, applied, cal); why != nil { // r unchanged
			whys[e.ID] = why
		}
	}
	return &r, whys, nil
}

// checkFolds finds the folds that do not give their record back (Verify):
// a record with a fold is its base with the fold's changes applied in
// order, what they refused as the fold says.
func (s *Store) checkFolds(tx *bolt.Tx) []Problem {
	b := tx.Bucket(bLANFold)
	if b == nil {
		return nil
	}
	cal := s.Calendar()
	var probs []Problem
	_ = b.ForEach(func(k, v []byte) error {
		where := string(bLANFold) + "/" + string(k)
		var f lanFold
		if err := json.Unmarshal(v, &f); err != nil {
			probs = append(probs, Problem{where, "cannot decode: " + err.Error()})
			return nil
		}
		raw := tx.Bucket(bRecords).Get(k)
		if raw == nil {
			probs = append(probs, Problem{where, "for a missing record"})
			return nil
		}
		rec, err := decodeRecord(raw)
		if err != nil {
			return nil // the records' own check says so
		}
		r, whys, err := f.replay(cal)
		if err != nil {
			probs = append(probs, Problem{where, "its base cannot be decoded: " + err.Error()})
			return nil
		}
		refused := slices.Sorted(maps.Keys(whys))
		if r.Version != rec.Version || r.LastEventID() != rec.LastEventID() || r.Status != rec.Status ||
			!slices.Equal(refused, slices.Sorted(slices.Values(f.Refused))) {
			probs = append(probs, Problem{where, fmt.Sprintf("record %s is not its base with the changes in order", rec.Code)})
		}
		return nil
	})
	return probs
}

// CameAfterError is a change that the agreed order puts after another
// counter's change of the record, and that the status machine then
// refuses (Why).
type CameAfterError struct{ Why error }

func (e *CameAfterError) Error() string {
	return "Hồ sơ đã có một thao tác khác đến trước. " + e.Why.Error()
}

func (e *CameAfterError) Unwrap() error { return e.Why }

func cameAfter(why error) error { return &CameAfterError{Why: why} }

// ownEvent says whether an event was made at this counter.
func ownEvent(tx *bolt.Tx, eventID string) bool {
	b := tx.Bucket(bEventSeq)
	if b == nil {
		return false
	}
	v := b.Get([]byte(eventID))
	return len(v) > 0 && v[0] == 0
}

// dropAttention takes an event off the attention list: a later fold
// applied it after all.
func dropAttention(tx *bolt.Tx, eventID string) error {
	b := tx.Bucket(bAttention)
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var a struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		}
		if json.Unmarshal(v, &a) == nil && a.Event.ID == eventID {
			return b.Delete(clone(k))
		}
	}
	return nil
}
