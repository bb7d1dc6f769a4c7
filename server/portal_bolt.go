package server

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	kPortalConfig = []byte("portal_config")
	kPortalLast   = []byte("portal_last") // portalLast
)

// PortalConfig is the DVCQG configuration (zero when none was set).
func (s *BoltStore) PortalConfig() (PortalConfig, error) {
	var c PortalConfig
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kPortalConfig); v != nil {
			return json.Unmarshal(v, &c)
		}
		return nil
	})
	return c, err
}

// SetPortalConfig keeps the DVCQG configuration.
func (s *BoltStore) SetPortalConfig(c PortalConfig) error {
	c, err := withKeptPassword(c, s.PortalConfig)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bMeta), kPortalConfig, c) })
}

// PortalPending is the oldest items waiting.
func (s *BoltStore) PortalPending(after uint64, limit int) ([]PortalItem, error) {
	var out []PortalItem
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bPortal).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil && len(out) < limit; k, v = c.Next() {
			var it PortalItem
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// PortalSent removes sent items.
func (s *BoltStore) PortalSent(seqs ...uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bPortal)
		for _, seq := range seqs {
			if err := b.Delete(binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PortalRefuse moves an item to the attention list.
func (s *BoltStore) PortalRefuse(seq uint64, reason string, at time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		key := binary.BigEndian.AppendUint64(nil, seq)
		it, err := getJSON[PortalItem](tx.Bucket(bPortal), key)
		if err != nil || it == nil {
			return err
		}
		it.Refused, it.RefusedAt = reason, at
		if err := putJSON(tx.Bucket(bPortalNo), key, it); err != nil {
			return err
		}
		return tx.Bucket(bPortal).Delete(key)
	})
}

// PortalNote keeps the last success (err nil) or error.
func (s *BoltStore) PortalNote(at time.Time, err error) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		last, e := getJSON[portalLast](tx.Bucket(bMeta), kPortalLast)
		if e != nil || last == nil {
			last = &portalLast{}
		}
		last.note(at, err)
		return putJSON(tx.Bucket(bMeta), kPortalLast, last)
	})
}

// PortalStatus says what waits, what was refused, and when it last went.
func (s *BoltStore) PortalStatus() (PortalStatus, error) {
	cfg, err := s.PortalConfig()
	if err != nil {
		return PortalStatus{}, err
	}
	st := PortalStatus{Configured: cfg.Validate() == nil}
	err = s.db.View(func(tx *bolt.Tx) error {
		st.Pending = tx.Bucket(bPortal).Stats().KeyN
		no := tx.Bucket(bPortalNo)
		st.RefusedN = no.Stats().KeyN
		c := no.Cursor()
		for k, v := c.Last(); k != nil && len(st.Refused) < portalRefusedShown; k, v = c.Prev() {
			var it PortalItem
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			st.Refused = append(st.Refused, it)
		}
		if last, _ := getJSON[portalLast](tx.Bucket(bMeta), kPortalLast); last != nil {
			last.into(&st)
		}
		return nil
	})
	return st, err
}

// PortalReported puts marks in the unit's log, each once.
func (s *BoltStore) PortalReported(unit string, marks []PortalMark) error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, m := range marks {
			if err := portalReported(boltTx{tx}, unit, m, now); err != nil {
				return err
			}
		}
		return nil
	})
}
