package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/storage"
	"motcua/storage/storagetest"
	"motcua/sync/lan"
	"motcua/sync/wire"
)

// lanCounter is a counter with its node on the office network.
type lanCounter struct {
	*counter
	node *lan.Node
}

// lanOffice enrolls n counters of the unit, has them certified (two
// rounds: each roster then holds every key) and starts their nodes on
// loopback, each told the others' addresses.
func lanOffice(t *testing.T, b *backend, n int) []*lanCounter {
	t.Helper()
	out := make([]*lanCounter, n)
	for i := range out {
		out[i] = &lanCounter{counter: newCounter(t, b, b.url(), i+1, fastConfig)}
	}
	ctx := context.Background()
	for range 2 {
		for _, c := range out {
			if _, err := c.engine.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range out {
		node, err := lan.New(c.store, lan.Config{Addr: "127.0.0.1:0", Wait: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := node.Start(ctx); err != nil {
			t.Fatal(err)
		}
		c.node = node
		t.Cleanup(func() { node.Close() })
	}
	for _, c := range out {
		for _, o := range out {
			if o != c {
				c.node.AddPeer(o.node.Addr())
			}
		}
	}
	return out
}

// within polls cond until it holds, and says how long that took.
func within(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// With the province's backend down, a file received at counter 1 is found
// at counter 2 and returned there, and counter 1 and 3 see it returned,
// each within 2 seconds. Counter 1 is then switched off; the backend comes
// back; counter 2 relays counter 1's intake (its own events wait for it),
// and the backend ends with every event once, as every counter holds the
// record; counter 1 comes back and sends nothing twice.
func TestOfficeNetworkWhileTheProvinceIsDown(t *testing.T) {
	b := startBackend(t)
	cs := lanOffice(t, b, 3)
	ctx := context.Background()
	b.stop()

	rec := cs[0].intake(t, rand.New(rand.NewPCG(9, 9)))
	cs[0].node.Notify() // as the counter does after every save
	took := within(t, 2*time.Second, "the intake reaches counter 2", func() bool {
		_, err := cs[1].store.Get(rec.ID)
		return err == nil
	})
	t.Logf("an intake reached another counter in %s", took)
	got, err := cs[1].store.GetByCode(rec.Code)
	if err != nil || got.Owner.Name != rec.Owner.Name {
		t.Fatalf("counter 2 finds the file by its code: %v", err)
	}
	// counter 1 knows where its intake is: here, at counter 2 (as counter 2
	// says), not at the province (down)
	er := cs[0].store.Reach(rec.History[0].ID)
	if !er.Known || !er.Own || !er.Pending || er.Seq == 0 {
		t.Fatalf("reach of counter 1's own intake: %+v", er)
	}
	dev2 := cs[1].deviceID(t)
	within(t, 2*time.Second, "counter 1 hears that counter 2 has its intake", func() bool {
		for _, p := range cs[0].node.Peers() {
			if p.DeviceID == dev2 && p.Has(er.Origin, er.Seq) {
				return true
			}
		}
		return false
	})
	done, err := cs[1].store.Apply(cs[1].store.NewEvent(got, dossier.EvResultReady))
	if err != nil {
		t.Fatal(err)
	}
	ret := cs[1].store.NewEvent(done, dossier.EvReturned)
	ret.Collector = &dossier.Collector{Name: "Người nhận"}
	if _, err := cs[1].store.Apply(ret); err != nil {
		t.Fatal(err)
	}
	cs[1].node.Notify()
	for _, c := range []*lanCounter{cs[0], cs[2]} {
		within(t, 2*time.Second, "the return reaches the other counters", func() bool {
			r, err := c.store.Get(rec.ID)
			return err == nil && r.Status == dossier.StatusReturned
		})
	}

	// on counter 1 the last change is counter 2's, made there
	back, _ := cs[0].store.Get(rec.ID)
	if er := cs[0].store.Reach(back.History[len(back.History)-1].ID); !er.Known || er.Own || er.Origin != dev2 {
		t.Fatalf("reach of counter 2's return at counter 1: %+v", er)
	}
	cs[0].node.Close() // counter 1 is switched off
	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	sum, err := cs[1].engine.SyncOnce(ctx)
	if err != nil || sum.Relayed != 1 || sum.Conflicts != 0 {
		t.Fatalf("counter 2's round: %+v %v", sum, err)
	}
	if st, _ := cs[1].store.Stats(); st.Pending != 0 {
		t.Fatalf("counter 2 still has %d events waiting", st.Pending)
	}
	if _, err := cs[2].engine.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	server := b.records(t)[rec.ID]
	if server == nil || server.Status != dossier.StatusReturned || server.Counter != 1 || len(server.History) != 3 {
		t.Fatalf("the backend holds %+v", server)
	}
	sum, err = cs[0].engine.SyncOnce(ctx) // counter 1 comes back
	if err != nil || sum.Conflicts != 0 {
		t.Fatalf("counter 1's round: %+v %v", sum, err)
	}
	if st, _ := cs[0].store.Stats(); st.Pending != 0 || st.Attention != 0 {
		t.Fatalf("counter 1: %d pending, %d needing attention", st.Pending, st.Attention)
	}
	if er := cs[0].store.Reach(rec.History[0].ID); er.Pending {
		t.Fatal("counter 1's intake still shows as not at the province")
	}
	if again := b.records(t)[rec.ID]; len(again.History) != 3 {
		t.Fatalf("the backend holds %d events after counter 1 came back", len(again.History))
	}
	for i, c := range cs {
		r, _ := c.store.Get(rec.ID)
		if r.Status != server.Status || len(r.History) != len(server.History) {
			t.Fatalf("counter %d holds status %d with %d events", i+1, r.Status, len(r.History))
		}
		for j := range r.History {
			if r.History[j].ID != server.History[j].ID {
				t.Fatalf("counter %d: event %d differs from the backend's", i+1, j)
			}
		}
	}
}

// exchangeWith asks a node for events with a TLS configuration of one's
// own, and says whether anything came back.
func exchangeWith(addr string, cfg *tls.Config) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	body, _ := json.Marshal(wire.LANExchange{Have: map[string]uint64{}})
	resp, err := c.Post("https://"+addr+"/lan/v1/exchange", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var batch wire.LANBatch
	_ = json.NewDecoder(resp.Body).Decode(&batch)
	n := 0
	for _, evs := range batch.Events {
		n += len(evs)
	}
	return n, nil
}

// clientTLS is a counter's own TLS configuration, as its node makes it.
func clientTLS(t *testing.T, st *storage.Store) *tls.Config {
	t.Helper()
	id, err := st.LANIdentity()
	if err != nil || !id.Ready() {
		t.Fatalf("no identity: %v", err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(id.Key)
	cert, err := tls.X509KeyPair(id.Cert, pemBlock("PRIVATE KEY", pkcs8))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(id.CA)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: lan.ServerName, MinVersion: tls.VersionTLS13}
}

// A counter of another unit, a revoked counter, a stranger with a
// certificate of its own making and one with none get nothing, not even
// the list of codes; a peer that answers garbage and one that never
// answers do not stop the others.
func TestOfficeNetworkKeepsStrangersOut(t *testing.T) {
	b := startBackend(t)
	cs := lanOffice(t, b, 3)
	ctx := context.Background()
	rec := cs[0].intake(t, rand.New(rand.NewPCG(5, 5)))
	cs[0].node.Notify()
	addr := cs[0].node.Addr()
	if n, err := exchangeWith(addr, clientTLS(t, cs[1].store)); err != nil || n == 0 {
		t.Fatalf("a counter of the unit gets nothing: %d %v", n, err)
	}

	// another unit's counter, certified by the same backend
	other := newOtherUnitCounter(t, b)
	if n, err := exchangeWith(addr, clientTLS(t, other.store)); err == nil || n != 0 {
		t.Fatalf("another unit's counter got %d events (%v)", n, err)
	}
	// a stranger: its own certificate, or none
	pub, key, _ := ed25519.GenerateKey(crand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cs[1].deviceID(t), OrganizationalUnit: []string{testUnit}},
		DNSNames: []string{lan.ServerName}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(crand.Reader, tmpl, tmpl, pub, key)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	forged, _ := tls.X509KeyPair(pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", pkcs8))
	for name, cfg := range map[string]*tls.Config{
		"a self-made certificate": {InsecureSkipVerify: true, // presented whatever the server asks for
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &forged, nil }},
		"no certificate": {InsecureSkipVerify: true},
	} {
		if n, err := exchangeWith(addr, cfg); err == nil || n != 0 {
			t.Fatalf("%s got %d events (%v)", name, n, err)
		}
	}
	// counter 3 is revoked: once counter 1 has the roster, counter 3 gets nothing
	if err := b.store.Revoke(cs[2].deviceID(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := cs[0].engine.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	cs[0].node.Reload()
	if n, err := exchangeWith(addr, clientTLS(t, cs[2].store)); err == nil || n != 0 {
		t.Fatalf("a revoked counter got %d events (%v)", n, err)
	}

	// a peer that answers garbage and one that never answers
	garbage, _ := net.Listen("tcp", "127.0.0.1:0")
	stall, _ := net.Listen("tcp", "127.0.0.1:0")
	defer garbage.Close()
	defer stall.Close()
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n\x00\x01garbage"))
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := stall.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	cs[1].node.AddPeer(garbage.Addr().String())
	cs[1].node.AddPeer(stall.Addr().String())
	next := cs[0].intake(t, rand.New(rand.NewPCG(6, 6)))
	cs[0].node.Notify()
	within(t, 2*time.Second, "an intake reaches counter 2 past a garbage peer and a stalled one", func() bool {
		_, err := cs[1].store.Get(next.ID)
		return err == nil
	})
	if _, err := cs[1].store.Get(rec.ID); err != nil {
		t.Fatal(err)
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pemEncode(typ, der)
}

func (c *counter) deviceID(t testing.TB) string {
	st, err := c.store.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	return st.DeviceID
}

func pemEncode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// newOtherUnitCounter is a counter of another unit, certified by the same
// backend.
func newOtherUnitCounter(t *testing.T, b *backend) *counter {
	t.Helper()
	const unit = "000.00.13.H57"
	st := storagetest.Open(t)
	if err := st.SaveSettings(storage.Settings{UnitName: "UBND phường khác", UnitCode: unit, Place: "Huế", Counter: 1, Clerk: "Cán bộ", Language: "vi"}); err != nil {
		t.Fatal(err)
	}
	code, err := b.store.NewEnrollCode(unit, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, fastConfig)
	if err := e.Enroll(context.Background(), b.url(), code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &counter{store: st, engine: e}
}

// Two counters act on one file while apart: counter 2 finishes it (and
// counter 3 hears of it over the office network), counter 1, cut off,
// stops it. Counter 1 reaches the province first: its stop is the
// backend's verdict. Counter 3, whose copy went the other way, takes the
// backend's copy at its next round, and so does counter 2; every counter
// ends with what the backend holds, and both refused changes are listed.
func TestOfficeNetworkBackendPrevails(t *testing.T) {
	b := startBackend(t)
	cs := lanOffice(t, b, 3)
	ctx := context.Background()
	b.stop()
	rec := cs[0].intake(t, rand.New(rand.NewPCG(7, 7)))
	cs[0].node.Notify()
	for _, c := range cs[1:] {
		within(t, 2*time.Second, "the intake reaches the others", func() bool { _, err := c.store.Get(rec.ID); return err == nil })
	}
	cs[0].node.Close() // counter 1 is cut off from the others
	got, _ := cs[1].store.Get(rec.ID)
	if _, err := cs[1].store.Apply(cs[1].store.NewEvent(got, dossier.EvResultReady)); err != nil {
		t.Fatal(err)
	}
	cs[1].node.Notify()
	within(t, 2*time.Second, "counter 3 hears counter 2 finished it", func() bool {
		r, _ := cs[2].store.Get(rec.ID)
		return r.Status == dossier.StatusDone
	})
	stop := cs[0].store.NewEvent(rec, dossier.EvStopped)
	stop.Reason = "Công dân không bổ sung hồ sơ"
	if _, err := cs[0].store.Apply(stop); err != nil {
		t.Fatal(err)
	}

	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*lanCounter{cs[0], cs[2], cs[1], cs[2]} {
		if _, err := c.engine.SyncOnce(ctx); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
	server := b.records(t)[rec.ID]
	if server.Status != dossier.StatusStopped {
		t.Fatalf("the backend holds status %d", server.Status)
	}
	for i, c := range cs {
		r, _ := c.store.Get(rec.ID)
		if r.Status != server.Status || r.Version != server.Version {
			t.Fatalf("counter %d holds status %d version %d, the backend %d %d", i+1, r.Status, r.Version, server.Status, server.Version)
		}
	}
	for i, c := range cs[1:] {
		if st, _ := c.store.Stats(); st.Attention == 0 {
			t.Fatalf("counter %d lists no refused change", i+2)
		}
	}
}

// A counter switched on late gets from one peer, in one batch, the
// intakes of counter 1 and what counter 2 did to them: whatever order the
// devices come in, each change applies after the intake it follows.
func TestOfficeNetworkCausalOrder(t *testing.T) {
	b := startBackend(t)
	cs := lanOffice(t, b, 3)
	b.stop()
	cs[2].node.Close() // counter 3 is off
	r := rand.New(rand.NewPCG(12, 12))
	var ids []string
	for range 8 {
		rec := cs[0].intake(t, r)
		cs[0].node.Notify()
		var got *dossier.Record
		within(t, 2*time.Second, "the intake reaches counter 2", func() bool {
			var err error
			got, err = cs[1].store.Get(rec.ID)
			return err == nil
		})
		if _, err := cs[1].store.Apply(cs[1].store.NewEvent(got, dossier.EvResultReady)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
	node, err := lan.New(cs[2].store, lan.Config{Addr: "127.0.0.1:0", Wait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	node.AddPeer(cs[1].node.Addr()) // counter 2 holds counter 1's events and its own
	for _, id := range ids {
		within(t, 5*time.Second, "counter 3 has each file finished", func() bool {
			r, err := cs[2].store.Get(id)
			return err == nil && r.Status == dossier.StatusDone
		})
	}
	if st, _ := cs[2].store.Stats(); st.Attention != 0 {
		t.Fatalf("counter 3 refused %d changes", st.Attention)
	}
}

// Counter 1 is cut off from the others, the province away. On one file
// counter 2 stops the file before counter 1 finishes it; on another
// counter 1 finishes it before counter 2 stops it. When counter 1 is back on the
// office network, every counter holds each file as the earlier change left
// it (the later refused), whichever change reached it first, and lists
// the refused change in needs-attention. The backend then comes back: its
// verdict (the first change to reach it) prevails on every counter.
func TestOfficeNetworkConflictsResolveAlike(t *testing.T) {
	b := startBackend(t)
	cs := lanOffice(t, b, 3)
	ctx := context.Background()
	b.stop()
	r := rand.New(rand.NewPCG(21, 21))
	var recs [2]*dossier.Record
	for i := range recs {
		recs[i] = cs[0].intake(t, r)
	}
	cs[0].node.Notify()
	for _, c := range cs[1:] {
		for _, rec := range recs {
			within(t, 2*time.Second, "the intakes reach the others", func() bool {
				_, err := c.store.Get(rec.ID)
				return err == nil
			})
		}
	}
	cs[0].node.Close() // counter 1 is cut off
	finish := func(rec *dossier.Record) {
		t.Helper()
		if _, err := cs[0].store.Apply(cs[0].store.NewEvent(rec, dossier.EvResultReady)); err != nil {
			t.Fatal(err)
		}
	}
	stop := func(rec *dossier.Record) {
		t.Helper()
		got, _ := cs[1].store.Get(rec.ID)
		e := cs[1].store.NewEvent(got, dossier.EvStopped)
		e.Reason = "Công dân đề nghị dừng"
		if _, err := cs[1].store.Apply(e); err != nil {
			t.Fatal(err)
		}
		cs[1].node.Notify()
	}
	stop(recs[0])
	time.Sleep(2 * time.Millisecond)
	finish(recs[0])
	finish(recs[1])
	time.Sleep(2 * time.Millisecond)
	stop(recs[1])
	within(t, 2*time.Second, "counter 3 hears counter 2's changes", func() bool {
		got, _ := cs[2].store.Get(recs[1].ID)
		return got.Status == dossier.StatusStopped
	})

	// counter 1 back on the office network
	node, err := lan.New(cs[0].store, lan.Config{Addr: "127.0.0.1:0", Wait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	for _, c := range cs[1:] {
		node.AddPeer(c.node.Addr())
		c.node.AddPeer(node.Addr())
	}
	node.Notify()
	want := [2]dossier.Status{dossier.StatusStopped, dossier.StatusDone}
	for i, c := range cs {
		for j, rec := range recs {
			within(t, 5*time.Second, "every counter holds what the earlier change left", func() bool {
				got, _ := c.store.Get(rec.ID)
				return got.Status == want[j] && len(got.History) == 2
			})
			got, _ := c.store.Get(rec.ID)
			if again, _ := cs[0].store.Get(rec.ID); !sameHistory(got, again) {
				t.Fatalf("counter %d holds file %d otherwise than counter 1", i+1, j+1)
			}
		}
		within(t, 2*time.Second, "every counter lists both refused changes", func() bool {
			att, _ := c.store.Attention()
			return len(att) == 2
		})
		att, _ := c.store.Attention()
		for _, a := range att {
			j := 0
			if a.RecordID == recs[1].ID {
				j = 1
			}
			if refused := map[int]dossier.EventType{0: dossier.EvResultReady, 1: dossier.EvStopped}[j]; a.Event.Type != refused {
				t.Fatalf("counter %d lists the %s of file %d as refused", i+1, a.Event.Type, j+1)
			}
		}
	}

	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for i, c := range cs {
			if _, err := c.engine.SyncOnce(ctx); err != nil {
				t.Fatalf("counter %d's round: %v", i+1, err)
			}
		}
	}
	server := b.records(t)
	for j, rec := range recs {
		s := server[rec.ID]
		seen := map[string]bool{}
		for _, e := range s.History {
			if seen[e.ID] {
				t.Fatalf("the backend holds event %s of file %d twice", e.ID, j+1)
			}
			seen[e.ID] = true
		}
		for i, c := range cs {
			got, _ := c.store.Get(rec.ID)
			if !sameHistory(got, s) || got.Status != s.Status {
				t.Fatalf("file %d: counter %d holds status %d with %d events, the backend %d with %d",
					j+1, i+1, got.Status, len(got.History), s.Status, len(s.History))
			}
		}
	}
}

func sameHistory(a, b *dossier.Record) bool {
	if a.Version != b.Version || len(a.History) != len(b.History) {
		return false
	}
	for i := range a.History {
		if a.History[i].ID != b.History[i].ID {
			return false
		}
	}
	return true
}
