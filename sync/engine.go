package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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
	Batch       int           // events per push (500)
	PullLimit   int           // events per pull page (1000)
	ApplyChunk  int           // most pulled events per local transaction (500)
	DrainAt     int           // pulled records indexed by name, ID and phone together (20,000)
	DeviceName  string
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
)

// Status is a snapshot for the UI.
type Status struct {
	State       State
	Records     int // in the local store
	Pending     int
	Attention   int
	Indexing    int // pulled records still owing name, ID and phone index entries
	LastSuccess time.Time
	LastError   string
	NextTry     time.Time     // when offline: the next attempt
	ClockSkew   time.Duration // server time minus this machine's
}

// SkewWarning says whether the counter's clock is off enough to warn.
func (s Status) SkewWarning() bool {
	return s.ClockSkew > wire.ClockSkewWarn || s.ClockSkew < -wire.ClockSkewWarn
}

// Summary is what one round did.
type Summary struct {
	Pushed, Conflicts          int
	Pulled, Created, Updated   int
	RemoteRefused              int
	Resent                     int // events the backend had lost, sent again
	ReferenceUpdated, Resynced bool
}

func (s Summary) String() string {
	n := func(v int) string { return dossier.Thousands(int64(v)) }
	return fmt.Sprintf("gửi %s sự kiện (%s xung đột), nhận %s sự kiện (%s hồ sơ mới, %s cập nhật)", n(s.Pushed), n(s.Conflicts), n(s.Pulled), n(s.Created), n(s.Updated))
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

	pruned time.Time // the sent journal was last pruned

	mu        gosync.Mutex
	status    Status
	listeners []func(Status)
	log       []string
}

// New makes an engine over a store.
func New(s *storage.Store, cfg Config) *Engine {
	cfg.defaults()
	e := &Engine{store: s, cfg: cfg, kick: make(chan struct{}, 1), now: time.Now}
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
func (e *Engine) Log() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.log...)
}

func (e *Engine) update(fn func(*Status), logLine string) {
	e.mu.Lock()
	fn(&e.status)
	if logLine != "" {
		e.log = append(e.log, e.now().In(dossier.Loc).Format("02/01 15:04:05")+"  "+logLine)
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
		}, "")
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
	e.update(func(s *Status) { s.State, s.LastError = StateOffline, "" }, "đã đăng ký với máy chủ "+url)
	e.Kick()
	return nil
}

// Run drives rounds until ctx ends: on a kick, every Interval, and after
// failures with exponential backoff and jitter, capped, honouring
// Retry-After. A refused token stops automatic rounds until re-enrollment.
func (e *Engine) Run(ctx context.Context) {
	// pulled records a crash left owing index entries are findable again
	// even if this counter no longer syncs
	if err := e.drain(); err != nil {
		e.update(func(*Status) {}, "lỗi: "+err.Error())
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
		default:
			attempt++
			wait = e.backoff(attempt, err)
			e.update(func(s *Status) { s.NextTry = e.now().Add(wait) }, "")
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
		return sum, errors.New("quầy chưa đăng ký với máy chủ")
	}
	e.update(func(s *Status) { s.State = StateSyncing }, "")
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
		e.update(func(*Status) {}, fmt.Sprintf("máy chủ đã được khôi phục từ bản sao lưu (thế hệ %s): gửi lại %s sự kiện và đồng bộ lại từ đầu",
			rew.State.Generation, dossier.Thousands(int64(n))))
		if st, err = e.store.SyncState(); err != nil {
			break
		}
	}
	e.refreshCounts()
	now := e.now()
	if err != nil {
		msg := err.Error()
		state := StateOffline
		if errors.Is(err, ErrAuth) {
			state = StateNeedsEnroll
		}
		_ = e.store.UpdateSyncState(func(s *storage.SyncState) {
			s.LastError = msg
			s.NeedsEnroll = state == StateNeedsEnroll
		})
		e.update(func(s *Status) { s.State, s.LastError = state, msg }, "lỗi: "+msg)
		slog.Warn("sync round failed", "err", err) // no personal data: errors name codes and states only
		return sum, err
	}
	_ = e.store.UpdateSyncState(func(s *storage.SyncState) { s.LastSuccess, s.LastError = now, "" })
	if now.Sub(e.pruned) > 6*time.Hour {
		e.pruned = now
		if _, err := e.store.PruneSent(); err != nil {
			slog.Warn("pruning the sent journal failed", "err", err)
		}
	}
	e.update(func(s *Status) { s.State, s.LastSuccess, s.LastError, s.NextTry = StateOnline, now, "", time.Time{} }, sum.String())
	return sum, nil
}

func (e *Engine) skew(serverTime time.Time) {
	if serverTime.IsZero() {
		return
	}
	d := serverTime.Sub(e.now())
	e.update(func(s *Status) { s.ClockSkew = d }, "")
}
