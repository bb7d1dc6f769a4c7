package sync

import (
	"context"
	"math/rand/v2"
	gosync "sync"
	"testing"
	"time"

	"motcua/dossier"
)

// TestThousandIntakesThroughFaults: three counters of one unit receive
// 1,000 files while their engines sync through a proxy that refuses,
// resets, truncates, stalls and answers 5xx/429/HTML, and the backend
// restarts in the middle. In the end the backend holds exactly the 1,000
// records with the counters' content, every outbox is empty, and every
// counter holds every record.
func TestThousandIntakesThroughFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const total = 1000
	b := startBackend(t)
	mix := []fault{fPass, fPass, fPass, fPass, fPass, fRefuse, fResetRequest, fResetResponse, fResetResponse, fTruncate, fStall, f500, f502, f503, f429, fHTML}
	px := startProxy(t, b.address, mix)
	cfg := fastConfig
	var counters []*counter
	for n := 1; n <= 3; n++ {
		c := newCounter(t, b, px.url(), n, cfg)
		c.engine.SetRemoteFactory(noKeepAlive(cfg))
		counters = append(counters, c)
	}
	px.on.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var running gosync.WaitGroup
	for _, c := range counters {
		running.Add(1)
		go func() { defer running.Done(); c.engine.Run(ctx) }()
	}
	// the backend restarts three times during the run
	restarts := make(chan struct{})
	go func() {
		defer close(restarts)
		for i := 0; i < 3; i++ {
			time.Sleep(700 * time.Millisecond)
			if err := b.restart(); err != nil {
				t.Error(err) // from this goroutine: never t.Fatal
				return
			}
		}
	}()
	var saved gosync.Map // id → record as the counter saved it
	var clerks gosync.WaitGroup
	for i, c := range counters {
		n := total / 3
		if i == 0 {
			n += total % 3
		}
		clerks.Add(1)
		go func() {
			defer clerks.Done()
			r := rand.New(rand.NewPCG(uint64(i), 99))
			for k := 0; k < n; k++ {
				rec, err := c.tryIntake(r)
				if err != nil {
					t.Error(err)
					return
				}
				saved.Store(rec.ID, rec)
				c.engine.Kick()
				if k%50 == 0 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	clerks.Wait()
	<-restarts
	time.Sleep(500 * time.Millisecond) // a little more chaos with everything saved
	px.on.Store(false)
	t.Logf("faults injected: %s", px.report())

	deadline := time.Now().Add(90 * time.Second)
	for {
		done := true
		for _, c := range counters {
			c.engine.Kick()
			st, _ := c.store.Stats()
			if st.Pending != 0 || st.Records != total || st.Attention != 0 || st.Indexing != 0 {
				done = false
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			for i, c := range counters {
				st, _ := c.store.Stats()
				t.Logf("counter %d: %+v, engine %+v", i+1, st, c.engine.Status())
			}
			t.Fatal("counters did not converge")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	running.Wait()

	server := b.records(t)
	if len(server) != total {
		t.Fatalf("the backend holds %d records, want %d", len(server), total)
	}
	n := 0
	saved.Range(func(k, v any) bool {
		n++
		mine := v.(*dossier.Record)
		got := server[mine.ID]
		if got == nil {
			t.Errorf("record %s missing on the backend", mine.Code)
			return true
		}
		if got.Code != mine.Code || got.Owner != mine.Owner || !got.DueAt.Equal(mine.DueAt) || !got.ReceivedAt.Equal(mine.ReceivedAt) || got.Version != 1 {
			t.Errorf("record %s differs on the backend", mine.Code)
		}
		for _, c := range counters {
			local, err := c.store.Get(mine.ID)
			if err != nil || local.Code != mine.Code || local.Owner != mine.Owner {
				t.Errorf("a counter lacks %s", mine.Code)
			}
		}
		return true
	})
	if n != total {
		t.Fatalf("saved %d", n)
	}
	for _, c := range counters {
		if probs, err := c.store.Verify(); err != nil || len(probs) > 0 {
			t.Fatalf("counter store inconsistent: %v %v", err, probs)
		}
		if st, _ := c.store.Stats(); st.Pending != 0 {
			t.Fatal("outbox not empty")
		}
		if n, _ := c.store.BacklogLen(); n != 0 {
			t.Fatalf("%d pulled records not yet indexed by name, ID and phone", n)
		}
	}
}
