package server

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"motcua/sync/wire"
)

// The unit's register of outgoing documents (sổ đăng ký văn bản đi): one
// sequence per unit per year. Counters ask for runs of numbers ahead and
// give them out offline, each run theirs alone, so no number is given
// twice; a letter's number travels in its event, and the backend refuses
// a number of the unit's year that another letter holds.

var (
	bLetterNext = []byte("letter_next") // unit·year → next number of the register
	bLetterReq  = []byte("letter_req")  // device·request id → the run it got
	bLetterUsed = []byte("letter_used") // unit·year·letter → event id
)

// ErrBadLetterRequest says a request for register numbers is malformed.
var ErrBadLetterRequest = errors.New("yêu cầu số văn bản không hợp lệ")

// ReserveLetters gives a device the next run of numbers of its unit's
// register for a year; the same request id again gets the same run.
func (s *BoltStore) ReserveLetters(p Principal, req wire.LetterRequest) (wire.LetterBlock, error) {
	var b wire.LetterBlock
	if err := checkLetterRequest(p, req); err != nil {
		return b, err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		reqs := tx.Bucket(bLetterReq)
		rk := unitKey(p.DeviceID, req.ID)
		if v := reqs.Get(rk); v != nil {
			return json.Unmarshal(v, &b)
		}
		next := tx.Bucket(bLetterNext)
		nk := unitKey(p.Unit, strconv.Itoa(req.Year))
		from := uint64(1)
		if v := next.Get(nk); len(v) == 8 {
			from = binary.BigEndian.Uint64(v)
		}
		b = wire.LetterBlock{Year: req.Year, From: int(from), To: int(from) + req.Count - 1}
		if err := next.Put(nk, binary.BigEndian.AppendUint64(nil, uint64(b.To+1))); err != nil {
			return err
		}
		data, _ := json.Marshal(b)
		return reqs.Put(rk, data)
	})
	return b, err
}

// checkLetterRequest refuses a malformed request for register numbers, or
// one not from a counter.
func checkLetterRequest(p Principal, req wire.LetterRequest) error {
	if p.Kind != KindDevice || req.ID == "" || len(req.ID) > 64 || req.Year < 2000 || req.Year > 2200 || req.Count < 1 || req.Count > wire.MaxLetterBlock {
		return ErrBadLetterRequest
	}
	return nil
}
