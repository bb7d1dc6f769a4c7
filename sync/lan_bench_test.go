package sync

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/storage"
	"motcua/sync/lan"
)

// lanPair is two certified counters of the unit, the backend stopped, and
// counter 1's node running.
func lanPair(b *testing.B) (c1, c2 *counter, n1 *lan.Node) {
	be := startBackend(b)
	c1, c2 = newCounter(b, be, be.url(), 1, fastConfig), newCounter(b, be, be.url(), 2, fastConfig)
	ctx := context.Background()
	for range 2 {
		for _, c := range []*counter{c1, c2} {
			if _, err := c.engine.SyncOnce(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	be.stop()
	n1 = startNode(b, c1)
	return c1, c2, n1
}

func startNode(b *testing.B, c *counter) *lan.Node {
	n, err := lan.New(c.store, lan.Config{Addr: "127.0.0.1:0", Wait: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	return n
}

// BenchmarkLANBacklog: counter 1 holds 10,000 events the backend never
// got (a day's outage of a busy office); counter 2 joins the office
// network and takes them all. Meanwhile its clerk saves an intake every
// 20 ms (MOTCUA_CLERK_EVERY; 0: none); the events per second and the
// median and slowest save are reported.
func BenchmarkLANBacklog(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		c1, c2, n1 := lanPair(b)
		queue(b, c1, n)
		own := c1.deviceID(b)
		b.StartTimer()
		start := time.Now()
		n2 := startNode(b, c2)
		n2.AddPeer(n1.Addr())
		saves := clerkSaves(c2, clerkEvery())
		for {
			have, err := c2.store.LANHave()
			if err != nil {
				b.Fatal(err)
			}
			if have[own] >= n {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		el := time.Since(start)
		b.StopTimer()
		lat := saves()
		if st, _ := c2.store.Stats(); st.Records < n {
			b.Fatalf("counter 2 holds %d records", st.Records)
		}
		b.ReportMetric(float64(n)/el.Seconds(), "events/s")
		b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "save-p50-ms")
		b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "save-max-ms")
	}
}

// BenchmarkLANPropagation: one intake at a time at counter 1, and the time
// until counter 2 has it; the median and 99th percentile are reported.
func BenchmarkLANPropagation(b *testing.B) {
	c1, c2, n1 := lanPair(b)
	n2 := startNode(b, c2)
	n2.AddPeer(n1.Addr())
	r := rand.New(rand.NewPCG(3, 3))
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		for range 100 {
			rec, err := c1.store.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			n1.Notify()
			for {
				if _, err := c2.store.Get(rec.ID); err == nil {
					break
				}
				time.Sleep(200 * time.Microsecond)
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99-ms")
}

// clerkSaves saves an intake at a counter every period until the returned
// function is called, which gives each save's time.
func clerkSaves(c *counter, period time.Duration) func() []time.Duration {
	stop, done := make(chan struct{}), make(chan []time.Duration)
	go func() {
		if period <= 0 {
			<-stop
			done <- []time.Duration{0}
			return
		}
		r := rand.New(rand.NewPCG(8, 8))
		var lat []time.Duration
		for {
			select {
			case <-stop:
				done <- lat
				return
			case <-time.After(period):
			}
			start := time.Now()
			if _, err := c.store.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true}); err == nil {
				lat = append(lat, time.Since(start))
			}
		}
	}()
	return func() []time.Duration { close(stop); return <-done }
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
