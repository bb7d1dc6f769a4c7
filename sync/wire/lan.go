package wire

import (
	"encoding/json"
	"time"
)

// The office network (docs/lan.md): counters of one unit exchange their
// events directly, over TLS with certificates the backend signs, and a
// counter relays to the backend the events of one that is switched off.

// LANCertRequest asks the backend to certify a counter's own key
// (POST /v1/lan/cert): an Ed25519 public key, 32 bytes.
type LANCertRequest struct {
	PublicKey []byte `json:"public_key"`
}

// LANCertResponse is the certificate (PEM) for the key, the authority that
// signed it (PEM), and the unit's devices.
type LANCertResponse struct {
	CA         []byte      `json:"ca"`
	Cert       []byte      `json:"cert"`
	Devices    []LANDevice `json:"devices"`
	ServerTime time.Time   `json:"server_time"`
}

// LANDevices is the unit's roster (GET /v1/lan/devices): a counter talks
// only to devices on it and not revoked.
type LANDevices struct {
	Devices    []LANDevice `json:"devices"`
	ServerTime time.Time   `json:"server_time"`
}

// LANDevice is one device of the unit.
type LANDevice struct {
	DeviceID string `json:"device_id"`
	Counter  int    `json:"counter"`
	Revoked  bool   `json:"revoked,omitempty"`
	// PublicKey is the device's certified Ed25519 key (none before it
	// asked for a certificate): the events it makes are signed with it.
	PublicKey []byte `json:"public_key,omitempty"`
}

// LANEvent is one event of a device with its place in that device's
// outbox (Seq) and the device's Ed25519 signature of Event's bytes, so
// that whoever carries it cannot change it.
type LANEvent struct {
	Seq   uint64          `json:"seq"`
	Event json.RawMessage `json:"event"`
	Sig   []byte          `json:"sig"`
}

// LANExchange asks a peer for the events it holds beyond Have (per
// originating device, the highest sequence held without a gap); Wait lets
// the peer hold the answer until it has something (a long poll).
type LANExchange struct {
	Have   map[string]uint64 `json:"have"`
	WaitMS int               `json:"wait_ms,omitempty"`
}

// LANBatch is a peer's answer: events by originating device, in sequence
// order from Have+1, and what the peer holds.
type LANBatch struct {
	Events map[string][]LANEvent `json:"events"`
	Have   map[string]uint64     `json:"have"`
	More   bool                  `json:"more,omitempty"`
}

// RelayRequest carries events of another device of the unit, switched
// off, to the backend (POST /v1/relay), in that device's sequence order.
type RelayRequest struct {
	Origin string     `json:"origin"`
	Events []LANEvent `json:"events"`
}
