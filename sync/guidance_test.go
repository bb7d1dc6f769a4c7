package sync

import (
	"context"
	"testing"

	"motcua/dossier"
)

// Guidance given at one counter reaches the backend (no record, no code)
// and the unit's other counters.
func TestGuidanceSyncsAcrossTheUnit(t *testing.T) {
	b := startBackend(t)
	c1 := newCounter(t, b, b.url(), 1, fastConfig)
	c2 := newCounter(t, b, b.url(), 2, fastConfig)
	g, err := c1.store.Guide(dossier.Guidance{Kind: dossier.GuideRefusal, ProcedureCode: "1.004873", Reason: "Không thuộc thẩm quyền",
		Person: dossier.Party{Type: dossier.PartyCitizen, Name: "Phạm Thị Hướng"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.engine.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var held []*dossier.Guidance
	if err := b.store.Guidance(testUnit, func(x *dossier.Guidance) error { held = append(held, x); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || held[0].ID != g.ID || len(b.records(t)) != 0 {
		t.Fatalf("backend holds %d guidance, %d records", len(held), len(b.records(t)))
	}
	if _, err := c2.engine.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := c2.store.Guidances(10)
	if err != nil || len(got) != 1 || got[0].Reason != "Không thuộc thẩm quyền" {
		t.Fatalf("the other counter has %+v (%v)", got, err)
	}
	if st, _ := c2.store.Stats(); st.Records != 0 || st.Attention != 0 {
		t.Fatalf("%+v", st)
	}
	// pushed again (a lost answer): still once
	if _, err := c1.engine.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	held = nil
	_ = b.store.Guidance(testUnit, func(x *dossier.Guidance) error { held = append(held, x); return nil })
	if len(held) != 1 {
		t.Fatalf("%d after a second round", len(held))
	}
}
