package server

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/pgtest"
	"motcua/sync/wire"
)

// TestReferenceReachesEveryProcess: a calendar set through one process
// (or an admin command) is the one every other process applies from its
// next push: nothing a process keeps in memory outlives the database.
func TestReferenceReachesEveryProcess(t *testing.T) {
	db := pgtest.DB(t)
	a, err := OpenPg(context.Background(), db, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenPg(context.Background(), db, assets.Catalog, assets.Calendar) // a second process starting: the schema is there
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cal, err := b.calendar(context.Background(), b.pool)
	if err != nil || cal.Version != dossier.DocVersion(assets.Calendar) {
		t.Fatalf("%v %v", cal, err)
	}
	own := bytes.Replace(assets.Calendar, []byte(`"version": "`+dossier.DocVersion(assets.Calendar)+`"`), []byte(`"version": "tinh-2027"`), 1)
	if err := a.SetReference(assets.Catalog, own); err != nil {
		t.Fatal(err)
	}
	if cal, err = b.calendar(context.Background(), b.pool); err != nil || cal.Version != "tinh-2027" {
		t.Fatalf("the other process applies calendar %q (%v)", cal.Version, err)
	}
	if v := PgSchemaVersion(); v < 2 {
		t.Fatalf("schema version %d", v)
	}
}

// BenchmarkPushPostgres pushes batches of 500 intakes of one counter to
// the PostgreSQL store, in process (the backend's cost a batch, without
// HTTP), and batches of 20 (what a push costs besides its events).
func BenchmarkPushPostgres(b *testing.B) {
	for _, n := range []int{500, 20} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) { benchmarkPushPostgres(b, n) })
	}
}

func benchmarkPushPostgres(b *testing.B, batch int) {
	st, err := OpenPg(context.Background(), pgtest.DB(b), assets.Catalog, assets.Calendar)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p := pgDevice(b, st, "000.00.12.H57", 1)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		evs := make([]dossier.Event, batch)
		for j := range evs {
			evs[j] = intakeEvent("000.00.12.H57", 1, "Trần Thị B")
			evs[j].Record.Code = fmt.Sprintf("000.00.12.H57-%06d-1%03d", 260101+i, j%1000)
		}
		b.StartTimer()
		if _, err := st.Push(p, wire.PushRequest{DeviceID: p.DeviceID, Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/event")
}

// TestSameBatchThroughTwoProcesses: a counter whose push timed out sends
// it again through the other process while the first is still working on
// it. Each event is taken once: one answer accepts it, the other calls it
// a duplicate with the same sequence, and the unit's log holds it once.
func TestSameBatchThroughTwoProcesses(t *testing.T) {
	db := pgtest.DB(t)
	var procs [2]*PgStore
	for i := range procs {
		st, err := OpenPg(context.Background(), db, assets.Catalog, assets.Calendar)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		procs[i] = st
	}
	code, err := procs[0].NewEnrollCode("000.00.12.H57", 1)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := procs[1].Enroll(wire.EnrollRequest{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := procs[0].Authenticate(dev.Token)
	for round := range 20 {
		evs := make([]dossier.Event, 20)
		for j := range evs {
			evs[j] = intakeEvent("000.00.12.H57", 1, "Trần Thị B")
			evs[j].Record.Code = fmt.Sprintf("000.00.12.H57-%06d-1%03d", 260101+round, j+1)
		}
		req := wire.PushRequest{DeviceID: dev.DeviceID, Events: evs}
		var resps [2]wire.PushResponse
		var errs [2]error
		var wg sync.WaitGroup
		for i := range procs {
			wg.Add(1)
			go func() { defer wg.Done(); resps[i], errs[i] = procs[i].Push(p, req) }()
		}
		wg.Wait()
		for i := range evs {
			a, b := resps[0].Results[i], resps[1].Results[i]
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			statuses := a.Status + "/" + b.Status
			if (statuses != wire.Accepted+"/"+wire.Duplicate && statuses != wire.Duplicate+"/"+wire.Accepted) || a.ServerSeq != b.ServerSeq {
				t.Fatalf("round %d, event %d: %s, seq %d and %d", round, i, statuses, a.ServerSeq, b.ServerSeq)
			}
		}
	}
	n := 0
	if err := procs[0].Export("000.00.12.H57", func(*dossier.Record) error { n++; return nil }); err != nil || n != 400 {
		t.Fatalf("%d records (%v)", n, err)
	}
	page, err := procs[1].Pull(p, 0, "", wire.MaxPullLimit)
	if err != nil || len(page.Events) != 400 || page.Events[399].Seq != 400 {
		t.Fatalf("the log: %d events, %v", len(page.Events), err)
	}
}

// TestPgPlansForValues: the store's connections plan each statement for
// its values (plan_cache_mode), unless the database address says
// otherwise.
func TestPgPlansForValues(t *testing.T) {
	db := pgtest.DB(t)
	for _, c := range []struct{ url, want string }{
		{db, "force_custom_plan"},
		{db + "&plan_cache_mode=auto", "auto"},
	} {
		st, err := OpenPg(context.Background(), c.url, assets.Catalog, assets.Calendar)
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		err = st.pool.QueryRow(context.Background(), "SHOW plan_cache_mode").Scan(&mode)
		st.Close()
		if err != nil || mode != c.want {
			t.Fatalf("%s: plan_cache_mode %q (%v), want %q", c.url, mode, err, c.want)
		}
	}
}
