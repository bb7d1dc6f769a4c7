package sync

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"motcua/sync/lan"
)

// Two counters with no address of each other find each other by multicast
// DNS and share an intake.
func TestOfficeNetworkDiscovery(t *testing.T) {
	b := startBackend(t)
	c1, c2 := newCounter(t, b, b.url(), 1, fastConfig), newCounter(t, b, b.url(), 2, fastConfig)
	for range 2 {
		for _, c := range []*counter{c1, c2} {
			if _, err := c.engine.SyncOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []*counter{c1, c2} {
		n, err := lan.New(c.store, lan.Config{Addr: "0.0.0.0:0", Discover: true, Wait: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
	}
	rec := c1.intake(t, rand.New(rand.NewPCG(4, 4)))
	within(t, 20*time.Second, "counter 2 finds counter 1 by multicast DNS and gets its intake", func() bool {
		_, err := c2.store.Get(rec.ID)
		return err == nil
	})
}
