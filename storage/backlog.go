package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The party indexes (ID numbers, phones, name words) take keys that land
// at random places, so each entry written dirties a page of its own: for a
// record pulled in bulk they cost four times what the record and its other
// indexes cost together. Records created by a pull therefore write those
// entries later, all of a batch together and in key order, so one page
// takes many of them (DrainBacklog). Until then the record is in the
// backlog bucket, with the entries it is owed:
//
//	idx_backlog
//	  <id>   (bucket byte, uvarint length, key)…   party index entries owed
//
// A record in the backlog is found by code, status, date and procedure at
// once, by name, ID number and phone once its batch is drained (the sync
// engine drains during and at the end of every pull). Any other write of
// that record indexes it in full and takes it out of the backlog.
var bIdxBacklog = []byte("idx_backlog")

// partyBuckets are the indexes a pulled record's entries may be owed to;
// a backlog value names them by their place here.
var partyBuckets = [][]byte{bIdxIDNum, bIdxPhone, bIdxName}

func partyIndex(name string) int {
	for i, b := range partyBuckets {
		if string(b) == name {
			return i
		}
	}
	return -1
}

// encodeOwed lists the party entries of keys (from indexKeys) for the
// backlog.
func encodeOwed(keys map[string][][]byte) []byte {
	var out []byte
	for i, b := range partyBuckets {
		for _, k := range keys[string(b)] {
			out = append(out, byte(i))
			out = binary.AppendUvarint(out, uint64(len(k)))
			out = append(out, k...)
		}
	}
	return out
}

var errBadBacklog = errors.New("storage: unreadable backlog entry")

// decodeOwed calls fn with each entry of a backlog value; the key aliases v.
func decodeOwed(v []byte, fn func(bucket int, key []byte)) error {
	for len(v) > 0 {
		b := int(v[0])
		n, w := binary.Uvarint(v[1:])
		if b >= len(partyBuckets) || w <= 0 || uint64(len(v)-1-w) < n {
			return errBadBacklog
		}
		v = v[1+w:]
		fn(b, v[:n])
		v = v[n:]
	}
	return nil
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
		bucket int
		key    []byte
		id     []byte
	}
	var todo []owed
	var ids [][]byte
	var left uint64 // the backlog's count of records that left it by a write
	err := s.db.View(func(tx *bolt.Tx) error {
		left = tx.Bucket(bIdxBacklog).Sequence()
		c := tx.Bucket(bIdxBacklog).Cursor()
		for k, v := c.First(); k != nil && len(ids) < limit; k, v = c.Next() {
			id := clone(k)
			ids = append(ids, id)
			if err := decodeOwed(v, func(b int, key []byte) {
				todo = append(todo, owed{b, clone(key), id})
			}); err != nil {
				return err
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
		s.stepAside()
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
		s.stepAside()
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
