package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"time"

	"motcua/dossier"
	"motcua/sync/wire"
)

// The office network (docs/lan.md). The backend is the authority the
// counters of a unit trust each other by: it signs each counter's own
// Ed25519 key into a certificate naming the device and its unit, gives
// the unit's roster (who is revoked), and takes from one counter the
// events of another that is switched off, each signed by its origin.

// LANServerName is the name every counter's certificate carries, so that
// TLS checks it the standard way whatever address a peer is reached at.
const LANServerName = "motcua-lan"

// LANAuthority is the backend's certificate authority for the counters.
type LANAuthority struct {
	CertPEM []byte `json:"cert"`
	KeyPEM  []byte `json:"key"`
}

// LANStore is what the backend keeps for the office network.
type LANStore interface {
	// LANAuthority is the store's authority, made at first use.
	LANAuthority() (LANAuthority, error)
	SetDeviceKey(deviceID string, pub ed25519.PublicKey) error
	DeviceKey(deviceID string) (ed25519.PublicKey, error) // nil: none
	DevicePrincipal(deviceID string) (Principal, error)   // ErrNotFound
	UnitDevices(unit string) ([]wire.LANDevice, error)
}

// newLANAuthority makes an authority: an Ed25519 key and its self-signed
// certificate, for twenty years.
func newLANAuthority(now time.Time) (LANAuthority, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return LANAuthority{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: "Một Cửa — mạng nội bộ các quầy", Organization: []string{"Một Cửa"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(20, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return LANAuthority{}, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return LANAuthority{}, err
	}
	return LANAuthority{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})}, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// certify signs a device's key: the certificate names the device (CN)
// and its unit (OU), for two years, for both ends of a TLS connection.
func (a LANAuthority) certify(p Principal, pub ed25519.PublicKey, now time.Time) ([]byte, error) {
	cb, _ := pem.Decode(a.CertPEM)
	kb, _ := pem.Decode(a.KeyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("server: the LAN authority is damaged")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: p.DeviceID, OrganizationalUnit: []string{p.Unit}, SerialNumber: fmt.Sprint(p.Counter)},
		DNSNames:     []string{LANServerName},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func (h *Handler) lanStore(w http.ResponseWriter, r *http.Request) (LANStore, bool) {
	ls, ok := h.store.(LANStore)
	if !ok {
		h.fail(w, r, http.StatusNotImplemented, "not_implemented", "máy chủ này không hỗ trợ mạng nội bộ các quầy")
	}
	return ls, ok
}

// lanCert certifies a counter's key and gives it the unit's roster.
func (h *Handler) lanCert(w http.ResponseWriter, r *http.Request, p Principal) {
	ls, ok := h.lanStore(w, r)
	if !ok {
		return
	}
	var req wire.LANCertRequest
	if !h.body(w, r, &req) {
		return
	}
	if len(req.PublicKey) != ed25519.PublicKeySize {
		h.fail(w, r, http.StatusBadRequest, "bad_request", "khóa công khai phải là khóa Ed25519 (32 byte)")
		return
	}
	auth, err := ls.LANAuthority()
	if err == nil {
		err = ls.SetDeviceKey(p.DeviceID, req.PublicKey)
	}
	var cert []byte
	if err == nil {
		cert, err = auth.certify(p, req.PublicKey, h.now())
	}
	var devs []wire.LANDevice
	if err == nil {
		devs, err = ls.UnitDevices(p.Unit)
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	slog.Info("LAN certificate issued", "device", p.DeviceID, "unit", p.Unit)
	h.json(w, r, http.StatusOK, wire.LANCertResponse{CA: auth.CertPEM, Cert: cert, Devices: devs, ServerTime: h.now()})
}

// lanDevices gives a counter its unit's roster.
func (h *Handler) lanDevices(w http.ResponseWriter, r *http.Request, p Principal) {
	ls, ok := h.lanStore(w, r)
	if !ok {
		return
	}
	devs, err := ls.UnitDevices(p.Unit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.json(w, r, http.StatusOK, wire.LANDevices{Devices: devs, ServerTime: h.now()})
}

// relayOrigin is the device whose events another counter of its unit
// carries: of the same unit, not revoked, with a key.
func (h *Handler) relayOrigin(w http.ResponseWriter, r *http.Request, p Principal, origin string) (Principal, ed25519.PublicKey, bool) {
	ls, ok := h.lanStore(w, r)
	if !ok {
		return Principal{}, nil, false
	}
	op, err := ls.DevicePrincipal(origin)
	if errors.Is(err, ErrNotFound) || err == nil && (op.Unit != p.Unit || op.Kind != KindDevice) {
		h.fail(w, r, http.StatusNotFound, "not_found", "không có thiết bị này trong đơn vị")
		return Principal{}, nil, false
	}
	if err == nil && op.Revoked {
		h.fail(w, r, http.StatusForbidden, "forbidden", "thiết bị này đã bị thu hồi")
		return Principal{}, nil, false
	}
	var key ed25519.PublicKey
	if err == nil {
		key, err = ls.DeviceKey(origin)
	}
	if err != nil {
		h.internal(w, r, err)
		return Principal{}, nil, false
	}
	return op, key, true
}

// relayState says how far the backend has another device's events.
func (h *Handler) relayState(w http.ResponseWriter, r *http.Request, p Principal) {
	op, _, ok := h.relayOrigin(w, r, p, r.PathValue("device"))
	if !ok {
		return
	}
	st, err := h.store.State(op)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.json(w, r, http.StatusOK, st)
}

// relay takes events of a switched-off device from another counter of
// its unit: each must carry its origin's signature, and goes through the
// same push as the origin's own, as the origin (deduplicated by id).
func (h *Handler) relay(w http.ResponseWriter, r *http.Request, p Principal) {
	var req wire.RelayRequest
	if !h.body(w, r, &req) {
		return
	}
	op, key, ok := h.relayOrigin(w, r, p, req.Origin)
	if !ok {
		return
	}
	if key == nil {
		h.fail(w, r, http.StatusConflict, "no_key", "thiết bị gốc chưa có khóa ký: các sự kiện của nó không kiểm chứng được")
		return
	}
	push := wire.PushRequest{DeviceID: op.DeviceID}
	for _, le := range req.Events {
		if !ed25519.Verify(key, le.Event, le.Sig) {
			h.fail(w, r, http.StatusBadRequest, "bad_signature", fmt.Sprintf("chữ ký của sự kiện số %d không đúng với thiết bị gốc", le.Seq))
			return
		}
		var e dossier.Event
		if err := json.Unmarshal(le.Event, &e); err != nil {
			h.fail(w, r, http.StatusBadRequest, "bad_request", "sự kiện không đúng định dạng")
			return
		}
		push.Events = append(push.Events, e)
		push.Seqs = append(push.Seqs, le.Seq)
	}
	if err := push.Validate(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	slog.Info("relayed events", "from", p.DeviceID, "origin", op.DeviceID, "events", len(push.Events))
	h.apply(w, r, op, push)
}
