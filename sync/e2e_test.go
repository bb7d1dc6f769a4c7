package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/server"
	"motcua/storage"
	"motcua/sync/wire"
)

func TestPushPullEndToEnd(t *testing.T) {
	b := startBackend(t)
	c1 := newCounter(t, b, b.url(), 1, fastConfig)
	c2 := newCounter(t, b, b.url(), 2, fastConfig)
	r := rand.New(rand.NewPCG(1, 1))
	var mine []*dossier.Record
	for i := 0; i < 30; i++ {
		mine = append(mine, c1.intake(t, r))
	}
	ctx := context.Background()
	sum, err := c1.engine.SyncOnce(ctx)
	if err != nil || sum.Pushed != 30 {
		t.Fatalf("%+v %v", sum, err)
	}
	if st, _ := c1.store.Stats(); st.Pending != 0 {
		t.Fatalf("pending %d after sync", st.Pending)
	}
	// a second round sends nothing and pulls only what it knows
	if sum, err = c1.engine.SyncOnce(ctx); err != nil || sum.Pushed != 0 || sum.Created != 0 {
		t.Fatalf("second round %+v %v", sum, err)
	}
	// counter 2 pulls counter 1's records
	if sum, err = c2.engine.SyncOnce(ctx); err != nil || sum.Created != 30 {
		t.Fatalf("counter 2: %+v %v", sum, err)
	}
	got, err := c2.store.GetByCode(mine[7].Code)
	if err != nil || got.Owner.Name != mine[7].Owner.Name || !got.DueAt.Equal(mine[7].DueAt) {
		t.Fatalf("pulled record differs: %v", err)
	}
	// and it is found by the citizen's ID number and name, as the clerk searches
	if n, _ := c2.store.BacklogLen(); n != 0 {
		t.Fatalf("%d pulled records still owe index entries after the sync", n)
	}
	for _, text := range []string{mine[7].Owner.IDNumber, mine[7].Owner.Name} {
		recs, _, err := c2.store.Collect(storage.Query{Text: text}, 100)
		if err != nil || !slices.ContainsFunc(recs, func(r *dossier.Record) bool { return r.ID == mine[7].ID }) {
			t.Fatalf("search %q on counter 2 does not find the pulled record: %v", text, err)
		}
	}
	if n := len(b.records(t)); n != 30 {
		t.Fatalf("server has %d records", n)
	}
	if c1.engine.Status().State != StateOnline || c1.engine.Status().LastSuccess.IsZero() {
		t.Fatalf("status %+v", c1.engine.Status())
	}
}

func TestOfficerEventsReachTheCounter(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	rec := c.intake(t, rand.New(rand.NewPCG(2, 2)))
	ctx := context.Background()
	if _, err := c.engine.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	tok, _ := b.store.NewToken(server.KindOfficer, testUnit)
	officer := NewHTTPRemote(b.url(), tok, time.Second)
	for _, typ := range []dossier.EventType{dossier.EvProcessing, dossier.EvResultReady} {
		ev := dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: typ, Actor: "Chuyên viên", At: time.Now()}
		var out wire.PushResponse
		if _, err := officer.do(ctx, "POST", "/v1/records/"+rec.ID+"/events", map[string]any{"events": []dossier.Event{ev}}, nil, into(&out)); err != nil || out.Results[0].Status != wire.Accepted {
			t.Fatalf("%s: %+v %v", typ, out, err)
		}
	}
	if _, err := c.engine.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := c.store.Get(rec.ID)
	if got.Status != dossier.StatusDone {
		t.Fatalf("status %d: the officer's result did not arrive", got.Status)
	}
	// it shows in the counter's "to return" filter
	page, _, _ := c.store.Page(storage.Query{Status: dossier.StatusDone}, nil, 10)
	if len(page) != 1 || page[0].ID != rec.ID {
		t.Fatalf("to-return list: %d", len(page))
	}
}

func TestConflictNeedsAttentionAndQueueGoesOn(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	r := rand.New(rand.NewPCG(3, 3))
	rec := c.intake(t, r)
	ctx := context.Background()
	if _, err := c.engine.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// offline: the counter marks the result ready and returns the file …
	done, err := c.store.Apply(c.store.NewEvent(rec, dossier.EvResultReady))
	if err != nil {
		t.Fatal(err)
	}
	ret := c.store.NewEvent(done, dossier.EvReturned)
	ret.Collector = &dossier.Collector{Name: "Người nhận"}
	if _, err := c.store.Apply(ret); err != nil {
		t.Fatal(err)
	}
	other := c.intake(t, r) // … and receives another file
	// … while an officer stopped the first one at the backend
	tok, _ := b.store.NewToken(server.KindOfficer, testUnit)
	officer := NewHTTPRemote(b.url(), tok, time.Second)
	stop := dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: dossier.EvStopped, Actor: "Chuyên viên", At: time.Now(), Reason: "Thiếu thẩm quyền"}
	var out wire.PushResponse
	if _, err := officer.do(ctx, "POST", "/v1/records/"+rec.ID+"/events", map[string]any{"events": []dossier.Event{stop}}, nil, into(&out)); err != nil {
		t.Fatal(err)
	}
	sum, err := c.engine.SyncOnce(ctx)
	if err != nil || sum.Conflicts != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	att, _ := c.store.Attention()
	if len(att) != 2 || att[0].Event.Type != dossier.EvResultReady || att[0].Server == nil || att[0].Server.Status != dossier.StatusStopped || att[0].Reason == "" {
		t.Fatalf("attention %+v", att)
	}
	local, _ := c.store.Get(rec.ID)
	if local.Status != dossier.StatusStopped {
		t.Fatalf("local status %d: the server's copy should win", local.Status)
	}
	if srv := b.records(t); srv[other.ID] == nil {
		t.Fatal("the rest of the queue did not go on")
	}
	st, _ := c.store.Stats()
	if st.Pending != 0 || st.Attention != 2 {
		t.Fatalf("%+v", st)
	}
	// the same conflict is deterministic: resending gives the same answer
	entries, _ := c.store.Outbox(10)
	var again []dossier.Event
	for _, e := range entries {
		again = append(again, e.Event)
	}
	st2, _ := c.store.SyncState()
	body, err := NewPushBody(wire.PushRequest{DeviceID: st2.DeviceID, Events: again})
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewHTTPRemote(b.url(), st2.Token, time.Second).Push(ctx, body)
	if err != nil || res.Results[0].Status != wire.Duplicate || res.Results[0].Original != wire.Conflict {
		t.Fatalf("resend: %+v %v", res, err)
	}
	if err := c.store.DismissAttention(att[0].Seq, "Cán bộ"); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.store.Stats(); st.Attention != 1 {
		t.Fatalf("attention after dismiss %d", st.Attention)
	}
}

func TestRevokedTokenStopsAndAsksToReenroll(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	c.intake(t, rand.New(rand.NewPCG(4, 4)))
	st, _ := c.store.SyncState()
	if err := b.store.Revoke(st.DeviceID); err != nil {
		t.Fatal(err)
	}
	_, err := c.engine.SyncOnce(context.Background())
	if !errors.Is(err, ErrAuth) || c.engine.Status().State != StateNeedsEnroll {
		t.Fatalf("%v %v", err, c.engine.Status().State)
	}
	if s, _ := c.store.Stats(); s.Pending != 1 {
		t.Fatal("the outbox lost its event")
	}
	code, _ := b.store.NewEnrollCode(testUnit, 1)
	if err := c.engine.Enroll(context.Background(), b.url(), code); err != nil {
		t.Fatal(err)
	}
	if _, err := c.engine.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(b.records(t)) != 1 {
		t.Fatal("not sent after re-enrollment")
	}
}

func TestEnrollForAnotherUnitRefused(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	c.intake(t, rand.New(rand.NewPCG(5, 5)))
	code, _ := b.store.NewEnrollCode("000.00.13.H57", 1)
	if err := c.engine.Enroll(context.Background(), b.url(), code); !errors.Is(err, storage.ErrUnitMismatch) {
		t.Fatalf("got %v", err)
	}
	if err := c.engine.Enroll(context.Background(), b.url(), "AAAA-BBBB-CCCC-DDDD"); !errors.Is(err, ErrAuth) {
		t.Fatalf("bad code: %v", err)
	}
}

func TestHolidayFromBackendChangesDueDates(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	ref, _ := b.store.Reference()
	cal, _ := dossier.ParseCalendar(ref.Calendar)
	cal.Days["2026-11-24"] = dossier.SpecialDay{Date: "2026-11-24", Kind: dossier.DayOff, Name: "Ngày Văn hóa Việt Nam", Confirmed: true}
	doc, _ := cal.MarshalJSON()
	if err := b.store.SetReference(ref.Catalog, doc); err != nil {
		t.Fatal(err)
	}
	sum, err := c.engine.SyncOnce(context.Background())
	if err != nil || !sum.ReferenceUpdated {
		t.Fatalf("%+v %v", sum, err)
	}
	in := dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true, ReceivedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, dossier.Loc),
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Lê Văn Tám", IDNumber: "046085001111"}}
	rec, err := c.store.Intake(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 27, 9, 0, 0, 0, dossier.Loc); !rec.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s (24/11 is now off)", rec.DueAt, want)
	}
	if sum, _ := c.engine.SyncOnce(context.Background()); sum.ReferenceUpdated {
		t.Fatal("reference fetched again though unchanged")
	}
}

func TestClockSkewWarning(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	c.engine.now = func() time.Time { return time.Now().Add(-5 * time.Minute) } // this machine is 5 minutes slow
	c.intake(t, rand.New(rand.NewPCG(9, 9)))
	if _, err := c.engine.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := c.engine.Status()
	if !st.SkewWarning() || st.ClockSkew < 4*time.Minute {
		t.Fatalf("skew %s not warned", st.ClockSkew)
	}
	c.engine.now = time.Now
	c.engine.SyncOnce(context.Background())
	if c.engine.Status().SkewWarning() {
		t.Fatal("warning stays with a right clock")
	}
}

// TestLookupURLFromBackend: the lookup page's address set at the backend
// reaches every counter with the reference data, and the receipts' QR
// codes carry it; a malformed address is refused at the backend.
func TestLookupURLFromBackend(t *testing.T) {
	b := startBackend(t)
	c := newCounter(t, b, b.url(), 1, fastConfig)
	if err := b.store.SetLookupURL("ftp://tinh.example/{code}"); !errors.Is(err, server.ErrLookupURL) {
		t.Fatalf("a malformed address: %v", err)
	}
	const u = "https://dichvucong.tinh.example/tra-cuu?ma={code}"
	if err := b.store.SetLookupURL(u); err != nil {
		t.Fatal(err)
	}
	if sum, err := c.engine.SyncOnce(context.Background()); err != nil || !sum.ReferenceUpdated {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := c.store.Settings().LookupURL; got != u {
		t.Fatalf("the counter's lookup address is %q", got)
	}
	if ref, _ := b.store.Reference(); ref.LookupURL != u {
		t.Fatalf("the backend keeps %q", ref.LookupURL)
	}
	// a new catalogue keeps the address
	ref, _ := b.store.Reference()
	if err := b.store.SetReference(ref.Catalog, ref.Calendar); err != nil {
		t.Fatal(err)
	}
	if after, _ := b.store.Reference(); after.LookupURL != u {
		t.Fatalf("the address was lost with a new catalogue: %q", after.LookupURL)
	}
}
