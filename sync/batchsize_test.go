package sync

import (
	"context"
	"errors"
	"motcua/sync/wire"
	"slices"
	gosync "sync"
	"testing"
	"time"
)

// TestBatchSizer: a slow push makes the next batches smaller in
// proportion (aiming at half the target), a failed one halves them, quick
// full pushes double them back to the most, and a negative target keeps
// every batch whole.
func TestBatchSizer(t *testing.T) {
	b := batchSizer{n: 500, max: 500, target: time.Second}
	steps := []struct {
		events int
		took   time.Duration
		err    error
		want   int
	}{
		{500, 5 * time.Second, nil, 50},           // 10× too slow for 0.5 s: a tenth
		{50, 400 * time.Millisecond, nil, 50},     // under the aim, not quick: kept
		{50, 100 * time.Millisecond, nil, 100},    // quick and full: doubled
		{100, 200 * time.Millisecond, nil, 200},   // again
		{120, 100 * time.Millisecond, nil, 200},   // quick but not full (the outbox ran short): kept
		{200, time.Second, nil, 100},              // twice the aim: halved
		{100, 0, errors.New("timeout"), 50},       // a failure: halved
		{50, 0, errors.New("timeout"), 25},        // and again
		{30, 0, errors.New("timeout"), minBatch},  // never below the least
		{20, 10 * time.Second, nil, minBatch},     // even when slow
		{20, time.Millisecond, nil, 2 * minBatch}, // and back up
	}
	for i, s := range steps {
		b.observe(s.events, s.took, s.err)
		if got := b.size(); got != s.want {
			t.Fatalf("step %d (%d events in %s, %v): next batch %d, want %d", i, s.events, s.took, s.err, got, s.want)
		}
	}
	for range 10 {
		b.observe(b.size(), time.Millisecond, nil)
	}
	if b.size() != 500 {
		t.Fatalf("quick pushes grew the batch to %d, want the most, 500", b.size())
	}
	fixed := batchSizer{n: 500, max: 500, target: -1}
	fixed.observe(500, time.Minute, nil)
	if fixed.size() != 500 {
		t.Fatalf("a fixed batch became %d", fixed.size())
	}
	small := batchSizer{n: 5, max: 5, target: time.Second}
	small.observe(5, 0, errors.New("down"))
	if small.size() != 5 {
		t.Fatalf("a most of 5 became %d after a failure", small.size())
	}
}

// slowPages makes every pull page take a millisecond per event asked for,
// like a backend busy with many counters, and keeps the limits asked.
type slowPages struct {
	Remote
	mu     *gosync.Mutex
	limits *[]int
}

func (r slowPages) Pull(ctx context.Context, after uint64, check string, limit int) (wire.PullResponse, error) {
	r.mu.Lock()
	*r.limits = append(*r.limits, limit)
	r.mu.Unlock()
	time.Sleep(time.Duration(limit) * time.Millisecond)
	return r.Remote.Pull(ctx, after, check, limit)
}

// TestPullPagesSizedForTheRoundTrip: a counter pulling 3,000 events from a
// backend whose pages take a millisecond an event asks for 1,000 first,
// then, that page having taken a second against a round trip of 200 ms,
// for pages of a fifth or less; it gets every event. With a negative
// round trip every page asks for 1,000.
func TestPullPagesSizedForTheRoundTrip(t *testing.T) {
	for _, c := range []struct {
		roundTrip time.Duration
		check     func([]int) bool
	}{
		{200 * time.Millisecond, func(l []int) bool {
			return len(l) > 4 && l[0] == 1000 && slices.Max(l[1:]) <= 200
		}},
		{-1, func(l []int) bool { return len(l) == 3 && slices.Min(l) == 1000 }},
	} {
		be := startBackend(t)
		seedBackend(t, be, 3000)
		var mu gosync.Mutex
		var limits []int
		cnt := newCounter(t, be, be.url(), 2, Config{RoundTrip: c.roundTrip})
		cnt.engine.SetRemoteFactory(func(url, token string) Remote {
			return slowPages{NewHTTPRemote(url, token, 30*time.Second), &mu, &limits}
		})
		if _, err := cnt.engine.SyncOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st, _ := cnt.store.Stats(); st.Records != 3000 {
			t.Fatalf("round trip %s: %d records pulled, want 3000", c.roundTrip, st.Records)
		}
		if !c.check(limits) {
			t.Fatalf("round trip %s: pages asked for %v", c.roundTrip, limits)
		}
		t.Logf("round trip %s: pages asked for %v", c.roundTrip, limits)
		be.stop()
	}
}
