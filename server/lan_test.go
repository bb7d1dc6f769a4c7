package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"motcua/dossier"
	"motcua/sync/wire"
)

// A counter's key is certified for its unit; the roster lists the unit's
// devices only; one counter relays another's events, which must carry
// their origin's signature, and they count as the origin's own: its own
// push of them later is a duplicate.
func TestLANCertificateAndRelay(t *testing.T) {
	e := newEnv(t)
	const unit = "000.00.12.H57"
	c1, c2, other := e.enroll(unit, 1), e.enroll(unit, 2), e.enroll("000.00.13.H57", 1)
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(wire.LANCertRequest{PublicKey: pub})
	status, out := e.call("POST", "/v1/lan/cert", c1.Token, body)
	var cr wire.LANCertResponse
	if status != 200 || json.Unmarshal(out, &cr) != nil {
		t.Fatalf("cert: %d %s", status, out)
	}
	cb, _ := pem.Decode(cr.Cert)
	ab, _ := pem.Decode(cr.CA)
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(ab.Bytes)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: LANServerName, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("the certificate does not chain to the authority: %v", err)
	}
	if cert.Subject.CommonName != c1.DeviceID || len(cert.Subject.OrganizationalUnit) != 1 || cert.Subject.OrganizationalUnit[0] != unit {
		t.Fatalf("subject %+v", cert.Subject)
	}
	if len(cr.Devices) != 2 || strings.Contains(string(out), other.DeviceID) {
		t.Fatalf("roster %+v", cr.Devices)
	}

	// counter 2 relays counter 1's intake, signed by counter 1
	ev := intakeEvent(unit, 1, "Nguyễn Thị Lan")
	raw, _ := json.Marshal(ev)
	relay := func(tok string, req wire.RelayRequest) (int, string) {
		b, _ := json.Marshal(req)
		status, out := e.call("POST", "/v1/relay", tok, b)
		return status, string(out)
	}
	forged := append([]byte(nil), raw...)
	forged = []byte(strings.Replace(string(forged), "Nguyễn Thị Lan", "Nguyễn Thị Lân", 1))
	if status, out := relay(c2.Token, wire.RelayRequest{Origin: c1.DeviceID, Events: []wire.LANEvent{{Seq: 1, Event: forged, Sig: ed25519.Sign(key, raw)}}}); status != 400 || !strings.Contains(out, "chữ ký") {
		t.Fatalf("a changed event was taken: %d %s", status, out)
	}
	if status, _ := relay(other.Token, wire.RelayRequest{Origin: c1.DeviceID, Events: []wire.LANEvent{{Seq: 1, Event: raw, Sig: ed25519.Sign(key, raw)}}}); status != 404 {
		t.Fatalf("another unit's counter relayed: %d", status)
	}
	status, res := relay(c2.Token, wire.RelayRequest{Origin: c1.DeviceID, Events: []wire.LANEvent{{Seq: 1, Event: raw, Sig: ed25519.Sign(key, raw)}}})
	var pr wire.PushResponse
	if status != 200 || json.Unmarshal([]byte(res), &pr) != nil || pr.Results[0].Status != wire.Accepted || pr.DeviceHigh != 1 {
		t.Fatalf("relay: %d %s", status, res)
	}
	if status, out := e.call("GET", "/v1/relay/"+c1.DeviceID, c2.Token, nil); status != 200 || !strings.Contains(string(out), `"device_high":1`) {
		t.Fatalf("relay state: %d %s", status, out)
	}
	// counter 1 comes back and pushes it itself: a duplicate, nothing twice
	b, _ := json.Marshal(wire.PushRequest{DeviceID: c1.DeviceID, Events: []dossier.Event{ev}, Seqs: []uint64{1}})
	status, out = e.call("POST", "/v1/push", c1.Token, b)
	if status != 200 || !strings.Contains(string(out), `"status":"duplicate"`) {
		t.Fatalf("the origin's own push: %d %s", status, out)
	}
	// a revoked origin's events are not taken
	if err := e.store.Revoke(c1.DeviceID); err != nil {
		t.Fatal(err)
	}
	if status, _ := relay(c2.Token, wire.RelayRequest{Origin: c1.DeviceID, Events: []wire.LANEvent{{Seq: 2, Event: raw, Sig: ed25519.Sign(key, raw)}}}); status != 403 {
		t.Fatalf("a revoked device's events relayed: %d", status)
	}
}
