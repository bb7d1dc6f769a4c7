package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/account"
	"motcua/dossier"
)

// Actor is who the store's writes are by: the signed-in person's
// username (in the data) and full name (on paper).
type Actor struct {
	Username string
	Name     string
}

// SetActor says who is signed in; the zero Actor means nobody, and writes
// fall back to the set-up's clerk name (files from before accounts, tests
// of the lower layers).
func (s *Store) SetActor(a Actor) { s.who.Store(&a) }

// ActorID is who the store's writes are by: the signed-in username, or
// the set-up's clerk name when nobody is.
func (s *Store) ActorID() string {
	id, _ := s.actor()
	return id
}

// actor is the current actor's username and name.
func (s *Store) actor() (id, name string) {
	if a := s.who.Load(); a != nil && a.Username != "" {
		return a.Username, a.Name
	}
	c := s.Settings().Clerk
	return c, ""
}

// counterOf is where and by whom an intake or guidance happens.
func (s *Store) counterOf(set Settings) dossier.Counter {
	ctr := dossier.Counter{UnitCode: set.UnitCode, Number: set.Counter, Clerk: set.Clerk}
	if a := s.who.Load(); a != nil && a.Username != "" {
		ctr.Clerk, ctr.ClerkID = a.Name, a.Username
	}
	return ctr
}

// Accounts lists the unit's accounts by username.
func (s *Store) Accounts() ([]dossier.Account, error) {
	var out []dossier.Account
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAccounts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var a dossier.Account
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// Account reads one account (ErrNotFound when there is none).
func (s *Store) Account(username string) (*dossier.Account, error) {
	var a *dossier.Account
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		a, err = getAccount(tx, username)
		return err
	})
	if err == nil && a == nil {
		err = ErrNotFound
	}
	return a, err
}

// HasAccounts says whether the unit has any account yet.
func (s *Store) HasAccounts() bool {
	has := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bAccounts); b != nil {
			k, _ := b.Cursor().First()
			has = k != nil
		}
		return nil
	})
	return has
}

func getAccount(tx *bolt.Tx, username string) (*dossier.Account, error) {
	b := tx.Bucket(bAccounts)
	if b == nil {
		return nil, nil
	}
	v := b.Get([]byte(username))
	if v == nil {
		return nil, nil
	}
	var a dossier.Account
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func putAccount(tx *bolt.Tx, a *dossier.Account, eventID string) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bAccounts).Put([]byte(a.Username), data); err != nil {
		return err
	}
	return tx.Bucket(bAccountEvents).Put([]byte(eventID), []byte(a.Username))
}

// ChangeAccount applies an account change made at this counter (the
// caller has checked the actor's right), with its outbox entry and audit
// line, in one transaction. A change made against a stale stamp is
// refused with dossier.ErrAccountRace.
func (s *Store) ChangeAccount(e dossier.Event) (*dossier.Account, error) {
	var out *dossier.Account
	err := s.clerkUpdate(func(tx *bolt.Tx) error {
		old, err := getAccount(tx, e.RecordID)
		if err != nil {
			return err
		}
		if e.Account != nil && e.Account.Op == dossier.OpCreate && old != nil {
			return dossier.ErrAccountExists
		}
		next, err := dossier.ApplyAccount(old, e, true)
		if err != nil {
			return err
		}
		if err := putAccount(tx, next, e.ID); err != nil {
			return err
		}
		if err := s.enqueue(tx, e); err != nil {
			return err
		}
		out = next
		return s.audit(tx, AuditEntry{Actor: e.Actor, Action: "account_" + string(e.Account.Op), Detail: e.RecordID})
	})
	return out, err
}

// applyRemoteAccount applies a pulled account change in the backend's
// order (already decided there: no race check); it says whether it was
// new here.
func applyRemoteAccount(tx *bolt.Tx, e dossier.Event) (bool, error) {
	if tx.Bucket(bAccountEvents).Get([]byte(e.ID)) != nil {
		return false, nil
	}
	old, err := getAccount(tx, e.RecordID)
	if err != nil {
		return false, err
	}
	next, err := dossier.ApplyAccount(old, e, false)
	if err != nil {
		return false, err
	}
	return true, putAccount(tx, next, e.ID)
}

// takeServerAccount puts the backend's copy of an account in place of
// ours after the backend refused our change to it.
func takeServerAccount(tx *bolt.Tx, a *dossier.Account) error {
	if a == nil || dossier.CheckUsername(a.Username) != nil {
		return nil
	}
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.Bucket(bAccounts).Put([]byte(a.Username), data)
}

// triesKey keys what is remembered of wrong passwords for a username as
// typed: hashed, since a password typed into the username box must not
// be kept.
func triesKey(username string) []byte {
	h := sha256.Sum256([]byte("motcua-signin\x00" + strings.ToLower(username)))
	return h[:16]
}

// Tries is what the counter remembers of wrong passwords for username.
func (s *Store) Tries(username string) account.Tries {
	var t account.Tries
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bSignin); b != nil {
			if v := b.Get(triesKey(username)); v != nil {
				_ = json.Unmarshal(v, &t)
			}
		}
		return nil
	})
	return t
}

// SignedIn notes a sign-in in the audit (by a known username, or as
// failed) and counts wrong passwords in a row: a success clears them.
// What a failure is audited under never shows what was typed unless it is
// an account's username.
func (s *Store) SignedIn(username string, known, ok bool, at time.Time) (account.Tries, error) {
	var t account.Tries
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSignin)
		k := triesKey(username)
		if v := b.Get(k); v != nil {
			_ = json.Unmarshal(v, &t)
		}
		who := username
		if !known {
			who = "?"
		}
		if ok {
			t = account.Tries{}
			if err := b.Delete(k); err != nil {
				return err
			}
			return s.audit(tx, AuditEntry{Actor: who, Action: "signin", At: at})
		}
		t.Failed++
		t.Last = at
		data, _ := json.Marshal(t)
		if err := b.Put(k, data); err != nil {
			return err
		}
		return s.audit(tx, AuditEntry{Actor: who, Action: "signin_failed", Detail: fmt.Sprintf("%d", t.Failed), At: at})
	})
	return t, err
}

// Audit notes something done that leaves no other trace (signing out,
// locking the screen, a refused action).
func (s *Store) AuditNote(action, detail string) error {
	id, _ := s.actor()
	return s.update(func(tx *bolt.Tx) error { return s.audit(tx, AuditEntry{Actor: id, Action: action, Detail: detail}) })
}

// The audit chain: every entry written since the chain began carries in
// Prev the hash of the entry before it as stored, and meta keeps the hash
// of the last one (the head, sent with every push), so an entry changed,
// removed or put in afterwards breaks the chain where it was touched.

// auditHead is kept in meta: the last entry's sequence and hash, and the
// first entry of the chain (entries before it were written before the
// chain began).
type auditHead struct {
	Seq   uint64 `json:"seq"`
	Hash  string `json:"hash"`
	First uint64 `json:"first"`
}

func entryHash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func readHead(tx *bolt.Tx) (auditHead, bool) {
	var h auditHead
	v := tx.Bucket(bMeta).Get(kAuditHead)
	if v == nil || json.Unmarshal(v, &h) != nil {
		return h, false
	}
	return h, true
}

func (s *Store) audit(tx *bolt.Tx, a AuditEntry) error {
	if a.At.IsZero() {
		a.At = s.now()
	}
	b := tx.Bucket(bAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	if s.noChain {
		a.Seq = seq
		data, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return b.Put(u64(seq), data)
	}
	head, ok := readHead(tx)
	if !ok {
		head = auditHead{First: seq}
	}
	a.Seq, a.Prev = seq, head.Hash
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := b.Put(u64(seq), data); err != nil {
		return err
	}
	head.Seq, head.Hash = seq, entryHash(data)
	hd, _ := json.Marshal(head)
	return tx.Bucket(bMeta).Put(kAuditHead, hd)
}

// AuditHead is the audit chain's head: the last entry's sequence and hash
// (zero before the first entry).
func (s *Store) AuditHead() (seq uint64, hash string) {
	_ = s.db.View(func(tx *bolt.Tx) error {
		h, _ := readHead(tx)
		seq, hash = h.Seq, h.Hash
		return nil
	})
	return seq, hash
}

// ErrAuditBroken says the audit chain does not hold: an entry was changed,
// removed or added outside the program.
var ErrAuditBroken = errors.New("nhật ký thao tác đã bị sửa ngoài chương trình")

// AuditBreak names the first audit entry that does not match the chain.
type AuditBreak struct {
	Seq uint64 // the entry changed (or the first after one removed)
	Why string
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("%v: mục %d (%s)", ErrAuditBroken, b.Seq, b.Why)
}
func (b *AuditBreak) Unwrap() error { return ErrAuditBroken }

// checkAudit walks the chain from its first entry and says where it first
// breaks (nil when it holds).
func checkAudit(tx *bolt.Tx) *AuditBreak {
	head, ok := readHead(tx)
	if !ok {
		return nil // no entry written since the chain began
	}
	c := tx.Bucket(bAudit).Cursor()
	prev, want := "", head.First
	var last uint64
	for k, v := c.Seek(u64(head.First)); k != nil; k, v = c.Next() {
		seq := be64(k)
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return &AuditBreak{Seq: seq, Why: "không đọc được"}
		}
		switch {
		case seq != want:
			return &AuditBreak{Seq: want, Why: "mục bị xóa"}
		case e.Seq != seq:
			return &AuditBreak{Seq: seq, Why: "số thứ tự bị đổi"}
		case e.Prev != prev:
			// the entry before was changed, or this one's link was
			return &AuditBreak{Seq: max(head.First, seq-1), Why: "nội dung bị sửa"}
		}
		prev, last, want = entryHash(v), seq, seq+1
	}
	switch {
	case last != head.Seq:
		return &AuditBreak{Seq: min(last+1, head.Seq), Why: "mục bị xóa"}
	case prev != head.Hash:
		return &AuditBreak{Seq: last, Why: "nội dung bị sửa"}
	}
	return nil
}

// AuditFilter chooses audit entries.
type AuditFilter struct {
	From, To time.Time // To exclusive; zero: open
	Person   string
	Action   string // an action, or a prefix ending in "_" ("account_")
	Record   string // a record id or code
}

func (f AuditFilter) match(e *AuditEntry) bool {
	switch {
	case !f.From.IsZero() && e.At.Before(f.From), !f.To.IsZero() && !e.At.Before(f.To):
		return false
	case f.Person != "" && !strings.EqualFold(e.Actor, f.Person):
		return false
	case f.Action != "" && e.Action != f.Action && !(strings.HasSuffix(f.Action, "_") && strings.HasPrefix(e.Action, f.Action)):
		return false
	case f.Record != "" && e.RecordID != f.Record && !strings.EqualFold(e.Code, f.Record):
		return false
	}
	return true
}

// AuditWhere lists audit entries that match, newest first, up to limit.
func (s *Store) AuditWhere(f AuditFilter, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if f.match(&e) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}
