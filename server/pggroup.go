package server

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"motcua/sync/wire"
)

// Group commit. Under a province's load a process has many pushes in
// hand at once, most of them small: each in its own transaction would
// cost PostgreSQL a commit, a dozen statements and their planning, however
// few its events. A committer instead takes every push waiting when it is
// free and applies them in one transaction (pgPush over all their units),
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

// A group holds at most this many pushes and events (its first push may
// alone be larger, up to a push's limit).
const (
	pgGroupPushes = 64
	pgGroupEvents = 2000
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

// commit is a committer: it takes a push, with whatever others wait, and
// commits them, until the store is closed.
func (s *PgStore) commit() {
	for {
		var first *pgCall
		select {
		case first = <-s.calls:
		case <-s.closed:
			return
		}
		group, n := []*pgCall{first}, len(first.req.Events)
	more:
		for len(group) < pgGroupPushes && n < pgGroupEvents {
			select {
			case c := <-s.calls:
				group, n = append(group, c), n+len(c.req.Events)
			default:
				break more
			}
		}
		s.pushGroup(group)
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
	if err == nil || len(group) == 1 {
		if err != nil {
			group[0].err = err
		}
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
