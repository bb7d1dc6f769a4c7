package sync

import (
	"context"
	"time"

	"motcua/storage"
	"motcua/sync/wire"
)

func (e *Engine) push(ctx context.Context, r Remote, st storage.SyncState, sum *Summary) (err error) {
	batch, err := e.store.OutgoingAfter(0, e.sizer.size(), wire.MaxBatchBytes)
	if err != nil || len(batch) == 0 {
		return err
	}
	encode := func(batch []storage.Outgoing) (PushBody, error) {
		req := wire.PushRequest{DeviceID: st.DeviceID, Acked: st.Acked, Generation: st.Generation}
		req.AuditSeq, req.AuditHead = e.store.AuditHead()
		return newOutgoingBody(req, batch)
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
		next []storage.Outgoing
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
		go func(after uint64, n int) {
			var p prepared
			p.next, p.err = e.store.OutgoingAfter(after, n, wire.MaxBatchBytes)
			if p.err == nil && len(p.next) > 0 {
				if p.err = e.store.MarkSending(p.next); p.err == nil {
					p.body, p.err = encode(p.next)
				}
			}
			prep <- p
		}(batch[len(batch)-1].Seq, e.sizer.size())
		sent := time.Now()
		resp, err := r.Push(ctx, body)
		e.sizer.observe(len(batch), time.Since(sent), err)
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
