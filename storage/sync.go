package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// What the sync engine keeps in the store. The engine (package sync) does
// the network; every state change here is one short transaction.

// SyncState is the counter's link to the provincial backend.
type SyncState struct {
	ServerURL   string    `json:"server_url,omitempty"`
	DeviceID    string    `json:"device_id,omitempty"`
	Token       string    `json:"token,omitempty"` // the device's secret; only in this file
	Cursor      uint64    `json:"cursor"`          // the server's pull cursor
	RefETag     string    `json:"reference_etag,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	NeedsEnroll bool      `json:"needs_enroll,omitempty"` // the token was refused
	// CursorCheck vouches for Cursor to the backend (docs/protocol.md).
	CursorCheck string `json:"cursor_check,omitempty"`
	// Generation is the backend store's identity as last seen; Acked the
	// highest outbox sequence of this device the backend said it holds.
	Generation string `json:"generation,omitempty"`
	Acked      uint64 `json:"acked,omitempty"`
	// Rewinds counts the times the backend was found to have gone back
	// (restored from a backup); LastRewind is the last of them.
	Rewinds    int       `json:"rewinds,omitempty"`
	LastRewind time.Time `json:"last_rewind,omitzero"`
	// Restored is when this counter's store was last restored from a backup.
	Restored time.Time `json:"restored,omitzero"`
}

// Enrolled says whether the counter has a device token.
func (s SyncState) Enrolled() bool { return s.ServerURL != "" && s.Token != "" && !s.NeedsEnroll }

// InstallID is this installation's own id (made when the file was
// created): it lets the backend recognise a retried enrollment.
func (s *Store) InstallID() string {
	var id string
	_ = s.db.View(func(tx *bolt.Tx) error { id = string(tx.Bucket(bMeta).Get(kDevice)); return nil })
	return id
}

// SyncState reads the link state.
func (s *Store) SyncState() (SyncState, error) {
	var st SyncState
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kSync); v != nil {
			return json.Unmarshal(v, &st)
		}
		return nil
	})
	return st, err
}

// UpdateSyncState changes the link state in one transaction.
func (s *Store) UpdateSyncState(fn func(*SyncState)) error {
	return s.update(func(tx *bolt.Tx) error { return updateSyncState(tx, fn) })
}

func updateSyncState(tx *bolt.Tx, fn func(*SyncState)) error {
	var st SyncState
	meta := tx.Bucket(bMeta)
	if v := meta.Get(kSync); v != nil {
		if err := json.Unmarshal(v, &st); err != nil {
			return err
		}
	}
	fn(&st)
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return meta.Put(kSync, data)
}

// ErrUnitMismatch says an enrollment is for another unit than the records
// this counter already holds.
var ErrUnitMismatch = errors.New("mã đăng ký thuộc đơn vị hoặc quầy khác với dữ liệu đã có trên máy này")

// Enroll stores a device enrollment and takes the unit code and counter
// number the backend assigned. A counter that already holds records of
// another unit or counter is refused.
func (s *Store) Enroll(serverURL, deviceID, token, unitCode string, counter int) error {
	set := s.Settings()
	st, _ := s.Stats()
	if st.Records > 0 && (set.UnitCode != unitCode || set.Counter != counter) {
		return fmt.Errorf("%w (máy này: %s quầy %d; mã đăng ký: %s quầy %d)", ErrUnitMismatch, set.UnitCode, set.Counter, unitCode, counter)
	}
	set.UnitCode, set.Counter = unitCode, counter
	data, err := json.Marshal(set)
	if err != nil {
		return err
	}
	err = s.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMeta).Put(kSettings, data); err != nil {
			return err
		}
		if err := updateSyncState(tx, func(st *SyncState) {
			*st = SyncState{ServerURL: serverURL, DeviceID: deviceID, Token: token}
		}); err != nil {
			return err
		}
		id, _ := s.actor()
		return s.audit(tx, AuditEntry{Actor: id, Action: "enroll", Detail: serverURL + " " + deviceID})
	})
	if err == nil {
		s.mu.Lock()
		s.settings = set
		s.mu.Unlock()
	}
	return err
}

// Attention is an event the backend refused, kept for a person to see.
type Attention struct {
	Seq      uint64          `json:"seq"`
	At       time.Time       `json:"at"`
	RecordID string          `json:"record_id"`
	Code     string          `json:"code"`
	Event    dossier.Event   `json:"event"`
	Reason   string          `json:"reason"`
	Server   *dossier.Record `json:"server,omitempty"`
	Remote   bool            `json:"remote,omitempty"` // a pulled event that could not be applied here
	// Order is an event the office network's agreed order refused here
	// (fold.go), this counter's own among them: not the backend's verdict.
	Order bool `json:"order,omitempty"`
}

func (s *Store) addAttention(tx *bolt.Tx, a Attention) error {
	if a.At.IsZero() {
		a.At = s.now()
	}
	return appendJSON(tx.Bucket(bAttention), func(seq uint64) any { a.Seq = seq; return a })
}

// Attention lists what needs a person, oldest first.
func (s *Store) Attention() ([]Attention, error) {
	var out []Attention
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAttention)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var a Attention
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// DismissAttention removes an entry once a person has dealt with it; the
// outbox entry it came from goes too. The audit keeps both.
func (s *Store) DismissAttention(seq uint64, actor string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAttention)
		if b == nil || b.Get(u64(seq)) == nil {
			return ErrNotFound
		}
		var a Attention
		if err := json.Unmarshal(b.Get(u64(seq)), &a); err != nil {
			return err
		}
		if err := b.Delete(u64(seq)); err != nil {
			return err
		}
		// drop the refused outbox entry of that event
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e OutboxEntry
			if json.Unmarshal(v, &e) == nil && e.Event.ID == a.Event.ID && e.State == OutboxAttention {
				if err := tx.Bucket(bOutbox).Delete(clone(k)); err != nil {
					return err
				}
				break
			}
		}
		return s.audit(tx, AuditEntry{Actor: actor, Action: "attention_dismissed", RecordID: a.RecordID, Code: a.Code, Detail: string(a.Event.Type)})
	})
}

// RemoteResult counts what applying pulled events did.
type RemoteResult struct {
	Applied                          int // events consumed (the rest waits for the next call)
	Created, Updated, Known, Refused int
	Guided                           int // guidance given at another counter, kept
	Accounts                         int // account changes made elsewhere, applied
	Reported                         int // news of how far the national portal has records
	// Refolded counts the records folded again from the office network's
	// changes, one of which came before some already applied (fold.go).
	Refolded int
	// Diverged are the records an event made elsewhere could not apply
	// to: this counter's copy went another way than the one it came from.
	Diverged []string
}

// RemoteEvent is a pulled event with its place in the server's log.
type RemoteEvent struct {
	Seq   uint64
	Event dossier.Event
	prep  *encoded // the new record it creates, encoded ahead (see Prepare)
}

// Prepare does, outside any transaction, the work of applying events that
// create records (building and encoding the record and its index keys),
// so ApplyRemote's transactions stay short. It may run on another
// goroutine than ApplyRemote, before it.
func Prepare(events []RemoteEvent) {
	for i := range events {
		e := events[i].Event
		if e.Type != dossier.EvReceived || e.Record == nil {
			continue
		}
		var r dossier.Record
		applied := e
		applied.BaseVersion = 0
		if dossier.Apply(&r, applied, nil) != nil {
			continue // ApplyRemote will refuse it and say why
		}
		if enc, err := encodeRecord(&r); err == nil {
			events[i].prep = enc
		}
	}
}

// ApplyRemote applies events pulled from the backend, in server order, in
// one transaction that also moves the pull cursor (to end once all are
// applied), so a crash never loses or repeats a page. Events already here
// (by id) are skipped; new records from other counters are created;
// officers' events go through the status machine; what cannot be applied
// goes to the attention list. New records owe their name, ID number and
// phone index entries to the backlog until DrainBacklog writes them. A
// clerk's write waiting for the store makes it stop early and commit
// (Applied says how far it got): the counter never waits for a bulk pull.
func (s *Store) ApplyRemote(events []RemoteEvent, end uint64) (RemoteResult, error) {
	return s.ApplyRemotePage(events, end, "")
}

// ApplyRemotePage is ApplyRemote with the backend's check of end (the
// page's next_check), kept with the cursor; when it stops early, the
// check of the last event applied is kept instead.
func (s *Store) ApplyRemotePage(events []RemoteEvent, end uint64, endCheck string) (RemoteResult, error) {
	var res RemoteResult
	cal := s.Calendar()
	s.StepAside()
	owed := map[string][]partyKey{}
	err := s.update(func(tx *bolt.Tx) error {
		res = RemoteResult{}
		cursor, check := end, endCheck
		for i, re := range events {
			if i > 0 && s.interactive.Load() > 0 {
				cursor, check = events[i-1].Seq, CursorCheck(events[i-1].Event.ID)
				break
			}
			res.Applied++
			if err := s.applyRemoteOne(tx, re, cal, &res, owed); err != nil {
				return err
			}
		}
		return updateSyncState(tx, func(st *SyncState) { st.Cursor, st.CursorCheck = cursor, check })
	})
	if err == nil {
		s.remember(owed)
	}
	return res, err
}

// applyRemoteOne applies one event made elsewhere (pulled from the
// backend, or from a peer on the office network): accounts, guidance and
// the national portal's news apart; a record's event through the status
// machine, creating the record when new; what cannot apply goes to the
// attention list.
func (s *Store) applyRemoteOne(tx *bolt.Tx, re RemoteEvent, cal *dossier.Calendar, res *RemoteResult, owed map[string][]partyKey) error {
	if apart, err := s.applyRemoteApart(tx, re.Event, res); apart || err != nil {
		return err
	}
	if err := dropFold(tx, re.Event.RecordID); err != nil { // the backend's order prevails
		return err
	}
	return s.applyRemoteRecord(tx, re, cal, res, owed)
}

// applyLANOne applies one event of a peer on the office network: as a
// pulled one, but a record's changes in the order every counter agrees on.
func (s *Store) applyLANOne(tx *bolt.Tx, re RemoteEvent, cal *dossier.Calendar, res *RemoteResult, owed map[string][]partyKey) error {
	if apart, err := s.applyRemoteApart(tx, re.Event, res); apart || err != nil {
		return err
	}
	return s.applyLANRecord(tx, re, cal, res, owed)
}

// applyRemoteApart applies the events that are of no record: accounts,
// guidance, the national portal's news (apart: it was one of them).
func (s *Store) applyRemoteApart(tx *bolt.Tx, e dossier.Event, res *RemoteResult) (apart bool, err error) {
	switch e.Type {
	case dossier.EvReported:
		res.Reported++
		return true, applyRemoteReported(tx, e)
	case dossier.EvAccount, dossier.EvGuided:
	default:
		return false, nil
	}
	apply := applyRemoteAccount
	if e.Type == dossier.EvGuided {
		apply = applyRemoteGuidance
	}
	fresh, err := apply(tx, e)
	switch {
	case err != nil:
		res.Refused++
		return true, s.addAttention(tx, Attention{RecordID: e.RecordID, Event: e, Reason: err.Error(), Remote: true})
	case !fresh:
		res.Known++
	case e.Type == dossier.EvGuided:
		res.Guided++
	default:
		res.Accounts++
	}
	return true, nil
}

// applyRemoteRecord applies an event of a record made elsewhere.
func (s *Store) applyRemoteRecord(tx *bolt.Tx, re RemoteEvent, cal *dossier.Calendar, res *RemoteResult, owed map[string][]partyKey) error {
	e := re.Event
	old, err := getRecord(tx, e.RecordID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if old != nil && old.HasEvent(e.ID) {
		res.Known++
		return nil
	}
	refuse := func(code string, why error) error { return s.refuseRemote(tx, e, code, why, res) }
	enc := re.prep // a new record, built ahead by Prepare
	if old != nil || enc == nil {
		var why error
		if enc, why, err = applyToCopy(old, e, cal); err != nil {
			return err
		}
		if why != nil {
			return refuse(codeOf(old), why)
		}
	}
	if err := s.putEncoded(tx, enc, old, true); errors.Is(err, ErrCodeTaken) {
		return refuse(enc.r.Code, err)
	} else if err != nil {
		return err
	}
	if old == nil {
		res.Created++
		owed[enc.r.ID] = owedKeys(enc.keys)
	} else {
		res.Updated++
	}
	return nil
}

// refuseRemote lists an event made elsewhere that cannot apply here, and
// notes its record as gone another way than where it came from.
func (s *Store) refuseRemote(tx *bolt.Tx, e dossier.Event, code string, why error, res *RemoteResult) error {
	res.Refused++
	if !slices.Contains(res.Diverged, e.RecordID) {
		res.Diverged = append(res.Diverged, e.RecordID)
	}
	return s.addAttention(tx, Attention{RecordID: e.RecordID, Code: code, Event: e, Reason: why.Error(), Remote: true})
}

func codeOf(r *dossier.Record) string {
	if r == nil {
		return ""
	}
	return r.Code
}

// applyToCopy applies an event to a copy of a record (nil: a new one) and
// encodes the result; why says why the status machine refused it.
func applyToCopy(old *dossier.Record, e dossier.Event, cal *dossier.Calendar) (enc *encoded, why, err error) {
	next := &dossier.Record{}
	if old != nil {
		next = old.Clone()
	}
	applied := e
	applied.BaseVersion = next.Version
	if why := dossier.Apply(next, applied, cal); why != nil {
		return nil, why, nil
	}
	enc, err = encodeRecord(next)
	return enc, nil, err
}
