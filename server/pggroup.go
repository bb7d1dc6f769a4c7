package server

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"

	"motcua/sync/wire"
)

// Group commit. Under a province's load a process has many pushes in
// hand at once, most of them small: each in its own transaction would
// cost PostgreSQL a commit, a dozen statements and their planning, however
// few its events. A committer instead takes every push waiting when it is
// free (of units no other committer of the process holds: pgQueue) and
// applies them in one transaction (pgPush over all their units),
// one after another, exactly as each alone would be applied: the same
// rules, the same order within a unit, each push its own answer. Nothing
// waits to make a group: a push that finds a committer idle is committed
// alone at once.
//
// A device whose push is refused whole (a *RewoundError, checked before
// the push writes anything) gets its refusal and the others go on. Any
// other failure rolls the group back and each push is tried again alone,
// so one push's failure is never another's.

// pgCommitters is how many groups a process commits at once: while one
// waits for its commit to reach the disk, the others work.
const pgCommitters = 4

// pgPoolConns is the least connections a process keeps to PostgreSQL:
// the committers' and as many again for the requests served meanwhile.
const pgPoolConns = 4 * pgCommitters

// A group holds at most this many pushes and events (its first push may
// alone be larger, up to a push's limit).
const (
	pgGroupPushes = 32
	pgGroupEvents = 1000
)

var errPgClosed = errors.New("server: the store is closed")

// pgCall is a push on its way through a committer, and its answer.
type pgCall struct {
	p      Principal
	req    wire.PushRequest
	hashes []hashed
	resp   wire.PushResponse
	err    error
	done   chan struct{}
}

// pgQueue is the pushes waiting for a committer of the process, and the
// units the committers hold. A committer takes only pushes of units no
// other committer of the process holds, so the process's groups never
// wait for one another's rows; the waiting pushes of a unit are taken in
// the order they came.
type pgQueue struct {
	mu      sync.Mutex
	wake    sync.Cond
	waiting []*pgCall
	busy    map[string]bool
	closed  bool
}

func newPgQueue() *pgQueue {
	q := &pgQueue{busy: map[string]bool{}}
	q.wake.L = &q.mu
	return q
}

// add queues a push for a committer (false: the store is closed).
func (q *pgQueue) add(c *pgCall) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.waiting = append(q.waiting, c)
	q.wake.Signal()
	return true
}

// take waits for pushes of units no other committer holds, and holds
// their units (nil: the store is closed).
func (q *pgQueue) take() []*pgCall {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return nil
		}
		if group := q.group(); len(group) > 0 {
			return group
		}
		q.wake.Wait()
	}
}

// group takes, in order, the waiting pushes of units not held, up to a
// group's size.
func (q *pgQueue) group() []*pgCall {
	var group []*pgCall
	n, kept := 0, q.waiting[:0]
	mine := map[string]bool{}
	for i, c := range q.waiting {
		unit := c.p.Unit
		if len(group) >= pgGroupPushes || n >= pgGroupEvents {
			kept = append(kept, q.waiting[i:]...)
			break
		}
		if q.busy[unit] && !mine[unit] {
			kept = append(kept, c)
			continue
		}
		q.busy[unit], mine[unit] = true, true
		group, n = append(group, c), n+len(c.req.Events)
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
	return group
}

// done gives the group's units back.
func (q *pgQueue) done(group []*pgCall) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, c := range group {
		delete(q.busy, c.p.Unit)
	}
	q.wake.Broadcast()
}

// close stops the committers and answers what still waits.
func (q *pgQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for _, c := range q.waiting {
		c.err = errPgClosed
		close(c.done)
	}
	q.waiting = nil
	q.wake.Broadcast()
}

// commit is a committer: it takes pushes and commits them, until the
// store is closed.
func (s *PgStore) commit() {
	for {
		group := s.queue.take()
		if group == nil {
			return
		}
		s.pushGroup(group)
		s.queue.done(group)
	}
}

// pushGroup commits a group and answers each of its pushes.
func (s *PgStore) pushGroup(group []*pgCall) {
	defer func() {
		for _, c := range group {
			close(c.done)
		}
	}()
	err := s.pushTogether(group)
	if err != nil && len(group) == 1 {
		group[0].err = err
	}
	if err == nil || len(group) == 1 {
		return
	}
	for _, c := range group { // alone, so that one's failure is not the others'
		c.resp, c.err = wire.PushResponse{}, nil
		if err := s.pushTogether([]*pgCall{c}); err != nil {
			c.err = err
		}
	}
}

// pushTogether applies the group's pushes in one transaction, in the
// order they came, and commits them; each call's answer is kept in it.
func (s *PgStore) pushTogether(group []*pgCall) error {
	ctx := context.Background()
	loads := make([]pgLoad, len(group))
	for i, c := range group {
		loads[i] = pgLoad{unit: c.p.Unit, events: c.req.Events, dev: &c.p}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := newPgPush(ctx, tx, loads...) // takes the units' rows first
		if err != nil {
			return err
		}
		cal, err := s.calendarOf(ctx, tx, t.etag)
		if err != nil {
			return err
		}
		for _, c := range group {
			if err := t.use(c.p.Unit); err != nil {
				return err
			}
			c.resp, c.err = pushBatch(t, cal, c.p, c.req, c.hashes)
			var rew *RewoundError
			if c.err != nil && !errors.As(c.err, &rew) {
				return c.err
			}
		}
		return t.finish()
	})
}
