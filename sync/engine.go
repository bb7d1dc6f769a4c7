package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	gosync "sync"
	"time"

	"motcua/dossier"
	"motcua/storage"
	"motcua/sync/wire"
)

// Config tunes the engine. Zero fields take the defaults.
type Config struct {
	Interval    time.Duration // between rounds when all is well (30 s)
	Timeout     time.Duration // one request (20 s)
	BackoffBase time.Duration // first retry delay (1 s)
	BackoffCap  time.Duration // longest retry delay (5 min)
	RefusedWait time.Duration // after a refusal that does not pass by itself (1 h)
	Batch       int           // most events per push (500)
	// RoundTrip is what a push or a pull page should stay under: after a
	// slower answer the next batches (or pages) are smaller, and they grow
	// back while answers are quick (5 s, a quarter of the request's
	// timeout; negative: every batch is Batch, every page PullLimit). When
	// many counters reach a busy backend at once after an outage, no
	// request comes near the timeout (which would send it again, and load
	// the backend more).
	RoundTrip  time.Duration
	PullLimit  int // most events per pull page (1000)
	ApplyChunk int // most pulled events per local transaction (500)
	DrainAt    int // pulled records indexed by name, ID and phone together (20,000)
	DeviceName string
}

func (c *Config) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	set(&c.Interval, 30*time.Second)
	set(&c.Timeout, 20*time.Second)
	set(&c.BackoffBase, time.Second)
	set(&c.BackoffCap, 5*time.Minute)
	set(&c.RefusedWait, time.Hour)
	set(&c.RoundTrip, 5*time.Second)
	if c.Batch <= 0 || c.Batch > wire.MaxBatch {
		c.Batch = wire.MaxBatch
	}
	if c.PullLimit <= 0 || c.PullLimit > wire.MaxPullLimit {
		c.PullLimit = wire.MaxPullLimit
	}
	if c.ApplyChunk <= 0 {
		c.ApplyChunk = 500
	}
	if c.DrainAt <= 0 {
		c.DrainAt = 20_000
	}
}

// State is the link as the status bar shows it.
type State string

// States.
const (
	StateNotEnrolled State = "not_enrolled"
	StateNeedsEnroll State = "needs_enroll" // the token was refused
	StateSyncing     State = "syncing"
	StateOnline      State = "online"
	StateOffline     State = "offline"
	StateRefused     State = "refused" // the backend refused in a way that does not pass by itself (Status.Err)
)

// Notes of the sync log, as Note.Key: the front ends word them in the
// UI's language (counter.Wording). Args name the values each one has.
const (
	NoteRound     = "sync.note.round"     // Pushed, Conflicts, Pulled, Created, Updated
	NoteEnrolled  = "sync.note.enrolled"  // Server
	NoteRewound   = "sync.note.rewound"   // Generation, Resent
	NoteResync    = "sync.note.resync"    // the backend forgot the cursor: the unit is pulled again
	NoteReference = "sync.note.reference" // the catalogue and calendar came from the backend
	NoteError     = "sync.note.error"     // Err holds the error
)

// Note is one line of the sync log: what happened, as a key and its
// values, so that it reads in the UI's language.
type Note struct {
	At   time.Time
	Key  string
	Args map[string]any
	Err  error
}

// Status is a snapshot for the UI.
type Status struct {
	State       State
	Records     int // in the local store
	Pending     int
	Attention   int
	Indexing    int // pulled records still owing name, ID and phone index entries
	LastSuccess time.Time
	LastError   string        // as stored: the last round's error, for logs and support
	Err         error         // the last round's error, typed (nil after a restart)
	NextTry     time.Time     // when offline: the next attempt
	ClockSkew   time.Duration // server time minus this machine's
}

// SkewWarning says whether the counter's clock is off enough to warn.
func (s Status) SkewWarning() bool {
	return s.ClockSkew > wire.ClockSkewWarn || s.ClockSkew < -wire.ClockSkewWarn
}

// Summary is what one round did.
type Summary struct {
	Pushed, Conflicts        int
	Pulled, Created, Updated int
	RemoteRefused            int
	Resent                   int // events the backend had lost, sent again
	Files                    int // files filed online, fetched to open offline
	Relayed                  int // other counters' events carried to the backend
	Waiting                  int // events the backend takes once an earlier one reaches it
	// Diverged are records a pulled event could not apply to: this
	// counter's copy went another way (an event come over the office
	// network that the backend refused); the backend's copy is taken.
	Diverged                   []string
	Adopted                    int
	ReferenceUpdated, Resynced bool
}

// Note is the round as a log line.
func (s Summary) Note() Note {
	return Note{Key: NoteRound, Args: map[string]any{"Pushed": s.Pushed, "Conflicts": s.Conflicts, "Pulled": s.Pulled, "Created": s.Created, "Updated": s.Updated}}
}

// String is the round for logs, in English.
func (s Summary) String() string {
	return fmt.Sprintf("pushed %d events (%d conflicts), pulled %d events (%d new records, %d updated)", s.Pushed, s.Conflicts, s.Pulled, s.Created, s.Updated)
}

// Engine runs push and pull rounds for one counter store. One round runs
// at a time; the UI never waits for it.
type Engine struct {
	store     *storage.Store
	cfg       Config
	newRemote func(url, token string) Remote
	now       func() time.Time

	round gosync.Mutex // one sender at a time
	kick  chan struct{}

	pruned time.Time  // the sent journal was last pruned
	sizer  batchSizer // the size of the next push (under round)
	pages  batchSizer // the size of the next pull page (under round)

	mu        gosync.Mutex
	status    Status
	listeners []func(Status)
	log       []Note
}

// New makes an engine over a store.
func New(s *storage.Store, cfg Config) *Engine {
	cfg.defaults()
	e := &Engine{store: s, cfg: cfg, kick: make(chan struct{}, 1), now: time.Now}
	e.sizer = batchSizer{n: min(firstBatch, cfg.Batch), max: cfg.Batch, target: cfg.RoundTrip}
	e.pages = batchSizer{n: cfg.PullLimit, max: cfg.PullLimit, target: cfg.RoundTrip}
	e.newRemote = func(url, token string) Remote {
		r := NewHTTPRemote(url, token, cfg.Timeout)
		r.Between = s.StepAside // decoding a page gives way to a clerk's save
		return r
	}
	e.status.State = StateNotEnrolled
	if st, err := s.SyncState(); err == nil {
		e.status.LastSuccess, e.status.LastError = st.LastSuccess, st.LastError
		switch {
		case st.NeedsEnroll:
			e.status.State = StateNeedsEnroll
		case st.Enrolled():
			e.status.State = StateOffline
		}
	}
	e.refreshCounts()
	return e
}

// SetRemoteFactory replaces how remotes are made (tests).
func (e *Engine) SetRemoteFactory(f func(url, token string) Remote) { e.newRemote = f }

// OnChange registers a listener, called (from any goroutine) on every change.
func (e *Engine) OnChange(f func(Status)) {
	e.mu.Lock()
	e.listeners = append(e.listeners, f)
	e.mu.Unlock()
}

// Status is the current snapshot.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Log is the recent sync log, newest last.
func (e *Engine) Log() []Note {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Note(nil), e.log...)
}

// update changes the status and, when note has a key, logs it.
func (e *Engine) update(fn func(*Status), note Note) {
	e.mu.Lock()
	fn(&e.status)
	if note.Key != "" {
		note.At = e.now()
		e.log = append(e.log, note)
		if len(e.log) > 200 {
			e.log = e.log[len(e.log)-200:]
		}
	}
	st := e.status
	ls := append([]func(Status){}, e.listeners...)
	e.mu.Unlock()
	for _, l := range ls {
		l(st)
	}
}

func (e *Engine) refreshCounts() {
	if st, err := e.store.Stats(); err == nil {
		e.update(func(s *Status) {
			s.Records, s.Pending, s.Attention, s.Indexing = st.Records, st.Pending, st.Attention, st.Indexing
		}, Note{})
	}
}

// Kick asks for a round now (after a save, or "Gửi ngay"). It never
// blocks and never calls back: listeners hear from the engine's goroutine.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Enroll exchanges an enrollment code with the server at url and stores
// the device token and the unit and counter it was issued for.
func (e *Engine) Enroll(ctx context.Context, url, code string) error {
	r := e.newRemote(url, "")
	resp, err := r.Enroll(ctx, wire.EnrollRequest{Code: code, DeviceName: e.cfg.DeviceName, InstallID: e.store.InstallID()})
	if err != nil {
		return err
	}
	if err := e.store.Enroll(url, resp.DeviceID, resp.Token, resp.UnitCode, resp.CounterNo); err != nil {
		return err
	}
	e.update(func(s *Status) { s.State, s.LastError, s.Err = StateOffline, "", nil }, Note{Key: NoteEnrolled, Args: map[string]any{"Server": url}})
	e.Kick()
	return nil
}

// Run drives rounds until ctx ends: on a kick, every Interval, and after
// failures with exponential backoff and jitter, capped, honouring
// Retry-After. A refused token stops automatic rounds until re-enrollment.
func (e *Engine) Run(ctx context.Context) {
	// pulled records a crash left owing index entries are findable again
	// even if this counter no longer syncs
	if err := e.drain(ctx); err != nil && ctx.Err() == nil {
		e.update(func(*Status) {}, Note{Key: NoteError, Err: err})
	}
	attempt := 0
	wait := time.Duration(0)
	for {
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-e.kick:
			attempt = 0 // a person asked: try now, and start backoff afresh
		case <-timer.C:
		}
		timer.Stop()
		e.refreshCounts()
		st, err := e.store.SyncState()
		if err != nil || !st.Enrolled() {
			wait = e.cfg.Interval
			continue
		}
		_, err = e.SyncOnce(ctx)
		switch {
		case err == nil:
			attempt, wait = 0, e.cfg.Interval
		case errors.Is(err, ErrAuth):
			wait = 24 * time.Hour // until a kick after re-enrollment
		case ctx.Err() != nil:
			return
		case !Retryable(err):
			// a refusal does not pass by itself: shown with its reason,
			// tried again when someone acts (a save, "Gửi ngay") or, in
			// case the backend was put right meanwhile, after RefusedWait
			attempt, wait = 0, e.cfg.RefusedWait
			e.update(func(s *Status) { s.NextTry = time.Time{} }, Note{})
		default:
			attempt++
			wait = e.backoff(attempt, err)
			e.update(func(s *Status) { s.NextTry = e.now().Add(wait) }, Note{})
		}
	}
}

// backoff is full jitter over min(cap, base·2^attempt), never shorter than
// the server's Retry-After.
func (e *Engine) backoff(attempt int, err error) time.Duration {
	ceil := e.cfg.BackoffBase << min(attempt, 20)
	if ceil > e.cfg.BackoffCap || ceil <= 0 {
		ceil = e.cfg.BackoffCap
	}
	d := time.Duration(rand.Int64N(int64(ceil)/2+1)) + ceil/2
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > d {
		d = min(he.RetryAfter, e.cfg.BackoffCap)
	}
	return d
}

// failed records and shows a round that ended in err: offline when it
// may pass by itself, needs-enroll for a refused token, refused otherwise.
func (e *Engine) failed(ctx context.Context, err error) {
	msg := err.Error()
	state := StateOffline
	switch {
	case errors.Is(err, ErrAuth):
		state = StateNeedsEnroll
	case !Retryable(err) && ctx.Err() == nil:
		state = StateRefused
	}
	if serr := e.store.UpdateSyncState(func(s *storage.SyncState) {
		s.LastError = msg
		s.NeedsEnroll = state == StateNeedsEnroll
	}); serr != nil {
		slog.Warn("recording the failed round", "err", serr)
	}
	e.update(func(s *Status) { s.State, s.LastError, s.Err = state, msg, err }, Note{Key: NoteError, Err: err})
	slog.Warn("sync round failed", "err", err) // no personal data: errors name codes and states only
}

// SyncOnce runs one round: push the whole outbox in ordered batches, pull
// the unit's log to its end, and refresh the reference data if it changed.
func (e *Engine) SyncOnce(ctx context.Context) (Summary, error) {
	e.round.Lock()
	defer e.round.Unlock()
	var sum Summary
	st, err := e.store.SyncState()
	if err != nil {
		return sum, err
	}
	if !st.Enrolled() {
		return sum, ErrNotEnrolled
	}
	e.update(func(s *Status) { s.State = StateSyncing }, Note{})
	r := e.newRemote(st.ServerURL, st.Token)
	for attempt := 0; ; attempt++ {
		err = e.push(ctx, r, st, &sum)
		if err == nil {
			err = e.pull(ctx, r, &sum)
		}
		var rew *RewoundError
		if !errors.As(err, &rew) || attempt == 2 {
			break
		}
		// the backend went back in time (restored from a backup): give it
		// again what it lost, pull the unit again, and go on
		n, rerr := e.store.Rewind(storage.Held{Generation: rew.State.Generation, High: rew.State.DeviceHigh})
		if rerr != nil {
			err = rerr
			break
		}
		sum.Resent += n
		sum.Resynced = true
		slog.Warn("backend went back to an older state", "generation", rew.State.Generation, "resending", n)
		e.update(func(*Status) {}, Note{Key: NoteRewound, Args: map[string]any{"Generation": rew.State.Generation, "Resent": n}})
		if st, err = e.store.SyncState(); err != nil {
			break
		}
	}
	e.refreshCounts()
	now := e.now()
	if err != nil {
		e.failed(ctx, err)
		return sum, err
	}
	if err := e.store.UpdateSyncState(func(s *storage.SyncState) { s.LastSuccess, s.LastError = now, "" }); err != nil {
		// the round's work is on disk; only its time is not
		slog.Warn("recording the round", "err", err)
	}
	e.afterRound(ctx, r, now, &sum)
	e.update(func(s *Status) {
		s.State, s.LastSuccess, s.LastError, s.Err, s.NextTry = StateOnline, now, "", nil, time.Time{}
	}, sum.Note())
	return sum, nil
}

// afterRound is the work of a round once the counter's own events and the
// unit's log are through: register numbers, the files of online filings,
// the office network (certificate, roster, relaying), the sent journal.
// Its failures wait for the next round.
func (e *Engine) afterRound(ctx context.Context, r Remote, now time.Time, sum *Summary) {
	e.topUpLetters(ctx, r, now)
	sum.Adopted = e.adoptServerCopies(ctx, r, sum.Diverged)
	sum.Files = e.fetchAttachments(ctx, r)
	sum.Relayed = e.lanRound(ctx, r)
	if sum.Relayed > 0 && sum.Waiting > 0 {
		// events that waited for those just relayed go now
		waiting := sum.Waiting
		if st, err := e.store.SyncState(); err == nil {
			if err := e.push(ctx, r, st, sum); err != nil {
				slog.Warn("sending again what waited", "err", err)
			}
		}
		sum.Waiting -= waiting
	}
	if now.Sub(e.pruned) > 6*time.Hour {
		e.pruned = now
		if _, err := e.store.PruneSent(); err != nil {
			slog.Warn("pruning the sent journal failed", "err", err)
		}
	}
}

// adoptServerCopies takes the backend's copy of the records this counter's
// copy of went another way: the backend's verdict prevails. At most 200 a
// round; a failure waits for the next round's pull to find them again.
func (e *Engine) adoptServerCopies(ctx context.Context, r Remote, ids []string) int {
	n := 0
	for _, id := range ids[:min(len(ids), 200)] {
		rec, err := r.Record(ctx, id)
		if err == nil {
			err = e.store.AdoptServerCopy(rec)
		}
		var he *HTTPError
		switch {
		case errors.As(err, &he) && he.Status == http.StatusNotFound:
		case err != nil:
			slog.Warn("taking the backend's copy of a record", "err", err)
			return n
		default:
			n++
		}
	}
	return n
}

// Letter numbers: the counter keeps at least LetterLow numbers of the
// unit's register for the year, asking for LetterRun more when it has
// fewer (a busy counter sends a few letters a day; a week offline is
// covered).
const (
	LetterLow = 20
	LetterRun = 50
)

// topUpLetters asks the backend for more register numbers when few are
// left. A failure only waits for the next round: a letter written with
// none left leaves the number to the office.
func (e *Engine) topUpLetters(ctx context.Context, r Remote, now time.Time) {
	year := now.In(dossier.Loc).Year()
	if e.store.LetterSpare(year) >= LetterLow {
		return
	}
	id, err := e.store.LetterRequestID(dossier.NewEventID)
	if err == nil {
		var b wire.LetterBlock
		if b, err = r.ReserveLetters(ctx, wire.LetterRequest{ID: id, Year: year, Count: LetterRun}); err == nil {
			err = e.store.AddLetterRun(b.Year, b.From, b.To)
		}
	}
	if err != nil {
		slog.Warn("register numbers for letters", "err", err)
	}
}

// fetchAttachments fetches the files filed online with the online files
// pulled, so that the clerk opens them offline. A failure waits for the
// next round; a file the backend no longer has is skipped.
func (e *Engine) fetchAttachments(ctx context.Context, r Remote) int {
	missing, err := e.store.MissingAttachments()
	if err != nil {
		slog.Warn("listing the files of online filings", "err", err)
		return 0
	}
	n := 0
	for _, a := range missing {
		data, err := r.File(ctx, a.SHA256)
		var he *HTTPError
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			continue
		}
		if err == nil {
			err = e.store.KeepAttachment(a, data)
		}
		if err != nil {
			slog.Warn("fetching a file of an online filing", "err", err)
			return n
		}
		n++
	}
	return n
}

func (e *Engine) skew(serverTime time.Time) {
	if serverTime.IsZero() {
		return
	}
	d := serverTime.Sub(e.now())
	e.update(func(s *Status) { s.ClockSkew = d }, Note{})
}
