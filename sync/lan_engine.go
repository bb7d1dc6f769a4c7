package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"motcua/storage"
	"motcua/sync/wire"
)

// The office network's part of a round (docs/lan.md): the counter's key
// certified once (and again a month before it expires), the unit's roster
// fetched each round (who is revoked), and the events of the unit's other
// devices that this counter holds and the backend lacks carried there.

// lanRound does the office network's work of a round. Its failures wait
// for the next round: the counter's own sync is done.
func (e *Engine) lanRound(ctx context.Context, r Remote) (relayed int) {
	if err := e.lanIdentity(ctx, r); err != nil {
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusNotImplemented {
			slog.Warn("office network: certificate or roster", "err", err)
		}
		return 0
	}
	n, err := e.relay(ctx, r)
	if err != nil {
		slog.Warn("office network: relaying other counters' events", "err", err)
	}
	return n
}

// lanIdentity makes the key at first, has it certified when there is no
// certificate or it ends within 30 days, and refreshes the roster.
func (e *Engine) lanIdentity(ctx context.Context, r Remote) error {
	id, err := e.store.LANIdentity()
	if err != nil {
		return err
	}
	if len(id.Key) != ed25519.PrivateKeySize {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		if err := e.store.UpdateLANIdentity(func(i *storage.LANIdentity) { i.Key, i.Cert = key, nil }); err != nil {
			return err
		}
		id.Key, id.Cert = key, nil
	}
	if certEnds(id.Cert).Before(e.now().Add(30 * 24 * time.Hour)) {
		resp, err := r.LANCert(ctx, wire.LANCertRequest{PublicKey: id.Key.Public().(ed25519.PublicKey)})
		if err != nil {
			return err
		}
		return e.store.UpdateLANIdentity(func(i *storage.LANIdentity) {
			i.Cert, i.CA, i.Devices, i.RosterAt = resp.Cert, resp.CA, resp.Devices, e.now()
		})
	}
	devs, err := r.LANDevices(ctx)
	if err != nil {
		return err
	}
	return e.store.UpdateLANIdentity(func(i *storage.LANIdentity) { i.Devices, i.RosterAt = devs.Devices, e.now() })
}

// certEnds is when a certificate ends (zero: none, or unreadable).
func certEnds(pemCert []byte) time.Time {
	b, _ := pem.Decode(pemCert)
	if b == nil {
		return time.Time{}
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return time.Time{}
	}
	return c.NotAfter
}

// relay carries to the backend the events of the unit's other devices
// held here beyond what the backend has of each (their origin may be
// switched off); the backend checks each one's signature and dedupes by
// id, so a device that comes back and sends them too changes nothing.
func (e *Engine) relay(ctx context.Context, r Remote) (int, error) {
	have, err := e.store.LANHave()
	if err != nil {
		return 0, err
	}
	st, err := e.store.SyncState()
	if err != nil {
		return 0, err
	}
	total := 0
	for origin, high := range have {
		if origin == st.DeviceID {
			continue
		}
		held, err := r.RelayState(ctx, origin)
		if err != nil {
			return total, err
		}
		for after := held.DeviceHigh; after < high; {
			evs, err := e.store.LANRelay(origin, after, e.cfg.Batch)
			if err != nil || len(evs) == 0 {
				return total, err
			}
			if _, err := r.Relay(ctx, wire.RelayRequest{Origin: origin, Events: evs}); err != nil {
				return total, err
			}
			total += len(evs)
			after = evs[len(evs)-1].Seq
		}
	}
	return total, nil
}
