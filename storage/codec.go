package storage

// Byte codecs of the file: fixed-width big-endian numbers (so that a cursor
// scan is the query), composite index keys, and records and log entries as
// JSON.

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/internal/boltfile"
	"motcua/report"
)

// appendJSON stores the value mk makes for the bucket's next sequence
// number under that number (audit, outbox and attention are such logs).
func appendJSON(b *bolt.Bucket, mk func(seq uint64) any) error {
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(mk(seq))
	if err != nil {
		return err
	}
	return b.Put(u64(seq), data)
}

// encoded is a record ready to be written: its JSON and its index keys.
// Bulk work makes it outside the write transaction, so that transaction
// stays short.
type encoded struct {
	facts []byte // the record's report facts, the receipt index entry's value (facts.go)
	r     *dossier.Record
	data  []byte
	keys  map[string][][]byte
}

func encodeRecord(r *dossier.Record) (*encoded, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return &encoded{r: r, data: data, keys: indexKeys(r), facts: encodeFacts(report.FileOf(r))}, nil
}

func unix8(t time.Time) []byte {
	if t.IsZero() {
		return u64(0)
	}
	return u64(uint64(t.Unix()))
}

func join(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var sep = []byte{0}

func be64(b []byte) uint64 { return uint64(be32(b[:4]))<<32 | uint64(be32(b[4:])) }

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

var clone = boltfile.Clone

func decodeRecord(v []byte) (*dossier.Record, error) {
	var r dossier.Record
	return &r, json.Unmarshal(v, &r)
}
