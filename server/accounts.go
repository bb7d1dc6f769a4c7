package server

import (
	"encoding/json"
	"net/http"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// The unit's accounts live here as the counters' account events made
// them, in the order this store took them: the first change of a part of
// an account (its password, its being disabled, its roles, its name) that
// arrives wins, and a change made at another counter against an older
// state of that part is refused as a conflict, with the account as it is
// here, so the person who made it is told (docs/protocol.md, "Accounts").

var bAccounts = []byte("accounts") // unit·username → dossier.Account

// Accounts calls fn for a unit's accounts ("" for all units).
func (s *BoltStore) Accounts(unit string, fn func(*dossier.Account) error) error {
	return eachOfUnit(s.db, bAccounts, unit, fn)
}

var bAuditHeads = []byte("audit_heads") // device id → auditHead

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

// SetAccountDisabled disables or enables an account of a unit from the
// backend (setAccountDisabled).
func (s *BoltStore) SetAccountDisabled(unit, username string, disabled bool) error {
	return s.db.Update(func(tx *bolt.Tx) error { return setAccountDisabled(boltTx{tx}, unit, username, disabled, s.now()) })
}

func (a *adminClient) SetAccountDisabled(unit, username string, disabled bool) error {
	return a.call(http.MethodPost, "/account", adminRequest{Unit: unit, Username: username, Disabled: disabled}, &struct{}{})
}
