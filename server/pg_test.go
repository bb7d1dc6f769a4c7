package server

import (
	"bytes"
	"context"
	"fmt"
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
// HTTP).
func BenchmarkPushPostgres(b *testing.B) {
	st, err := OpenPg(context.Background(), pgtest.DB(b), assets.Catalog, assets.Calendar)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	code, err := st.NewEnrollCode("000.00.12.H57", 1)
	if err != nil {
		b.Fatal(err)
	}
	dev, err := st.Enroll(wire.EnrollRequest{Code: code})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := st.Authenticate(dev.Token)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		evs := make([]dossier.Event, 500)
		for j := range evs {
			evs[j] = intakeEvent("000.00.12.H57", 1, "Trần Thị B")
			evs[j].Record.Code = fmt.Sprintf("000.00.12.H57-%06d-1%03d", 260101+i, j%1000)
		}
		b.StartTimer()
		if _, err := st.Push(p, wire.PushRequest{DeviceID: dev.DeviceID, Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*500), "µs/event")
}
