package sync

import (
	"context"
	"math/rand/v2"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server"
	"motcua/server/pgtest"
)

// TestMigrateToPostgres: a backend on bbolt, with three counters synced
// (records, steps, register numbers), is copied into PostgreSQL with
// motcua-server migrate's MigrateBolt and served from there on the same
// address. The counters notice nothing: their tokens work, their pull
// cursors are still good (no pull from the start), the store keeps its
// generation, and what they do next reaches every counter once.
func TestMigrateToPostgres(t *testing.T) {
	ctx := context.Background()
	b := startBackendOn(t, "") // bbolt, whatever store the suite runs on
	cs := []*counter{newCounter(t, b, b.url(), 1, fastConfig), newCounter(t, b, b.url(), 2, fastConfig), newCounter(t, b, b.url(), 3, fastConfig)}
	r := rand.New(rand.NewPCG(3, 5))
	syncAll := func() (pulled int, resynced bool) {
		t.Helper()
		for _, c := range append(cs, cs...) {
			sum, err := c.engine.SyncOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pulled += sum.Pulled
			resynced = resynced || sum.Resynced
		}
		return pulled, resynced
	}
	for i := 0; i < 6; i++ {
		cs[i%2].intake(t, r)
	}
	syncAll()
	first, err := cs[0].store.GetByCode(mustFirstCode(t, cs[0].store))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs[0].store.Apply(cs[0].store.NewEvent(first, dossier.EvProcessing)); err != nil {
		t.Fatal(err)
	}
	syncAll()
	gen := b.store.Generation()
	cursors := make([]uint64, len(cs))
	for i, c := range cs {
		cursors[i] = mustState(t, c.store).Cursor
	}

	b.stop()
	from, err := server.OpenBolt(b.dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	b.db = pgtest.DB(t)
	to, err := server.Open(b.db, "", assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := server.MigrateBolt(ctx, from, to.(*server.PgStore))
	from.Close()
	to.Close()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, c := range counts {
		rows[c.Table] = c.Rows
	}
	if rows["records"] != 6 || rows["principals"] != 3 || rows["log"] < 7 || rows["letter_requests"] == 0 {
		t.Fatalf("copied %v", counts)
	}
	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.store.(*server.PgStore); !ok || b.store.Generation() != gen {
		t.Fatalf("serving %T, generation %q (was %q)", b.store, b.store.Generation(), gen)
	}
	if pulled, resynced := syncAll(); pulled != 0 || resynced {
		t.Fatalf("after the move the counters pulled %d events (resynced %v): their cursors were lost", pulled, resynced)
	}
	for i, c := range cs {
		if got := mustState(t, c.store).Cursor; got != cursors[i] {
			t.Fatalf("counter %d's cursor moved %d → %d with nothing new", i+1, cursors[i], got)
		}
	}
	for i := 0; i < 5; i++ {
		cs[i%3].intake(t, r)
	}
	if _, err := cs[2].store.Apply(cs[2].store.NewEvent(mustGet(t, cs[2], first.ID), dossier.EvResultReady)); err != nil {
		t.Fatal(err)
	}
	if _, resynced := syncAll(); resynced {
		t.Fatal("a counter pulled everything again")
	}
	want := b.records(t)
	if len(want) != 11 || want[first.ID].Status != dossier.StatusDone {
		t.Fatalf("the backend holds %d records; the moved file is %v", len(want), want[first.ID].Status)
	}
	for i, c := range cs {
		st, err := c.store.Stats()
		if err != nil || st.Records != len(want) || st.Pending != 0 || st.Attention != 0 {
			t.Fatalf("counter %d: %+v %v", i+1, st, err)
		}
		for id, srv := range want {
			if got := mustGet(t, c, id); got.Version != srv.Version || got.Status != srv.Status {
				t.Fatalf("counter %d: %s at version %d, backend %d", i+1, srv.Code, got.Version, srv.Version)
			}
		}
	}
}

func mustGet(t *testing.T, c *counter, id string) *dossier.Record {
	t.Helper()
	r, err := c.store.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
