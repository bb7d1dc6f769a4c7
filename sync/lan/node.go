// Package lan shares a unit's events between its counters over the office
// network (docs/lan.md), whether or not the province's backend can be
// reached: each counter asks each peer for the events it lacks, per
// originating device and in that device's own sequence, and keeps what it
// gets to pass on. Counters find each other by DNS-SD over multicast DNS
// (github.com/hashicorp/mdns) and from addresses an administrator lists;
// they talk only over TLS 1.3 with both ends holding a certificate the
// backend signed for a device of the same unit, not revoked.
package lan

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"motcua/storage"
	"motcua/sync/wire"
)

// ServerName is the name in every counter's certificate (server.LANServerName).
const ServerName = "motcua-lan"

// DefaultPort is where a counter listens unless told otherwise.
const DefaultPort = 8761

// Config is how a node runs.
type Config struct {
	Addr     string        // where to listen (":8761"); "127.0.0.1:0" in tests
	Peers    []string      // addresses set by the administrator (host:port)
	Discover bool          // find peers by multicast DNS too
	Wait     time.Duration // how long a peer holds an exchange with nothing new (20 s)
	// OnChange is called after events from a peer were applied (the UI
	// reloads what it shows).
	OnChange func()
}

// ErrNotReady says the counter has no certificate yet: it gets one at its
// first sync with the backend.
var ErrNotReady = errors.New("lan: quầy chưa có chứng thư của máy chủ tỉnh để dùng mạng nội bộ; hãy đồng bộ một lần khi có mạng")

// Node is one counter on the office network.
type Node struct {
	store *storage.Store
	cfg   Config
	own   string // this device
	unit  string

	mu      gosync.Mutex
	id      storage.LANIdentity
	changed chan struct{} // closed (and replaced) when the store has new events
	awake   chan struct{} // closed (and replaced) when a peer called: retry now
	peers   map[string]*peer
	ln      net.Listener
	srv     *http.Server
	client  *http.Client
	ctx     context.Context
	cancel  context.CancelFunc
	wg      gosync.WaitGroup
	mdns    io.Closer
}

type peer struct {
	addr     string
	device   string    // learned at the first exchange
	counter  int       // from the roster
	lastOK   time.Time // the last exchange that went through
	lastErr  string
	have     map[string]uint64 // what the peer said it holds, per device
	stopping bool
}

// PeerStatus is a peer as the status bar and the sync screen show it.
type PeerStatus struct {
	Addr     string
	DeviceID string
	Counter  int
	LastOK   time.Time
	LastErr  string
	// Has says whether the peer holds a device's event (as it last said).
	Has func(device string, seq uint64) bool
}

// New prepares a node for a counter store (ErrNotReady without a
// certificate).
func New(st *storage.Store, cfg Config) (*Node, error) {
	id, err := st.LANIdentity()
	if err != nil {
		return nil, err
	}
	ss, err := st.SyncState()
	if err != nil {
		return nil, err
	}
	if !id.Ready() || ss.DeviceID == "" {
		return nil, ErrNotReady
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 20 * time.Second
	}
	n := &Node{store: st, cfg: cfg, own: ss.DeviceID, unit: st.Settings().UnitCode, id: id,
		changed: make(chan struct{}), awake: make(chan struct{}), peers: map[string]*peer{}}
	return n, nil
}

// tlsConfigs are the server's and the client's: this counter's
// certificate, the backend's authority, and the unit's roster checked on
// every connection.
func (n *Node) tlsConfigs() (server, client *tls.Config, err error) {
	n.mu.Lock()
	id := n.id
	n.mu.Unlock()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := tls.X509KeyPair(id.Cert, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(id.CA) {
		return nil, nil, errors.New("lan: the authority's certificate is damaged")
	}
	verify := func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("lan: no certificate")
		}
		_, err := n.admit(cs.PeerCertificates[0])
		return err
	}
	server = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: pool, VerifyConnection: verify}
	client = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: ServerName,
		VerifyConnection: verify}
	return server, client, nil
}

// admit checks a peer's certificate (already verified against the
// authority): a device of this unit, on the roster, not revoked, not
// this one.
func (n *Node) admit(c *x509.Certificate) (storage.LANIdentity, error) {
	n.mu.Lock()
	id := n.id
	n.mu.Unlock()
	dev := c.Subject.CommonName
	switch d, ok := id.Device(dev); {
	case !slices.Equal(c.Subject.OrganizationalUnit, []string{n.unit}):
		return id, fmt.Errorf("lan: a device of another unit (%s)", strings.Join(c.Subject.OrganizationalUnit, ","))
	case dev == n.own:
		return id, errSelf
	case !ok:
		return id, fmt.Errorf("lan: device %s is not on the unit's roster", dev)
	case d.Revoked:
		return id, fmt.Errorf("lan: device %s is revoked", dev)
	}
	return id, nil
}

var errSelf = errors.New("lan: this is the counter itself")

// Reload reads the identity again (a new roster after a sync round);
// connections from then on are checked against it.
func (n *Node) Reload() {
	if id, err := n.store.LANIdentity(); err == nil && id.Ready() {
		n.mu.Lock()
		n.id = id
		n.mu.Unlock()
	}
}

// Start listens and starts asking the peers.
func (n *Node) Start(ctx context.Context) error {
	srvTLS, cliTLS, err := n.tlsConfigs()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", n.cfg.Addr)
	if err != nil {
		return fmt.Errorf("lan: listening on %s: %w", n.cfg.Addr, err)
	}
	n.ctx, n.cancel = context.WithCancel(ctx)
	n.ln = tls.NewListener(ln, srvTLS)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /lan/v1/exchange", n.serveExchange)
	n.srv = &http.Server{Handler: http.MaxBytesHandler(mux, 1<<20), ReadHeaderTimeout: 10 * time.Second,
		// refused handshakes (strangers, revoked devices) are logged quietly
		ErrorLog:    slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
		BaseContext: func(net.Listener) context.Context { return n.ctx }}
	n.client = &http.Client{Timeout: n.cfg.Wait + 15*time.Second, Transport: &http.Transport{
		TLSClientConfig: cliTLS, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); _ = n.srv.Serve(n.ln) }()
	for _, a := range n.cfg.Peers {
		n.AddPeer(a)
	}
	if n.cfg.Discover {
		n.startDiscovery()
	}
	slog.Info("office network listening", "addr", n.ln.Addr().String(), "peers", len(n.cfg.Peers), "discover", n.cfg.Discover)
	return nil
}

// Addr is where the node listens.
func (n *Node) Addr() string { return n.ln.Addr().String() }

// Close stops listening and asking; an exchange in flight is cut.
func (n *Node) Close() error {
	if n.cancel == nil {
		return nil
	}
	n.cancel()
	if n.mdns != nil {
		n.mdns.Close()
	}
	err := n.srv.Close()
	n.wg.Wait()
	n.client.CloseIdleConnections()
	return err
}

// Notify says the store has new events (a clerk's save, events from a
// peer or the backend): peers waiting on this node get them at once.
func (n *Node) Notify() {
	n.mu.Lock()
	close(n.changed)
	n.changed = make(chan struct{})
	n.mu.Unlock()
}

// wakeUp ends every peer loop's wait after a failure: a counter that
// calls this one is up, and so may be the others.
func (n *Node) wakeUp() {
	n.mu.Lock()
	close(n.awake)
	n.awake = make(chan struct{})
	n.mu.Unlock()
}

func (n *Node) wakeups() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.awake
}

func (n *Node) changes() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.changed
}

// AddPeer starts asking a peer at an address (once per address).
func (n *Node) AddPeer(addr string) {
	n.mu.Lock()
	if _, ok := n.peers[addr]; ok || n.ctx == nil {
		n.mu.Unlock()
		return
	}
	p := &peer{addr: addr}
	n.peers[addr] = p
	n.mu.Unlock()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.run(p) }()
}

// Peers are the peers known, with the last exchange with each.
func (n *Node) Peers() []PeerStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []PeerStatus
	for _, p := range n.peers {
		if p.stopping {
			continue
		}
		have := p.have
		out = append(out, PeerStatus{Addr: p.addr, DeviceID: p.device, Counter: p.counter, LastOK: p.lastOK, LastErr: p.lastErr,
			Has: func(device string, seq uint64) bool { return have[device] >= seq }})
	}
	slices.SortFunc(out, func(a, b PeerStatus) int { return strings.Compare(a.Addr, b.Addr) })
	return out
}

// Reachable counts the peers an exchange went through with lately.
func (n *Node) Reachable(now time.Time) int {
	k := 0
	for _, p := range n.Peers() {
		if !p.LastOK.IsZero() && now.Sub(p.LastOK) < n.cfg.Wait+30*time.Second {
			k++
		}
	}
	return k
}

// serveExchange gives a peer what it lacks, holding the answer while
// there is nothing (up to what it asked, at most 25 s).
func (n *Node) serveExchange(w http.ResponseWriter, r *http.Request) {
	var req wire.LANExchange
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !n.knows(r.TLS.PeerCertificates[0].Subject.CommonName) {
		n.wakeUp() // a counter this one is not yet exchanging with: ask it now
	}
	wait := time.Duration(min(max(req.WaitMS, 0), 25_000)) * time.Millisecond
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	held, _ := n.store.LANHave()
	for {
		ch := n.changes()
		evs, more, err := n.store.LANEventsAfter(req.Have, 1000)
		if err != nil {
			slog.Warn("office network: reading events", "err", err)
			http.Error(w, "internal", http.StatusInternalServerError)
			return
		}
		have, _ := n.store.LANHave()
		// something to send, or this counter holds more than when the peer
		// asked: it hears at once what reached here (the record screen's
		// "Đã đến")
		if len(evs) > 0 || wait == 0 || !maps.Equal(have, held) {
			writeBatch(w, r, wire.LANBatch{Events: evs, Have: have, More: more})
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			return
		}
	}
}

// writeBatch answers in binary framing when the peer asks for it, in JSON
// (as counters before it did) when it does not.
func writeBatch(w http.ResponseWriter, r *http.Request, b wire.LANBatch) {
	if r.Header.Get("Accept") != wire.LANBatchType {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(b)
		return
	}
	data, err := b.AppendBinary(nil)
	if err != nil {
		http.Error(w, "internal", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", wire.LANBatchType)
	_, _ = w.Write(data)
}

// run asks one peer again and again: what it holds beyond what this
// counter holds, applied as it comes; a failure waits, doubling up to
// 30 s. A peer found at two addresses is asked at one.
func (n *Node) run(p *peer) {
	backoff := time.Second
	for n.ctx.Err() == nil {
		err := n.exchange(p)
		if errors.Is(err, errSelf) || errors.Is(err, errTwice) {
			n.mu.Lock()
			p.stopping = true
			n.mu.Unlock()
			return
		}
		wait := time.Duration(0)
		n.mu.Lock()
		if p.stopping { // given up for the device's new address
			n.mu.Unlock()
			return
		}
		if err != nil {
			p.lastErr = err.Error()
			wait = backoff
			backoff = min(2*backoff, 30*time.Second)
		} else {
			p.lastOK, p.lastErr, backoff = time.Now(), "", time.Second
		}
		n.mu.Unlock()
		if err != nil && n.ctx.Err() == nil {
			slog.Debug("office network: exchange failed", "peer", p.addr, "err", err)
		}
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(wait):
		case <-n.wakeups():
		}
	}
}

// knows says whether this node exchanges with a device lately.
func (n *Node) knows(device string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range n.peers {
		if p.device == device && p.lastErr == "" && !p.lastOK.IsZero() {
			return true
		}
	}
	return false
}

var errTwice = errors.New("lan: the same device at another address")

// exchange is one round with a peer: ask, check, apply, as a pipeline.
// While a batch is applied the next (when the peer has more) is checked
// and prepared, and the one after it is already asked for.
func (n *Node) exchange(p *peer) error {
	have, err := n.store.LANHave()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(n.ctx)
	var wg gosync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	raws, preps := make(chan fetched, 1), make(chan prepared, 1)
	wg.Go(func() { n.fetchAll(ctx, p, have, raws) })
	wg.Go(func() { n.prepareAll(ctx, p, raws, preps) })
	for pr := range preps {
		if pr.err != nil {
			return pr.err
		}
		applied, err := n.applyInOrder(pr.events)
		if err != nil {
			return err
		}
		if applied > 0 {
			n.Notify()
			if n.cfg.OnChange != nil {
				n.cfg.OnChange()
			}
		}
	}
	return nil
}

// fetchAll asks a peer for batch after batch, each from where the last
// one ends, until the peer has no more or a batch fails.
func (n *Node) fetchAll(ctx context.Context, p *peer, have map[string]uint64, out chan<- fetched) {
	defer close(out)
	wait := n.cfg.Wait
	for {
		b, err := n.fetch(ctx, p, have, wait)
		select {
		case out <- fetched{b, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || !b.More {
			return
		}
		have, wait = n.advance(have, b), 0
	}
}

// prepareAll checks and prepares the batches as they come, until one fails.
func (n *Node) prepareAll(ctx context.Context, p *peer, in <-chan fetched, out chan<- prepared) {
	defer close(out)
	for f := range in {
		pr := n.prepare(p, f)
		select {
		case out <- pr:
		case <-ctx.Done():
			return
		}
		if pr.err != nil {
			return
		}
	}
}

// fetched is a peer's batch as it came.
type fetched struct {
	batch wire.LANBatch
	err   error
}

// prepared is a peer's batch checked (signatures) and decoded.
type prepared struct {
	events map[string][]storage.LANPrepared
	err    error
}

// takes says whether this counter takes a peer's events of a device, and
// the key that signed them: another device of the roster.
func (n *Node) takes(origin string) (ed25519.PublicKey, bool) {
	n.mu.Lock()
	d, ok := n.id.Device(origin)
	n.mu.Unlock()
	if origin == n.own || !ok || len(d.PublicKey) != ed25519.PublicKeySize {
		return nil, false
	}
	return d.PublicKey, true
}

// advance is what this counter holds once a batch is applied.
func (n *Node) advance(have map[string]uint64, b wire.LANBatch) map[string]uint64 {
	out := make(map[string]uint64, len(have))
	for k, v := range have {
		out[k] = v
	}
	for origin, evs := range b.Events {
		if _, ok := n.takes(origin); ok && len(evs) > 0 {
			out[origin] = max(out[origin], evs[len(evs)-1].Seq)
		}
	}
	return out
}

// prepare checks every signature of a peer's batch by its origin's key
// (from the roster) and decodes the events; a device not (yet) on this
// counter's roster is left for the backend to bring.
func (n *Node) prepare(p *peer, f fetched) prepared {
	if f.err != nil {
		return prepared{err: f.err}
	}
	out := prepared{events: map[string][]storage.LANPrepared{}}
	for origin, evs := range f.batch.Events {
		key, ok := n.takes(origin)
		if !ok || len(evs) == 0 {
			continue
		}
		// the peer's own events come from it over mutual TLS: their
		// signatures (kept for the backend) add nothing here; those it
		// passes on for another device are checked
		n.mu.Lock()
		from := p.device
		n.mu.Unlock()
		if origin != from {
			if err := verifyAll(key, evs); err != nil {
				return prepared{err: fmt.Errorf("lan: an event of %s %w", origin, err)}
			}
		}
		var err error
		if out.events[origin], err = n.prepareEvents(evs); err != nil {
			return prepared{err: err}
		}
	}
	return out
}

// prepareEvents is storage.PrepareLAN a slice at a time, stepping aside
// for a clerk's save between slices: on a busy machine a save otherwise
// waits its turn for the processor behind a whole batch's decoding.
func (n *Node) prepareEvents(evs []wire.LANEvent) ([]storage.LANPrepared, error) {
	const slice = 64
	out := make([]storage.LANPrepared, 0, len(evs))
	for lo := 0; lo < len(evs); lo += slice {
		n.store.StepAside()
		part, err := storage.PrepareLAN(evs[lo:min(lo+slice, len(evs))])
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// fetch asks a peer for what it holds beyond have, waiting up to wait
// for something new.
func (n *Node) fetch(ctx context.Context, p *peer, have map[string]uint64, wait time.Duration) (wire.LANBatch, error) {
	var batch wire.LANBatch
	body, _ := json.Marshal(wire.LANExchange{Have: have, WaitMS: int(wait / time.Millisecond)})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+p.addr+"/lan/v1/exchange", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", wire.LANBatchType)
	resp, err := n.client.Do(req)
	if err != nil {
		return batch, err // errSelf among them, wrapped: run tells
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return batch, fmt.Errorf("lan: peer answered %d", resp.StatusCode)
	}
	if err := n.claim(p, resp.TLS.PeerCertificates[0].Subject.CommonName); err != nil {
		return batch, err
	}
	if err := readBatch(resp, &batch); err != nil {
		return batch, fmt.Errorf("lan: a malformed answer: %w", err)
	}
	n.mu.Lock()
	p.have = batch.Have // replaced whole, never changed: PeerStatus may read it
	n.mu.Unlock()
	return batch, nil
}

// readBatch reads a peer's answer, in binary framing or (a counter from
// before it) JSON, of at most 64 MiB.
func readBatch(resp *http.Response, b *wire.LANBatch) error {
	body := io.LimitReader(resp.Body, 64<<20)
	if resp.Header.Get("Content-Type") != wire.LANBatchType {
		return json.NewDecoder(body).Decode(b)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	return b.UnmarshalBinary(data)
}

// claim names the device at a peer's address; a device already asked at
// another address is not asked twice, unless it fails there: the device
// moved (restarted on another port, or given another address), and the
// old address is given up.
func (n *Node) claim(p *peer, dev string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for addr, o := range n.peers {
		if o == p || o.device != dev || o.stopping {
			continue
		}
		if o.lastErr == "" {
			return errTwice
		}
		o.stopping = true
		delete(n.peers, addr)
	}
	p.device = dev
	if d, ok := n.id.Device(dev); ok {
		p.counter = d.Counter
	}
	return nil
}

// applyInOrder applies a batch's events so that each comes after the event
// it follows (After): a device's events wait while one of them follows an
// event not here yet (another device's, later in the batch), and the
// devices are taken in turns until nothing moves; what is left then (it
// follows an event refused or lost) is applied as it is, to be refused
// where it cannot apply.
func (n *Node) applyInOrder(batch map[string][]storage.LANPrepared) (int, error) {
	pending := maps.Clone(batch)
	total := 0
	for moved := true; moved && len(pending) > 0; {
		moved = false
		for origin, evs := range pending {
			k := n.readyPrefix(evs)
			if k == 0 {
				continue
			}
			applied, err := n.applyPrepared(origin, evs[:k])
			if err != nil {
				return total, err
			}
			total, moved = total+applied, true
			if pending[origin] = evs[k:]; len(pending[origin]) == 0 {
				delete(pending, origin)
			}
		}
	}
	for origin, evs := range pending {
		applied, err := n.applyPrepared(origin, evs)
		if err != nil {
			return total, err
		}
		total += applied
	}
	return total, nil
}

// readyPrefix counts the leading events that can apply now: each follows
// no event, or one here, or one before it in the prefix.
func (n *Node) readyPrefix(evs []storage.LANPrepared) int {
	seen := map[string]bool{}
	for i, e := range evs {
		if a := e.Event.After; a != "" && !seen[a] && !n.store.HasEvent(e.Event.RecordID, a) {
			return i
		}
		seen[e.Event.ID] = true
	}
	return len(evs)
}

// applyPrepared applies a peer's checked events of one origin, in
// transactions that give way to the clerk's saves.
func (n *Node) applyPrepared(origin string, evs []storage.LANPrepared) (int, error) {
	total := 0
	for len(evs) > 0 {
		k, res, err := n.store.ApplyLAN(origin, evs)
		if err != nil {
			return total, err
		}
		total += res.Applied
		evs = evs[k:]
		if res.Refolded > 0 || res.Refused > 0 {
			slog.Info("office network: changes made apart put in the agreed order", "origin", origin,
				"records_folded_again", res.Refolded, "refused", res.Refused)
		}
	}
	return total, nil
}

// verifyAll checks every signature, on every core.
func verifyAll(key ed25519.PublicKey, evs []wire.LANEvent) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(evs)/64))
	bad := make(chan uint64, workers)
	var wg gosync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(evs); i += workers {
				if !ed25519.Verify(key, evs[i].Event, evs[i].Sig) {
					bad <- evs[i].Seq
					return
				}
			}
		})
	}
	wg.Wait()
	close(bad)
	if seq, ok := <-bad; ok {
		return fmt.Errorf("with a wrong signature (number %d)", seq)
	}
	return nil
}
