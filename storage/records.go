package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

func isNoSpace(err error) bool { return errors.Is(err, syscall.ENOSPC) }

// ErrCodeTaken says another record already has this code.
var ErrCodeTaken = errors.New("mã hồ sơ đã được dùng cho một hồ sơ khác")

// AuditEntry records who did what. It names records by id and code only:
// no citizen's personal data goes into the audit.
type AuditEntry struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	RecordID string    `json:"record_id,omitempty"`
	Code     string    `json:"code,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	// Prev is the hash of the entry before, as stored (the audit chain,
	// accounts.go); empty on entries from before the chain.
	Prev string `json:"prev,omitempty"`
}

// addCount moves a counter kept in meta.
func addCount(tx *bolt.Tx, key []byte, delta int) error {
	meta := tx.Bucket(bMeta)
	var n int64
	if v := meta.Get(key); len(v) == 8 {
		n = int64(be64(v))
	}
	return meta.Put(key, u64(uint64(max(0, n+int64(delta)))))
}

func getCount(tx *bolt.Tx, key []byte) int {
	if v := tx.Bucket(bMeta).Get(key); len(v) == 8 {
		return int(be64(v))
	}
	return 0
}

// Intake validates a new file, gives it its code and saves it with its
// indexes, outbox event and audit entry in one fsync'd transaction.
func (s *Store) Intake(in dossier.Intake) (*dossier.Record, error) {
	if !in.ReceivedAt.IsZero() {
		if e := dossier.CheckReceivedAt(in.ReceivedAt, s.now()); e != nil {
			return nil, dossier.ValidationErrors{e}
		}
	}
	recs, err := s.IntakeMany([]dossier.Intake{in}, BatchOptions{})
	if err != nil {
		return nil, err
	}
	return recs[0], nil
}

// BatchOptions change IntakeMany for seeding.
type BatchOptions struct {
	// After, when set, returns more events to apply to each new record in
	// the same transaction (a synthetic life for demo records).
	After func(r *dossier.Record) []dossier.Event
	// Demo keeps the records out of the outbox (demo data must never reach
	// the provincial backend) and out of the per-record audit.
	Demo bool
}

// IntakeMany saves several intakes in one transaction: all or none. Each
// gets the same treatment as Intake.
func (s *Store) IntakeMany(ins []dossier.Intake, opt BatchOptions) ([]*dossier.Record, error) {
	set := s.Settings()
	if !set.Ready() {
		return nil, ErrNotSetUp
	}
	cal := s.Calendar()
	if cal == nil {
		return nil, fmt.Errorf("storage: no calendar loaded")
	}
	ctr := s.counterOf(set)
	evs := make([]dossier.Event, len(ins))
	for i, in := range ins {
		received := in.ReceivedAt
		if received.IsZero() {
			received = s.now()
		}
		ev, err := dossier.NewReceivedEvent(in, s.Catalog(), cal, ctr, received)
		if err != nil {
			return nil, err
		}
		ev.HLC = s.now().UnixNano()
		evs[i] = ev
	}
	out := make([]*dossier.Record, len(ins))
	update := s.clerkUpdate
	if opt.Demo {
		update = s.update
	}
	err := update(func(tx *bolt.Tx) error {
		for i, ev := range evs {
			code, err := s.nextCode(tx, set, ev.Record.ReceivedAt)
			if err != nil {
				return err
			}
			ev.Record.Code = code
			rec := &dossier.Record{}
			if err := dossier.Apply(rec, ev, cal); err != nil {
				return err
			}
			var more []dossier.Event
			if opt.After != nil {
				for _, e := range opt.After(rec) {
					e.BaseVersion = rec.Version
					if err := dossier.Apply(rec, e, cal); err != nil {
						return err
					}
					more = append(more, rec.History[len(rec.History)-1])
				}
			}
			if err := s.fail("record"); err != nil {
				return err
			}
			if err := s.putRecord(tx, rec, nil); err != nil {
				return err
			}
			if err := s.fail("outbox"); err != nil {
				return err
			}
			for _, e := range append([]dossier.Event{ev}, more...) {
				if opt.Demo {
					break
				}
				if err := s.enqueue(tx, e); err != nil {
					return err
				}
			}
			if err := s.fail("audit"); err != nil {
				return err
			}
			out[i] = rec
			if opt.Demo {
				continue
			}
			if err := s.audit(tx, AuditEntry{Actor: evs[i].Actor, Action: string(dossier.EvReceived), RecordID: rec.ID, Code: rec.Code}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nextCode takes the next free code of the day for this counter.
func (s *Store) nextCode(tx *bolt.Tx, set Settings, received time.Time) (string, error) {
	meta, codes := tx.Bucket(bMeta), tx.Bucket(bIdxCode)
	key := []byte("seq/" + received.In(dossier.Loc).Format("060102"))
	var n uint32
	if v := meta.Get(key); len(v) == 4 {
		n = be32(v)
	}
	for {
		n++
		code, err := dossier.FormatCode(set.UnitCode, received, set.Counter, int(n))
		if err != nil {
			return "", err
		}
		if codes.Get([]byte(code)) == nil { // skip codes already present (e.g. restored)
			return code, meta.Put(key, u32(n))
		}
	}
}

// Apply runs an event against a stored record through the status machine
// and saves the result with its outbox and audit entries.
func (s *Store) Apply(e dossier.Event) (*dossier.Record, error) {
	if err := dossier.CheckEventLimits(&e); err != nil {
		return nil, err
	}
	cal := s.Calendar()
	var rec *dossier.Record
	err := s.clerkUpdate(func(tx *bolt.Tx) error {
		old, err := getRecord(tx, e.RecordID)
		if err != nil {
			return err
		}
		next := old.Clone()
		if err := s.numberLetter(tx, &e); err != nil {
			return err
		}
		fold, err := ownFold(tx, old)
		if err != nil {
			return err
		}
		e.HLC = dossier.NextHLC(old, s.now(), fold.events())
		if err := dossier.Apply(next, e, cal); err != nil {
			return err
		}
		if err := dossier.CheckRecord(next); err != nil {
			return err
		}
		carried := e.Record                   // a receipt of a file filed online travels with it
		e = next.History[len(next.History)-1] // with what Apply filled in
		e.Record = carried
		if err := s.putRecord(tx, next, old); err != nil {
			return err
		}
		if fold != nil { // the last in the agreed order: made after all the others
			fold.Events = append(fold.Events, e)
			if err := putFold(tx, next.ID, fold); err != nil {
				return err
			}
		}
		if err := s.fail("outbox"); err != nil {
			return err
		}
		if err := s.enqueue(tx, e); err != nil {
			return err
		}
		rec = next
		return s.audit(tx, AuditEntry{Actor: e.Actor, Action: string(e.Type), RecordID: next.ID, Code: next.Code})
	})
	return rec, err
}

// NewEvent prepares an event of the given type against a record's current
// version, by the counter's clerk, now.
func (s *Store) NewEvent(r *dossier.Record, typ dossier.EventType) dossier.Event {
	id, name := s.actor()
	return dossier.Event{ID: dossier.NewEventID(), RecordID: r.ID, Type: typ, Actor: id, ActorName: name,
		At: s.now().In(dossier.Loc).Truncate(time.Second), BaseVersion: r.Version, After: r.LastEventID()}
}

// Get reads a record by id.
func (s *Store) Get(id string) (*dossier.Record, error) {
	var r *dossier.Record
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		r, err = getRecord(tx, id)
		return err
	})
	return r, err
}

// GetByCode reads a record by its code.
func (s *Store) GetByCode(code string) (*dossier.Record, error) {
	var r *dossier.Record
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(bIdxCode).Get([]byte(code))
		if id == nil {
			return ErrNotFound
		}
		r, err = getRecord(tx, string(id))
		return err
	})
	return r, err
}

func getRecord(tx *bolt.Tx, id string) (*dossier.Record, error) {
	v := tx.Bucket(bRecords).Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var r dossier.Record
	if err := json.Unmarshal(v, &r); err != nil { // Unmarshal copies
		return nil, fmt.Errorf("storage: record %s: %w", id, err)
	}
	return &r, nil
}

// putRecord writes a record and moves its index entries from old (nil for
// a new record) to the new values.
func (s *Store) putRecord(tx *bolt.Tx, r, old *dossier.Record) error {
	enc, err := encodeRecord(r)
	if err != nil {
		return err
	}
	return s.putEncoded(tx, enc, old, false)
}

// putEncoded writes a record and moves its index entries from old (nil
// for a new record) to the new values. With owe, a new record's party
// index entries are left for DrainBacklog, the record put in the backlog;
// a record written again is indexed in full and leaves the backlog.
func (s *Store) putEncoded(tx *bolt.Tx, enc *encoded, old *dossier.Record, owe bool) error {
	r := enc.r
	if old == nil { // a new record: its code must be free, checked before any write
		if other := tx.Bucket(bIdxCode).Get([]byte(r.Code)); other != nil && string(other) != r.ID {
			return fmt.Errorf("%w: %s", ErrCodeTaken, r.Code)
		}
	}
	recs := tx.Bucket(bRecords)
	recs.FillPercent = 0.9 // ids are UUIDv7: appends, so pages may fill up
	if err := recs.Put([]byte(r.ID), enc.data); err != nil {
		return err
	}
	s.noteChange(tx, r.ID)
	if old == nil {
		meta := tx.Bucket(bMeta)
		var n uint64
		if v := meta.Get(kRecordN); len(v) == 8 {
			n = be64(v)
		}
		if err := meta.Put(kRecordN, u64(n+1)); err != nil {
			return err
		}
	}
	newKeys := enc.keys
	var oldKeys map[string][][]byte
	backlog := tx.Bucket(bIdxBacklog)
	if old != nil {
		oldKeys = indexKeys(old)
		owe = false
		if backlog.Get([]byte(r.ID)) != nil {
			if err := backlog.Delete([]byte(r.ID)); err != nil {
				return err
			}
			// tells a drain in progress to look before writing
			if err := backlog.SetSequence(backlog.Sequence() + 1); err != nil {
				return err
			}
		}
	} else if owe {
		if err := backlog.Put([]byte(r.ID), nil); err != nil {
			return err
		}
	}
	for name, keys := range oldKeys {
		b := tx.Bucket([]byte(name))
		for _, k := range keys {
			if !containsKey(newKeys[name], k) {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
	}
	for name, keys := range newKeys {
		if owe && partyIndex(name) >= 0 {
			continue
		}
		b := tx.Bucket([]byte(name))
		for _, k := range keys {
			val := []byte(nil)
			switch name {
			case string(bIdxCode):
				val = []byte(r.ID)
			case string(bIdxReceived):
				val = enc.facts
			}
			if err := b.Put(k, val); err != nil {
				return err
			}
		}
	}
	return nil
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// indexKeys lists every index key of a record, by bucket name.
func indexKeys(r *dossier.Record) map[string][][]byte {
	id := []byte(r.ID)
	recv := unix8(r.ReceivedAt)
	st := []byte{byte(r.Status)}
	keys := make(map[string][][]byte, len(indexBuckets)) // sized once: this runs for every pulled record
	keys[string(bIdxCode)] = [][]byte{[]byte(r.Code)}
	keys[string(bIdxReceived)] = [][]byte{join(recv, id)}
	keys[string(bIdxStatusRcv)] = [][]byte{join(st, recv, id)}
	keys[string(bIdxStatusDue)] = [][]byte{join(st, unix8(r.DueAt), id)}
	keys[string(bIdxProcRecv)] = [][]byte{join([]byte(r.ProcedureCode), sep, recv, id)}
	add := func(bucket []byte, val string) {
		if val == "" {
			return
		}
		k := join([]byte(val), sep, id)
		if !containsKey(keys[string(bucket)], k) {
			keys[string(bucket)] = append(keys[string(bucket)], k)
		}
	}
	parties := []dossier.Party{r.Owner}
	if !r.FilerIsOwner {
		parties = append(parties, r.Filer)
	}
	for _, p := range parties {
		add(bIdxIDNum, p.IDNumber)
		add(bIdxIDNum, p.TaxCode)
		add(bIdxPhone, dossier.NormalizePhone(p.Phone))
		for _, tok := range dossier.NameTokens(p.Name) {
			add(bIdxName, tok)
		}
	}
	return keys
}

// LogPrint records in the audit that a form of a record was printed, and
// says whether it had been printed before (a reprint).
func (s *Store) LogPrint(actor string, r *dossier.Record, form string) (reprint bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		key := []byte("printed/" + r.ID + "/" + form)
		var n uint32
		if v := meta.Get(key); len(v) == 4 {
			n = be32(v)
		}
		reprint = n > 0
		if err := meta.Put(key, u32(n+1)); err != nil {
			return err
		}
		if !reprint { // what was handed over, for reprints
			snap, _ := json.Marshal(PrintSnapshot{At: s.now(), DueAt: r.DueAt, LegalDueAt: r.LegalDue(), Fee: r.Fee, FeePaid: r.FeePaid, Version: r.Version})
			if err := meta.Put([]byte("print_snapshot/"+r.ID+"/"+form), snap); err != nil {
				return err
			}
		}
		action := "print"
		if reprint {
			action = "reprint"
		}
		return s.audit(tx, AuditEntry{Actor: actor, Action: action, RecordID: r.ID, Code: r.Code, Detail: form})
	})
	return reprint, err
}

// LogListPrint records the print of something that names no one record:
// what it was ("ledger", "report", "overdue") and its detail.
func (s *Store) LogListPrint(actor, what, detail string) error {
	return s.update(func(tx *bolt.Tx) error {
		return s.audit(tx, AuditEntry{Actor: actor, Action: "print", Detail: what + " " + detail})
	})
}

// PrintSnapshot is what the first print of a form of a record showed.
type PrintSnapshot struct {
	At         time.Time `json:"at"`
	DueAt      time.Time `json:"due_at"`
	LegalDueAt time.Time `json:"legal_due_at"`
	Fee        int64     `json:"fee,omitempty"`
	FeePaid    int64     `json:"fee_paid,omitempty"`
	Version    int       `json:"version"`
}

// FirstPrint is what the first print of a form of a record showed; false
// when the form was never printed (or printed before snapshots were kept).
func (s *Store) FirstPrint(recordID, form string) (PrintSnapshot, bool) {
	var snap PrintSnapshot
	found := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get([]byte("print_snapshot/" + recordID + "/" + form)); v != nil {
			found = json.Unmarshal(v, &snap) == nil
		}
		return nil
	})
	return snap, found
}
