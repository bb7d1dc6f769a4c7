package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/server"
	"motcua/server/dvcqg/dvcqgtest"
	"motcua/storage"
	"motcua/sync/wire"
)

// lifeSteps are the steps a record goes through after receipt here.
var lifeSteps = []dossier.EventType{dossier.EvProcessing, dossier.EvResultReady, dossier.EvReturned}

// live takes a record through processing, result and return at its
// counter.
func live(s *storage.Store, r *dossier.Record) error {
	for _, typ := range lifeSteps {
		ev := s.NewEvent(r, typ)
		if typ == dossier.EvReturned {
			ev.Collector = &dossier.Collector{Name: "Người nhận"}
		}
		var err error
		if r, err = s.Apply(ev); err != nil {
			return err
		}
	}
	return nil
}

// TestThousandRecordsReachDVCQGOnce: 1,000 records with full lives from
// three counters, and 30 files filed online and received at them, reach a
// strict stand-in DVCQG through the backend while the counters sync
// throughout: the backend (and its reporting) is restarted mid-run, the
// platform fails at first and its sessions expire every 150 calls and all
// at once mid-run. Every record reaches DVCQG once, every step once and
// in order, and every counter ends up showing each record as reached.
func TestThousandRecordsReachDVCQGOnce(t *testing.T) {
	const perCounter, online = 334, 30 // 1,002 records at the counters
	b := startBackend(t)
	dv := dvcqgtest.New("motcua-hue", "mật khẩu tỉnh", "DVCQG-HUE", "000.00.00.H57")
	defer dv.Close()
	dv.SessionCalls = 150
	dv.FailNext(5)
	if err := b.store.SetPortalConfig(server.PortalConfig{Config: dv.Config(), Units: map[string]string{testUnit: "UBND phường Thuận Hóa"}}); err != nil {
		t.Fatal(err)
	}
	var workerStop func()
	startWorker := func(st server.PortalStore) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			server.RunPortal(ctx, st, server.PortalOptions{Every: 20 * time.Millisecond, MaxDelay: 100 * time.Millisecond, Batch: 100})
			close(done)
		}()
		workerStop = func() { cancel(); <-done }
	}
	startWorker(b.store)

	counters := make([]*counter, 3)
	for i := range counters {
		counters[i] = newCounter(t, b, b.url(), i+1, fastConfig)
	}
	ctx := context.Background()
	tok, err := b.store.NewToken(server.KindPortal, testUnit)
	if err != nil {
		t.Fatal(err)
	}
	portal := NewHTTPRemote(b.url(), tok, 5*time.Second)
	for i := range online {
		f := dossier.Filing{Code: fmt.Sprintf("G22.99.12-261129-%04d", i+1), ProcedureCode: "1.004873", FiledAt: time.Now().Add(-time.Hour),
			Owner: dossier.Party{Type: dossier.PartyCitizen, Name: fmt.Sprintf("Người nộp trực tuyến %d", i), IDNumber: "046190001234", Birth: "1990-03-12", Sex: dossier.SexFemale}, FilerIsOwner: true}
		var out wire.FilingResponse
		if _, err := portal.do(ctx, "POST", "/v1/online", wire.FilingRequest{Filing: f}, nil, into(&out)); err != nil || out.Result != wire.Accepted {
			t.Fatalf("filing %d: %+v %v", i, out, err)
		}
	}

	// every counter receives its share: the intakes, then a third of the
	// online files, then the rest of each life, syncing every 40 actions
	var wg gosync.WaitGroup
	errs := make(chan error, len(counters))
	half := make(chan struct{}, len(counters))
	for n, c := range counters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.work(ctx, n, perCounter, online, half)
		}()
	}
	for range counters {
		<-half // every counter is half-way: restart the backend and its reporting
	}
	workerStop()
	if err := b.restart(); err != nil {
		t.Fatal(err)
	}
	dv.ExpireSessions()
	startWorker(b.store)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range counters {
		if sum, err := c.engine.SyncOnce(ctx); err != nil {
			t.Fatalf("last round: %+v %v", sum, err)
		}
		if st, _ := c.store.Stats(); st.Pending != 0 {
			t.Fatalf("%d events still wait at a counter", st.Pending)
		}
	}
	waitFor(t, 3*time.Minute, func() bool {
		s, err := b.store.PortalStatus()
		return err == nil && s.Pending == 0
	})
	workerStop()

	recs := b.records(t)
	if len(recs) != 3*perCounter+online {
		t.Fatalf("the backend holds %d records", len(recs))
	}
	held := dv.Records()
	if len(held) != len(recs) {
		t.Fatalf("DVCQG holds %d records of %d", len(held), len(recs))
	}
	for _, r := range recs {
		want := "2,4,9,10"
		if r.Channel == dossier.ChannelOnline {
			want = "1,2,4,9,10"
		}
		var got []string
		for _, s := range dv.Steps(r.Code) {
			got = append(got, s.TrangThai)
		}
		if strings.Join(got, ",") != want || held[r.Code].TrangThaiHoSo != "10" {
			s, _ := b.store.PortalStatus()
			t.Logf("refused: %+v", s.Refused)
			t.Fatalf("%s: steps %v (want %s once each, in order), status %s", r.Code, got, want, held[r.Code].TrangThaiHoSo)
		}
	}
	if s, _ := b.store.PortalStatus(); s.RefusedN != 0 || s.LastSuccess.IsZero() {
		t.Fatalf("portal status %+v", s)
	}
	// the counters hear it: every record shows as reached, every step
	for n, c := range counters {
		if _, err := c.engine.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			local, err := c.store.Get(r.ID)
			if err != nil {
				t.Fatalf("counter %d lacks %s: %v", n+1, r.Code, err)
			}
			if mark, behind := c.store.PortalReach(local); behind != 0 || mark.EventID == "" {
				t.Fatalf("counter %d: %s shows %d steps not reported", n+1, r.Code, behind)
			}
		}
	}
	// sessions of 150 calls over thousands of calls, and all dropped once
	if logins := dv.Calls("login"); logins < 10 {
		t.Fatalf("%d logins: the sessions did not expire", logins)
	}
	t.Logf("DVCQG calls: %d logins, %d records, %d steps", dv.Calls("login"), dv.Calls("DongBoHoSoMC"), dv.Calls("CapNhatTienDoHoSoMC"))
}

// work is one counter's day: n intakes, its share of the online files,
// then the rest of every life; it syncs every 40 actions (a round may
// fail while the backend restarts) and says when it is half-way.
func (c *counter) work(ctx context.Context, k, n, online int, half chan<- struct{}) error {
	r := rand.New(rand.NewPCG(uint64(k), 7))
	sync := func(i int) {
		if i%40 == 0 {
			_, _ = c.engine.SyncOnce(ctx) // a failure waits for the next
		}
	}
	var mine []*dossier.Record
	for i := range n {
		rec, err := c.tryIntake(r)
		if err != nil {
			return err
		}
		mine = append(mine, rec)
		sync(i)
		if i == n/2 {
			half <- struct{}{}
		}
	}
	for { // the online files: pulled, then this counter's third received
		if _, err := c.engine.SyncOnce(ctx); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range online {
		if i%3 != k {
			continue
		}
		id, _ := dossier.FilingIDs(testUnit, fmt.Sprintf("G22.99.12-261129-%04d", i+1))
		rec, err := c.store.ReceiveOnline(id, nil)
		if err != nil {
			return fmt.Errorf("counter %d receiving online file %d: %w", k+1, i, err)
		}
		mine = append(mine, rec)
	}
	for i, rec := range mine {
		if err := live(c.store, rec); err != nil && !errors.Is(err, dossier.ErrVersion) {
			return err
		}
		sync(i)
	}
	return nil
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
