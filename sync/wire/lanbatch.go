package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// LANBatchType is the media type of a LANBatch framed in binary: a backlog
// of thousands of events comes as their bytes with their lengths, with no
// JSON around them to encode and scan again. A counter asks for it with
// Accept; a peer that does not know it answers JSON, as before.
const LANBatchType = "application/vnd.motcua.lan-batch"

// The framing: the magic "MCLB1", a flags byte (1: More), the number of
// devices, and for each its id, the number of its events and each as its
// sequence, its signature and its bytes; then the number of devices held,
// each its id and highest sequence. Numbers are unsigned varints; ids,
// signatures and events are prefixed by their length.
var lanMagic = []byte("MCLB1")

// ErrBadBatch says a binary batch is cut short or malformed.
var ErrBadBatch = errors.New("wire: a malformed batch of the office network")

// AppendBinary appends the batch in binary framing, devices in order.
func (b LANBatch) AppendBinary(buf []byte) ([]byte, error) {
	buf = append(buf, lanMagic...)
	var flags byte
	if b.More {
		flags = 1
	}
	buf = append(buf, flags)
	buf = binary.AppendUvarint(buf, uint64(len(b.Events)))
	for _, dev := range slices.Sorted(maps.Keys(b.Events)) {
		evs := b.Events[dev]
		buf = appendBytes(buf, []byte(dev))
		buf = binary.AppendUvarint(buf, uint64(len(evs)))
		for _, e := range evs {
			buf = binary.AppendUvarint(buf, e.Seq)
			buf = appendBytes(buf, e.Sig)
			buf = appendBytes(buf, e.Event)
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(b.Have)))
	for _, dev := range slices.Sorted(maps.Keys(b.Have)) {
		buf = appendBytes(buf, []byte(dev))
		buf = binary.AppendUvarint(buf, b.Have[dev])
	}
	return buf, nil
}

// UnmarshalBinary reads a batch in binary framing (ErrBadBatch when it is
// not one). The events' bytes and signatures are slices of data, which
// the batch so keeps.
func (b *LANBatch) UnmarshalBinary(data []byte) error {
	r := &reader{data: data}
	if !bytes.HasPrefix(data, lanMagic) {
		return fmt.Errorf("%w: not one", ErrBadBatch)
	}
	r.off = len(lanMagic)
	flags := r.byte()
	out := LANBatch{More: flags&1 != 0, Events: map[string][]LANEvent{}, Have: map[string]uint64{}}
	nDev := r.count(2)
	for range nDev {
		dev := string(r.bytes())
		n := r.count(3) // a sequence and two lengths at least
		evs := make([]LANEvent, 0, n)
		for range n {
			e := LANEvent{Seq: r.uvarint()}
			e.Sig, e.Event = r.bytes(), r.bytes()
			evs = append(evs, e)
		}
		if r.err == nil {
			out.Events[dev] = evs
		}
	}
	for range r.count(2) {
		dev := string(r.bytes())
		out.Have[dev] = r.uvarint()
	}
	switch {
	case r.err != nil:
		return r.err
	case r.off != len(data):
		return fmt.Errorf("%w: %d bytes left over", ErrBadBatch, len(data)-r.off)
	}
	*b = out
	return nil
}

func appendBytes(buf, p []byte) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(p))), p...)
}

// reader reads the framing; its first error sticks and every later read
// gives zeros.
type reader struct {
	data []byte
	off  int
	err  error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s cut short at byte %d", ErrBadBatch, what, r.off)
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.data) {
		r.fail("flags")
		return 0
	}
	r.off++
	return r.data[r.off-1]
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data[r.off:])
	if n <= 0 {
		r.fail("a number")
		return 0
	}
	r.off += n
	return v
}

// count is a number of items of at least min bytes each: never more than
// the bytes left could hold, so a garbage count allocates nothing.
func (r *reader) count(min int) int {
	v := r.uvarint()
	if r.err == nil && v > uint64((len(r.data)-r.off)/min) {
		r.fail("a count")
	}
	if r.err != nil {
		return 0
	}
	return int(v)
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.data)-r.off) {
		r.fail("a field")
	}
	if r.err != nil {
		return nil
	}
	p := r.data[r.off : r.off+int(n) : r.off+int(n)]
	r.off += int(n)
	return p
}
