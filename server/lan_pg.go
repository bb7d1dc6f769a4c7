package server

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"motcua/sync/wire"
)

// LANAuthority is the store's authority for the counters, made at first
// use; of several processes making it at once, the first kept wins.
func (s *PgStore) LANAuthority() (LANAuthority, error) {
	ctx := context.Background()
	var a LANAuthority
	if err := pgMetaJSON(ctx, s.pool, "lan_authority", &a); err != nil || a.CertPEM != nil {
		return a, err
	}
	made, err := newLANAuthority(s.now())
	if err != nil {
		return a, err
	}
	data, err := json.Marshal(made)
	if err != nil {
		return a, err
	}
	if _, err := s.pool.Exec(ctx, "INSERT INTO meta (key, value) VALUES ('lan_authority', $1) ON CONFLICT (key) DO NOTHING", string(data)); err != nil {
		return a, err
	}
	return a, pgMetaJSON(ctx, s.pool, "lan_authority", &a)
}

// SetDeviceKey keeps a device's key (a new one replaces the old).
func (s *PgStore) SetDeviceKey(deviceID string, pub ed25519.PublicKey) error {
	_, err := s.pool.Exec(context.Background(), `INSERT INTO lan_keys (device_id, pub) VALUES ($1, $2)
		ON CONFLICT (device_id) DO UPDATE SET pub = excluded.pub`, deviceID, []byte(pub))
	return err
}

// DeviceKey is a device's key (nil: none).
func (s *PgStore) DeviceKey(deviceID string) (ed25519.PublicKey, error) {
	var k []byte
	err := s.pool.QueryRow(context.Background(), "SELECT pub FROM lan_keys WHERE device_id = $1", deviceID).Scan(&k)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return k, err
}

// DevicePrincipal is a device as enrolled (ErrNotFound).
func (s *PgStore) DevicePrincipal(deviceID string) (Principal, error) {
	p := Principal{Kind: KindDevice, DeviceID: deviceID}
	err := s.pool.QueryRow(context.Background(), "SELECT unit, counter, revoked FROM principals WHERE device_id = $1 AND kind = 'device'", deviceID).
		Scan(&p.Unit, &p.Counter, &p.Revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// UnitDevices is the unit's roster, by counter.
func (s *PgStore) UnitDevices(unit string) ([]wire.LANDevice, error) {
	rows, err := s.pool.Query(context.Background(),
		`SELECT p.device_id, p.counter, p.revoked, k.pub FROM principals p LEFT JOIN lan_keys k ON k.device_id = p.device_id
		WHERE p.unit = $1 AND p.kind = 'device' ORDER BY p.counter, p.device_id`, unit)
	if err != nil {
		return nil, err
	}
	out := []wire.LANDevice{}
	for rows.Next() {
		var d wire.LANDevice
		if err := rows.Scan(&d.DeviceID, &d.Counter, &d.Revoked, &d.PublicKey); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
