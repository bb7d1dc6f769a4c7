package storage

// The outbox: every event a clerk's action makes waits here, in order, until
// the backend has it. Entries go pending → sending → acked (then into the
// sent journal, sent.go) or needs_attention.

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// OutboxState is where an outbox entry is in being sent.
type OutboxState string

// Outbox states: pending → sending → acked | needs_attention.
const (
	OutboxPending   OutboxState = "pending"
	OutboxSending   OutboxState = "sending"
	OutboxAcked     OutboxState = "acked"
	OutboxAttention OutboxState = "needs_attention"
)

// OutboxEntry is one event waiting to reach the provincial backend.
type OutboxEntry struct {
	Seq       uint64        `json:"seq"`
	Event     dossier.Event `json:"event"`
	State     OutboxState   `json:"state"`
	Attempts  int           `json:"attempts,omitempty"`
	LastError string        `json:"last_error,omitempty"`
	// Sig is the event's bytes as stored, signed with the counter's
	// office-network key when it was saved (none before the counter had
	// one): what the office network passes on (lan.go). An entry whose
	// event is encoded again drops it.
	Sig []byte `json:"sig,omitempty"`
}

func (s *Store) enqueue(tx *bolt.Tx, e dossier.Event) error {
	if err := addCount(tx, kPendingN, 1); err != nil {
		return err
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var sig []byte
	if key, _ := lanSelf(tx); key != nil {
		sig = ed25519.Sign(key, raw)
	}
	out := tx.Bucket(bOutbox)
	seq, err := out.NextSequence()
	if err != nil {
		return err
	}
	data, err := outgoingEntry{Seq: seq, Event: raw, State: OutboxPending, Sig: sig}.encode()
	if err != nil {
		return err
	}
	if err := out.Put(u64(seq), data); err != nil {
		return err
	}
	return noteEventSeq(tx, e.ID, "", out.Sequence())
}

// PendingBatch returns up to n outbox entries to send, in order: pending
// ones and ones left "sending" by a crash (the server dedupes them).
func (s *Store) PendingBatch(n int) ([]OutboxEntry, error) { return s.PendingAfter(0, n, 0) }

// PendingAfter is OutgoingAfter with the events decoded.
func (s *Store) PendingAfter(after uint64, n, maxBytes int) ([]OutboxEntry, error) {
	gone, err := s.OutgoingAfter(after, n, maxBytes)
	out := make([]OutboxEntry, len(gone))
	for i, g := range gone {
		out[i] = OutboxEntry{Seq: g.Seq, State: g.State, Attempts: g.Attempts, LastError: g.lastErr}
		if err := json.Unmarshal(g.Event, &out[i].Event); err != nil {
			return nil, err
		}
	}
	return out, err
}

// Outgoing is an outbox entry on its way to the backend: its event as the
// counter stored it, never decoded (a push sends those bytes as they are).
type Outgoing struct {
	Seq      uint64
	ID       string          // the event's id
	Event    json.RawMessage // the event's bytes as stored
	State    OutboxState     // pending, or sending (left so by a crash)
	Attempts int
	lastErr  string // why it was sent back last time, kept while it is sent again
	sig      []byte // OutboxEntry.Sig
}

// outgoingEntry is an outbox entry with its event left as bytes.
type outgoingEntry struct {
	Seq       uint64          `json:"seq"`
	Event     json.RawMessage `json:"event"`
	State     OutboxState     `json:"state"`
	Attempts  int             `json:"attempts,omitempty"`
	LastError string          `json:"last_error,omitempty"`
	Sig       []byte          `json:"sig,omitempty"`
}

// encode is the entry's JSON with its event's bytes put in as they are:
// json.Marshal would scan them all again to check and compact them (the
// event was encoded by json.Marshal, and read back from the outbox).
func (e outgoingEntry) encode() ([]byte, error) {
	ev := e.Event
	e.Event = nil
	data, err := json.Marshal(e)
	if err != nil || len(ev) == 0 {
		return data, err
	}
	// a JSON string escapes its quotes: the field is the one "event":null
	i := bytes.Index(data, []byte(`"event":null`))
	if i < 0 {
		return nil, fmt.Errorf("storage: outbox entry %d without its event field", e.Seq)
	}
	at := i + len(`"event":`)
	out := make([]byte, 0, len(data)+len(ev))
	out = append(append(append(out, data[:at]...), ev...), data[at+len("null"):]...)
	return out, nil
}

// decodeOutgoing reads an outbox entry. One that encode wrote is read
// without scanning its event: the event ends where its braces close
// (strings skipped), and only the few fields after it are decoded. That
// scan was most of what a counter spent preparing a push (the event was
// checked, then skipped, by encoding/json). Any other encoding is decoded
// whole.
func decodeOutgoing(v []byte) (outgoingEntry, error) {
	var e outgoingEntry
	if rest, ok := bytes.CutPrefix(v, []byte(`{"seq":`)); ok {
		digits := 0
		for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
			digits++
		}
		seq, err := strconv.ParseUint(string(rest[:digits]), 10, 64)
		ev, ok := bytes.CutPrefix(rest[digits:], []byte(`,"event":`))
		if n := objectEnd(ev); ok && err == nil && n > 0 && n < len(ev) && ev[n] == ',' {
			tail := append([]byte{'{'}, ev[n+1:]...) // the fields after the event, as an object
			if json.Unmarshal(tail, &e) == nil {
				e.Seq, e.Event = seq, ev[:n]
				return e, nil
			}
			e = outgoingEntry{}
		}
	}
	err := json.Unmarshal(v, &e)
	return e, err
}

// objectEnd is the length of the JSON object b starts with, found by
// matching its braces and brackets outside strings (its content is not
// checked); 0 when b does not start with a whole object.
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return 0
	}
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++ // the escaped byte
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return 0
}

// eventID is the id of an event encoded by json.Marshal, its first field
// (read without decoding the rest); any other encoding is decoded.
func eventID(ev []byte) (string, error) {
	if rest, ok := bytes.CutPrefix(ev, []byte(`{"id":"`)); ok {
		if end := bytes.IndexByte(rest, '"'); end >= 0 && bytes.IndexByte(rest[:end], '\\') < 0 {
			return string(rest[:end]), nil
		}
	}
	var id struct {
		ID string `json:"id"`
	}
	err := json.Unmarshal(ev, &id)
	return id.ID, err
}

// OutgoingAfter is what the next push sends: up to n entries after the
// sequence after, pending or left "sending" by a crash (the backend
// dedupes them), of at most about maxBytes as stored (0: no bound) but at
// least one entry: a batch of a few large records must not grow past what
// the backend takes.
func (s *Store) OutgoingAfter(after uint64, n, maxBytes int) ([]Outgoing, error) {
	var out []Outgoing
	size := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < n; k, v = c.Next() {
			if maxBytes > 0 && len(out) > 0 && size+len(v) > maxBytes {
				break
			}
			e, err := decodeOutgoing(v)
			if err != nil {
				return fmt.Errorf("storage: outbox entry %d: %w", be64(k), err)
			}
			if e.State != OutboxPending && e.State != OutboxSending {
				continue
			}
			id, err := eventID(e.Event)
			if err != nil {
				return fmt.Errorf("storage: outbox entry %d: %w", be64(k), err)
			}
			// the bytes are bbolt's, valid only in this transaction
			out = append(out, Outgoing{Seq: e.Seq, ID: id, Event: bytes.Clone(e.Event), State: e.State, Attempts: e.Attempts, lastErr: e.LastError, sig: e.Sig})
			size += len(v)
		}
		return nil
	})
	return out, err
}

// MarkSending records, before a request goes out, that these entries are
// being sent.
func (s *Store) MarkSending(entries []Outgoing) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bOutbox)
		for i := range entries {
			entries[i].Attempts++
			entries[i].State = OutboxSending
			e := outgoingEntry{Seq: entries[i].Seq, Event: entries[i].Event, State: OutboxSending, Attempts: entries[i].Attempts,
				LastError: entries[i].lastErr, Sig: entries[i].sig}
			data, err := e.encode()
			if err != nil {
				return err
			}
			if err := b.Put(u64(e.Seq), data); err != nil {
				return err
			}
		}
		return nil
	})
}

// PushOutcome is the server's verdict on one outbox entry.
type PushOutcome struct {
	Seq      uint64
	Accepted bool            // accepted, or a duplicate of an accepted event
	Wait     bool            // the backend lacks an event this one follows: sent again later
	Reason   string          // when not accepted
	Server   *dossier.Record // the server's copy, on conflict
	// Account is the server's copy of an account whose change it refused.
	Account *dossier.Account
}

// ApplyPushResults settles a sent batch in one transaction: accepted
// entries leave the outbox; refused ones are marked needs_attention, kept
// in the attention list with the server's reason, and the local record
// takes the server's copy (the refused action stays visible there).
//
// Accepted events are kept in the sent journal (see sent.go) until
// SentRetention has passed, so that a backend restored from an older
// backup can be given them again. held is what the backend said it holds
// of this device (its generation and highest sequence).
func (s *Store) ApplyPushResults(outcomes []PushOutcome, held Held) error {
	return s.update(func(tx *bolt.Tx) error {
		if err := s.settle(tx, outcomes); err != nil {
			return err
		}
		return noteHeld(tx, held)
	})
}

func (s *Store) settle(tx *bolt.Tx, outcomes []PushOutcome) error {
	b, sent := tx.Bucket(bOutbox), tx.Bucket(bSent)
	now := s.now()
	folds := foldsOpen(tx)
	for _, o := range outcomes {
		key := u64(o.Seq)
		v := b.Get(key)
		if v == nil {
			continue // settled by an earlier answer
		}
		if o.Wait {
			if err := waitAgain(b, key, v); err != nil {
				return err
			}
			continue
		}
		if err := addCount(tx, kPendingN, -1); err != nil {
			return err
		}
		if folds { // the backend has spoken of the record: its order prevails
			if err := dropFoldOf(tx, v); err != nil {
				return err
			}
		}
		if o.Accepted {
			if err := journal(sent, key, v, now); err != nil {
				return err
			}
			if err := b.Delete(key); err != nil {
				return err
			}
			continue
		}
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if err := restate(b, key, v, OutboxAttention, o.Reason); err != nil {
			return err
		}
		if e.Event.Type == dossier.EvAccount {
			if err := takeServerAccount(tx, o.Account); err != nil {
				return err
			}
		}
		code := ""
		if e.Event.Type == dossier.EvAccount || e.Event.Type == dossier.EvGuided {
			o.Server = nil // they are of no record
		}
		if old, err := getRecord(tx, e.Event.RecordID); err == nil {
			code = old.Code
			if o.Server != nil && o.Server.ID == old.ID {
				if err := s.putRecord(tx, o.Server, old); err != nil {
					return err
				}
			}
		} else if o.Server != nil {
			code = o.Server.Code
		}
		if err := s.addAttention(tx, Attention{RecordID: e.Event.RecordID, Code: code, Event: e.Event, Reason: o.Reason, Server: o.Server}); err != nil {
			return err
		}
		if err := s.audit(tx, AuditEntry{Actor: "sync", Action: "conflict", RecordID: e.Event.RecordID, Code: code, Detail: string(e.Event.Type)}); err != nil {
			return err
		}
	}
	return nil
}

// countPending scans the outbox for entries waiting to be sent.
// waitAgain puts an entry the backend could not take yet back to pending.
func waitAgain(b *bolt.Bucket, key, v []byte) error {
	return restate(b, key, v, OutboxPending, "chờ sự kiện trước của hồ sơ đến máy chủ")
}

// restate changes an outbox entry's state, its event's bytes (and so
// their signature) kept as they are.
func restate(b *bolt.Bucket, key, v []byte, state OutboxState, why string) error {
	e, err := decodeOutgoing(v)
	if err != nil {
		return err
	}
	e.State, e.LastError = state, why
	data, err := e.encode()
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func countPending(tx *bolt.Tx) (int, error) {
	n := 0
	err := tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
		e, err := decodeOutgoing(v)
		if err != nil {
			return err
		}
		if e.State == OutboxPending || e.State == OutboxSending {
			n++
		}
		return nil
	})
	return n, err
}

// Outbox lists outbox entries in order, up to limit.
func (s *Store) Outbox(limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
