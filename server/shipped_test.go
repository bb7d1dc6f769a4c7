package server

import (
	"bytes"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/pgtest"
)

func withVersion(doc []byte, v string) []byte {
	return bytes.Replace(doc, []byte(`"version": "`+dossier.DocVersion(doc)+`"`), []byte(`"version": "`+v+`"`), 1)
}

// A backend holding the calendar an older release shipped hands the
// corrected one to counters (a new reference tag); one the administrator
// set is kept.
func TestShippedReferenceReachesCounters(t *testing.T) {
	dir, db := t.TempDir(), pgtest.Backend(t)
	old := withVersion(assets.Calendar, dossier.LegacyReferenceVersion)
	st, err := Open(db, dir, withVersion(assets.Catalog, dossier.LegacyReferenceVersion), old)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := st.Reference()
	st.Close()
	if st, err = Open(db, dir, assets.Catalog, assets.Calendar); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Reference()
	if after.ETag == before.ETag || dossier.DocVersion(after.Calendar) != dossier.DocVersion(assets.Calendar) ||
		dossier.DocVersion(after.Catalog) != dossier.DocVersion(assets.Catalog) {
		t.Fatalf("not refreshed: %s → %s, calendar %s", before.ETag, after.ETag, dossier.DocVersion(after.Calendar))
	}
	own := withVersion(assets.Calendar, "tinh-2027")
	if err := st.SetReference(assets.Catalog, own); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(db, dir, assets.Catalog, withVersion(assets.Calendar, "2099-01-01")); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ref, _ := st.Reference(); dossier.DocVersion(ref.Calendar) != "tinh-2027" {
		t.Fatalf("the administrator's calendar was replaced by %s", dossier.DocVersion(ref.Calendar))
	}
}
