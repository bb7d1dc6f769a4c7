package counter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	gosync "sync"
	"time"

	"motcua/account"
	"motcua/assets"
	"motcua/dossier"
	"motcua/storage"
	mcsync "motcua/sync"
	"motcua/sync/lan"
)

// Errors the front ends decide on, beside those of storage, dossier and sync.
var (
	// ErrLocked: another program of ours has the data file open.
	ErrLocked = storage.ErrLocked
	// ErrNotSetUp: the unit and counter are not set up yet.
	ErrNotSetUp = storage.ErrNotSetUp
	// ErrNoRecord: no record has the code asked for (a *CodeError names it).
	ErrNoRecord = errors.New("counter: no record with that code")
	// ErrUnknownProcedure: the catalogue has no procedure with that code.
	ErrUnknownProcedure = errors.New("counter: no procedure with that code in the catalogue")
	// ErrLedgerTooBig: the ledger asked for has more than LedgerLimit records.
	ErrLedgerTooBig = errors.New("counter: the ledger has too many records; print a shorter period")
	// ErrNothingChosen: a print of chosen files was asked with none chosen.
	ErrNothingChosen = errors.New("counter: no file chosen")
	// ErrNoStoreFile: a command that only reads found no data file.
	ErrNoStoreFile = errors.New("counter: there is no data file yet")
)

// CodeError is ErrNoRecord, ErrUnknownProcedure or ErrNoStoreFile with
// the code (or path) asked for.
type CodeError struct {
	Err  error
	Code string
}

func (e *CodeError) Error() string { return fmt.Sprintf("%v: %q", e.Err, e.Code) }
func (e *CodeError) Unwrap() error { return e.Err }

func errorCode(err error) string {
	var ce *CodeError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// UsageError is a request the caller got wrong (a missing value, a date
// in the wrong form): its text is already the sentence to show.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Options say how to open a counter's data.
type Options struct {
	// Dir is the data folder; "" is the user's data directory (DataDir),
	// where a file in the old place is moved on first start.
	Dir string
	// ReadOnly opens the file for reading only (status, verify, export,
	// backup): it works on a read-only file or medium.
	ReadOnly bool
	// Bulk skips fsync per transaction (seeding demonstration data); the
	// caller syncs at the end.
	Bulk bool
	// Fresh replaces an empty (0-byte) file by a new store.
	Fresh bool
	// DeviceName names this machine to the backend at enrollment (the
	// host name when empty).
	DeviceName string
	// Sync tunes the sync engine; zero fields take its defaults.
	Sync mcsync.Config
}

// Counter is one counter's data and what can be done with it. Its methods
// are safe to call from several goroutines.
type Counter struct {
	store *storage.Store
	opts  Options
	moved *Move
	now   func() time.Time

	mu     gosync.Mutex
	user   *Session       // who is signed in (accounts.go)
	usage  map[string]int // files per procedure, recent (ProcedureUsage)
	engine *mcsync.Engine
	cancel context.CancelFunc
	done   chan struct{} // closed when the engine's Run has returned
	lan    *lan.Node     // the office network, once joined (lan.go)
	onLAN  func()

	desk desk // the overview's files, kept up to date (desk.go)
}

// Open opens (or creates) the counter's data file, with the shipped
// catalogue and calendar as first-run defaults.
func Open(opts Options) (*Counter, error) {
	path, mv, err := dataPath(opts.Dir)
	if err != nil {
		return nil, err
	}
	so := storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar, NoSync: opts.Bulk, Fresh: opts.Fresh}
	if opts.ReadOnly {
		so = storage.Options{ReadOnly: true}
	}
	s, err := storage.Open(path, so)
	if err != nil {
		return nil, err
	}
	c := New(s, opts)
	c.moved = mv
	return c, nil
}

// New makes a counter of a store already open (tests, tools that open
// the file themselves); the counter owns it from then on: Close closes it.
func New(s *storage.Store, opts Options) *Counter {
	if opts.DeviceName == "" {
		opts.DeviceName, _ = os.Hostname()
	}
	return &Counter{store: s, opts: opts, now: time.Now}
}

// OpenReading opens the data for a command that only reads: read-only, so
// it works on a read-only file or medium and never writes to a file that
// may be damaged. A file from an older version is opened for writing once,
// to upgrade it.
func OpenReading(dir string) (*Counter, error) {
	c, err := Open(Options{Dir: dir, ReadOnly: true})
	switch {
	case errors.Is(err, storage.ErrOldSchema):
		return Open(Options{Dir: dir})
	case errors.Is(err, os.ErrNotExist):
		path, _ := Path(dir)
		return nil, &CodeError{ErrNoStoreFile, path}
	}
	return c, err
}

// OpenPrinting opens the data to print: for writing (every print is
// audited), or read-only when the file or medium is (the PDF is made, and
// PrintResult.Audited says the print is not in the audit).
func OpenPrinting(dir string) (*Counter, error) {
	c, err := Open(Options{Dir: dir})
	if errors.Is(err, storage.ErrReadOnlyFile) {
		return OpenReading(dir)
	}
	return c, err
}

// Path is the data file for a data folder ("" for the default one).
func Path(dir string) (string, error) {
	if dir != "" {
		return filepath.Join(dir, "motcua.db"), nil
	}
	d, err := DataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "motcua.db"), nil
}

// Moved says where the data file was moved from at this start, if it was.
func (c *Counter) Moved() *Move { return c.moved }

// File is the data file's path.
func (c *Counter) File() string { return c.store.Path() }

// ReadOnly says whether the data was opened for reading only.
func (c *Counter) ReadOnly() bool { return c.store.ReadOnly() }

// Close stops the sync engine, waits for it to end (it stops at the next
// transaction boundary), then closes the file.
func (c *Counter) Close() error {
	c.StopSync()
	return c.store.Close()
}

// Engine is the sync engine (made on first use): the window follows its
// status stream.
func (c *Counter) Engine() *mcsync.Engine {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engine == nil {
		cfg := c.opts.Sync
		cfg.DeviceName = c.opts.DeviceName
		c.engine = mcsync.New(c.store, cfg)
	}
	return c.engine
}

// StartSync runs the sync engine in the background until StopSync or
// Close.
func (c *Counter) StartSync() {
	e := c.Engine()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		var wg gosync.WaitGroup
		wg.Go(func() { c.fillFacts(ctx) })
		wg.Go(func() { c.runLAN(ctx) })
		e.Run(ctx)
		wg.Wait()
	}(c.done)
}

// fillFacts gives, in the background, the records from before the report
// facts were kept their facts (storage.FillFacts), a thousand at a time.
func (c *Counter) fillFacts(ctx context.Context) {
	for ctx.Err() == nil {
		n, done, err := c.store.FillFacts(1000)
		if err != nil || done {
			if err != nil {
				slog.Warn("report facts", "err", err)
			}
			return
		}
		if n > 0 {
			slog.Info("report facts filled", "records", n)
		}
	}
}

// StopSync stops the background engine and waits for it to end.
func (c *Counter) StopSync() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.cancel, c.done = nil, nil
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Kick asks the engine for a round now, if it runs, and tells the
// counters on the office network that there is something new.
func (c *Counter) Kick() {
	c.mu.Lock()
	e, n := c.engine, c.lan
	c.mu.Unlock()
	if e != nil {
		e.Kick()
	}
	if n != nil {
		n.Notify()
	}
}

// SetClock replaces the clock (tests).
func (c *Counter) SetClock(now func() time.Time) {
	c.now = now
	c.store.SetClock(now)
}

// Settings are the unit's and counter's settings.
func (c *Counter) Settings() storage.Settings { return c.store.Settings() }

// SaveSettings validates and saves the settings.
func (c *Counter) SaveSettings(set storage.Settings) error {
	if err := c.requireOrSetUp(account.Settings); err != nil {
		return err
	}
	return c.store.SaveSettings(set)
}

// actor is who the audit names for an action.
func (c *Counter) actor() string { return c.store.ActorID() }

func (c *Counter) ready() error {
	if !c.store.Settings().Ready() {
		return ErrNotSetUp
	}
	return nil
}

// Catalog is the procedure catalogue in force.
func (c *Counter) Catalog() *dossier.Catalog { return c.store.Catalog() }

// Calendar is the working calendar in force.
func (c *Counter) Calendar() *dossier.Calendar { return c.store.Calendar() }
