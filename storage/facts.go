package storage

import (
	"bytes"
	"encoding/binary"
	"time"

	"motcua/dossier"
	"motcua/report"

	bolt "go.etcd.io/bbolt"
)

// A record's report facts (report.File) are the value of its entry in the
// index of receipt times: a report or the supervisor's overview walks
// that index alone and decodes a record only when it lists it. Entries
// written before the facts were kept have none; their record is read.

const factsVersion = 3

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).In(dossier.Loc)
}

// encodeFacts is f in 53 bytes, the procedure code and the clerk's name.
func encodeFacts(f report.File) []byte {
	b := make([]byte, 0, 48+len(f.Procedure)+len(f.Clerk))
	b = append(b, factsVersion)
	for _, t := range []time.Time{f.Received, f.LegalDue, f.Due, f.Finished, f.Ended, f.Returned} {
		b = binary.BigEndian.AppendUint64(b, uint64(unixOrZero(t)))
	}
	paused := byte(0)
	if f.Paused {
		paused = 1
	}
	proc, clerk := f.Procedure[:min(len(f.Procedure), 255)], f.Clerk[:min(len(f.Clerk), 255)]
	b = append(b, byte(f.Status), byte(f.Channel), paused, byte(len(proc)))
	b = append(b, proc...)
	b = append(b, byte(len(clerk)))
	return append(b, clerk...)
}

// decodeFacts reads what encodeFacts wrote; false when v holds none.
func decodeFacts(v []byte) (report.File, bool) {
	const fixed = 1 + 6*8 + 4
	if len(v) < fixed+1 || v[0] != factsVersion {
		return report.File{}, false
	}
	np := int(v[fixed-1])
	if len(v) < fixed+np+1 || len(v) != fixed+np+1+int(v[fixed+np]) {
		return report.File{}, false
	}
	var ts [6]time.Time
	for i := range ts {
		ts[i] = fromUnix(int64(binary.BigEndian.Uint64(v[1+8*i:])))
	}
	return report.File{Received: ts[0], LegalDue: ts[1], Due: ts[2], Finished: ts[3], Ended: ts[4], Returned: ts[5],
		Status: dossier.Status(v[49]), Channel: dossier.Channel(v[50]), Paused: v[51] == 1,
		Procedure: string(v[fixed : fixed+np]), Clerk: string(v[fixed+np+1:])}, true
}

// EachFileBetween calls fn for the report facts of every record received
// in [start, end) (a zero start: from the first), oldest first, in one
// read transaction; full reads the whole record, inside it.
func (s *Store) EachFileBetween(start, end time.Time, fn func(f report.File, full func() (*dossier.Record, error)) error) error {
	return s.EachFileOf(start, end, func(_ string, f report.File, full func() (*dossier.Record, error)) error { return fn(f, full) })
}

// EachFileOf is EachFileBetween with each file's record id.
func (s *Store) EachFileOf(start, end time.Time, fn func(id string, f report.File, full func() (*dossier.Record, error)) error) error {
	hi := unix8(end)
	return s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bRecords)
		c := tx.Bucket(bIdxReceived).Cursor()
		k, v := c.First()
		if !start.IsZero() {
			k, v = c.Seek(unix8(start))
		}
		for ; k != nil && bytes.Compare(k[:8], hi) < 0; k, v = c.Next() {
			id := k[len(k)-idLen:]
			full := func() (*dossier.Record, error) { return decodeRecord(recs.Get(id)) }
			f, ok := decodeFacts(v)
			if !ok { // an entry from before the facts were kept
				r, err := full()
				if err != nil {
					return err
				}
				f = report.FileOf(r)
			}
			if err := fn(string(id), f, full); err != nil {
				return err
			}
		}
		return nil
	})
}

var (
	kFactsFrom = []byte("facts_from") // in meta: where FillFacts goes on
	kFactsDone = []byte("facts_done") // in meta: every entry has its facts
)

// FillFacts gives up to limit receipt index entries written before the
// facts were kept their record's facts, in one transaction, going on from
// where the last call stopped; done says none is left. A counter calls it
// in the background after an upgrade; reports are right either way, only
// slower until it is done.
func (s *Store) FillFacts(limit int) (filled int, done bool, err error) {
	if s.readOnly {
		return 0, true, nil
	}
	var finished bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bMeta).Get(kFactsDone) // the version the facts were filled at
		finished = len(v) == 1 && v[0] == factsVersion
		return nil
	})
	if finished {
		return 0, true, nil
	}
	s.StepAside()
	err = s.update(func(tx *bolt.Tx) error {
		meta, idx, recs := tx.Bucket(bMeta), tx.Bucket(bIdxReceived), tx.Bucket(bRecords)
		c := idx.Cursor()
		var k, v []byte
		if from := meta.Get(kFactsFrom); from != nil {
			k, v = c.Seek(from)
		} else {
			k, v = c.First()
		}
		var fill [][2][]byte
		for ; k != nil && len(fill) < limit; k, v = c.Next() {
			if _, ok := decodeFacts(v); ok {
				continue
			}
			r, err := decodeRecord(recs.Get(k[len(k)-idLen:]))
			if err != nil {
				return err
			}
			fill = append(fill, [2][]byte{bytes.Clone(k), encodeFacts(report.FileOf(r))})
		}
		for _, kv := range fill {
			if err := idx.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		filled = len(fill)
		if k == nil {
			done = true
			if err := meta.Delete(kFactsFrom); err != nil {
				return err
			}
			return meta.Put(kFactsDone, []byte{factsVersion})
		}
		return meta.Put(kFactsFrom, bytes.Clone(k))
	})
	return filled, done, err
}
