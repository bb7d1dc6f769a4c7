package sync

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const killHelperEnv = "MOTCUA_SYNC_KILL_HELPER_DB"

// TestSyncKillHelper is the child of TestClientKilledMidPush: it syncs its
// store over and over through a slow link until it is killed.
func TestSyncKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("only runs as the child of TestClientKilledMidPush")
	}
	st := openCounterStore(t, path)
	cfg := fastConfig
	cfg.Batch = 10 // many small batches: more places to die in
	e := New(st, cfg)
	for {
		sum, err := e.SyncOnce(context.Background())
		fmt.Println("ROUND", sum.Pushed, err != nil)
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
	px := startProxy(t, func() string { return b.addr }, []fault{fPass})
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
		cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKillHelper$")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+path)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
			}
		}()
		time.Sleep(time.Duration(60+rand.IntN(250)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
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
