package sync

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	gosync "sync"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/server"
	"motcua/storage"
	"motcua/sync/wire"
)

// queue saves n intakes at a counter in transactions of 1,000 (the outbox
// gets every event, as after an outage).
func queue(b *testing.B, c *counter, n int) { queueTB(b, c, n) }

func queueTB(b testing.TB, c *counter, n int) {
	r := rand.New(rand.NewPCG(5, 5))
	for done := 0; done < n; {
		size := min(1000, n-done)
		ins := make([]dossier.Intake, size)
		for i := range ins {
			day := time.Date(2026, 3, 2, 9, 0, 0, 0, dossier.Loc).AddDate(0, 0, (done+i)/900) // at most 999 a day
			ins[i] = dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true, ReceivedAt: day}
		}
		if _, err := c.store.IntakeMany(ins, storage.BatchOptions{}); err != nil {
			b.Fatal(err)
		}
		done += size
	}
}

// BenchmarkPushAfterOutage: 10,000 queued events reach the backend, both
// sides fsync'd, over loopback HTTP with gzip.
func BenchmarkPushAfterOutage(b *testing.B) {
	const n = 10_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		be := startBackend(b)
		c := newCounter(b, be, be.url(), 1, Config{})
		queue(b, c, n)
		st, _ := c.store.SyncState()
		r := c.engine.newRemote(st.ServerURL, st.Token)
		var sum Summary
		b.StartTimer()
		start := time.Now()
		err := c.engine.push(context.Background(), r, st, &sum) // push only: what the target measures
		el := time.Since(start)
		b.StopTimer()
		if left, _ := c.store.Stats(); err != nil || sum.Pushed != n || left.Pending != 0 || len(be.records(b)) != n {
			b.Fatalf("%+v %v", sum, err)
		}
		b.ReportMetric(float64(n)/el.Seconds(), "events/s")
		be.stop()
	}
}

// seedBackend puts n received events of counter 1 into the backend
// directly, in batches, as if counter 1 had pushed them.
func seedBackend(b testing.TB, be *backend, n int) {
	dev := server.Principal{Kind: server.KindDevice, DeviceID: "seed", Unit: testUnit, Counter: 1}
	r := rand.New(rand.NewPCG(6, 6))
	for done := 0; done < n; {
		size := min(500, n-done)
		evs := make([]dossier.Event, size)
		for i := range evs {
			id := dossier.NewEventID()
			k := done + i
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, dossier.Loc).AddDate(0, 0, k/999)
			rec := &dossier.Record{ID: id, Code: testUnit + "-260310-1001", UnitCode: testUnit, Counter: 1, ProcedureCode: "1.004873",
				ProcedureName: "Cấp Giấy xác nhận tình trạng hôn nhân", Owner: storage.SyntheticPerson(r), FilerIsOwner: true,
				ReceivedAt: at, DueAt: at.Add(72 * time.Hour), Sets: 1, Channel: 1, Delivery: 1, Clerk: "Cán bộ quầy 1",
				Documents: []dossier.DocumentLine{{Name: "Tờ khai", Originals: 1}}}
			rec.Code, _ = dossier.FormatCode(testUnit, at, 1, k%999+1)
			evs[i] = dossier.Event{ID: dossier.NewEventID(), RecordID: id, Type: dossier.EvReceived, Actor: rec.Clerk, At: at, Record: rec}
		}
		if _, err := be.store.Push(dev, wire.PushRequest{Events: evs}); err != nil {
			b.Fatal(err)
		}
		done += size
	}
}

// BenchmarkPullLarge: 100,000 events of the unit pulled and applied into a
// counter's store, their search entries written too; meanwhile the clerk
// saves an intake every 20 ms (MOTCUA_CLERK_EVERY changes it), and the
// median, 99th percentile and slowest save are reported (the pull must
// never hold the writer long). The backend runs in the same process, on
// the same two cores.
func BenchmarkPullLarge(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		be := startBackend(b)
		seedBackend(b, be, n)
		c := newCounter(b, be, be.url(), 2, Config{})
		stop := make(chan struct{})
		var saves []time.Duration
		var wg gosync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(8, 8))
			for {
				select {
				case <-stop:
					return
				case <-time.After(clerkEvery()):
				}
				t0 := time.Now()
				if _, err := c.store.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true}); err != nil {
					b.Error(err)
					return
				}
				saves = append(saves, time.Since(t0))
			}
		}()
		cfg := Config{}
		cfg.defaults()
		c.engine.cfg.Batch = cfg.Batch
		if v := os.Getenv("MOTCUA_APPLY_CHUNK"); v != "" { // to measure the latency/throughput trade-off
			c.engine.cfg.ApplyChunk, _ = strconv.Atoi(v)
		}
		if v := os.Getenv("MOTCUA_PULL_LIMIT"); v != "" {
			c.engine.cfg.PullLimit, _ = strconv.Atoi(v)
		}
		if v := os.Getenv("MOTCUA_DRAIN_AT"); v != "" {
			c.engine.cfg.DrainAt, _ = strconv.Atoi(v)
		}
		b.StartTimer()
		start := time.Now()
		// pull only: the clerk's new intakes wait in the outbox meanwhile
		r := c.engine.newRemote(be.url(), mustToken(b, c))
		var sum Summary
		err := c.engine.pull(context.Background(), r, &sum)
		el := time.Since(start)
		b.StopTimer()
		close(stop)
		wg.Wait()
		if err != nil || sum.Created != n {
			b.Fatalf("%+v %v", sum, err)
		}
		sort.Slice(saves, func(i, j int) bool { return saves[i] < saves[j] })
		b.ReportMetric(float64(n)/el.Seconds(), "events/s")
		if len(saves) > 0 {
			b.ReportMetric(float64(saves[len(saves)/2].Microseconds())/1000, "save-median-ms")
			b.ReportMetric(float64(saves[len(saves)*99/100].Microseconds())/1000, "save-p99-ms")
			b.ReportMetric(float64(saves[len(saves)-1].Microseconds())/1000, "save-max-ms")
			b.ReportMetric(float64(len(saves)), "saves")
		}
		be.stop()
	}
}

func mustToken(b *testing.B, c *counter) string {
	st, err := c.store.SyncState()
	if err != nil {
		b.Fatal(err)
	}
	return st.Token
}

func clerkEvery() time.Duration {
	if v := os.Getenv("MOTCUA_CLERK_EVERY"); v != "" {
		d, _ := time.ParseDuration(v)
		return d
	}
	return 20 * time.Millisecond
}
