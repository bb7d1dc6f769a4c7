package server

import (
	"encoding/binary"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/sync/wire"
)

// boltTx is a push's reads and writes in a bbolt transaction. The log's
// sequence is the file's, over all units: one writer at a time, so a
// sequence is visible the moment it is given.
type boltTx struct{ tx *bolt.Tx }

func getJSON[T any](b *bolt.Bucket, key []byte) (*T, error) {
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	var x T
	if err := json.Unmarshal(v, &x); err != nil {
		return nil, err
	}
	return &x, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func (t boltTx) result(id string) (*eventResult, error) {
	return getJSON[eventResult](t.tx.Bucket(bEvents), []byte(id))
}

func (t boltTx) keepResult(id string, r eventResult) error {
	return putJSON(t.tx.Bucket(bEvents), []byte(id), r)
}

func (t boltTx) record(unit, id string) (*dossier.Record, error) {
	return getJSON[dossier.Record](t.tx.Bucket(bRecords), unitKey(unit, id))
}

func (t boltTx) putRecord(unit string, r *dossier.Record, isNew bool) error {
	if err := putJSON(t.tx.Bucket(bRecords), unitKey(unit, r.ID), r); err != nil {
		return err
	}
	if !isNew {
		return nil
	}
	return t.tx.Bucket(bRecordCodes).Put(unitKey(unit, r.Code), []byte(r.ID))
}

func (t boltTx) codeHolder(unit, code string) (string, error) {
	return string(t.tx.Bucket(bRecordCodes).Get(unitKey(unit, code))), nil
}

func (t boltTx) appendLog(unit string, e dossier.Event, enc []byte) (uint64, error) {
	log := t.tx.Bucket(bLog)
	seq, err := log.NextSequence()
	if err != nil {
		return 0, err
	}
	log.FillPercent = 0.9
	if err := log.Put(seqKey(unit, seq), enc); err != nil {
		return 0, err
	}
	return seq, t.tx.Bucket(bSeqCheck).Put(binary.BigEndian.AppendUint64(nil, seq), []byte(wire.CursorCheck(e.ID)))
}

func (t boltTx) hasAccounts(unit string) (bool, error) {
	k, _ := t.tx.Bucket(bAccounts).Cursor().Seek(unitKey(unit, ""))
	return k != nil && len(k) > len(unit) && string(k[:len(unit)+1]) == unit+"\x00", nil
}

func (t boltTx) account(unit, username string) (*dossier.Account, error) {
	a, err := getJSON[dossier.Account](t.tx.Bucket(bAccounts), unitKey(unit, username))
	if err != nil {
		return nil, nil // an unreadable account is none (as before)
	}
	return a, nil
}

func (t boltTx) putAccount(unit string, a *dossier.Account) error {
	return putJSON(t.tx.Bucket(bAccounts), unitKey(unit, a.Username), a)
}

func (t boltTx) letterHolder(unit string, year int, letter string) (string, error) {
	return string(t.tx.Bucket(bLetterUsed).Get(unitKey(unit, letterKey(year, letter)))), nil
}

func (t boltTx) keepLetter(unit string, year int, letter, eventID string) error {
	return t.tx.Bucket(bLetterUsed).Put(unitKey(unit, letterKey(year, letter)), []byte(eventID))
}

func (t boltTx) putGuidance(unit string, g *dossier.Guidance) error {
	return putJSON(t.tx.Bucket(bGuidance), unitKey(unit, g.ID), g)
}

func (t boltTx) state(p Principal) (wire.State, error) { return state(t.tx, p), nil }

func (t boltTx) setDeviceHigh(deviceID string, high uint64) error {
	return t.tx.Bucket(bDeviceHigh).Put([]byte(deviceID), binary.BigEndian.AppendUint64(nil, high))
}

func (t boltTx) keepAuditHead(deviceID string, h auditHead) error {
	return putJSON(t.tx.Bucket(bAuditHeads), []byte(deviceID), h)
}

var _ pushTx = boltTx{}

func (t boltTx) queuePortal(it PortalItem) error {
	b := t.tx.Bucket(bPortal)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	it.Seq = seq
	return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), it)
}
