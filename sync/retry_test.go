package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A refusal that does not pass by itself (400 here) is shown with its
// reason and tried again only when someone acts; a 503 is retried with
// backoff. Both run the real engine loop against a real HTTP server.
func TestRefusalIsNotRetriedForever(t *testing.T) {
	b := startBackend(t)
	for _, tc := range []struct {
		status    int
		state     State
		min, max  int64 // requests in the first second
		retryable bool
	}{
		{http.StatusBadRequest, StateRefused, 1, 2, false}, // the round at start, and the one enrolling asked for
		{http.StatusServiceUnavailable, StateOffline, 4, 1000, true},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			var calls atomic.Int64
			bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				w.Write([]byte(`{"error":"không nhận"}`))
			}))
			defer bad.Close()
			c := newCounter(t, b, b.url(), 1, fastConfig)
			c.engine.SetRemoteFactory(func(_, token string) Remote { return NewHTTPRemote(bad.URL, token, fastConfig.Timeout) })
			c.intake(t, rand.New(rand.NewPCG(5, 5)))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { c.engine.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			time.Sleep(time.Second) // Run starts with a round
			n := calls.Load()
			if n < tc.min || n > tc.max {
				t.Fatalf("%d requests in a second, want %d to %d", n, tc.min, tc.max)
			}
			// between rounds the engine shows the refusal, or the failure
			var st Status
			var he *HTTPError
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if st = c.engine.Status(); st.State == tc.state {
					break
				}
			}
			if st.State != tc.state || !errors.As(st.Err, &he) || he.Status != tc.status || Retryable(st.Err) != tc.retryable {
				t.Fatalf("status %s, err %v", st.State, st.Err)
			}
			if tc.state == StateRefused {
				n = calls.Load()
				time.Sleep(time.Second)
				if calls.Load() != n {
					t.Fatalf("retried by itself: %d requests, then %d", n, calls.Load())
				}
			}
			if tc.state == StateRefused {
				c.engine.Kick() // "Gửi ngay", or the next save
				deadline := time.Now().Add(5 * time.Second)
				for calls.Load() == n && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if calls.Load() != n+1 {
					t.Fatalf("after a kick: %d requests, want %d", calls.Load(), n+1)
				}
			}
			if s, _ := c.store.Stats(); s.Pending != 1 {
				t.Fatalf("the outbox changed: %+v", s)
			}
		})
	}
}
