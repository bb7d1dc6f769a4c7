package server

import (
	"crypto/ed25519"
	"encoding/json"
	"sort"

	bolt "go.etcd.io/bbolt"

	"motcua/sync/wire"
)

var (
	kLANAuthority = []byte("lan_authority")
	bLANKeys      = []byte("lan_keys") // device id → its Ed25519 public key
)

// LANAuthority is the store's authority for the counters, made at first use.
func (s *BoltStore) LANAuthority() (LANAuthority, error) {
	var a LANAuthority
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kLANAuthority); v != nil {
			return json.Unmarshal(v, &a)
		}
		var err error
		if a, err = newLANAuthority(s.now()); err != nil {
			return err
		}
		return putJSON(meta, kLANAuthority, a)
	})
	return a, err
}

// SetDeviceKey keeps a device's key (a new one replaces the old).
func (s *BoltStore) SetDeviceKey(deviceID string, pub ed25519.PublicKey) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bLANKeys).Put([]byte(deviceID), pub) })
}

// DeviceKey is a device's key (nil: none).
func (s *BoltStore) DeviceKey(deviceID string) (ed25519.PublicKey, error) {
	var k ed25519.PublicKey
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bLANKeys).Get([]byte(deviceID)); v != nil {
			k = ed25519.PublicKey(clone(v))
		}
		return nil
	})
	return k, err
}

// DevicePrincipal is a device as enrolled (ErrNotFound).
func (s *BoltStore) DevicePrincipal(deviceID string) (Principal, error) {
	var p Principal
	err := s.db.View(func(tx *bolt.Tx) error {
		th := tx.Bucket(bDevices).Get([]byte(deviceID))
		if th == nil {
			return ErrNotFound
		}
		return json.Unmarshal(tx.Bucket(bPrincipals).Get(th), &p)
	})
	return p, err
}

// UnitDevices is the unit's roster, by counter.
func (s *BoltStore) UnitDevices(unit string) ([]wire.LANDevice, error) {
	out := []wire.LANDevice{}
	err := s.db.View(func(tx *bolt.Tx) error {
		principals, keys := tx.Bucket(bPrincipals), tx.Bucket(bLANKeys)
		return tx.Bucket(bDevices).ForEach(func(id, th []byte) error {
			var p Principal
			if json.Unmarshal(principals.Get(th), &p) == nil && p.Unit == unit {
				out = append(out, wire.LANDevice{DeviceID: string(id), Counter: p.Counter, Revoked: p.Revoked, PublicKey: clone(keys.Get(id))})
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Counter != out[j].Counter {
			return out[i].Counter < out[j].Counter
		}
		return out[i].DeviceID < out[j].DeviceID
	})
	return out, err
}
