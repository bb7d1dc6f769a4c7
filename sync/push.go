package sync

import (
	"context"

	"motcua/dossier"
	"motcua/storage"
	"motcua/sync/wire"
)

func (e *Engine) push(ctx context.Context, r Remote, st storage.SyncState, sum *Summary) (err error) {
	batch, err := e.store.PendingAfter(0, e.cfg.Batch, wire.MaxBatchBytes)
	if err != nil || len(batch) == 0 {
		return err
	}
	encode := func(batch []storage.OutboxEntry) (PushBody, error) {
		req := wire.PushRequest{DeviceID: st.DeviceID, Events: make([]dossier.Event, len(batch)), Seqs: make([]uint64, len(batch)),
			Acked: st.Acked, Generation: st.Generation}
		req.AuditSeq, req.AuditHead = e.store.AuditHead()
		for i, b := range batch {
			req.Events[i], req.Seqs[i] = b.Event, b.Seq
		}
		return NewPushBody(req)
	}
	// "sending" is on disk before a request leaves: after a crash the batch
	// is sent again, and the server's dedupe makes that safe.
	if err := e.store.MarkSending(batch); err != nil {
		return err
	}
	body, err := encode(batch)
	if err != nil {
		return err
	}
	// One request is in flight at a time, so the server takes the batches
	// in order. Meanwhile the next batch is read, marked and encoded, and
	// the previous one's results are written.
	type prepared struct {
		next []storage.OutboxEntry
		body PushBody
		err  error
	}
	var settled chan error // the previous batch's results, written
	settle := func() error {
		if settled == nil {
			return nil
		}
		err := <-settled
		settled = nil
		e.refreshCounts()
		return err
	}
	defer func() {
		if serr := settle(); err == nil {
			err = serr
		}
	}()
	for len(batch) > 0 {
		prep := make(chan prepared, 1)
		go func(after uint64) {
			var p prepared
			p.next, p.err = e.store.PendingAfter(after, e.cfg.Batch, wire.MaxBatchBytes)
			if p.err == nil && len(p.next) > 0 {
				if p.err = e.store.MarkSending(p.next); p.err == nil {
					p.body, p.err = encode(p.next)
				}
			}
			prep <- p
		}(batch[len(batch)-1].Seq)
		resp, err := r.Push(ctx, body)
		p := <-prep
		if err != nil {
			return err
		}
		e.skew(resp.ServerTime)
		outcomes := make([]storage.PushOutcome, len(batch))
		for i, res := range resp.Results {
			accepted := res.Status == wire.Accepted || (res.Status == wire.Duplicate && res.Original != wire.Conflict)
			wait := res.Status == wire.Wait
			outcomes[i] = storage.PushOutcome{Seq: batch[i].Seq, Accepted: accepted, Wait: wait, Reason: res.Reason, Server: res.Record, Account: res.Account}
			switch {
			case wait:
				sum.Waiting++
			case !accepted:
				sum.Conflicts++
			}
		}
		sum.Pushed += len(batch)
		if err := settle(); err != nil {
			return err
		}
		settled = make(chan error, 1)
		held := storage.Held{Generation: resp.Generation, High: resp.DeviceHigh}
		go func() { settled <- e.store.ApplyPushResults(outcomes, held) }()
		if p.err != nil {
			return p.err
		}
		batch, body = p.next, p.body
	}
	return nil
}
