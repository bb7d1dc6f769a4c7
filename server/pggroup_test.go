package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/pgtest"
	"motcua/sync/wire"
)

// pgDevice enrolls a counter of a unit and is its principal.
func pgDevice(t testing.TB, st *PgStore, unit string, counter int) Principal {
	t.Helper()
	code, err := st.NewEnrollCode(unit, counter)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := st.Enroll(wire.EnrollRequest{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Authenticate(dev.Token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pgIntakes are n intakes of a counter, with codes of a day.
func pgIntakes(unit string, counter, day, n int) []dossier.Event {
	evs := make([]dossier.Event, n)
	for i := range evs {
		evs[i] = intakeEvent(unit, counter, "Trần Thị B")
		evs[i].Record.Code = fmt.Sprintf("%s-%06d-%d%03d", unit, day, counter, i+1)
	}
	return evs
}

func pgCallOf(p Principal, req wire.PushRequest) *pgCall {
	req.DeviceID = p.DeviceID
	return &pgCall{p: p, req: req, hashes: eventHashes(req.Events), done: make(chan struct{})}
}

// TestPushesCommittedTogether: pushes of two units' counters committed in
// one transaction get the answers each would get alone. Each unit's log
// is numbered on its own, a push of an event another push of the group
// already took is told it is a duplicate with the same sequence, a
// device ahead of the store is refused whole while the others commit,
// and a push that makes the database fail is tried alone, failing alone.
func TestPushesCommittedTogether(t *testing.T) {
	st, err := OpenPg(context.Background(), pgtest.DB(t), assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const unitA, unitB = "000.00.12.H57", "000.00.13.H57"
	a1, a2, b1 := pgDevice(t, st, unitA, 1), pgDevice(t, st, unitA, 2), pgDevice(t, st, unitB, 1)

	evA1, evB1 := pgIntakes(unitA, 1, 261129, 3), pgIntakes(unitB, 1, 261129, 2)
	relayed := evA1[1] // counter 2 relays counter 1's second intake (office network)
	broken := pgIntakes(unitA, 2, 261129, 1)
	broken[0].ID = "bad\x00id" // PostgreSQL refuses a NUL in text
	group := []*pgCall{
		pgCallOf(a1, wire.PushRequest{Events: evA1, Seqs: []uint64{1, 2, 3}, AuditSeq: 3, AuditHead: "h3"}),
		pgCallOf(b1, wire.PushRequest{Events: evB1, Seqs: []uint64{1, 2}}),
		pgCallOf(a2, wire.PushRequest{Events: []dossier.Event{relayed}}),
		pgCallOf(b1, wire.PushRequest{Events: pgIntakes(unitB, 1, 261130, 1), Acked: 9}), // the store holds 2 of its events
	}
	st.pushGroup(group)
	want := func(c *pgCall, status string, seqs ...uint64) {
		t.Helper()
		if c.err != nil {
			t.Fatalf("%s: %v", c.p.DeviceID, c.err)
		}
		for i, r := range c.resp.Results {
			if r.Status != status || r.ServerSeq != seqs[i] {
				t.Fatalf("%s, event %d: %s seq %d, want %s seq %d", c.p.DeviceID, i, r.Status, r.ServerSeq, status, seqs[i])
			}
		}
	}
	want(group[0], wire.Accepted, 1, 2, 3)
	want(group[1], wire.Accepted, 1, 2)
	want(group[2], wire.Duplicate, 2)
	if group[0].resp.State.DeviceHigh != 3 || group[1].resp.State.DeviceHigh != 2 {
		t.Fatalf("devices' highs %d and %d", group[0].resp.State.DeviceHigh, group[1].resp.State.DeviceHigh)
	}
	var rew *RewoundError
	if !errors.As(group[3].err, &rew) || rew.State.DeviceHigh != 2 {
		t.Fatalf("a device ahead of the store: %v", group[3].err)
	}
	// what the store keeps of the devices, written once for the group
	for p, want := range map[Principal]uint64{a1: 3, a2: 0, b1: 2} {
		if st, err := st.State(p); err != nil || st.DeviceHigh != want {
			t.Fatalf("%s: the store holds %d of its events (%v), want %d", p.DeviceID, st.DeviceHigh, err, want)
		}
	}
	if seq, hash, err := st.AuditHead(a1.DeviceID); err != nil || seq != 3 || hash != "h3" {
		t.Fatalf("audit head %d %q (%v)", seq, hash, err)
	}

	// a failing push fails alone: the group is rolled back and each push
	// committed on its own
	later := pgIntakes(unitA, 1, 261130, 2)
	group = []*pgCall{
		pgCallOf(a2, wire.PushRequest{Events: broken}),
		pgCallOf(a1, wire.PushRequest{Events: later, Seqs: []uint64{4, 5}}),
		pgCallOf(b1, wire.PushRequest{Events: evB1, Seqs: []uint64{1, 2}}), // sent again: its answer was lost
	}
	st.pushGroup(group)
	if group[0].err == nil {
		t.Fatal("a NUL in an event id was stored")
	}
	want(group[1], wire.Accepted, 4, 5)
	want(group[2], wire.Duplicate, 1, 2)

	for unit, p := range map[string]Principal{unitA: a1, unitB: b1} {
		page, err := st.Pull(p, 0, "", wire.MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, e := range page.Events {
			if e.Seq != uint64(i+1) {
				t.Fatalf("%s: the log's %d. event has seq %d", unit, i+1, e.Seq)
			}
			var ev dossier.Event
			if err := json.Unmarshal(e.Event, &ev); err != nil {
				t.Fatal(err)
			}
			got = append(got, ev.ID)
		}
		wantIDs := map[string][]string{unitA: {evA1[0].ID, evA1[1].ID, evA1[2].ID, later[0].ID, later[1].ID}, unitB: {evB1[0].ID, evB1[1].ID}}[unit]
		if fmt.Sprint(got) != fmt.Sprint(wantIDs) || page.Next != uint64(len(wantIDs)) {
			t.Fatalf("%s's log %v (next %d), want %v", unit, got, page.Next, wantIDs)
		}
	}
}

// TestCommittersTakeFreeUnits: a committer takes the waiting pushes of
// units no other committer of the process holds, in the order they came,
// up to a group's size; a unit's later pushes wait behind its held ones.
func TestCommittersTakeFreeUnits(t *testing.T) {
	q := newPgQueue()
	call := func(unit string, events int) *pgCall {
		return &pgCall{p: Principal{Unit: unit}, req: wire.PushRequest{Events: make([]dossier.Event, events)}, done: make(chan struct{})}
	}
	a1, b1, a2, c1 := call("A", 10), call("B", 10), call("A", 10), call("C", pgGroupEvents)
	for _, c := range []*pgCall{a1, b1} {
		q.add(c)
	}
	first := q.group()
	if len(first) != 2 || first[0] != a1 || first[1] != b1 {
		t.Fatalf("first group %v", first)
	}
	for _, c := range []*pgCall{a2, c1, call("D", 1)} {
		q.add(c)
	}
	// A is held: its second push waits; C fills a group alone
	second := q.group()
	if len(second) != 1 || second[0] != c1 {
		t.Fatalf("second group: %d pushes", len(second))
	}
	if len(q.waiting) != 2 || q.waiting[0] != a2 {
		t.Fatalf("waiting: %d", len(q.waiting))
	}
	q.done(first)
	third := q.group()
	if len(third) != 2 || third[0] != a2 || third[1].p.Unit != "D" {
		t.Fatalf("third group: %d pushes", len(third))
	}
	e := call("E", 1)
	q.add(e)
	q.close()
	<-e.done // answered, not left waiting
	if e.err != errPgClosed || q.take() != nil || q.add(call("F", 1)) {
		t.Fatalf("a closed queue: %v", e.err)
	}
}
