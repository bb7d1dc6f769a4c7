// Package server is the reference provincial backend of Một Cửa: the sync
// protocol's HTTP API (docs/protocol.md) over a Store. The embedded store
// is bbolt, for a pilot; a province runs the same API on PostgreSQL by
// implementing Store.
package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/internal/boltfile"
	"motcua/sync/wire"
)

// PrincipalKind says who holds a token.
type PrincipalKind string

// Principal kinds.
const (
	KindDevice  PrincipalKind = "device"  // a counter
	KindOfficer PrincipalKind = "officer" // the processing side
	// KindPortal is a portal that hands the backend files filed online
	// (the province's portal, or DVCQG's inbound channel).
	KindPortal PrincipalKind = "portal"
)

// ValidServiceKind says whether tokens of kind k are made by an
// administrator for a unit (devices get theirs by enrolling).
func ValidServiceKind(k PrincipalKind) bool { return k == KindOfficer || k == KindPortal }

// ErrTokenKind says a token of another kind than officer or portal was asked for.
var ErrTokenKind = errors.New("loại mã xác thực phải là officer hoặc portal")

// Principal is an authenticated caller; everything it does is scoped to
// its unit.
type Principal struct {
	Kind     PrincipalKind `json:"kind"`
	DeviceID string        `json:"device_id,omitempty"`
	Unit     string        `json:"unit"`
	Counter  int           `json:"counter,omitempty"`
	Revoked  bool          `json:"revoked,omitempty"`
}

// Errors of the store, mapped to HTTP statuses by the handler.
var (
	ErrUnauthorized = errors.New("mã xác thực không hợp lệ hoặc đã bị thu hồi")
	ErrBadCode      = errors.New("mã đăng ký không hợp lệ hoặc đã được sử dụng")
	// ErrCounterTaken: a unit's counter number has an active device
	// already; two devices with one number would issue the same record
	// codes offline.
	ErrCounterTaken = errors.New("quầy này của đơn vị đã có một thiết bị đang hoạt động; hai thiết bị cùng số quầy sẽ cấp trùng mã hồ sơ. Hãy thu hồi thiết bị cũ (motcua-server revoke) hoặc cấp mã cho số quầy khác")
	ErrGone         = errors.New("con trỏ đồng bộ không còn hợp lệ, cần đồng bộ lại từ đầu")
	ErrNotFound     = errors.New("không tìm thấy")
	ErrLocked       = errors.New("tệp dữ liệu của máy chủ đang được một tiến trình khác sử dụng")
	ErrNewerSchema  = errors.New("tệp dữ liệu của máy chủ do phiên bản mới hơn tạo ra; hãy cập nhật máy chủ")
)

// RewoundError says the store holds fewer of a device's events than the
// device was told it does: the store was restored from an older backup (or
// rebuilt). The device re-sends what is missing and pulls the unit again.
type RewoundError struct{ State wire.State }

func (e *RewoundError) Error() string {
	return fmt.Sprintf("máy chủ đã được khôi phục từ bản sao lưu cũ hơn (thế hệ %s, giữ đến sự kiện %d của thiết bị)", e.State.Generation, e.State.DeviceHigh)
}

// Store is what the backend keeps. Push commits a batch in one
// transaction and dedupes by event id under a unique key.
type Store interface {
	NewEnrollCode(unit string, counter int) (string, error)
	// Enroll spends a one-time code; the same code again from the same
	// installation (its answer was lost) gets the same device and a new
	// token, the old one no longer working.
	Enroll(req wire.EnrollRequest) (wire.EnrollResponse, error)
	NewToken(kind PrincipalKind, unit string) (string, error)
	Authenticate(token string) (Principal, error)
	Revoke(deviceID string) error
	// Push refuses a device's batch with a *RewoundError, applying
	// nothing, when the store holds less of the device's events than the
	// device was told (req.Acked): it was restored from an older backup.
	Push(p Principal, req wire.PushRequest) (wire.PushResponse, error)
	// Pull refuses with ErrGone a cursor the store did not issue: beyond
	// its log, or whose check names another event (a restored store whose
	// log grew again past the cursor).
	Pull(p Principal, after uint64, check string, limit int) (wire.RawPullResponse, error)
	// State is the store's generation and what it holds of a device.
	State(p Principal) (wire.State, error)
	Reference() (wire.Reference, error)
	SetReference(catalog, calendar []byte) error
	Export(unit string, fn func(*dossier.Record) error) error
	// ReserveLetters gives a device a run of its unit's register of
	// outgoing documents for a year (the same request id, the same run).
	ReserveLetters(p Principal, req wire.LetterRequest) (wire.LetterBlock, error)
	// RecordByCode finds a unit's record by its code (nil, nil: none), for
	// the public lookup page.
	RecordByCode(unit, code string) (*dossier.Record, error)
	// Record is a unit's record by its id (nil, nil: none).
	Record(unit, id string) (*dossier.Record, error)
	// PutFile keeps a file filed online for a unit, by its SHA-256 (the
	// same file again is kept once); File gives it back (ErrNotFound).
	PutFile(unit string, data []byte) (sha string, err error)
	File(unit, sha string) ([]byte, error)
	Close() error
}

var (
	bMeta        = []byte("meta")
	bCodes       = []byte("enroll_codes")
	bPrincipals  = []byte("principals")     // sha256(token) → Principal
	bDevices     = []byte("devices")        // device id → token hash
	bEvents      = []byte("events")         // event id → eventResult
	bLog         = []byte("log")            // unit·seq → event
	bRecords     = []byte("records")        // unit·record id → record
	bDeviceHigh  = []byte("device_high")    // device id → highest device sequence held (u64)
	bSeqCheck    = []byte("seq_check")      // seq (u64) → wire.CursorCheck of the event there
	bRecordCodes = []byte("record_codes")   // unit·record code → record id
	bGuidance    = []byte("guidance")       // unit·guidance id → guidance given before receipt
	bPortal      = []byte("portal")         // seq (u64) → PortalItem waiting for DVCQG
	bPortalNo    = []byte("portal_refused") // seq (u64) → PortalItem DVCQG refused
	bFiles       = []byte("files")          // unit·sha256 → a file filed online
	buckets      = [][]byte{bMeta, bCodes, bPrincipals, bDevices, bEvents, bLog, bRecords, bDeviceHigh, bSeqCheck, bRecordCodes, bGuidance}
	kReference   = []byte("reference")
	kSchema      = []byte("schema")
	kGeneration  = []byte("generation")
)

type enrollCode struct {
	Unit    string `json:"unit"`
	Counter int    `json:"counter"`
	Used    bool   `json:"used"`
	// who spent it: a retry from the same installation is answered again
	Install string `json:"install,omitempty"`
	Device  string `json:"device,omitempty"`
}

// BoltStore is the embedded Store.
type BoltStore struct {
	db  *bolt.DB
	cal atomic.Pointer[dossier.Calendar] // replaced by SetReference while pushes read it
	now func() time.Time
}

// OpenBolt opens (or creates) the backend's store in dir. defaultCatalog
// and defaultCalendar seed the reference data on first run.
func OpenBolt(dir string, defaultCatalog, defaultCalendar []byte) (*BoltStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := boltfile.Open(filepath.Join(dir, "motcua-server.db"), boltfile.Options{})
	if errors.Is(err, boltfile.ErrLocked) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, err
	}
	s := &BoltStore{db: db, now: time.Now}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrate(tx, defaultCatalog, defaultCalendar); err != nil {
			return err
		}
		// a bucket added without a schema step (a migration would give
		// the store a new generation, and every counter would pull again)
		for _, b := range [][]byte{bGuidance, bAccounts, bAuditHeads, bLetterNext, bLetterReq, bLetterUsed, bPortal, bPortalNo, bFiles, bLANKeys} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return refreshShipped(tx, defaultCatalog, defaultCalendar)
	})
	if err == nil {
		err = s.loadCalendar()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// serverMigrations[i] brings the store's schema from i to i+1. Append
// only. A store that ran any of them gets a new generation: a rebuilt or
// migrated store is, to the counters, another store.
var serverMigrations = []func(tx *bolt.Tx, catalog, calendar []byte) error{
	// 0 → 1: the buckets and the reference data.
	func(tx *bolt.Tx, catalog, calendar []byte) error {
		for _, b := range buckets[:7] {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if tx.Bucket(bMeta).Get(kReference) == nil {
			return putReference(tx, catalog, calendar)
		}
		return nil
	},
	// 1 → 2: per-device high sequences and cursor checks (docs/protocol.md,
	// "Restores"); the checks of the log already there are computed.
	func(tx *bolt.Tx, _, _ []byte) error {
		for _, b := range [][]byte{bDeviceHigh, bSeqCheck, bRecordCodes} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		codes := tx.Bucket(bRecordCodes)
		err := tx.Bucket(bRecords).ForEach(func(k, v []byte) error {
			var r dossier.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			return codes.Put(unitKey(r.UnitCode, r.Code), []byte(r.ID))
		})
		if err != nil {
			return err
		}
		checks := tx.Bucket(bSeqCheck)
		return tx.Bucket(bLog).ForEach(func(k, v []byte) error {
			var e struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			return checks.Put(clone(k[len(k)-8:]), []byte(wire.CursorCheck(e.ID)))
		})
	},
}

// ServerSchemaVersion is the schema this build writes.
func ServerSchemaVersion() int { return len(serverMigrations) }

func migrate(tx *bolt.Tx, catalog, calendar []byte) error {
	meta, err := tx.CreateBucketIfNotExists(bMeta)
	if err != nil {
		return err
	}
	have := 0
	if v := meta.Get(kSchema); len(v) == 8 {
		have = int(binary.BigEndian.Uint64(v))
	} else if meta.Get(kReference) != nil {
		have = 1 // a store from before schema versions
	}
	if have > len(serverMigrations) {
		return ErrNewerSchema
	}
	if have == len(serverMigrations) && meta.Get(kGeneration) != nil {
		return nil
	}
	for i := have; i < len(serverMigrations); i++ {
		if err := serverMigrations[i](tx, catalog, calendar); err != nil {
			return fmt.Errorf("server: migration %d→%d: %w", i, i+1, err)
		}
	}
	if err := meta.Put(kSchema, binary.BigEndian.AppendUint64(nil, uint64(len(serverMigrations)))); err != nil {
		return err
	}
	return newGeneration(tx)
}

// newGeneration gives the store a new identity (at creation, after a
// migration, after a restore).
func newGeneration(tx *bolt.Tx) error {
	return tx.Bucket(bMeta).Put(kGeneration, []byte(newGenerationText()))
}

// newGenerationText is a new store identity: the day and a random part.
func newGenerationText() string {
	return time.Now().UTC().Format("20060102") + "-" + randomToken(6)
}

// Generation is the store's current identity.
func (s *BoltStore) Generation() string {
	var g string
	_ = s.db.View(func(tx *bolt.Tx) error { g = string(tx.Bucket(bMeta).Get(kGeneration)); return nil })
	return g
}

func (s *BoltStore) loadCalendar() error {
	ref, err := s.Reference()
	if err != nil {
		return err
	}
	cal, err := dossier.ParseCalendar(ref.Calendar)
	if err != nil {
		return fmt.Errorf("server: stored calendar: %w", err)
	}
	s.cal.Store(cal)
	return nil
}

// Close closes the file.
func (s *BoltStore) Close() error { return s.db.Close() }

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return []byte(hex.EncodeToString(h[:]))
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS has no randomness: nothing safe can be done
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// crockford is Crockford's base32 alphabet: no I, L, O or U to misread.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewEnrollCodeText makes a code of 16 symbols of Crockford base32 (80
// bits), in four groups: XXXX-XXXX-XXXX-XXXX.
func NewEnrollCodeText() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS has no randomness: nothing safe can be done
	}
	var out strings.Builder
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(crockford[v&31]) // 5 random bits a symbol
	}
	return out.String()
}

// normalizeCode reads a typed code as Crockford base32 does: case and
// dashes do not matter, O is 0, I and L are 1.
func normalizeCode(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	code = strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1").Replace(code)
	if len(code) == 16 {
		code = code[0:4] + "-" + code[4:8] + "-" + code[8:12] + "-" + code[12:16]
	}
	return code
}

// NewEnrollCode makes a one-time code for a counter of a unit.
func (s *BoltStore) NewEnrollCode(unit string, counter int) (string, error) {
	if err := checkCounter(unit, counter); err != nil {
		return "", err
	}
	code := NewEnrollCodeText()
	data, _ := json.Marshal(enrollCode{Unit: unit, Counter: counter})
	return code, s.db.Update(func(tx *bolt.Tx) error {
		if dev := activeDevice(tx, unit, counter); dev != "" {
			return fmt.Errorf("%w (%s)", ErrCounterTaken, dev)
		}
		return tx.Bucket(bCodes).Put(hashToken(code), data)
	})
}

// checkCounter refuses an enrollment code for a malformed unit or counter.
func checkCounter(unit string, counter int) error {
	if e := dossier.ValidateUnitCode(unit); e != nil {
		return e
	}
	if counter < 1 || counter > dossier.MaxCounter {
		return fmt.Errorf("server: counter must be 1..%d", dossier.MaxCounter)
	}
	return nil
}

// DeviceFor is the active device of a unit's counter, "" when none.
func (s *BoltStore) DeviceFor(unit string, counter int) string {
	var id string
	_ = s.db.View(func(tx *bolt.Tx) error { id = activeDevice(tx, unit, counter); return nil })
	return id
}

// activeDevice is the device enrolled and not revoked for a unit's
// counter, "" when there is none.
func activeDevice(tx *bolt.Tx, unit string, counter int) string {
	principals := tx.Bucket(bPrincipals)
	found := ""
	_ = tx.Bucket(bDevices).ForEach(func(id, th []byte) error {
		var p Principal
		if json.Unmarshal(principals.Get(th), &p) == nil && !p.Revoked && p.Unit == unit && p.Counter == counter {
			found = string(id)
		}
		return nil
	})
	return found
}

// Enroll spends a code and creates the device and its token. The same
// code from the same installation again (the first answer was lost) gets
// the same device with a new token; the first token stops working.
func (s *BoltStore) Enroll(req wire.EnrollRequest) (wire.EnrollResponse, error) {
	var resp wire.EnrollResponse
	err := s.db.Update(func(tx *bolt.Tx) error {
		key := hashToken(normalizeCode(req.Code))
		v := tx.Bucket(bCodes).Get(key)
		var ec enrollCode
		if v == nil || json.Unmarshal(v, &ec) != nil {
			return ErrBadCode
		}
		devices, principals := tx.Bucket(bDevices), tx.Bucket(bPrincipals)
		retry := ec.Used && req.InstallID != "" && ec.Install == req.InstallID && ec.Device != ""
		if ec.Used && !retry {
			return ErrBadCode
		}
		if !retry && activeDevice(tx, ec.Unit, ec.Counter) != "" {
			return ErrCounterTaken // the code stays unused: revoke the old device, then enroll
		}
		resp = wire.EnrollResponse{DeviceID: "dev-" + randomToken(9), UnitCode: ec.Unit, CounterNo: ec.Counter, Token: randomToken(32)}
		if retry {
			old := devices.Get([]byte(ec.Device))
			if old == nil {
				return ErrBadCode
			}
			var p Principal
			if err := json.Unmarshal(principals.Get(old), &p); err != nil || p.Revoked {
				return ErrBadCode
			}
			if err := principals.Delete(clone(old)); err != nil {
				return err
			}
			resp.DeviceID = ec.Device
		}
		ec.Used, ec.Install, ec.Device = true, req.InstallID, resp.DeviceID
		data, _ := json.Marshal(ec)
		if err := tx.Bucket(bCodes).Put(key, data); err != nil {
			return err
		}
		p := Principal{Kind: KindDevice, DeviceID: resp.DeviceID, Unit: ec.Unit, Counter: ec.Counter}
		pdata, _ := json.Marshal(p)
		th := hashToken(resp.Token)
		if err := principals.Put(th, pdata); err != nil {
			return err
		}
		return devices.Put([]byte(resp.DeviceID), th)
	})
	if err == nil {
		resp.State, _ = s.State(Principal{Kind: KindDevice, DeviceID: resp.DeviceID})
	}
	return resp, err
}

// NewToken makes a token for the processing side of a unit
// (KindOfficer) or for a portal that files online for it (KindPortal).
func (s *BoltStore) NewToken(kind PrincipalKind, unit string) (string, error) {
	if e := dossier.ValidateUnitCode(unit); e != nil {
		return "", e
	}
	if !ValidServiceKind(kind) {
		return "", ErrTokenKind
	}
	tok := randomToken(32)
	data, _ := json.Marshal(Principal{Kind: kind, Unit: unit})
	return tok, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bPrincipals).Put(hashToken(tok), data) })
}

// Authenticate finds the principal of a token.
func (s *BoltStore) Authenticate(token string) (Principal, error) {
	var p Principal
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bPrincipals).Get(hashToken(token))
		if v == nil || json.Unmarshal(v, &p) != nil || p.Revoked {
			return ErrUnauthorized
		}
		return nil
	})
	return p, err
}

// Revoke stops a device's token from working.
func (s *BoltStore) Revoke(deviceID string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		th := tx.Bucket(bDevices).Get([]byte(deviceID))
		if th == nil {
			return ErrNotFound
		}
		var p Principal
		if err := json.Unmarshal(tx.Bucket(bPrincipals).Get(th), &p); err != nil {
			return err
		}
		p.Revoked = true
		data, _ := json.Marshal(p)
		return tx.Bucket(bPrincipals).Put(clone(th), data)
	})
}

var clone = boltfile.Clone

// Record is a unit's record by its id (nil, nil: none).
func (s *BoltStore) Record(unit, id string) (*dossier.Record, error) {
	var r *dossier.Record
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		r, err = boltTx{tx}.record(unit, id)
		return err
	})
	return r, err
}

// PutFile keeps a file filed online for a unit, by its SHA-256.
func (s *BoltStore) PutFile(unit string, data []byte) (string, error) {
	sha := fileSHA(data)
	return sha, s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bFiles)
		if b.Get(unitKey(unit, sha)) != nil {
			return nil
		}
		return b.Put(unitKey(unit, sha), data)
	})
}

// File gives back a unit's file by its SHA-256.
func (s *BoltStore) File(unit, sha string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bFiles).Get(unitKey(unit, sha))
		if v == nil {
			return ErrNotFound
		}
		out = clone(v)
		return nil
	})
	return out, err
}

func unitKey(unit, id string) []byte { return []byte(unit + "\x00" + id) }

func seqKey(unit string, seq uint64) []byte {
	k := make([]byte, len(unit)+1+8)
	copy(k, unit)
	binary.BigEndian.PutUint64(k[len(unit)+1:], seq)
	return k
}

// Push applies a batch in one transaction, in order (pushBatch).
func (s *BoltStore) Push(p Principal, req wire.PushRequest) (wire.PushResponse, error) {
	hashes := eventHashes(req.Events)
	var resp wire.PushResponse
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		resp, err = pushBatch(boltTx{tx}, s.cal.Load(), p, req, hashes)
		return err
	})
	return resp, err
}

// state is the generation and what the store holds of p's events.
func state(tx *bolt.Tx, p Principal) wire.State {
	st := wire.State{Generation: string(tx.Bucket(bMeta).Get(kGeneration))}
	if p.Kind == KindDevice {
		if v := tx.Bucket(bDeviceHigh).Get([]byte(p.DeviceID)); len(v) == 8 {
			st.DeviceHigh = binary.BigEndian.Uint64(v)
		}
	}
	return st
}

// State is the store's generation and what it holds of p's events.
func (s *BoltStore) State(p Principal) (wire.State, error) {
	var st wire.State
	err := s.db.View(func(tx *bolt.Tx) error { st = state(tx, p); return nil })
	return st, err
}

// Pull returns the unit's events after the cursor, in server order, at
// most limit of them and about wire.MaxPageBytes. A cursor the store did
// not issue is ErrGone: beyond its log, or (with check) at a place of the
// log that holds another event than the one the counter was given (the
// store was restored from an older backup and grew again). The client
// then starts again from 0.
func (s *BoltStore) Pull(p Principal, after uint64, check string, limit int) (wire.RawPullResponse, error) {
	unit := p.Unit
	resp := wire.RawPullResponse{Next: after, Events: []wire.RawPulledEvent{}}
	if limit <= 0 || limit > wire.MaxPullLimit {
		limit = wire.MaxPullLimit
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		log, checks := tx.Bucket(bLog), tx.Bucket(bSeqCheck)
		if after > log.Sequence() {
			return ErrGone
		}
		if after > 0 && check != "" && string(checks.Get(binary.BigEndian.AppendUint64(nil, after))) != check {
			return ErrGone
		}
		prefix := []byte(unit + "\x00")
		c := log.Cursor()
		size := 0
		for k, v := c.Seek(seqKey(unit, after+1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(resp.Events) == limit || (len(resp.Events) > 0 && size+len(v) > wire.MaxPageBytes) {
				resp.More = true
				break
			}
			size += len(v)
			seq := binary.BigEndian.Uint64(k[len(prefix):])
			resp.Events = append(resp.Events, wire.RawPulledEvent{Seq: seq, Event: json.RawMessage(clone(v))})
			resp.Next = seq
		}
		if !resp.More {
			// nothing more for this unit: the cursor may skip ahead to the
			// newest sequence, so the next pull starts past other units' events
			resp.Next = max(resp.Next, log.Sequence())
		}
		if resp.Next > 0 {
			resp.NextCheck = string(checks.Get(binary.BigEndian.AppendUint64(nil, resp.Next)))
		}
		ref := tx.Bucket(bMeta).Get(kReference)
		var r wire.Reference
		if json.Unmarshal(ref, &r) == nil {
			resp.ReferenceTag = r.ETag
		}
		resp.State = state(tx, p)
		return nil
	})
	return resp, err
}

func putReference(tx *bolt.Tx, catalog, calendar []byte) error {
	var old wire.Reference // its lookup address stays
	if v := tx.Bucket(bMeta).Get(kReference); v != nil {
		if err := json.Unmarshal(v, &old); err != nil {
			return err
		}
	}
	return putReferenceWith(tx, catalog, calendar, old.LookupURL)
}

func putReferenceWith(tx *bolt.Tx, catalog, calendar []byte, lookup string) error {
	ref, err := makeReference(catalog, calendar, lookup)
	if err != nil {
		return err
	}
	data, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	return tx.Bucket(bMeta).Put(kReference, data)
}

// makeReference checks a catalogue, a calendar and a lookup address and
// tags them: the tag changes when any does, and counters fetch them again.
func makeReference(catalog, calendar []byte, lookup string) (wire.Reference, error) {
	if _, err := dossier.ParseCatalog(catalog); err != nil {
		return wire.Reference{}, err
	}
	if _, err := dossier.ParseCalendar(calendar); err != nil {
		return wire.Reference{}, err
	}
	if err := checkLookupURL(lookup); err != nil {
		return wire.Reference{}, err
	}
	h := sha256.New()
	h.Write(catalog)
	h.Write([]byte{0})
	h.Write(calendar)
	if lookup != "" { // a store without one keeps the tag it had
		h.Write([]byte{0})
		h.Write([]byte(lookup))
	}
	return wire.Reference{ETag: hex.EncodeToString(h.Sum(nil))[:16], Catalog: catalog, Calendar: calendar, LookupURL: lookup}, nil
}

// ErrLookupURL says a lookup address is not one a receipt can carry.
var ErrLookupURL = errors.New("địa chỉ tra cứu phải bắt đầu bằng https:// (hoặc http://) và chứa {code} ở chỗ mã hồ sơ")

func checkLookupURL(u string) error {
	if u != "" && (!strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") || !strings.Contains(u, "{code}") || len(u) > 300) {
		return ErrLookupURL
	}
	return nil
}

// SetLookupURL sets the lookup page's address given to counters ("" for
// none: counters keep their own).
func (s *BoltStore) SetLookupURL(u string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		var ref wire.Reference
		if err := json.Unmarshal(tx.Bucket(bMeta).Get(kReference), &ref); err != nil {
			return err
		}
		return putReferenceWith(tx, ref.Catalog, ref.Calendar, u)
	})
}

// Reference is the catalogue and calendar distributed to counters.
func (s *BoltStore) Reference() (wire.Reference, error) {
	var ref wire.Reference
	err := s.db.View(func(tx *bolt.Tx) error { return json.Unmarshal(tx.Bucket(bMeta).Get(kReference), &ref) })
	return ref, err
}

// SetReference replaces the reference data (validated) and the calendar
// the server applies events with.
func (s *BoltStore) SetReference(catalog, calendar []byte) error {
	if err := s.db.Update(func(tx *bolt.Tx) error { return putReference(tx, catalog, calendar) }); err != nil {
		return err
	}
	return s.loadCalendar()
}

// RecordByCode finds a unit's record by its code (nil, nil: none).
func (s *BoltStore) RecordByCode(unit, code string) (*dossier.Record, error) {
	var r *dossier.Record
	err := s.db.View(func(tx *bolt.Tx) error {
		t := boltTx{tx}
		id, err := t.codeHolder(unit, code)
		if err != nil || id == "" {
			return err
		}
		r, err = t.record(unit, id)
		return err
	})
	return r, err
}

// Export calls fn for every record of a unit ("" for all units).
func (s *BoltStore) Export(unit string, fn func(*dossier.Record) error) error {
	return eachOfUnit(s.db, bRecords, unit, fn)
}

// eachOfUnit decodes every value of a unit's keys (unit·id) in a bucket,
// in key order ("" for all units), and calls fn with it.
func eachOfUnit[T any](db *bolt.DB, bucket []byte, unit string, fn func(*T) error) error {
	return db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		prefix := []byte(unit)
		if unit != "" {
			prefix = []byte(unit + "\x00")
		}
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return err
			}
			if err := fn(&x); err != nil {
				return err
			}
		}
		return nil
	})
}

// Guidance calls fn for the guidance given at a unit's counters ("" for
// all units), oldest first.
func (s *BoltStore) Guidance(unit string, fn func(*dossier.Guidance) error) error {
	return eachOfUnit(s.db, bGuidance, unit, fn)
}
