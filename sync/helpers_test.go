package sync

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server"
	"motcua/server/pgtest"
	"motcua/storage"
	"motcua/storage/storagetest"
)

const testUnit = "000.00.12.H57"

// backend is the reference server on a real loopback listener, which can
// be stopped and started again on the same address (a restart).
type backend struct {
	t     testing.TB
	dir   string
	db    string       // its PostgreSQL database when the suite runs there (pgtest.StoreEnv)
	addr  atomic.Value // string; a proxy reads it while the backend restarts
	store server.Backend
	srv   *http.Server
}

// address is where the backend listens.
func (b *backend) address() string {
	a, _ := b.addr.Load().(string)
	return a
}

// startBackend starts the backend on the store the suite runs on
// (pgtest.StoreEnv).
func startBackend(t testing.TB) *backend { return startBackendOn(t, pgtest.Backend(t)) }

// startBackendOn starts the backend on the PostgreSQL database db, or on
// bbolt with db empty.
func startBackendOn(t testing.TB, db string) *backend {
	b := &backend{t: t, dir: t.TempDir(), db: db}
	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.stop)
	return b
}

// start opens the backend's store and serves it; it returns an error
// rather than failing the test, so that goroutines may call it.
func (b *backend) start() error {
	st, err := server.Open(b.db, b.dir, assets.Catalog, assets.Calendar)
	if err != nil {
		return err
	}
	addr := b.address()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	for i := 0; i < 50; i++ { // the old socket may linger a moment after a restart
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		st.Close()
		return err
	}
	b.addr.Store(ln.Addr().String())
	b.store = st
	b.srv = &http.Server{Handler: server.NewHandler(st), ReadHeaderTimeout: 5 * time.Second}
	go b.srv.Serve(ln)
	return nil
}

func (b *backend) stop() {
	if b.srv == nil {
		return
	}
	b.srv.Close()
	b.store.Close()
	b.srv = nil
}

func (b *backend) restart() error {
	b.stop()
	return b.start()
}

func (b *backend) url() string { return "http://" + b.address() }

func (b *backend) records(t testing.TB) map[string]*dossier.Record {
	out := map[string]*dossier.Record{}
	if err := b.store.Export(testUnit, func(r *dossier.Record) error {
		if _, dup := out[r.ID]; dup {
			return fmt.Errorf("record %s exported twice", r.ID)
		}
		out[r.ID] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// counter is one client store with its engine.
type counter struct {
	store  *storage.Store
	engine *Engine
}

var fastConfig = Config{Interval: 200 * time.Millisecond, Timeout: 2 * time.Second, BackoffBase: 20 * time.Millisecond, BackoffCap: 300 * time.Millisecond}

func openCounterStore(t testing.TB, path string) *storage.Store {
	st, err := storage.Open(path, storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func saveTestSettings(t testing.TB, st *storage.Store, n int) {
	if err := st.SaveSettings(storage.Settings{UnitName: "UBND phường Thuận Hóa", UnitCode: testUnit, Place: "Huế", Counter: n, Clerk: fmt.Sprintf("Cán bộ quầy %d", n), Language: "vi"}); err != nil {
		t.Fatal(err)
	}
}

func newCounter(t testing.TB, b *backend, url string, n int, cfg Config) *counter {
	st := storagetest.Open(t) // verified when the test ends
	saveTestSettings(t, st, n)
	if old := b.store.DeviceFor(testUnit, n); old != "" {
		// the counter's PC is replaced: its old device is revoked first,
		// as the backend asks (one active device per counter number)
		if err := b.store.Revoke(old); err != nil {
			t.Fatal(err)
		}
	}
	code, err := b.store.NewEnrollCode(testUnit, n)
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, cfg)
	if err := e.Enroll(context.Background(), url, code); err != nil {
		t.Fatal(err)
	}
	return &counter{store: st, engine: e}
}

func (c *counter) intake(t testing.TB, r *rand.Rand) *dossier.Record {
	rec, err := c.tryIntake(r)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// tryIntake is intake for goroutines other than the test's own, which
// must not call t.Fatal.
func (c *counter) tryIntake(r *rand.Rand) (*dossier.Record, error) {
	return c.store.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true})
}
