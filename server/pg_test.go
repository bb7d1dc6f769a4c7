package server

import (
	"bytes"
	"context"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/pgtest"
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
