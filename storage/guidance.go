package storage

import (
	"encoding/json"
	"errors"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// Guide records guidance given at the counter before receipt (Mẫu 02 or
// 03 instead of a receipt): with its outbox entry and audit line, in one
// transaction. It takes no record code and adds no record.
func (s *Store) Guide(g dossier.Guidance) (*dossier.Guidance, error) {
	set := s.Settings()
	if !set.Ready() {
		return nil, ErrNotSetUp
	}
	ctr := s.counterOf(set)
	g, err := dossier.NewGuidance(g, s.Catalog(), ctr, s.now())
	if err != nil {
		return nil, err
	}
	err = s.clerkUpdate(func(tx *bolt.Tx) error {
		if err := putGuidance(tx, &g); err != nil {
			return err
		}
		if err := s.enqueue(tx, g.Event()); err != nil {
			return err
		}
		return s.audit(tx, AuditEntry{Actor: g.Actor, Action: "guidance_" + string(g.Kind), RecordID: g.ID, Detail: g.ProcedureCode})
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

func putGuidance(tx *bolt.Tx, g *dossier.Guidance) error {
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return tx.Bucket(bGuidance).Put([]byte(g.ID), data) // UUIDv7: in time order
}

// Guidances lists the guidance given, newest first, up to limit: this
// counter's and, once pulled, the unit's other counters'.
func (s *Store) Guidances(limit int) ([]dossier.Guidance, error) {
	var out []dossier.Guidance
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bGuidance).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var g dossier.Guidance
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	return out, err
}

// applyRemoteGuidance keeps pulled guidance; it says whether it was new.
func applyRemoteGuidance(tx *bolt.Tx, e dossier.Event) (bool, error) {
	if e.Guidance == nil || e.Guidance.ID != e.RecordID {
		return false, errors.New("storage: a guidance event without its guidance")
	}
	if tx.Bucket(bGuidance).Get([]byte(e.RecordID)) != nil {
		return false, nil
	}
	return true, putGuidance(tx, e.Guidance)
}
