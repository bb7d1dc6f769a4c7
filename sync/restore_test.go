package sync

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server"
	"motcua/server/pgtest"
	"motcua/storage"
	"motcua/sync/wire"
)

// TestBackendRestoredFromOlderBackup restores the backend's store from a
// backup taken before some pushes, while counters go on: the events
// acknowledged after the backup must reach the backend again, a counter
// whose pull cursor falls in the re-used range of sequences must not skip
// anything, and in the end the backend and every counter hold every record
// exactly once, in the same state.
func TestBackendRestoredFromOlderBackup(t *testing.T) {
	hows := []string{"restore-command", "file-copied"}
	if pgtest.Postgres() { // a database is backed up and restored by PostgreSQL's tools
		hows = []string{"pg_restore"}
	}
	for _, how := range hows {
		t.Run(how, func(t *testing.T) { testRestored(t, how) })
	}
}

func testRestored(t *testing.T, how string) {
	ctx := context.Background()
	b := startBackend(t)
	c1 := newCounter(t, b, b.url(), 1, fastConfig)
	c2 := newCounter(t, b, b.url(), 2, fastConfig)
	c3 := newCounter(t, b, b.url(), 3, fastConfig) // only ever pulls
	r := rand.New(rand.NewPCG(7, 11))
	syncAll := func(cs ...*counter) {
		t.Helper()
		for _, c := range cs {
			if _, err := c.engine.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 5; i++ {
		c1.intake(t, r)
		c2.intake(t, r)
	}
	syncAll(c1, c2, c1, c3)
	genBefore := b.store.Generation()
	backup := filepath.Join(t.TempDir(), "backend-backup.db")
	if how == "pg_restore" {
		run(t, "pg_dump", "-Fc", "-f", backup, b.db)
	} else if err := b.store.Backup(backup); err != nil {
		t.Fatal(err)
	}

	// after the backup: more intakes on two counters, an action on an old
	// record, and every counter synced (c3's cursor moves to the end)
	var moved *dossier.Record
	for i := 0; i < 7; i++ {
		moved = c1.intake(t, r)
	}
	first, _ := c1.store.GetByCode(mustFirstCode(t, c1.store))
	if _, err := c1.store.Apply(c1.store.NewEvent(first, dossier.EvProcessing)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		c2.intake(t, r)
	}
	syncAll(c1, c2, c1, c3)
	if n := len(b.records(t)); n != 23 {
		t.Fatalf("backend holds %d records before the restore", n)
	}
	c3cursor := mustState(t, c3.store).Cursor

	// the restore
	b.stop()
	switch how {
	case "restore-command":
		aside, gen, err := server.Restore(b.dir, backup, assets.Catalog, assets.Calendar)
		if err != nil {
			t.Fatal(err)
		}
		if gen == "" || gen == genBefore {
			t.Fatalf("generation %q after a restore (was %q)", gen, genBefore)
		}
		if _, err := os.Stat(aside); err != nil {
			t.Fatalf("the replaced store was not kept: %v", err)
		}
	case "file-copied": // an operator copies the file back by hand
		copyTestFile(t, backup, server.StoreFile(b.dir))
	case "pg_restore": // the database dropped, made again and restored from the dump
		u, err := url.Parse(b.db)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(u.Path, "/")
		run(t, "psql", "-q", "-c", "DROP DATABASE "+name+" WITH (FORCE)", "-c", "CREATE DATABASE "+name, os.Getenv(pgtest.Env))
		run(t, "pg_restore", "-d", b.db, backup)
	}
	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	if n := len(b.records(t)); n != 10 {
		t.Fatalf("restored backend holds %d records", n)
	}

	// c2 syncs first and adds more: the backend's log grows past c3's
	// cursor again, with other events at the same sequences
	for i := 0; i < 9; i++ {
		c2.intake(t, r)
	}
	syncAll(c2)
	if got := len(b.records(t)); got != 10+6+9 {
		t.Fatalf("after c2's sync the backend holds %d records, want %d (c2's lost intakes re-sent)", got, 10+6+9)
	}
	if b.store.Generation() == genBefore && c3cursor >= 24 {
		// the copied file's log has grown past c3's cursor with other
		// events: only the cursor's check tells c3 so
		t.Logf("c3's cursor %d is inside the re-used range", c3cursor)
	}
	syncAll(c3, c1, c2, c3, c1)

	want := b.records(t)
	if len(want) != 10+7+6+9 {
		t.Fatalf("backend holds %d records, want %d", len(want), 10+7+6+9)
	}
	if srv := want[first.ID]; srv == nil || srv.Status != dossier.StatusProcessing {
		t.Fatalf("the action acknowledged after the backup is lost: %+v", srv)
	}
	if want[moved.ID] == nil {
		t.Fatal("an intake acknowledged after the backup is lost")
	}
	for i, c := range []*counter{c1, c2, c3} {
		st, err := c.store.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Records != len(want) || st.Pending != 0 || st.Attention != 0 {
			t.Fatalf("counter %d: %d records, %d pending, %d attention; backend %d", i+1, st.Records, st.Pending, st.Attention, len(want))
		}
		for id, srv := range want {
			got, err := c.store.Get(id)
			if err != nil || got.Version != srv.Version || got.Status != srv.Status {
				t.Fatalf("counter %d: record %s differs from the backend's: %v", i+1, srv.Code, err)
			}
		}
		if probs, err := c.store.Verify(); err != nil || len(probs) > 0 {
			t.Fatalf("counter %d: verify %v %v", i+1, probs, err)
		}
	}
	gen := b.store.Generation()
	for i, c := range []*counter{c1, c2} {
		ss := mustState(t, c.store)
		if ss.Rewinds == 0 {
			t.Fatalf("counter %d never noticed the restore", i+1)
		}
		if ss.Generation != gen {
			t.Fatalf("counter %d keeps generation %q, backend has %q", i+1, ss.Generation, gen)
		}
	}
}

func mustState(t *testing.T, s *storage.Store) storage.SyncState {
	t.Helper()
	st, err := s.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustFirstCode(t *testing.T, s *storage.Store) string {
	t.Helper()
	recs, _, err := s.Collect(storage.Query{}, 1000)
	if err != nil || len(recs) == 0 {
		t.Fatal(err)
	}
	return recs[len(recs)-1].Code // newest first: the oldest
}

func copyTestFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// A counter whose outbox holds many large records sends them in batches
// bounded in bytes: all of them arrive (one batch of them all would be
// over the backend's request limit, and refused whole, every time).
func TestLargeRecordsPushInBoundedBatches(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t)
	cfg := fastConfig
	cfg.Timeout = time.Minute // 4 MiB batches under -race on two busy cores
	c := newCounter(t, b, b.url(), 1, cfg)
	r := rand.New(rand.NewPCG(1, 2))
	var docs []dossier.DocumentLine
	for d := 0; d < 40; d++ {
		docs = append(docs, dossier.DocumentLine{Name: strings.Repeat("giấy tờ kèm theo ", 55), Originals: 1})
	}
	ins := make([]dossier.Intake, 400)
	for i := range ins {
		ins[i] = dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true, Documents: docs}
	}
	if _, err := c.store.IntakeMany(ins, storage.BatchOptions{}); err != nil {
		t.Fatal(err)
	}
	batch, err := c.store.PendingAfter(0, 500, 0)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range batch {
		data, _ := json.Marshal(e.Event)
		total += len(data)
	}
	if total <= wire.MaxRequestBytes {
		t.Fatalf("the test's outbox is only %d bytes: not over the request limit", total)
	}
	if _, err := c.engine.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(b.records(t)); n != 400 {
		t.Fatalf("backend holds %d of 400 records", n)
	}
	if st, _ := c.store.Stats(); st.Pending != 0 || st.Attention != 0 {
		t.Fatalf("%+v", st)
	}
}

// The counter (storage) and the protocol (wire) compute cursor checks alike.
func TestCursorCheckAgrees(t *testing.T) {
	for _, id := range []string{"", "019a0000-0000-7000-8000-000000000001", dossier.NewEventID()} {
		if storage.CursorCheck(id) != wire.CursorCheck(id) {
			t.Fatalf("checks of %q differ", id)
		}
	}
}

// run runs a command and fails the test with its output when it fails.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}
