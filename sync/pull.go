package sync

import (
	"context"
	"errors"
	"fmt"

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
		resp, err := r.Pull(ctx, cursor, check, e.cfg.PullLimit)
		if errors.Is(err, ErrGone) && cursor != 0 {
			// the server forgot our cursor (restored from a backup): take
			// the unit again from the start; known events are skipped
			cursor, check, resynced = 0, "", true
			e.update(func(*Status) {}, "máy chủ yêu cầu đồng bộ lại từ đầu")
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
	// that failed, so a search finds what was pulled.
	if err := e.drain(); err != nil {
		return err
	}
	owed := 0
	defer func() {
		if derr := e.drain(); err == nil {
			err = derr
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// fetching and decoding, preparing the records (storage.Prepare, not in
	// the write transaction) and writing run at once, a few pages apart
	fetched, pages := make(chan page, 2), make(chan page, 4)
	go e.fetch(ctx, r, st, fetched)
	go func() {
		defer close(pages)
		for p := range fetched {
			for rest := p.events; len(rest) > 0; rest = rest[min(len(rest), 100):] {
				e.store.StepAside() // a clerk's save first
				storage.Prepare(rest[:min(len(rest), 100)])
			}
			select {
			case pages <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	refTag := ""
	var held storage.Held
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		resp := p.resp
		sum.Resynced = sum.Resynced || p.resynced
		e.skew(resp.ServerTime)
		refTag = resp.ReferenceTag
		held = storage.Held{Generation: resp.Generation, High: resp.DeviceHigh}
		// apply in bounded transactions that also step aside for a
		// clerk's save, so the counter never waits for a bulk pull
		rest := p.events
		for first := true; first || len(rest) > 0; first = false {
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
			if owed += res.Created; owed >= e.cfg.DrainAt {
				e.refreshCounts()
				if err := e.drain(); err != nil {
					return err
				}
				owed = 0
			}
			sum.Pulled += res.Applied
			sum.Created += res.Created
			sum.Updated += res.Updated
			sum.RemoteRefused += res.Refused
		}
		e.refreshCounts() // the status bar's count moves with the pull
	}
	if held.Generation != "" || held.High > 0 {
		if err := e.store.NoteHeld(held); err != nil {
			return err
		}
	}
	if refTag != "" && refTag != st.RefETag {
		ref, changed, err := r.Reference(ctx, st.RefETag)
		if err != nil {
			return err
		}
		if changed {
			if err := e.applyReference(ref); err != nil {
				return err
			}
			sum.ReferenceUpdated = true
		}
	}
	return nil
}

// drain writes all owed index entries of pulled records.
func (e *Engine) drain() error {
	for {
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
			return fmt.Errorf("lịch làm việc từ máy chủ không hợp lệ, giữ lịch cũ: %w", err)
		}
	}
	if len(ref.Catalog) > 0 {
		if _, err := e.store.SetCatalog(ref.Catalog, actor); err != nil {
			return fmt.Errorf("danh mục từ máy chủ không hợp lệ, giữ danh mục cũ: %w", err)
		}
	}
	e.update(func(*Status) {}, "đã cập nhật danh mục và lịch làm việc từ máy chủ")
	return e.store.UpdateSyncState(func(s *storage.SyncState) { s.RefETag = ref.ETag })
}
