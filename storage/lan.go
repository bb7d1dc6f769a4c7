package storage

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/sync/wire"
)

// The office network (docs/lan.md): this counter serves the events it
// holds, per originating device and in that device's own sequence (its
// outbox sequence), and keeps those of the unit's other devices that
// peers bring, so that it can pass them on, to a peer or to the backend,
// while their origin is switched off.

var (
	bEventSeq  = []byte("event_seq") // event id → origin device ("" for this counter) · seq (u64)
	kLAN       = []byte("lan")
	bLANEvents = []byte("lan_events") // origin device · seq (u64) → lanStored
	bLANHigh   = []byte("lan_high")   // origin device → highest seq held without a gap (u64)
)

// LANIdentity is this counter's standing on the office network: its own
// key, the certificate the backend signed for it, the authority, and the
// unit's roster as last fetched.
type LANIdentity struct {
	Key      ed25519.PrivateKey `json:"key"`
	Cert     []byte             `json:"cert,omitempty"` // PEM
	CA       []byte             `json:"ca,omitempty"`   // PEM
	Devices  []wire.LANDevice   `json:"devices,omitempty"`
	RosterAt time.Time          `json:"roster_at,omitzero"`
}

// Ready says whether the counter can take part: certified.
func (id LANIdentity) Ready() bool {
	return len(id.Key) == ed25519.PrivateKeySize && id.Cert != nil && id.CA != nil
}

// Device is a device of the roster (false: not on it).
func (id LANIdentity) Device(deviceID string) (wire.LANDevice, bool) {
	for _, d := range id.Devices {
		if d.DeviceID == deviceID {
			return d, true
		}
	}
	return wire.LANDevice{}, false
}

// A stored event of another device is its origin's signature (64 bytes)
// followed by the event's bytes as signed.
func lanStoredValue(sig, raw []byte) []byte {
	return append(append(make([]byte, 0, len(sig)+len(raw)), sig...), raw...)
}

func lanStoredParts(v []byte) (sig, raw []byte, err error) {
	if len(v) < ed25519.SignatureSize {
		return nil, nil, errors.New("storage: a damaged event of another device")
	}
	return clone(v[:ed25519.SignatureSize]), clone(v[ed25519.SignatureSize:]), nil
}

// ErrLANGap says a peer's events of a device do not follow those held.
var ErrLANGap = errors.New("storage: the events of a device do not follow those held")

// LANIdentity is this counter's identity (zero before the first).
func (s *Store) LANIdentity() (LANIdentity, error) {
	var id LANIdentity
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kLAN); v != nil {
			return json.Unmarshal(v, &id)
		}
		return nil
	})
	return id, err
}

// UpdateLANIdentity changes the identity in one transaction.
func (s *Store) UpdateLANIdentity(fn func(*LANIdentity)) error {
	return s.update(func(tx *bolt.Tx) error {
		var id LANIdentity
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kLAN); v != nil {
			if err := json.Unmarshal(v, &id); err != nil {
				return err
			}
		}
		fn(&id)
		data, err := json.Marshal(id)
		if err != nil {
			return err
		}
		return meta.Put(kLAN, data)
	})
}

func lanKey(device string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(device), 0), seq)
}

// LANHave is what this counter holds, per originating device: its own
// events up to its outbox's last sequence, the others' up to the highest
// held without a gap.
func (s *Store) LANHave() (map[string]uint64, error) {
	have := map[string]uint64{}
	err := s.db.View(func(tx *bolt.Tx) error {
		if own := s.ownDevice(tx); own != "" {
			have[own] = tx.Bucket(bOutbox).Sequence()
		}
		if b := tx.Bucket(bLANHigh); b != nil {
			return b.ForEach(func(k, v []byte) error {
				have[string(k)] = be64(v)
				return nil
			})
		}
		return nil
	})
	return have, err
}

// lanSelf is what a save needs of this counter's office-network identity,
// read without decoding its certificates and roster: its key (nil before
// it has one), and whether it is certified (LANIdentity.Ready).
func lanSelf(tx *bolt.Tx) (key ed25519.PrivateKey, certified bool) {
	v := tx.Bucket(bMeta).Get(kLAN)
	if v == nil {
		return nil, false
	}
	var id struct {
		Key  ed25519.PrivateKey `json:"key"`
		Cert json.RawMessage    `json:"cert"`
		CA   json.RawMessage    `json:"ca"`
	}
	if json.Unmarshal(v, &id) != nil || len(id.Key) != ed25519.PrivateKeySize {
		return nil, false
	}
	return id.Key, id.Cert != nil && id.CA != nil
}

func (s *Store) ownDevice(tx *bolt.Tx) string {
	var st SyncState
	if v := tx.Bucket(bMeta).Get(kSync); v != nil && json.Unmarshal(v, &st) == nil {
		return st.DeviceID
	}
	return ""
}

// LANEventsAfter gives what this counter holds beyond have, per device
// and in sequence order, at most max events in all: its own events
// signed now with its key, the others' with their origin's signature.
func (s *Store) LANEventsAfter(have map[string]uint64, max int) (map[string][]wire.LANEvent, bool, error) {
	out := map[string][]wire.LANEvent{}
	more, n := false, 0
	err := s.db.View(func(tx *bolt.Tx) error {
		var id LANIdentity
		if v := tx.Bucket(bMeta).Get(kLAN); v != nil {
			if err := json.Unmarshal(v, &id); err != nil {
				return err
			}
		}
		own := s.ownDevice(tx)
		if own != "" && len(id.Key) == ed25519.PrivateKeySize {
			evs, full, err := ownEvents(tx, id.Key, have[own], max)
			if err != nil {
				return err
			}
			if len(evs) > 0 {
				out[own], n = evs, len(evs)
			}
			more = full
		}
		highs := tx.Bucket(bLANHigh)
		c := tx.Bucket(bLANEvents).Cursor()
		return highs.ForEach(func(k, v []byte) error {
			dev := string(k)
			if dev == own || be64(v) <= have[dev] {
				return nil
			}
			prefix := append([]byte(dev), 0)
			for ek, ev := c.Seek(lanKey(dev, have[dev]+1)); ek != nil && bytes.HasPrefix(ek, prefix); ek, ev = c.Next() {
				if n >= max {
					more = true
					return nil
				}
				sig, raw, err := lanStoredParts(ev)
				if err != nil {
					return err
				}
				out[dev] = append(out[dev], wire.LANEvent{Seq: be64(ek[len(prefix):]), Event: raw, Sig: sig})
				n++
			}
			return nil
		})
	})
	return out, more, err
}

// ownEvents are this counter's events after seq, from its outbox or its
// sent journal, each signed; they stop at a gap (a journal pruned).
func ownEvents(tx *bolt.Tx, key ed25519.PrivateKey, after uint64, max int) ([]wire.LANEvent, bool, error) {
	outbox, sent := tx.Bucket(bOutbox), tx.Bucket(bSent)
	var evs []wire.LANEvent
	for seq := after + 1; seq <= outbox.Sequence(); seq++ {
		if len(evs) >= max {
			return evs, true, nil
		}
		v := outbox.Get(u64(seq))
		if v == nil {
			v = sent.Get(u64(seq))
		}
		if v == nil {
			break
		}
		var e struct { // the event's bytes as stored: signed as they are
			Event json.RawMessage `json:"event"`
			Sig   []byte          `json:"sig"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, false, err
		}
		raw := append(json.RawMessage(nil), e.Event...)
		if len(e.Sig) != ed25519.SignatureSize { // saved before the key, or encoded again since
			e.Sig = ed25519.Sign(key, raw)
		}
		evs = append(evs, wire.LANEvent{Seq: seq, Event: raw, Sig: e.Sig})
	}
	return evs, false, nil
}

// LANPrepared is a peer's event decoded, and the record it creates built,
// outside the write transaction (PrepareLAN).
type LANPrepared struct {
	RemoteEvent
	Seq uint64
	Raw json.RawMessage
	Sig []byte
}

// PrepareLAN decodes a peer's events and builds the records they create,
// outside any transaction (it may run on another goroutine than ApplyLAN).
func PrepareLAN(evs []wire.LANEvent) ([]LANPrepared, error) {
	out := make([]LANPrepared, len(evs))
	remote := make([]RemoteEvent, len(evs))
	for i, le := range evs {
		if err := json.Unmarshal(le.Event, &remote[i].Event); err != nil {
			return nil, fmt.Errorf("storage: event %d of a peer: %w", le.Seq, err)
		}
	}
	Prepare(remote)
	for i, le := range evs {
		out[i] = LANPrepared{RemoteEvent: remote[i], Seq: le.Seq, Raw: le.Event, Sig: le.Sig}
	}
	return out, nil
}

// lanChunk bounds the events of one transaction: a clerk's save waits for
// at most one chunk's commit.
const lanChunk = 250

// lanChunkTime bounds one transaction's work too: on a busy machine 250
// events may take longer, and a clerk's save waits for them.
const lanChunkTime = 10 * time.Millisecond

// ApplyLAN applies a peer's events of one origin device (their
// signatures checked and PrepareLAN'd by the caller), in sequence from
// the highest held: each goes through the same path as a pulled event and
// is kept to pass on. It stops early when a clerk's save waits (applied
// says how many were taken); events already held are skipped, a gap is
// ErrLANGap.
func (s *Store) ApplyLAN(origin string, evs []LANPrepared) (applied int, res RemoteResult, err error) {
	cal := s.Calendar()
	s.StepAside()
	owed := map[string][]partyKey{}
	err = s.update(func(tx *bolt.Tx) error {
		applied, res = 0, RemoteResult{}
		if origin == s.ownDevice(tx) {
			applied = len(evs) // our own, come back
			return nil
		}
		highs, store := tx.Bucket(bLANHigh), tx.Bucket(bLANEvents)
		var high uint64
		if v := highs.Get([]byte(origin)); v != nil {
			high = be64(v)
		}
		start := time.Now()
		for i, le := range evs {
			if i > 0 && (s.interactive.Load() > 0 || i >= lanChunk || i%16 == 0 && time.Since(start) > lanChunkTime) {
				break
			}
			applied++
			if le.Seq <= high {
				continue
			}
			if le.Seq != high+1 {
				return ErrLANGap
			}
			res.Applied++
			if err := s.applyLANOne(tx, le.RemoteEvent, cal, &res, owed); err != nil {
				return err
			}
			store.FillPercent = 0.9
			if err := store.Put(lanKey(origin, le.Seq), lanStoredValue(le.Sig, le.Raw)); err != nil {
				return err
			}
			if err := noteEventSeq(tx, le.Event.ID, origin, le.Seq); err != nil {
				return err
			}
			high = le.Seq
		}
		return highs.Put([]byte(origin), u64(high))
	})
	if err == nil {
		s.remember(owed)
	}
	return applied, res, err
}

// LANRelay is what this counter holds of another device's events after
// seq, at most n, to carry to the backend while that device is away.
func (s *Store) LANRelay(origin string, after uint64, n int) ([]wire.LANEvent, error) {
	var out []wire.LANEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(origin), 0)
		c := tx.Bucket(bLANEvents).Cursor()
		for k, v := c.Seek(lanKey(origin, after+1)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, v = c.Next() {
			sig, raw, err := lanStoredParts(v)
			if err != nil {
				return err
			}
			out = append(out, wire.LANEvent{Seq: be64(k[len(prefix):]), Event: raw, Sig: sig})
		}
		return nil
	})
	return out, err
}

// noteEventSeq keeps where an event sits in its origin's sequence ("" for
// this counter), so that a record can say which counters have it.
func noteEventSeq(tx *bolt.Tx, eventID, origin string, seq uint64) error {
	b := tx.Bucket(bEventSeq)
	if b == nil {
		return nil // a store opened read-only, from before it
	}
	return b.Put([]byte(eventID), lanKey(origin, seq))
}

// EventReach is where a record's last event is: made here (Own) or by
// another device (Origin), its sequence there, and whether this counter
// still has it to send to the province (Pending; own events only). Known
// is false for an event that came from the backend.
type EventReach struct {
	Known   bool
	Own     bool
	Origin  string
	Seq     uint64
	Pending bool
}

// Reach says where a record's last event is (EventReach).
func (s *Store) Reach(eventID string) EventReach {
	var r EventReach
	_ = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bEventSeq)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(eventID))
		i := bytes.IndexByte(v, 0)
		if v == nil || i < 0 || len(v) != i+9 {
			return nil
		}
		r.Known, r.Origin, r.Seq = true, string(v[:i]), be64(v[i+1:])
		if r.Origin == "" {
			r.Own, r.Origin = true, s.ownDevice(tx)
			r.Pending = tx.Bucket(bOutbox).Get(u64(r.Seq)) != nil
		}
		return nil
	})
	return r
}

// AdoptServerCopy replaces this counter's copy of a record by the
// backend's, whose verdict prevails (the events that could not apply here
// stay on the attention list).
func (s *Store) AdoptServerCopy(r *dossier.Record) error {
	if err := dossier.CheckRecord(r); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		old, err := getRecord(tx, r.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := dropFold(tx, r.ID); err != nil {
			return err
		}
		return s.putRecord(tx, r, old)
	})
}

// HasEvent says whether a record here holds an event.
func (s *Store) HasEvent(recordID, eventID string) bool {
	r, err := s.Get(recordID)
	return err == nil && r.HasEvent(eventID)
}
