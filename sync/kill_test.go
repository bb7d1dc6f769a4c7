package sync

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/storage"
	"motcua/sync/wire"
)

const killHelperEnv = "MOTCUA_SYNC_KILL_HELPER_DB"

// TestSyncKillHelper is the child of the kill tests: it syncs its store
// over and over through a slow link until it is killed, and says on
// stdout when it enters a step: "PUSH" as a batch is sent, "PAGE" as a
// pulled page starts on its way into the store.
func TestSyncKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("only runs as the child of TestClientKilledMidPush")
	}
	st := openCounterStore(t, path)
	cfg := fastConfig
	cfg.Batch = 10 // many small batches: more places to die in
	// and for a pull: small pages, transactions and index batches
	cfg.PullLimit, cfg.ApplyChunk, cfg.DrainAt = 100, 20, 150
	e := New(st, cfg)
	e.SetRemoteFactory(func(url, token string) Remote {
		return tellingRemote{NewHTTPRemote(url, token, cfg.Timeout)}
	})
	for {
		sum, err := e.SyncOnce(context.Background())
		fmt.Println("ROUND", sum.Pushed, err != nil)
	}
}

// tellingRemote says when a push leaves and when a pulled page arrives.
type tellingRemote struct{ Remote }

func (r tellingRemote) Push(ctx context.Context, body PushBody) (wire.PushResponse, error) {
	fmt.Println("PUSH")
	return r.Remote.Push(ctx, body)
}

func (r tellingRemote) Pull(ctx context.Context, after uint64, check string, limit int) (wire.PullResponse, error) {
	resp, err := r.Remote.Pull(ctx, after, check, limit)
	if err == nil && len(resp.Events) > 0 {
		fmt.Println("PAGE")
	}
	return resp, err
}

// syncAndKill runs TestSyncKillHelper on the store at path in a child
// process and kills it with SIGKILL the moment it reports entering step
// for the nth time. It fails the test if the child never got there: the
// kill must land where the test says it does.
func syncAndKill(t *testing.T, path, step string, nth int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKillHelper$")
	cmd.Env = append(os.Environ(), killHelperEnv+"="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(out)
	seen, rounds := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if line == step {
			if seen++; seen == nth {
				cmd.Process.Kill() // inside the step: the push in flight, the page on its way in
				break
			}
		}
		if strings.HasPrefix(line, "ROUND") {
			if rounds++; rounds > 3 {
				break // the work ran out before the nth step
			}
		}
	}
	cmd.Process.Kill()
	go func() {
		for sc.Scan() {
		}
	}()
	cmd.Wait()
	if seen < nth {
		t.Fatalf("the child reported %q %d times, not %d: the kill did not land there", step, seen, nth)
	}
}

// TestClientKilledMidPush kills a syncing counter process with SIGKILL at
// random points, five times, then lets it finish: the backend holds every
// record exactly once and the outbox empties.
func TestClientKilledMidPush(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const n = 300
	b := startBackend(t)
	px := startProxy(t, b.address, []fault{fPass})
	px.delay.Store(int64(40 * time.Millisecond)) // answers arrive late: kills land mid-push
	path := filepath.Join(t.TempDir(), "motcua.db")
	{
		st := openCounterStore(t, path)
		c := &counter{store: st}
		saveTestSettings(t, st, 1)
		code, _ := b.store.NewEnrollCode(testUnit, 1)
		if err := New(st, fastConfig).Enroll(context.Background(), px.url(), code); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(11, 11))
		for i := 0; i < n; i++ {
			c.intake(t, r)
		}
		st.Close()
	}
	for kill := 0; kill < 5; kill++ {
		syncAndKill(t, path, "PUSH", 1+rand.IntN(4)) // 30 batches: at most 20 go before the last kill
	}
	st := openCounterStore(t, path)
	defer st.Close()
	if probs, err := st.Verify(); err != nil || len(probs) > 0 {
		t.Fatalf("store after kills: %v %v", err, probs)
	}
	before := len(b.records(t))
	if _, err := New(st, fastConfig).SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.Stats(); s.Pending != 0 {
		t.Fatalf("%d still pending", s.Pending)
	}
	if got := len(b.records(t)); got != n {
		t.Fatalf("backend holds %d records, want %d", got, n)
	}
	t.Logf("%d of %d records had reached the backend before the last, clean round", before, n)
}

// TestClientKilledMidPull kills a counter process pulling 2,000 records
// with SIGKILL at random points (while applying pages and while writing
// the name, ID and phone index entries they owe), five times, then lets it
// finish: every record is there once, the file verifies, and each record
// is found by its owner's ID number.
func TestClientKilledMidPull(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const n = 2000
	b := startBackend(t)
	seedBackend(t, b, n)
	px := startProxy(t, b.address, []fault{fPass})
	px.delay.Store(int64(25 * time.Millisecond))
	path := filepath.Join(t.TempDir(), "motcua.db")
	{
		st := openCounterStore(t, path)
		saveTestSettings(t, st, 2)
		code, _ := b.store.NewEnrollCode(testUnit, 2)
		if err := New(st, fastConfig).Enroll(context.Background(), px.url(), code); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	owedSeen := false
	for kill := 0; kill < 5; kill++ {
		syncAndKill(t, path, "PAGE", 1+rand.IntN(3)) // 20 pages: at most 15 before the last kill
		st := openCounterStore(t, path)
		if probs, err := st.Verify(); err != nil || len(probs) > 0 {
			t.Fatalf("store after kill %d: %v %v", kill+1, err, probs)
		}
		if owed, _ := st.BacklogLen(); owed > 0 {
			owedSeen = true
		}
		st.Close()
	}
	st := openCounterStore(t, path)
	defer st.Close()
	if _, err := New(st, fastConfig).SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.Stats(); s.Records != n {
		t.Fatalf("%d records, want %d", s.Records, n)
	}
	if owed, _ := st.BacklogLen(); owed != 0 {
		t.Fatalf("%d records still owe index entries", owed)
	}
	for id, r := range b.records(t) {
		recs, _, err := st.Collect(storage.Query{Text: r.Owner.IDNumber}, 50)
		if err != nil || !slices.ContainsFunc(recs, func(x *dossier.Record) bool { return x.ID == id }) {
			t.Fatalf("record %s not found by its owner's ID number: %v", r.Code, err)
		}
	}
	if probs, err := st.Verify(); err != nil || len(probs) > 0 {
		t.Fatalf("%v %v", err, probs)
	}
	t.Logf("a kill left records owing index entries: %v", owedSeen)
}
