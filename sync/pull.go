package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"motcua/storage"
	"motcua/sync/wire"
)

// page is one fetched pull page, or the error that ended fetching.
type page struct {
	resp     wire.PullResponse
	events   []storage.RemoteEvent // resp.Events, prepared for the store
	err      error
	resynced bool
}

// fetch reads pages ahead of the applier (one in flight), so the network
// and the decoding overlap with writing to the store.
func (e *Engine) fetch(ctx context.Context, r Remote, st storage.SyncState, out chan<- page) {
	defer close(out)
	resynced := false
	cursor, check := st.Cursor, st.CursorCheck
	for {
		e.store.StepAside() // a clerk's save first
		limit, asked := e.pages.size(), time.Now()
		resp, err := r.Pull(ctx, cursor, check, limit)
		e.pages.observe(limit, time.Since(asked), err)
		if errors.Is(err, ErrGone) && cursor != 0 {
			// the server forgot our cursor (restored from a backup): take
			// the unit again from the start; known events are skipped
			cursor, check, resynced = 0, "", true
			e.update(func(*Status) {}, Note{Key: NoteResync})
			continue
		}
		if held := (storage.Held{Generation: resp.Generation, High: resp.DeviceHigh}); err == nil && st.Rewound(held) {
			// another store, or one that lost some of our events: apply
			// nothing of it before re-queueing (SyncOnce)
			err = &RewoundError{State: resp.State}
		}
		var events []storage.RemoteEvent
		if err == nil {
			events = make([]storage.RemoteEvent, len(resp.Events))
			for i, pe := range resp.Events {
				events[i] = storage.RemoteEvent{Seq: pe.Seq, Event: pe.Event}
			}
		}
		select {
		case out <- page{resp, events, err, resynced}:
		case <-ctx.Done():
			return
		}
		if err != nil || !resp.More {
			return
		}
		cursor, check = resp.Next, resp.NextCheck
	}
}

func (e *Engine) pull(ctx context.Context, r Remote, sum *Summary) (err error) {
	st, err := e.store.SyncState()
	if err != nil {
		return err
	}
	// Pulled records owe their name, ID and phone index entries until
	// drained, a batch at a time (storage.DrainBacklog): what a crash left,
	// every DrainAt records, and all of it before the pull ends, even one
	// that failed, so a search finds what was pulled. When ctx ends (the
	// program closes) draining stops at a transaction boundary and goes on
	// at the next start.
	if err := e.drain(ctx); err != nil {
		return err
	}
	defer func() {
		if derr := e.drain(ctx); err == nil {
			err = derr
		}
	}()
	pages, stop := e.pipeline(ctx, r, st)
	defer stop()
	a := applier{e: e, sum: sum}
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		if err := a.page(ctx, p); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if a.held.Generation != "" || a.held.High > 0 {
		if err := e.store.NoteHeld(a.held); err != nil {
			return err
		}
	}
	return e.refreshReference(ctx, r, st, a.refTag, sum)
}

// pipeline fetches and decodes pages, and prepares their records
// (storage.Prepare, outside the write transaction), a few pages ahead of
// the writer. stop ends both goroutines and waits for them: nothing of the
// pull touches the store after it.
func (e *Engine) pipeline(ctx context.Context, r Remote, st storage.SyncState) (<-chan page, func()) {
	ctx, cancel := context.WithCancel(ctx)
	fetched, pages := make(chan page, 2), make(chan page, 4)
	var wg gosync.WaitGroup
	wg.Go(func() { e.fetch(ctx, r, st, fetched) })
	wg.Go(func() {
		defer close(pages)
		for p := range fetched {
			for rest := p.events; len(rest) > 0 && ctx.Err() == nil; rest = rest[min(len(rest), 100):] {
				e.store.StepAside() // a clerk's save first
				storage.Prepare(rest[:min(len(rest), 100)])
			}
			select {
			case pages <- p:
			case <-ctx.Done():
				for range fetched { // let fetch end
				}
				return
			}
		}
	})
	return pages, func() { cancel(); wg.Wait() }
}

// applier writes pulled pages to the store.
type applier struct {
	e      *Engine
	sum    *Summary
	owed   int // records pulled since the last drain
	held   storage.Held
	refTag string
}

// page applies one page in bounded transactions that also step aside for a
// clerk's save, so the counter never waits for a bulk pull; it stops at a
// transaction boundary when ctx ends.
func (a *applier) page(ctx context.Context, p page) error {
	e, resp := a.e, p.resp
	a.sum.Resynced = a.sum.Resynced || p.resynced
	e.skew(resp.ServerTime)
	a.refTag = resp.ReferenceTag
	a.held = storage.Held{Generation: resp.Generation, High: resp.DeviceHigh}
	rest := p.events
	for first := true; first || len(rest) > 0; first = false {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := rest[:min(e.cfg.ApplyChunk, len(rest))]
		end, check := resp.Next, resp.NextCheck
		if len(chunk) < len(rest) {
			last := chunk[len(chunk)-1]
			end, check = last.Seq, storage.CursorCheck(last.Event.ID)
		}
		res, err := e.store.ApplyRemotePage(chunk, end, check)
		if err != nil {
			return err
		}
		rest = rest[res.Applied:]
		if a.owed += res.Created; a.owed >= e.cfg.DrainAt {
			e.refreshCounts()
			if err := e.drain(ctx); err != nil {
				return err
			}
			a.owed = 0
		}
		a.sum.Pulled += res.Applied
		a.sum.Created += res.Created
		a.sum.Updated += res.Updated
		a.sum.RemoteRefused += res.Refused
		a.sum.Diverged = append(a.sum.Diverged, res.Diverged...)
	}
	e.refreshCounts() // the status bar's count moves with the pull
	return nil
}

// refreshReference fetches the catalogue and calendar when the backend's
// tag differs from the one in force, and installs them.
func (e *Engine) refreshReference(ctx context.Context, r Remote, st storage.SyncState, refTag string, sum *Summary) error {
	if refTag == "" || refTag == st.RefETag {
		return nil
	}
	ref, changed, err := r.Reference(ctx, st.RefETag)
	if err != nil || !changed {
		return err
	}
	if err := e.applyReference(ref); err != nil {
		return err
	}
	sum.ReferenceUpdated = true
	return nil
}

// drain writes all owed index entries of pulled records, a transaction at
// a time, until ctx ends.
func (e *Engine) drain(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := e.store.DrainBacklog(e.cfg.DrainAt)
		if err != nil || n == 0 {
			return err
		}
		e.refreshCounts()
	}
}

// applyReference installs the catalogue and calendar from the backend; a
// document that does not validate is refused and the old one kept.
func (e *Engine) applyReference(ref wire.Reference) error {
	actor := "sync"
	if len(ref.Calendar) > 0 {
		if _, err := e.store.SetCalendar(ref.Calendar, actor); err != nil {
			return &ReferenceError{What: "calendar", Err: err}
		}
	}
	if len(ref.Catalog) > 0 {
		if _, err := e.store.SetCatalog(ref.Catalog, actor); err != nil {
			return &ReferenceError{What: "catalog", Err: err}
		}
	}
	if set := e.store.Settings(); ref.LookupURL != "" && ref.LookupURL != set.LookupURL && set.Ready() {
		// the province's lookup page: every receipt's QR code opens it
		set.LookupURL = ref.LookupURL
		if err := e.store.SaveSettings(set); err != nil {
			return &ReferenceError{What: "lookup_url", Err: err}
		}
	}
	e.update(func(*Status) {}, Note{Key: NoteReference})
	return e.store.UpdateSyncState(func(s *storage.SyncState) { s.RefETag = ref.ETag })
}

// ReferenceError is a calendar or catalogue from the backend that does
// not validate: it is refused and the one in force kept.
type ReferenceError struct {
	What string // "calendar" or "catalog"
	Err  error
}

func (e *ReferenceError) Error() string {
	return fmt.Sprintf("sync: the backend's %s is not valid, the one in force is kept: %v", e.What, e.Err)
}

func (e *ReferenceError) Unwrap() error { return e.Err }
