package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"motcua/assets"
	"motcua/server"
	"motcua/server/pgtest"
	"motcua/storage"
	"motcua/sync/wire"
)

// serverProcess is a motcua-server serve process on PostgreSQL.
type serverProcess struct {
	cmd  *exec.Cmd
	addr string
}

// buildServer builds motcua-server once for the test.
func buildServer(t *testing.T) string { return buildBin(t, "motcua-server") }

// buildBin builds one of the project's commands (cmd/NAME) for the test.
func buildBin(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, "motcua/cmd/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts a serve process on db and waits until it answers.
func startServer(t *testing.T, bin, db string) *serverProcess {
	t.Helper()
	p := &serverProcess{addr: freeAddr(t)}
	p.cmd = exec.Command(bin, "serve", "-db", db, "-addr", p.addr)
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + p.addr + "/v1/health"); err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatal("motcua-server did not start")
		}
	}
}

// roundRobin sends each request to the next of the servers: a counter may
// reach either at any moment.
func roundRobin(t *testing.T, addrs ...string) *httptest.Server {
	var n atomic.Uint64
	proxies := make([]*httputil.ReverseProxy, len(addrs))
	for i, a := range addrs {
		proxies[i] = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: a})
		proxies[i].ErrorLog = nil
		proxies[i].ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "the server is gone: "+err.Error(), http.StatusBadGateway)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[n.Add(1)%uint64(len(proxies))].ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// follower pulls a unit's log page by page through the servers the whole
// time, as a counter's cursor would, and keeps what it was given.
type follower struct {
	token  string
	url    string
	cursor uint64
	check  string
	got    []wire.RawPulledEvent
}

func (f *follower) pull() error {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/pull?after=%d&check=%s&limit=7", f.url, f.cursor, f.check), nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil // a server is gone: the next try goes to the other
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusBadGateway {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pull: %s", resp.Status)
	}
	var page wire.RawPullResponse
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return err
	}
	f.got = append(f.got, page.Events...)
	f.cursor, f.check = page.Next, page.NextCheck
	return nil
}

// TestTwoServerProcessesOnePostgres: eight counters of one unit push and
// pull at once through two motcua-server processes on one PostgreSQL
// database, each request to either; one process is killed with SIGKILL in
// the middle and started again. Followers pull the unit's log the whole
// time with small pages. In the end every follower was given exactly the
// server's log, in order, with no event missing or twice (a cursor never
// skipped an event committed late by the other process), the backend
// holds every intake once, and every counter holds what the backend holds.
func TestTwoServerProcessesOnePostgres(t *testing.T) {
	db := pgtest.DB(t)
	bin := buildServer(t)
	st, err := server.Open(db, "", assets.Catalog, assets.Calendar) // the admin's view: codes, tokens, export
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, b := startServer(t, bin, db), startServer(t, bin, db)
	rr := roundRobin(t, a.addr, b.addr)
	admin := &backend{t: t, store: st}
	const counters, rounds, perRound = 8, 6, 5
	cfg := Config{Interval: time.Hour, Timeout: 5 * time.Second, BackoffBase: 10 * time.Millisecond, BackoffCap: 100 * time.Millisecond, Batch: 4, PullLimit: 9}
	cs := make([]*counter, counters)
	for i := range cs {
		cs[i] = newCounter(t, admin, rr.URL, i+1, cfg)
	}
	var followers []*follower
	for range 3 {
		tok, err := st.NewToken(server.KindOfficer, testUnit)
		if err != nil {
			t.Fatal(err)
		}
		followers = append(followers, &follower{token: tok, url: rr.URL})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stop := make(chan struct{})
	var fwg sync.WaitGroup
	ferrs := make(chan error, len(followers))
	for _, f := range followers {
		fwg.Add(1)
		go func() {
			defer fwg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := f.pull(); err != nil {
					ferrs <- err
					return
				}
			}
		}()
	}
	var wg sync.WaitGroup
	errs := make(chan error, counters)
	half := make(chan struct{}, counters)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 99))
			for round := range rounds {
				for range perRound {
					if _, err := c.tryIntake(r); err != nil {
						errs <- err
						return
					}
				}
				if round == rounds/2 {
					half <- struct{}{}
				}
				// a round may fail while a server is being killed: the
				// next one carries on, as a counter's engine does
				c.engine.SyncOnce(ctx)
			}
		}()
	}
	for range counters / 2 { // half the counters are half-way: kill one server
		<-half
	}
	a.cmd.Process.Signal(os.Kill)
	a.cmd.Wait()
	time.Sleep(200 * time.Millisecond)
	a2 := startServer(t, bin, db)
	_ = a2 // the proxy still sends half the requests to the dead address until the end
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// every counter sends what is left and pulls to the end, through the
	// live server only
	live := roundRobin(t, b.addr, a2.addr)
	for range 3 {
		for _, c := range cs {
			if err := c.store.UpdateSyncState(func(s *storage.SyncState) { s.ServerURL = live.URL }); err != nil {
				t.Fatal(err)
			}
			if _, err := c.engine.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	fwg.Wait()
	close(ferrs)
	for err := range ferrs {
		t.Fatal(err)
	}
	for _, f := range followers { // to the end of the log, through the live servers
		f.url = live.URL
		for range 1000 {
			n := len(f.got)
			if err := f.pull(); err != nil {
				t.Fatal(err)
			}
			if len(f.got) == n {
				break
			}
		}
	}

	log := serverLog(t, db)
	if len(log) != counters*rounds*perRound {
		t.Fatalf("the server's log holds %d events, want %d intakes", len(log), counters*rounds*perRound)
	}
	for i, f := range followers {
		if len(f.got) != len(log) {
			t.Fatalf("follower %d was given %d events, the log holds %d", i+1, len(f.got), len(log))
		}
		for j, e := range f.got {
			if e.Seq != log[j].seq || eventID(t, e.Event) != log[j].id {
				t.Fatalf("follower %d, event %d: seq %d %s, the log has seq %d %s", i+1, j, e.Seq, eventID(t, e.Event), log[j].seq, log[j].id)
			}
		}
	}
	want := admin.records(t)
	if len(want) != counters*rounds*perRound {
		t.Fatalf("the backend holds %d records, want %d", len(want), counters*rounds*perRound)
	}
	for i, c := range cs {
		s, err := c.store.Stats()
		if err != nil || s.Records != len(want) || s.Pending != 0 || s.Attention != 0 {
			t.Fatalf("counter %d: %+v %v", i+1, s, err)
		}
	}
}

type logEntry struct {
	seq uint64
	id  string
}

// serverLog is the unit's log as the database holds it, in order.
func serverLog(t *testing.T, db string) []logEntry {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT seq, event_id FROM log WHERE unit = $1 ORDER BY seq", testUnit)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []logEntry
	for rows.Next() {
		var e logEntry
		var seq int64
		if err := rows.Scan(&seq, &e.id); err != nil {
			t.Fatal(err)
		}
		e.seq = uint64(seq)
		out = append(out, e)
	}
	return out
}

func eventID(t *testing.T, raw json.RawMessage) string {
	var e struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}
