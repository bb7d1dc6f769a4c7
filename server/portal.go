package server

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"time"

	"motcua/dossier"
	"motcua/server/dvcqg"
	"motcua/sync/wire"
)

// PortalItem is one thing the national portal (DVCQG) is to be told,
// queued by the push that accepted the event, in the same transaction:
// that the record changed and, for a processing step, the step, made from
// the record as the event left it. The worker (RunPortal) sends them in
// the order queued, each with the record as it is then (DVCQG keeps a
// record's latest state; its steps carry the history).
type PortalItem struct {
	Seq       uint64      `json:"seq,omitempty"` // the outbox's order, given by the store
	Unit      string      `json:"unit"`
	RecordID  string      `json:"record_id"`
	Code      string      `json:"code"`
	EventID   string      `json:"event_id"`
	Step      *dvcqg.Step `json:"step,omitempty"`
	Refused   string      `json:"refused,omitempty"` // DVCQG's refusal, on the attention list
	RefusedAt time.Time   `json:"refused_at,omitzero"`
}

// portalItemFor is what an accepted event tells DVCQG; after is the
// record as the event left it.
func portalItemFor(unit string, e dossier.Event, after *dossier.Record) PortalItem {
	it := PortalItem{Unit: unit, RecordID: after.ID, Code: after.Code, EventID: e.ID}
	if dvcqg.Reported(e.Type) {
		s := dvcqg.StepOf(e, after)
		it.Step = &s
	}
	return it
}

// PortalConfig is how the backend reaches DVCQG, set by an administrator
// (motcua-server portal config): the platform, and the name DVCQG shows
// for each unit (DonViXuLy; the unit's code when none is given).
type PortalConfig struct {
	dvcqg.Config
	Units map[string]string `json:"units,omitempty"`
}

// withKeptPassword is c ready to keep: a password not given again is the
// one kept (kept reads it), and the configuration must be whole.
func withKeptPassword(c PortalConfig, kept func() (PortalConfig, error)) (PortalConfig, error) {
	if c.Password == "" {
		old, err := kept()
		if err != nil {
			return c, err
		}
		c.Password = old.Password
	}
	return c, c.Validate()
}

// PortalStatus is what waits for DVCQG, what it refused and why, and the
// last success and failure.
type PortalStatus struct {
	Configured  bool         `json:"configured"`
	Pending     int          `json:"pending"`
	Refused     []PortalItem `json:"refused,omitempty"` // newest first, at most portalRefusedShown
	RefusedN    int          `json:"refused_count"`
	LastSuccess time.Time    `json:"last_success,omitzero"`
	LastError   string       `json:"last_error,omitempty"`
	LastErrorAt time.Time    `json:"last_error_at,omitzero"`
}

const portalRefusedShown = 50

// portalLast is the last success and the last error, kept for status.
type portalLast struct {
	Success time.Time `json:"success,omitzero"`
	Error   string    `json:"error,omitempty"`
	ErrorAt time.Time `json:"error_at,omitzero"`
}

// note keeps a round's outcome: a success (err nil) or its error.
func (l *portalLast) note(at time.Time, err error) {
	if err == nil {
		l.Success = at
	} else {
		l.Error, l.ErrorAt = err.Error(), at
	}
}

func (l portalLast) into(st *PortalStatus) {
	st.LastSuccess, st.LastError, st.LastErrorAt = l.Success, l.Error, l.ErrorAt
}

// PortalStore is a backend's side of the reporting: both stores have it.
type PortalStore interface {
	PortalConfig() (PortalConfig, error)
	SetPortalConfig(PortalConfig) error
	// PortalPending is the oldest items not yet sent nor refused, after
	// the item numbered after (0: from the first).
	PortalPending(after uint64, limit int) ([]PortalItem, error)
	// PortalSent removes sent items.
	PortalSent(seqs ...uint64) error
	// PortalRefuse moves an item to the attention list with DVCQG's reason.
	PortalRefuse(seq uint64, reason string, at time.Time) error
	// PortalNote keeps the time of the last success, or the last error.
	PortalNote(at time.Time, err error) error
	PortalStatus() (PortalStatus, error)
	// PortalReported puts in the unit's log, for its counters, how far
	// DVCQG has each record (each mark once).
	PortalReported(unit string, marks []PortalMark) error
	// PortalLease lets one process of those on a store send; release
	// lets go.
	PortalLease(ctx context.Context) (release func(), ok bool, err error)
	Reference() (wire.Reference, error)
	RecordByCode(unit, code string) (*dossier.Record, error)
}

// PortalOptions tune the worker.
type PortalOptions struct {
	Every    time.Duration // between rounds when nothing waits (10 s)
	MaxDelay time.Duration // the longest wait after failures (5 min)
	Batch    int           // items a round (200)
	Timeout  time.Duration // per call (30 s)
	Now      func() time.Time
}

func (o *PortalOptions) defaults() {
	if o.Every <= 0 {
		o.Every = 10 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 5 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 200
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// RunPortal sends the outbox to DVCQG until ctx ends: each item once, in
// order; a refusal goes to the attention list and the next items go on; a
// failure (no answer, 5xx) waits, doubling up to MaxDelay, and sends the
// same items again. The configuration is read each round, so a change
// applies without a restart. Nothing of the password or session is
// logged.
func RunPortal(ctx context.Context, st PortalStore, o PortalOptions) {
	o.defaults()
	w := portalWorker{st: st, o: o, known: map[string]bool{}}
	delay := o.Every
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	for {
		var more bool
		var err error
		if release == nil {
			var ok bool
			if release, ok, err = st.PortalLease(ctx); !ok {
				release = nil // another process sends; ask again later
			}
		}
		if release != nil {
			more, err = w.round(ctx)
		}
		switch {
		case err != nil:
			if ctx.Err() == nil {
				slog.Warn("portal: sending to DVCQG failed; will retry", "err", err, "in", delay)
			}
			delay = min(2*delay, o.MaxDelay)
		case more:
			delay = 0
		default:
			delay = o.Every
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		if delay == 0 {
			delay = o.Every
		}
	}
}

// PortalMark says DVCQG has a record up to an event.
type PortalMark struct {
	RecordID string
	EventID  string
}

// portalReported writes a mark in the unit's log as a reported event, once.
func portalReported(t pushTx, unit string, m PortalMark, now time.Time) error {
	e := dossier.Event{ID: dossier.ReportedID(m.EventID), RecordID: m.RecordID, Type: dossier.EvReported, Actor: BackendActor,
		At: now.In(dossier.Loc).Truncate(time.Second), Reported: m.EventID}
	if prev, err := t.result(e.ID); err != nil || prev != nil {
		return err
	}
	hs := eventHashed(e)
	seq, err := t.appendLog(unit, e, hs.enc)
	if err != nil {
		return err
	}
	return t.keepResult(e.ID, eventResult{Status: wire.Accepted, Seq: seq, Hash: hs.hash})
}

type portalWorker struct {
	st     PortalStore
	o      PortalOptions
	cfg    PortalConfig
	client *dvcqg.Client
	known  map[string]bool // codes DVCQG has
	fields map[string]string
}

// round sends one batch; more says a full batch went (send again now).
func (w *portalWorker) round(ctx context.Context) (more bool, err error) {
	cfg, err := w.st.PortalConfig()
	if err != nil {
		return false, err
	}
	if cfg.Validate() != nil {
		return false, nil // not configured: nothing to do, and no noise
	}
	if w.client == nil || !sameConfig(cfg, w.cfg) {
		w.cfg, w.client, w.known = cfg, dvcqg.New(cfg.Config, w.o.Timeout), map[string]bool{}
	}
	if err := w.loadFields(); err != nil {
		return false, err
	}
	// records with an item that waits for its record: their later items
	// wait too; past them, the next page is read in the same round
	wait := map[string]bool{}
	var after uint64
	for {
		items, err := w.st.PortalPending(after, w.o.Batch)
		if err != nil || len(items) == 0 {
			return false, err
		}
		if err := w.sendAll(ctx, items, wait); err != nil {
			return false, err
		}
		_ = w.st.PortalNote(w.o.Now(), nil)
		if len(items) < w.o.Batch {
			return false, nil
		}
		if len(wait) == 0 {
			return true, nil // a full page went: the next round comes at once
		}
		after = items[len(items)-1].Seq
	}
}

// sendAll sends items in order. A refused one goes to the attention list;
// one whose record is not in the store waits, with that record's later
// ones (wait names those records); a failure stops the round.
func (w *portalWorker) sendAll(ctx context.Context, items []PortalItem, wait map[string]bool) error {
	// a send is never cut off half-way (DVCQG may have taken it while the
	// answer is lost, and would get the step twice): a stop waits for it
	sendCtx := context.WithoutCancel(ctx)
	marks := map[string][]PortalMark{} // by unit: how far each record went
	defer w.report(marks)
	for _, it := range items {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if wait[it.Code] {
			continue
		}
		err := w.send(sendCtx, it)
		var re *dvcqg.RefusedError
		switch {
		case errors.Is(err, errNoRecord):
			wait[it.Code] = true
		case errors.As(err, &re):
			slog.Warn("portal: DVCQG refused an item; it waits on the attention list", "unit", it.Unit, "seq", it.Seq, "service", re.Service, "code", re.Code)
			if err := w.st.PortalRefuse(it.Seq, re.Message, w.o.Now()); err != nil {
				return err
			}
		case err != nil:
			_ = w.st.PortalNote(w.o.Now(), err)
			return err
		default:
			if err := w.st.PortalSent(it.Seq); err != nil {
				return err
			}
			marks[it.Unit] = markRecord(marks[it.Unit], PortalMark{RecordID: it.RecordID, EventID: it.EventID})
		}
	}
	return nil
}

// markRecord keeps the newest mark of each record (items come in order).
func markRecord(ms []PortalMark, m PortalMark) []PortalMark {
	for i := range ms {
		if ms[i].RecordID == m.RecordID {
			ms[i] = m
			return ms
		}
	}
	return append(ms, m)
}

// report tells the counters how far DVCQG has their records. A failure
// only delays the news: the next item sent for a record marks it again.
func (w *portalWorker) report(marks map[string][]PortalMark) {
	for unit, ms := range marks {
		if err := w.st.PortalReported(unit, ms); err != nil {
			slog.Warn("portal: marking records as reported failed", "unit", unit, "err", err)
		}
	}
}

func sameConfig(a, b PortalConfig) bool { return a.Config == b.Config && maps.Equal(a.Units, b.Units) }

// loadFields reads each procedure's field (lĩnh vực) from the reference
// catalogue, once.
func (w *portalWorker) loadFields() error {
	if w.fields != nil {
		return nil
	}
	ref, err := w.st.Reference()
	if err != nil {
		return err
	}
	cat, err := dossier.ParseCatalog(ref.Catalog)
	if err != nil {
		return err
	}
	w.fields = map[string]string{}
	for _, p := range cat.Procedures {
		w.fields[p.Code] = p.Field
	}
	return nil
}

// errNoRecord is an item whose record the store does not have (yet): a
// restored backend whose counters have not sent it again. The item waits,
// and so do the record's later ones; the others go on.
var errNoRecord = errors.New("server: the record is not in the store (yet)")

// send tells DVCQG the record's state, then the step.
func (w *portalWorker) send(ctx context.Context, it PortalItem) error {
	r, err := w.st.RecordByCode(it.Unit, it.Code)
	if err != nil {
		return err
	}
	if r == nil {
		return errNoRecord
	}
	rec := dvcqg.FromRecord(r, w.fields[r.ProcedureCode], w.cfg.Units[it.Unit])
	if rec.DonViXuLy == "" {
		rec.DonViXuLy = it.Unit
	}
	if w.known[rec.MaHoSo] {
		err = w.client.Update(ctx, rec)
	} else {
		err = w.client.SyncRecord(ctx, rec)
	}
	if err != nil {
		return err
	}
	w.known[rec.MaHoSo] = true
	if it.Step != nil {
		_, err = w.client.Progress(ctx, []dvcqg.Step{*it.Step})
	}
	return err
}
