package sync

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"motcua/sync/wire"
)

// TestHostileAnswers: whatever the server (or something pretending to be
// it) answers, the counter reports a clear error, does not crash, and its
// outbox stays whole.
func TestHostileAnswers(t *testing.T) {
	b := startBackend(t)
	huge := strings.Repeat("x", 2<<20)
	cases := map[string]http.HandlerFunc{
		"invalid json": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results": [`))
		},
		"wrong types": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results": "all good", "server_time": 12}`))
		},
		"html login page": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html><form>Đăng nhập Wi-Fi</form></html>`))
		},
		"huge body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results":[],"pad":"` + huge + `"}`))
		},
		"results for other events": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results":[{"event_id":"nope","status":"accepted","server_seq":1}]}`))
		},
		"unknown status": func(w http.ResponseWriter, r *http.Request) {
			var req wire.PushRequest
			zr, err := gzip.NewReader(r.Body)
			if err == nil {
				err = wire.Decode(zr, 1<<20, &req, false)
			}
			if err != nil || len(req.Events) == 0 {
				t.Errorf("the test server could not read the push: %v", err)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results":[{"event_id":"` + req.Events[0].ID + `","status":"maybe"}]}`))
		},
		"empty 200": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
		},
		"500 with html": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			w.Write([]byte("<h1>Internal Server Error</h1>"))
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			bad := httptest.NewServer(h)
			defer bad.Close()
			c := newCounter(t, b, b.url(), 1, fastConfig)
			c.engine.SetRemoteFactory(func(_, token string) Remote {
				r := NewHTTPRemote(bad.URL, token, fastConfig.Timeout)
				r.Client().SetResponseBodyLimit(1 << 20)
				return r
			})
			r := rand.New(rand.NewPCG(21, 21))
			rec := c.intake(t, r)
			c.intake(t, r)
			_, err := c.engine.SyncOnce(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			// a 500 passes by itself and is retried with backoff; an answer
			// that is not the protocol is a refusal shown to a person
			st := c.engine.Status()
			if name == "500 with html" {
				if !Retryable(err) || st.State != StateOffline {
					t.Fatalf("%v: retryable %v, state %s", err, Retryable(err), st.State)
				}
			} else if Retryable(err) || st.State != StateRefused || !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("%v: retryable %v, state %s", err, Retryable(err), st.State)
			}
			if st.LastError == "" || st.Err == nil {
				t.Fatalf("status %+v", st)
			}
			if s, _ := c.store.Stats(); s.Pending != 2 || s.Attention != 0 {
				t.Fatalf("outbox changed: %+v", s)
			}
			if got, err := c.store.Get(rec.ID); err != nil || got.Version != 1 {
				t.Fatal("record changed")
			}
			if name == "html login page" && !strings.Contains(err.Error(), "text/html") {
				t.Fatalf("unclear error: %v", err)
			}
			var he *HTTPError
			if name == "500 with html" && (!errors.As(err, &he) || he.Status != 500) {
				t.Fatalf("%v", err)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer busy.Close()
	r := NewHTTPRemote(busy.URL, "t", fastConfig.Timeout)
	_, err := r.Pull(context.Background(), 0, "", 10)
	var he *HTTPError
	if !errors.As(err, &he) || he.RetryAfter.Seconds() != 120 || !Retryable(err) {
		t.Fatalf("%v", err)
	}
	e := &Engine{cfg: Config{BackoffBase: 1e9, BackoffCap: 300e9}}
	if d := e.backoff(1, err); d.Seconds() < 120 {
		t.Fatalf("backoff %s ignores Retry-After", d)
	}
	for attempt := 1; attempt < 40; attempt++ {
		if d := e.backoff(attempt, errors.New("x")); d <= 0 || d > e.cfg.BackoffCap {
			t.Fatalf("attempt %d: %s", attempt, d)
		}
	}
	rules := []struct {
		err  error
		want bool
	}{
		{ErrAuth, false},
		{ErrNotEnrolled, false},
		{&HTTPError{Status: 400}, false},
		{&HTTPError{Status: 404}, false},
		{&HTTPError{Status: 405}, false},
		{&HTTPError{Status: 413}, false},
		{&HTTPError{Status: 501}, false},
		{fmt.Errorf("%w: %w", wire.ErrMalformed, ErrNotJSON), false},
		{&ReferenceError{What: "calendar", Err: errors.New("bad")}, false},
		{context.Canceled, false},
		{&HTTPError{Status: 408}, true},
		{&HTTPError{Status: 429}, true},
		{&HTTPError{Status: 500}, true},
		{&HTTPError{Status: 503}, true},
		{&NetError{Reason: NetRefused, Err: errors.New("refused")}, true},
		{ErrGone, true},
		{&RewoundError{}, true},
	}
	for _, r := range rules {
		if Retryable(r.err) != r.want {
			t.Errorf("Retryable(%v) = %v, want %v", r.err, !r.want, r.want)
		}
	}
}
