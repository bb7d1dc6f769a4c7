package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/dvcqg/dvcqgtest"
	"motcua/server/pgtest"
	"motcua/sync/wire"

	bolt "go.etcd.io/bbolt"
)

// lifeEvents are a record's intake, then its sending for processing, its
// result and its return, each made against the version before it.
func lifeEvents(unit string, n int) [][]dossier.Event {
	var lives [][]dossier.Event
	for i := range n {
		in := intakeEvent(unit, 1, fmt.Sprintf("Người nộp %d", i))
		in.Record.Code = fmt.Sprintf("%s-260310-%04d", unit, 1001+i)
		life := []dossier.Event{in}
		for v, typ := range []dossier.EventType{dossier.EvProcessing, dossier.EvResultReady, dossier.EvReturned} {
			e := dossier.Event{ID: dossier.NewEventID(), RecordID: in.RecordID, Type: typ, Actor: "cb", ActorName: "Cán bộ",
				At: in.At.Add(time.Duration(v+1) * time.Hour), BaseVersion: v + 1}
			if typ == dossier.EvReturned {
				e.Collector = &dossier.Collector{Name: "Người nộp", IDNumber: "046090001234"}
			}
			life = append(life, e)
		}
		lives = append(lives, life)
	}
	return lives
}

// TestPortalReportsEveryRecordAndStepOnce: 40 records with full lives
// pushed from a counter reach a strict stand-in DVCQG, each record once
// and each step once and in order, through a platform that fails at
// first, sessions that expire every 25 calls, and a worker stopped
// half-way and started again; a record DVCQG refuses goes to the
// attention list with the reason and holds up no other.
func TestPortalReportsEveryRecordAndStepOnce(t *testing.T) {
	e := newEnv(t)
	const unit = "000.00.12.H57"
	dev := e.enroll(unit, 1)
	lives := lifeEvents(unit, 40)
	for step := range 4 { // each push carries one step of every record
		var evs []dossier.Event
		for _, life := range lives {
			evs = append(evs, life[step])
		}
		status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, evs...))
		if status != 200 || strings.Count(string(body), wire.Accepted) != len(evs) {
			t.Fatalf("push %d: %d %s", step, status, body)
		}
	}
	st := e.store.(PortalStore)
	if s, err := st.PortalStatus(); err != nil || s.Pending != 160 || s.Configured {
		t.Fatalf("before configuring: %+v %v", s, err)
	}
	dv := dvcqgtest.New("motcua-hue", "mật khẩu tỉnh", "DVCQG-HUE", "000.00.00.H57")
	defer dv.Close()
	dv.SessionCalls = 25
	refusedCode := lives[7][0].Record.Code
	dv.Refuse(refusedCode, "Mã thủ tục hành chính không tồn tại trên Cổng DVCQG")
	if err := st.SetPortalConfig(PortalConfig{Config: dv.Config(), Units: map[string]string{unit: "UBND phường Thuận Hóa"}}); err != nil {
		t.Fatal(err)
	}
	dv.FailNext(3)
	run := func(until func(PortalStatus) bool) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			RunPortal(ctx, st, PortalOptions{Every: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Batch: 7})
			close(done)
		}()
		deadline := time.Now().Add(60 * time.Second)
		for {
			s, err := st.PortalStatus()
			if err != nil {
				t.Fatal(err)
			}
			if until(s) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the outbox did not drain: %+v", s)
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
	}
	run(func(s PortalStatus) bool { return s.Pending < 80 }) // stopped half-way
	run(func(s PortalStatus) bool { return s.Pending == 0 }) // started again
	recs := dv.Records()
	if len(recs) != 39 {
		t.Fatalf("DVCQG holds %d records, want 39", len(recs))
	}
	for _, life := range lives {
		code := life[0].Record.Code
		steps := dv.Steps(code)
		if code == refusedCode {
			if len(steps) != 0 {
				t.Errorf("steps of a refused record: %v", steps)
			}
			continue
		}
		r := recs[code]
		if r.TrangThaiHoSo != "10" || r.DonViXuLy != "UBND phường Thuận Hóa" || r.TenLinhVuc == "" || r.NgayTiepNhan != "20260310090000" {
			t.Errorf("%s: %+v", code, r)
		}
		var states []string
		for _, s := range steps {
			states = append(states, s.TrangThai)
		}
		if strings.Join(states, ",") != "2,4,9,10" {
			t.Errorf("%s: steps %v, want each once, in order", code, states)
		}
	}
	s, err := st.PortalStatus()
	if err != nil {
		t.Fatal(err)
	}
	if s.RefusedN != 4 || len(s.Refused) != 4 || s.Refused[0].Code != refusedCode ||
		!strings.Contains(s.Refused[0].Refused, "không tồn tại") || s.LastSuccess.IsZero() || !strings.Contains(s.LastError, "503") {
		t.Fatalf("status %+v", s)
	}
	if dv.Calls("login") < 3 {
		t.Fatalf("sessions of 25 calls, yet %d logins", dv.Calls("login"))
	}
	// the counters hear how far DVCQG has each record: the newest mark of
	// every record it took names its last event; the refused one has none
	status, body := e.call("GET", "/v1/pull?after=0&limit=1000", dev.Token, nil)
	var pulled wire.PullResponse
	if status != 200 || json.Unmarshal(body, &pulled) != nil {
		t.Fatalf("pull %d", status)
	}
	marks := map[string]string{}
	for _, pe := range pulled.Events {
		if pe.Event.Type == dossier.EvReported {
			marks[pe.Event.RecordID] = pe.Event.Reported
		}
	}
	for _, life := range lives {
		want := life[len(life)-1].ID
		if life[0].Record.Code == refusedCode {
			want = ""
		}
		if got := marks[life[0].RecordID]; got != want {
			t.Errorf("%s: reported up to %q, want %q", life[0].Record.Code, got, want)
		}
	}
}

// TestPortalOutboxMovesToPostgres: migrating a bbolt backend keeps what
// DVCQG has yet to hear, in its order, what it refused, and the
// configuration; new items come after the old ones.
func TestPortalOutboxMovesToPostgres(t *testing.T) {
	const unit = "000.00.12.H57"
	b, err := OpenBolt(t.TempDir(), assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	push := func(st Backend, counter int, evs ...dossier.Event) {
		t.Helper()
		srv := httptest.NewServer(NewHandler(st))
		defer srv.Close()
		e := &env{t: t, store: st, srv: srv}
		dev := e.enroll(unit, counter)
		if status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, evs...)); status != 200 ||
			strings.Count(string(body), wire.Accepted) != len(evs) {
			t.Fatalf("push: %d %s", status, body)
		}
	}
	lives := lifeEvents(unit, 5)
	var intakes []dossier.Event
	for _, l := range lives {
		intakes = append(intakes, l[0])
	}
	push(b, 1, intakes...)
	cfg := PortalConfig{Config: dvcqgtest.New("u", "p", "d", "m").Config(), Units: map[string]string{unit: "UBND"}}
	if err := b.SetPortalConfig(cfg); err != nil {
		t.Fatal(err)
	}
	before, _ := b.PortalPending(0, 10)
	if err := b.PortalRefuse(before[1].Seq, "từ chối", time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPg(context.Background(), pgtest.DB(t), assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := MigrateBolt(context.Background(), b, p); err != nil {
		t.Fatal(err)
	}
	s, err := p.PortalStatus()
	if err != nil || !s.Configured || s.Pending != 4 || s.RefusedN != 1 || s.Refused[0].EventID != before[1].EventID || s.Refused[0].Refused != "từ chối" {
		t.Fatalf("%+v %v", s, err)
	}
	if got, _ := p.PortalConfig(); got.Units[unit] != "UBND" || got.Password != cfg.Password {
		t.Fatalf("config %+v", got)
	}
	after, _ := p.PortalPending(0, 10)
	if len(after) != 4 || after[0].EventID != before[0].EventID || after[1].EventID != before[2].EventID || after[0].Seq != before[0].Seq {
		t.Fatalf("order: %+v", after)
	}
	next := intakeEvent(unit, 2, "Người nộp sau")
	push(p, 2, next)
	all, _ := p.PortalPending(0, 10)
	if len(all) != 5 || all[4].EventID != next.ID || all[4].Seq <= before[4].Seq {
		t.Fatalf("a new item: %+v", all[4])
	}
}

// TestPortalItemWaitsForItsRecord: an item whose record the store does
// not have (a restored backend, before its counters send the record
// again) waits, and holds up nothing else.
func TestPortalItemWaitsForItsRecord(t *testing.T) {
	b, err := OpenBolt(t.TempDir(), assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.db.Update(func(tx *bolt.Tx) error {
		return boltTx{tx}.queuePortal(PortalItem{Unit: "000.00.12.H57", RecordID: "gone", Code: "000.00.12.H57-260310-9999", EventID: "e-gone"})
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: b}
	e.srv = httptest.NewServer(NewHandler(b))
	defer e.srv.Close()
	dev := e.enroll("000.00.12.H57", 1)
	life := lifeEvents("000.00.12.H57", 1)[0]
	if status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, life...)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	dv := dvcqgtest.New("u", "p", "d", "m")
	defer dv.Close()
	if err := b.SetPortalConfig(PortalConfig{Config: dv.Config()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// pages of one item: the waiting one fills the first, the round reads on
	go func() { RunPortal(ctx, b, PortalOptions{Every: 10 * time.Millisecond, Batch: 1}); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(dv.Steps(life[0].Record.Code)) < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	s, err := b.PortalStatus()
	if err != nil || len(dv.Steps(life[0].Record.Code)) != 4 || s.Pending != 1 || s.RefusedN != 0 {
		t.Fatalf("steps %d, status %+v %v", len(dv.Steps(life[0].Record.Code)), s, err)
	}
}
