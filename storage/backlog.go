package storage

import (
	"bytes"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The party indexes (ID numbers, phones, name words) take keys that land
// at random places, so each entry written dirties a page of its own: for a
// record pulled in bulk they cost four times what the record and its other
// indexes cost together. Records created by a pull therefore write those
// entries later, all of a batch together and in key order, so one page
// takes many of them (DrainBacklog). Until then the record's id is in the
// backlog bucket:
//
//	idx_backlog
//	  <id>   -   a record whose party index entries are owed
//
// A record in the backlog is found by code, status, date and procedure at
// once, by name, ID number and phone once its batch is drained (the sync
// engine drains during and at the end of every pull). Any other write of
// that record indexes it in full and takes it out of the backlog. The
// entries owed are kept in memory after the pull's transaction commits;
// after a restart they are computed again from the records.

// partyBuckets are the indexes a pulled record's entries may be owed to.
var partyBuckets = [][]byte{bIdxIDNum, bIdxPhone, bIdxName}

func partyIndex(name string) int {
	for i, b := range partyBuckets {
		if string(b) == name {
			return i
		}
	}
	return -1
}

// partyKey is an index entry owed: the bucket by its place in partyBuckets.
type partyKey struct {
	bucket int
	key    []byte
}

// owedKeys picks the party entries out of indexKeys' result.
func owedKeys(keys map[string][][]byte) []partyKey {
	var out []partyKey
	for i, b := range partyBuckets {
		for _, k := range keys[string(b)] {
			out = append(out, partyKey{i, k})
		}
	}
	return out
}

// remember keeps the entries owed by records a committed pull created.
func (s *Store) remember(owed map[string][]partyKey) {
	s.owedMu.Lock()
	defer s.owedMu.Unlock()
	// entries left behind (a drain that ran between a pull's commit and
	// this call already read them from the record) are never recalled:
	// past a bound, forget all; a drain then reads the records again
	if s.owed == nil || len(s.owed) > 1<<18 {
		s.owed = map[string][]partyKey{}
	}
	for id, keys := range owed {
		s.owed[id] = keys
	}
}

// recall takes the remembered entries of a record out of memory.
func (s *Store) recall(id string) ([]partyKey, bool) {
	s.owedMu.Lock()
	defer s.owedMu.Unlock()
	keys, ok := s.owed[id]
	delete(s.owed, id)
	return keys, ok
}

// DrainSlice is the most index entries one drain transaction writes; a
// clerk's save waiting for the store ends it sooner.
const DrainSlice = 2000

// DrainBacklog writes the owed party index entries of up to limit records
// in the backlog, sorted by key, in transactions of at most DrainSlice
// entries that commit early when a clerk's save is waiting; then it takes
// those records out of the backlog. It returns how many records it
// indexed (0: the backlog is empty). A crash part-way leaves the records
// in the backlog, and draining again rewrites the same entries.
func (s *Store) DrainBacklog(limit int) (int, error) {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	type owed struct {
		partyKey
		id []byte
	}
	var todo []owed
	var ids [][]byte
	var left uint64 // the backlog's count of records that left it by a write
	err := s.db.View(func(tx *bolt.Tx) error {
		left = tx.Bucket(bIdxBacklog).Sequence()
		c := tx.Bucket(bIdxBacklog).Cursor()
		for k, _ := c.First(); k != nil && len(ids) < limit; k, _ = c.Next() {
			id := clone(k)
			ids = append(ids, id)
			keys, ok := s.recall(string(id))
			if !ok { // not from this run: read the record again
				r, err := getRecord(tx, string(id))
				if err != nil {
					return err
				}
				keys = owedKeys(indexKeys(r))
			}
			for _, k := range keys {
				todo = append(todo, owed{k, id})
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return 0, classify(err)
	}
	if err := s.fail("drain-read"); err != nil {
		return 0, err
	}
	slices.SortFunc(todo, func(a, b owed) int {
		if a.bucket != b.bucket {
			return a.bucket - b.bucket
		}
		return bytes.Compare(a.key, b.key)
	})
	for len(todo) > 0 {
		s.StepAside()
		err := s.update(func(tx *bolt.Tx) error {
			backlog := tx.Bucket(bIdxBacklog)
			look := backlog.Sequence() != left
			n := 0
			for n < len(todo) && n < DrainSlice && (n == 0 || s.interactive.Load() == 0) {
				o := todo[n]
				n++
				// a record written since was indexed in full then
				if look && backlog.Get(o.id) == nil {
					continue
				}
				if err := tx.Bucket(partyBuckets[o.bucket]).Put(o.key, nil); err != nil {
					return err
				}
			}
			todo = todo[n:]
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	if err := s.fail("drain-clear"); err != nil {
		return 0, err
	}
	drained := len(ids)
	for len(ids) > 0 {
		s.StepAside()
		err := s.update(func(tx *bolt.Tx) error {
			backlog := tx.Bucket(bIdxBacklog)
			n := 0
			for n < len(ids) && n < DrainSlice && (n == 0 || s.interactive.Load() == 0) {
				if err := backlog.Delete(ids[n]); err != nil {
					return err
				}
				n++
			}
			ids = ids[n:]
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return drained, nil
}

// BacklogLen counts the records whose party index entries are owed.
func (s *Store) BacklogLen() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bIdxBacklog).Stats().KeyN
		return nil
	})
	return n, classify(err)
}
