package server

import (
	"encoding/binary"
	"encoding/json"
	"net/http"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/account"
	"motcua/dossier"
	"motcua/sync/wire"
)

// The unit's accounts live here as the counters' account events made
// them, in the order this store took them: the first change of a part of
// an account (its password, its being disabled, its roles, its name) that
// arrives wins, and a change made at another counter against an older
// state of that part is refused as a conflict, with the account as it is
// here, so the person who made it is told (docs/protocol.md, "Accounts").

var bAccounts = []byte("accounts") // unit·username → dossier.Account

func unitHasAccounts(tx *bolt.Tx, unit string) bool {
	k, _ := tx.Bucket(bAccounts).Cursor().Seek(unitKey(unit, ""))
	return k != nil && len(k) > len(unit) && string(k[:len(unit)+1]) == unit+"\x00"
}

func getUnitAccount(tx *bolt.Tx, unit, username string) *dossier.Account {
	v := tx.Bucket(bAccounts).Get(unitKey(unit, username))
	if v == nil {
		return nil
	}
	var a dossier.Account
	if json.Unmarshal(v, &a) != nil {
		return nil
	}
	return &a
}

// checkActor refuses a counter's event whose actor is no account of the
// unit or whose roles do not allow it. A unit with no account yet (set up
// before accounts, or whose first admin is still on its way) is not
// checked; officers are people of the processing side, authenticated by
// their own token.
func checkActor(tx *bolt.Tx, p Principal, e dossier.Event) string {
	if p.Kind != KindDevice || !unitHasAccounts(tx, p.Unit) {
		return ""
	}
	a := getUnitAccount(tx, p.Unit, e.Actor)
	switch {
	case a == nil:
		return "người thực hiện “" + e.Actor + "” không phải tài khoản của đơn vị"
	case !account.Allowed(a.Roles, account.ForEvent(e.Type)):
		return "tài khoản “" + e.Actor + "” không có quyền thực hiện thao tác này"
	}
	return ""
}

// pushAccount takes an account change from a counter: the actor must be
// allowed to make it (an admin; a person for their own password; the
// unit's first admin for its own creation) and it must be made against
// the account as it is here.
func (s *BoltStore) pushAccount(tx *bolt.Tx, p Principal, e dossier.Event, remember func(eventResult) error,
	reject func(string) (wire.PushResult, error)) (wire.PushResult, error) {
	ch := e.Account
	if p.Kind != KindDevice || ch == nil || ch.Username != e.RecordID {
		return reject("thay đổi tài khoản không hợp lệ")
	}
	if ch.Op == dossier.OpCreate && ch.UnitCode != p.Unit {
		return reject("tài khoản không thuộc đơn vị của thiết bị này")
	}
	first := !unitHasAccounts(tx, p.Unit)
	if !account.MayChange(getUnitAccount(tx, p.Unit, e.Actor), e.Actor, ch, first) {
		return reject("người thực hiện không có quyền thay đổi tài khoản này")
	}
	old := getUnitAccount(tx, p.Unit, ch.Username)
	next, err := dossier.ApplyAccount(old, e, true)
	if err != nil {
		res, rerr := reject(err.Error())
		res.Account = old
		return res, rerr
	}
	seq, err := s.putAccount(tx, p.Unit, next, e)
	if err != nil {
		return wire.PushResult{}, err
	}
	return wire.PushResult{EventID: e.ID, Status: wire.Accepted, ServerSeq: seq}, remember(eventResult{Status: wire.Accepted, Seq: seq})
}

// putAccount keeps an account as its change made it, and puts the change
// at the end of the unit's log for the counters to pull.
func (s *BoltStore) putAccount(tx *bolt.Tx, unit string, a *dossier.Account, e dossier.Event) (uint64, error) {
	data, _ := json.Marshal(a)
	if err := tx.Bucket(bAccounts).Put(unitKey(unit, a.Username), data); err != nil {
		return 0, err
	}
	return s.appendLog(tx, unit, e)
}

// appendLog puts an event as it is at the end of the unit's log.
func (s *BoltStore) appendLog(tx *bolt.Tx, unit string, e dossier.Event) (uint64, error) {
	log := tx.Bucket(bLog)
	seq, err := log.NextSequence()
	if err != nil {
		return 0, err
	}
	evData, _ := json.Marshal(e)
	if err := log.Put(seqKey(unit, seq), evData); err != nil {
		return 0, err
	}
	return seq, tx.Bucket(bSeqCheck).Put(binary.BigEndian.AppendUint64(nil, seq), []byte(wire.CursorCheck(e.ID)))
}

// Accounts calls fn for a unit's accounts ("" for all units).
func (s *BoltStore) Accounts(unit string, fn func(*dossier.Account) error) error {
	return eachOfUnit(s.db, bAccounts, unit, fn)
}

// auditHead is what a device last said of its audit chain's head.
type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

var bAuditHeads = []byte("audit_heads") // device id → auditHead

// keepAuditHead keeps the head of a device's audit chain sent with a push.
func keepAuditHead(tx *bolt.Tx, p Principal, seq uint64, hash string) error {
	if p.Kind != KindDevice || p.DeviceID == "" || hash == "" {
		return nil
	}
	data, _ := json.Marshal(auditHead{Seq: seq, Hash: hash})
	return tx.Bucket(bAuditHeads).Put([]byte(p.DeviceID), data)
}

// AuditHead is the head of a device's audit chain as it last said.
func (s *BoltStore) AuditHead(deviceID string) (seq uint64, hash string, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		var h auditHead
		if v := tx.Bucket(bAuditHeads).Get([]byte(deviceID)); v != nil {
			if err := json.Unmarshal(v, &h); err != nil {
				return err
			}
		}
		seq, hash = h.Seq, h.Hash
		return nil
	})
	return seq, hash, err
}

// BackendActor is who account changes made at the backend are by (the
// province's administrator, at motcua-server).
const BackendActor = "motcua-server"

// SetAccountDisabled disables or enables an account of a unit from the
// backend: the change goes into the unit's log like a counter's, and
// every counter of the unit applies it at its next pull.
func (s *BoltStore) SetAccountDisabled(unit, username string, disabled bool) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		old := getUnitAccount(tx, unit, username)
		if old == nil {
			return dossier.ErrNoAccount
		}
		op := dossier.OpEnable
		if disabled {
			op = dossier.OpDisable
		}
		e := dossier.Event{ID: dossier.NewEventID(), RecordID: username, Type: dossier.EvAccount, Actor: BackendActor,
			At:      s.now().In(dossier.Loc).Truncate(time.Second),
			Account: &dossier.AccountChange{Op: op, Username: username, Prev: old.Stamps[dossier.AccountPart(op)]}}
		next, err := dossier.ApplyAccount(old, e, true)
		if err != nil {
			return err
		}
		seq, err := s.putAccount(tx, unit, next, e)
		if err != nil {
			return err
		}
		evData, _ := json.Marshal(eventResult{Status: wire.Accepted, Seq: seq, Hash: eventHash(e)})
		return tx.Bucket(bEvents).Put([]byte(e.ID), evData)
	})
}

func (a *adminClient) SetAccountDisabled(unit, username string, disabled bool) error {
	return a.call(http.MethodPost, "/account", adminRequest{Unit: unit, Username: username, Disabled: disabled}, &struct{}{})
}
