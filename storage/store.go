package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"motcua/dossier"
	"motcua/internal/boltfile"
)

// Errors callers decide on. The Vietnamese text is what a clerk reads.
var (
	ErrNotFound     = errors.New("không tìm thấy hồ sơ")
	ErrLocked       = errors.New("tệp dữ liệu đang được một chương trình Một Cửa khác sử dụng; hãy đóng chương trình đó rồi mở lại")
	ErrNewerSchema  = errors.New("tệp dữ liệu được tạo bởi phiên bản mới hơn của chương trình; hãy cập nhật chương trình")
	ErrNotSetUp     = errors.New("chưa thiết lập thông tin đơn vị và quầy")
	ErrDiskFull     = errors.New("ổ đĩa đã đầy, không ghi được dữ liệu; dữ liệu đã lưu trước đó vẫn nguyên vẹn")
	ErrReadOnlyFile = errors.New("không có quyền ghi vào tệp dữ liệu")
)

// Options configure Open.
type Options struct {
	// Timeout for the file lock; a second running copy fails after it.
	Timeout time.Duration
	// DefaultCatalog and DefaultCalendar are loaded on first run.
	DefaultCatalog, DefaultCalendar []byte
	// NoSync skips fsync: only for bulk seeding and tests that say so.
	NoSync bool
	// ReadOnly opens the file for reading only (a read-only file or
	// medium): every write fails with ErrReadOnlyFile. The file's schema
	// must be current.
	ReadOnly bool
	// Fresh replaces an empty (0-byte) file with a new store; without it
	// an empty file is reported as damaged, never silently started anew.
	Fresh bool
}

// Store is a counter's local database.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool

	mu       sync.RWMutex // guards the caches below
	catalog  *dossier.Catalog
	calendar *dossier.Calendar
	settings Settings

	// failpoint, set by tests, is called between the writes of one action
	// with the name of the step; an error aborts the transaction there.
	failpoint func(step string) error
	// now is the clock; tests replace it.
	now func() time.Time
	// interactive counts clerks' writes waiting for (or holding) the
	// writer; bulk work yields to them.
	interactive atomic.Int32
	// drainMu lets one DrainBacklog run at a time.
	drainMu sync.Mutex
	// owed holds the party index entries of backlog records created by
	// this run (see backlog.go), by record id.
	owedMu sync.Mutex
	owed   map[string][]partyKey
	// who is the signed-in person (SetActor).
	who atomic.Pointer[Actor]
	// noChain writes audit entries as before the chain (the benchmark of
	// the chain's cost only; Verify then finds the chain broken).
	noChain bool
	// changes are the records written by this process, for readers that
	// keep figures up to date (changes.go).
	changes changeLog
}

// SetClock replaces the store's clock (tests, and a counter whose clock
// tests replace: the times events and audit entries carry).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Settings are the counter's identity and preferences, kept in meta.
type Settings struct {
	UnitName string `json:"unit_name"`
	// ParentName is the governing body printed above the unit on forms
	// ("Ủy ban nhân dân phường Thuận Hóa"); may be empty.
	ParentName string `json:"parent_name,omitempty"`
	// Who signs the unit's letters (Mẫu 04, 05): "TM. Ủy ban nhân dân",
	// "Phó Chủ tịch", a name. Empty: filled in by hand.
	SignerAuthority string `json:"signer_authority,omitempty"`
	SignerTitle     string `json:"signer_title,omitempty"`
	SignerName      string `json:"signer_name,omitempty"`
	UnitCode        string `json:"unit_code"`
	Place           string `json:"place"` // for "{place}, ngày … tháng … năm …"
	// Ward and Province are where most citizens of the counter live: the
	// address fields start with them, as values the clerk sees and edits.
	Ward      string `json:"ward,omitempty"`
	Province  string `json:"province,omitempty"`
	Counter   int    `json:"counter"`
	Clerk     string `json:"clerk"`
	Language  string `json:"language"`             // "vi" or "en"
	AutoPrint bool   `json:"auto_print,omitempty"` // print the receipt on save
	Printer   string `json:"printer,omitempty"`    // CUPS queue; empty: open in the PDF viewer
	LookupURL string `json:"lookup_url,omitempty"` // receipt QR link, "{code}" replaced
	// BackupDir is where the daily automatic backups go (a USB drive, a
	// network share); empty: none. BackupKeep is how many are kept.
	BackupDir  string `json:"backup_dir,omitempty"`
	BackupKeep int    `json:"backup_keep,omitempty"`
	// LockMinutes is how long the counter may stay untouched before the
	// screen locks itself; 0 is the program's default (10 minutes).
	LockMinutes int `json:"lock_minutes,omitempty"`
	// LetterSymbol is the issuing body's part of a letter's symbol
	// ("UBND" makes "15/UBND" and "16/TB-UBND"); empty: UBND.
	LetterSymbol string `json:"letter_symbol,omitempty"`
	// The office network (docs/lan.md): LANOff keeps the counter off it;
	// LANPort is where it listens (0: 8761); LANPeers are the other
	// counters' addresses (host:port) where multicast DNS does not reach;
	// LANNoDiscover uses those only (no multicast DNS).
	LANOff        bool     `json:"lan_off,omitempty"`
	LANNoDiscover bool     `json:"lan_no_discover,omitempty"`
	LANPort       int      `json:"lan_port,omitempty"`
	LANPeers      []string `json:"lan_peers,omitempty"`
}

// Validate checks the set-up screen's fields.
func (s Settings) Validate() dossier.ValidationErrors {
	var errs dossier.ValidationErrors
	add := func(field, key, msg string) {
		errs = append(errs, &dossier.FieldError{Field: field, Key: key, Msg: msg})
	}
	if len([]rune(s.UnitName)) < 3 {
		add("unit_name", "unit_name.required", "Chưa nhập tên đơn vị")
	}
	if e := dossier.ValidateUnitCode(s.UnitCode); e != nil {
		errs = append(errs, e)
	}
	if len([]rune(s.Place)) < 2 {
		add("place", "place.required", "Chưa nhập địa danh (dùng cho dòng “…, ngày … tháng … năm …”)")
	}
	if s.Counter < 1 || s.Counter > dossier.MaxCounter {
		add("counter", "counter.range", "Số quầy phải từ 1 đến 99")
	}
	if len([]rune(s.Clerk)) < 2 {
		add("clerk", "clerk.required", "Chưa nhập họ tên cán bộ tiếp nhận")
	}
	if s.LockMinutes < 0 || s.LockMinutes > 120 {
		add("lock_minutes", "lock_minutes.range", "Thời gian tự khóa màn hình phải từ 1 đến 120 phút")
	}
	if s.LookupURL != "" && (!strings.HasPrefix(s.LookupURL, "https://") && !strings.HasPrefix(s.LookupURL, "http://") || !strings.Contains(s.LookupURL, "{code}")) {
		add("lookup_url", "lookup_url.invalid", "Địa chỉ tra cứu phải bắt đầu bằng https:// và chứa {code} ở chỗ mã hồ sơ")
	}
	return errs
}

// Ready says whether first-run set-up is done.
func (s Settings) Ready() bool { return len(s.Validate()) == 0 }

// Open opens or creates the store file, takes its lock (failing with
// ErrLocked after opts.Timeout) and runs pending migrations.
func Open(path string, opts Options) (*Store, error) {
	exists, err := checkFile(path)
	if errors.Is(err, ErrDamaged) && opts.Fresh && !opts.ReadOnly {
		if fi, serr := os.Stat(path); serr == nil && fi.Size() == 0 {
			err = os.Remove(path) // an empty file, and the user asked to start afresh
			exists = false
		}
	}
	if err != nil {
		return nil, err
	}
	if opts.ReadOnly && !exists {
		return nil, fmt.Errorf("storage: %s: %w", path, os.ErrNotExist)
	}
	var db *bolt.DB
	err = guard(path, func() (err error) {
		db, err = boltfile.Open(path, boltfile.Options{Timeout: opts.Timeout, NoSync: opts.NoSync, ReadOnly: opts.ReadOnly})
		return err
	})
	if errors.Is(err, boltfile.ErrLocked) {
		return nil, ErrLocked
	}
	var damaged *DamagedError
	if errors.As(err, &damaged) {
		return nil, err
	}
	if err != nil {
		if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) || errors.Is(err, bolterrors.ErrVersionMismatch) {
			return nil, &DamagedError{path, err.Error()}
		}
		return nil, fmt.Errorf("storage: open %s: %w", path, classify(err))
	}
	s := &Store{db: db, path: path, now: time.Now, readOnly: opts.ReadOnly}
	err = guard(path, func() error {
		if opts.ReadOnly {
			if err := s.checkSchema(); err != nil {
				return err
			}
		} else if err := s.migrate(opts); err != nil {
			return err
		}
		return s.loadCaches()
	})
	if err != nil {
		db.Close()
		return nil, classify(err)
	}
	return s, nil
}

// ReadOnly says whether the store was opened for reading only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// ErrOldSchema says a file opened read-only needs an upgrade first.
var ErrOldSchema = errors.New("tệp dữ liệu cần được nâng cấp lên phiên bản mới trước; hãy mở nó một lần với quyền ghi")

// checkSchema is migrate's check for a read-only store.
func (s *Store) checkSchema() error {
	return s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return &DamagedError{s.path, "thiếu phần thông tin chung"}
		}
		v := meta.Get(kSchema)
		switch {
		case len(v) != 4:
			return &DamagedError{s.path, "thiếu phiên bản cấu trúc"}
		case int(binary.BigEndian.Uint32(v)) > len(migrations):
			return ErrNewerSchema
		case int(binary.BigEndian.Uint32(v)) < len(migrations):
			return ErrOldSchema
		}
		return nil
	})
}

// classify maps OS errors to the sentinels the UI explains.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case isNoSpace(err):
		return fmt.Errorf("%w (%v)", ErrDiskFull, err)
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w (%v)", ErrReadOnlyFile, err)
	case errors.Is(err, bolterrors.ErrDatabaseReadOnly), errors.Is(err, bolterrors.ErrTxNotWritable):
		return ErrReadOnlyFile
	}
	return err
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// migrations[i] brings schema i to i+1. Append only; never edit one that shipped.
var migrations = []func(tx *bolt.Tx, opts Options) error{
	// 0 → 1: buckets, device id, reference data.
	func(tx *bolt.Tx, opts Options) error {
		for _, name := range schema1Buckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if meta.Get(kDevice) == nil {
			if err := meta.Put(kDevice, []byte(uuid.NewString())); err != nil {
				return err
			}
		}
		if opts.DefaultCatalog != nil && tx.Bucket(bCatalog).Get(kCurrent) == nil {
			if _, err := dossier.ParseCatalog(opts.DefaultCatalog); err != nil {
				return err
			}
			if err := tx.Bucket(bCatalog).Put(kCurrent, opts.DefaultCatalog); err != nil {
				return err
			}
		}
		if opts.DefaultCalendar != nil && tx.Bucket(bCalendar).Get(kCurrent) == nil {
			if _, err := dossier.ParseCalendar(opts.DefaultCalendar); err != nil {
				return err
			}
			if err := tx.Bucket(bCalendar).Put(kCurrent, opts.DefaultCalendar); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 → 2: the record count kept in meta (bucket statistics walk every page).
	func(tx *bolt.Tx, _ Options) error {
		n := tx.Bucket(bRecords).Stats().KeyN
		return tx.Bucket(bMeta).Put(kRecordN, u64(uint64(n)))
	},
	// 2 → 3: the attention list of the sync engine.
	func(tx *bolt.Tx, _ Options) error {
		_, err := tx.CreateBucketIfNotExists(bAttention)
		return err
	},
	// 3 → 4: the count of outbox entries waiting, kept in meta.
	func(tx *bolt.Tx, _ Options) error {
		n, err := countPending(tx)
		if err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kPendingN, u64(uint64(n)))
	},
	// 4 → 5: the backlog of party index entries owed by pulled records.
	func(tx *bolt.Tx, _ Options) error {
		_, err := tx.CreateBucketIfNotExists(bIdxBacklog)
		return err
	},
	// 5 → 6: the sent journal (sent.go).
	func(tx *bolt.Tx, _ Options) error {
		_, err := tx.CreateBucketIfNotExists(bSent)
		return err
	},
}

// SchemaVersion is the version this build writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(opts Options) error {
	// a file of an older schema is copied, checked, before it is changed
	var have int
	_ = s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bMeta); meta != nil {
			if v := meta.Get(kSchema); len(v) == 4 {
				have = int(binary.BigEndian.Uint32(v))
			}
		}
		return nil
	})
	if have > 0 && have < len(migrations) {
		if err := s.Backup(fmt.Sprintf("%s.before-schema-%d", s.path, len(migrations))); err != nil {
			return fmt.Errorf("storage: backup before upgrading the file: %w", err)
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		var have int
		if meta := tx.Bucket(bMeta); meta != nil {
			if v := meta.Get(kSchema); len(v) == 4 {
				have = int(binary.BigEndian.Uint32(v))
			}
		}
		if have > len(migrations) {
			return ErrNewerSchema
		}
		for i := have; i < len(migrations); i++ {
			if err := migrations[i](tx, opts); err != nil {
				return fmt.Errorf("storage: migration %d→%d: %w", i, i+1, err)
			}
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := s.refreshShipped(tx, opts); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u32(uint32(len(migrations))))
	})
}

func (s *Store) loadCaches() error {
	return s.db.View(func(tx *bolt.Tx) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if v := tx.Bucket(bCatalog).Get(kCurrent); v != nil {
			c, err := dossier.ParseCatalog(v)
			if err != nil {
				return fmt.Errorf("storage: stored catalogue: %w", err)
			}
			s.catalog = c
		} else {
			s.catalog, _ = dossier.ParseCatalog([]byte(`{"procedures":[]}`))
		}
		if v := tx.Bucket(bCalendar).Get(kCurrent); v != nil {
			c, err := dossier.ParseCalendar(v)
			if err != nil {
				return fmt.Errorf("storage: stored calendar: %w", err)
			}
			s.calendar = c
		}
		s.settings = Settings{Language: "vi"}
		if v := tx.Bucket(bMeta).Get(kSettings); v != nil {
			if err := json.Unmarshal(v, &s.settings); err != nil {
				return fmt.Errorf("storage: stored settings: %w", err)
			}
		}
		return nil
	})
}

// Catalog is the procedure catalogue in force.
func (s *Store) Catalog() *dossier.Catalog {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.catalog
}

// Calendar is the working-time calendar in force; nil before one is loaded.
func (s *Store) Calendar() *dossier.Calendar {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.calendar
}

// Settings are the counter's settings.
func (s *Store) Settings() Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings
}

// SaveSettings validates and stores the settings.
func (s *Store) SaveSettings(set Settings) error {
	if errs := set.Validate(); len(errs) > 0 {
		return errs
	}
	data, err := json.Marshal(set)
	if err != nil {
		return err
	}
	err = s.clerkUpdate(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMeta).Put(kSettings, data); err != nil {
			return err
		}
		id, _ := s.actor()
		return s.audit(tx, AuditEntry{Actor: id, Action: "settings"})
	})
	if err == nil {
		s.mu.Lock()
		s.settings = set
		s.mu.Unlock()
	}
	return err
}

// SetCalendar replaces the calendar with a validated document.
func (s *Store) SetCalendar(doc []byte, actor string) (*dossier.Calendar, error) {
	cal, err := dossier.ParseCalendar(doc)
	if err != nil {
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bCalendar).Put(kCurrent, doc); err != nil {
			return err
		}
		return s.audit(tx, AuditEntry{Actor: actor, Action: "calendar_import", Detail: cal.Version})
	})
	if err == nil {
		s.mu.Lock()
		s.calendar = cal
		s.mu.Unlock()
	}
	return cal, err
}

// SetCatalog replaces the catalogue with a validated document.
func (s *Store) SetCatalog(doc []byte, actor string) (*dossier.Catalog, error) {
	cat, err := dossier.ParseCatalog(doc)
	if err != nil {
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bCatalog).Put(kCurrent, doc); err != nil {
			return err
		}
		return s.audit(tx, AuditEntry{Actor: actor, Action: "catalog_import", Detail: cat.Version})
	})
	if err == nil {
		s.mu.Lock()
		s.catalog = cat
		s.mu.Unlock()
	}
	return cat, err
}

// update runs fn in a write transaction and classifies I/O failures.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return classify(s.db.Update(fn))
}

// clerkUpdate is update for a person's action: bulk work in progress
// commits early to let it through.
func (s *Store) clerkUpdate(fn func(tx *bolt.Tx) error) error {
	s.interactive.Add(1)
	defer s.interactive.Add(-1)
	return s.update(fn)
}

// StepAside waits while a clerk's write is waiting for the store or
// holding it. Bulk work calls it before each of its transactions: the
// writer lock is not fair, and a bulk loop would otherwise take it again
// first, many times over, each transaction ending after one step to let
// the clerk in. Background work (preparing pulled pages) calls it too, to
// leave the processor to the save.
func (s *Store) StepAside() {
	if s.interactive.Load() == 0 {
		return
	}
	deadline := time.Now().Add(time.Second) // a save is a few milliseconds
	for s.interactive.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond)
	}
}

func (s *Store) fail(step string) error {
	if s.failpoint != nil {
		return s.failpoint(step)
	}
	return nil
}

// Sync flushes the file to disk (after a NoSync bulk load).
func (s *Store) Sync() error { return classify(s.db.Sync()) }
