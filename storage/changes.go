package storage

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// changeRing is how many record changes the store remembers: a reader that
// falls further behind counts again from scratch.
const changeRing = 8192

// changeLog remembers the ids of the records written by this process, in
// commit order. One process has the file open (the file lock), so what it
// wrote is every change since it opened the file.
type changeLog struct {
	mu  sync.Mutex
	seq uint64   // changes committed since the store was opened
	ids []string // the last changes, ids[seq % changeRing]
}

// noteChange remembers a record written in tx once tx commits (a
// transaction rolled back changed nothing).
func (s *Store) noteChange(tx *bolt.Tx, id string) {
	tx.OnCommit(func() {
		c := &s.changes
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.ids == nil {
			c.ids = make([]string, changeRing)
		}
		c.ids[c.seq%changeRing] = id
		c.seq++
	})
}

// ChangedSince lists the records written since stamp, an earlier answer's
// now (0: since the store was opened), oldest first and possibly with
// repeats; complete is false when more changed than the store remembers,
// and the caller reads everything again.
func (s *Store) ChangedSince(stamp uint64) (ids []string, now uint64, complete bool) {
	c := &s.changes
	c.mu.Lock()
	defer c.mu.Unlock()
	if stamp > c.seq || c.seq-stamp > changeRing {
		return nil, c.seq, false
	}
	for i := stamp; i < c.seq; i++ {
		ids = append(ids, c.ids[i%changeRing])
	}
	return ids, c.seq, true
}
