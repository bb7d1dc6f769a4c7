package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// storedValue is an outbox or journal entry's stored bytes.
func storedValue(t *testing.T, s *Store, bucket []byte, seq uint64) []byte {
	t.Helper()
	var v []byte
	if err := s.db.View(func(tx *bolt.Tx) error { v = bytes.Clone(tx.Bucket(bucket).Get(u64(seq))); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}

// storedEvent is the event's bytes inside a stored entry.
func storedEvent(t *testing.T, v []byte) json.RawMessage {
	t.Helper()
	var e struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(v, &e); err != nil {
		t.Fatalf("%v: %s", err, v)
	}
	return e.Event
}

// TestOutgoingToJournalAndBack: what a push sends is each event's bytes
// as stored, with its id; marked sending, acknowledged into the journal
// with the time of the answer, and put back by a rewind, an event keeps
// those very bytes (the office network signs them). A journal entry
// written the older way (the entry encoded again, its time last) is read
// back as well.
func TestOutgoingToJournalAndBack(t *testing.T) {
	s := newTestStore(t)
	var ids []string
	for i, name := range []string{"Nguyễn Thị Lan", "Trần Văn Minh", "Lê Thị Hoa"} {
		r, err := s.Intake(intake(name, "04619000123"+string(rune('1'+i)), ""))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.History[0].ID)
	}
	before := map[uint64]json.RawMessage{}
	out, err := s.OutgoingAfter(0, 10, 0)
	if err != nil || len(out) != 3 {
		t.Fatalf("%d outgoing, %v", len(out), err)
	}
	for i, o := range out {
		before[o.Seq] = storedEvent(t, storedValue(t, s, bOutbox, o.Seq))
		if o.ID != ids[i] || !bytes.Equal(o.Event, before[o.Seq]) || o.State != OutboxPending {
			t.Fatalf("entry %d: id %s state %s, want %s pending, its bytes as stored", i, o.ID, o.State, ids[i])
		}
	}
	if two, _ := s.OutgoingAfter(out[0].Seq, 2, 0); len(two) != 2 || two[0].Seq != out[1].Seq {
		t.Fatalf("after the first: %+v", two)
	}
	if err := s.MarkSending(out); err != nil {
		t.Fatal(err)
	}
	listed, _ := s.Outbox(10)
	for i, e := range listed {
		if e.State != OutboxSending || e.Attempts != 1 || e.Event.ID != ids[i] {
			t.Fatalf("after marking: %+v", e)
		}
		if !bytes.Equal(storedEvent(t, storedValue(t, s, bOutbox, e.Seq)), before[e.Seq]) {
			t.Fatal("marking an entry sending changed its event's bytes")
		}
	}
	// left sending by a crash, they are sent again
	if again, _ := s.OutgoingAfter(0, 10, 0); len(again) != 3 || again[0].State != OutboxSending {
		t.Fatalf("entries left sending: %+v", again)
	}

	acked := s.now()
	var outcomes []PushOutcome
	for _, o := range out {
		outcomes = append(outcomes, PushOutcome{Seq: o.Seq, Accepted: true})
	}
	if err := s.ApplyPushResults(outcomes, Held{Generation: "g1", High: out[2].Seq}); err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		v := storedValue(t, s, bSent, o.Seq)
		var e sentEntry
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatalf("journal entry %d: %v: %s", o.Seq, err, v)
		}
		if !e.AckedAt.Equal(acked) || e.Seq != o.Seq || e.Event.ID != o.ID || !bytes.Equal(storedEvent(t, v), before[o.Seq]) {
			t.Fatalf("journal entry %d: %s", o.Seq, v)
		}
	}
	if st, _ := s.Stats(); st.Pending != 0 || s.SentCount() != 3 {
		t.Fatalf("after the answer: %d pending, %d in the journal", st.Pending, s.SentCount())
	}

	// the first entry as an older release journaled it
	var old sentEntry
	if err := json.Unmarshal(storedValue(t, s, bSent, out[0].Seq), &old); err != nil {
		t.Fatal(err)
	}
	old.State = "acked"
	oldData, _ := json.Marshal(old)
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSent).Put(u64(out[0].Seq), oldData) }); err != nil {
		t.Fatal(err)
	}
	// a backend restored from a backup holding none of them
	if n, err := s.Rewind(Held{Generation: "g2"}); err != nil || n != 3 {
		t.Fatalf("rewind: %d %v", n, err)
	}
	back, err := s.PendingAfter(0, 10, 0)
	if err != nil || len(back) != 3 {
		t.Fatalf("%d back, %v", len(back), err)
	}
	for i, e := range back {
		if e.State != OutboxPending || e.Event.ID != ids[i] || !bytes.Equal(storedEvent(t, storedValue(t, s, bOutbox, e.Seq)), before[e.Seq]) {
			t.Fatalf("entry %d back from the journal: %+v", i, e)
		}
	}
	// pruned once the retention has passed
	s.now = func() time.Time { return acked.Add(SentRetention + time.Hour) }
	if err := s.ApplyPushResults([]PushOutcome{{Seq: back[0].Seq, Accepted: true}}, Held{Generation: "g2", High: back[0].Seq}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneSent(); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v): the entry was acknowledged just now", n, err)
	}
	s.now = func() time.Time { return acked.Add(2*SentRetention + 2*time.Hour) }
	if n, err := s.PruneSent(); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want the one entry", n, err)
	}
}

// An outbox entry encoded with its event's bytes put in as they are is
// what json.Marshal makes of it; an event's id is read from its first
// field, and from any other encoding by decoding it.
func TestOutgoingEntryEncodesAsMarshal(t *testing.T) {
	ev := dossier.Event{ID: dossier.NewEventID(), RecordID: "r-1", Type: dossier.EvStopped, Actor: "binh", ActorName: "Trần Văn Bình",
		At: time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc), Reason: `Công dân <đề nghị> "dừng" & rút`}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []outgoingEntry{
		{Seq: 7, Event: raw, State: OutboxPending},
		{Seq: 8, Event: raw, State: OutboxSending, Attempts: 3, LastError: `máy chủ: "event":null`, Sig: []byte{1, 2, 3}},
		{Seq: 9, State: OutboxPending},
	} {
		got, err := e.encode()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(e)
		if !bytes.Equal(got, want) {
			t.Fatalf("entry %d:\n%s\n%s", e.Seq, got, want)
		}
	}
	if id, err := eventID(raw); err != nil || id != ev.ID {
		t.Fatalf("the id of a marshalled event: %q %v", id, err)
	}
	if id, err := eventID([]byte(`{ "type": "stopped", "id": "e-2" }`)); err != nil || id != "e-2" {
		t.Fatalf("the id of an event encoded otherwise: %q %v", id, err)
	}
	if _, err := eventID([]byte(`{"id":"e-3`)); err == nil {
		t.Fatal("a cut event gave an id")
	}
}

// decodeOutgoing reads what encode wrote as json.Unmarshal does, for
// events whose strings hold braces, brackets, quotes and backslashes, and
// falls back to encoding/json for anything else.
func TestDecodeOutgoingAsUnmarshal(t *testing.T) {
	for _, text := range []string{"", `}`, `{"a":[}`, `\`, `\\"}`, `"event":null}`, "Hồ sơ {đủ} [giấy tờ] \\\"x\\\"", "\x00\u2028"} {
		checkDecodeOutgoing(t, text, 12, "máy chủ: "+text, []byte(text))
	}
	for _, v := range []string{
		`{"state":"pending","seq":3,"event":{"id":"e-1"}}`, // another order
		`{"seq":3,"event":null,"state":"pending"}`,
		`{"seq":3,"event":{"id":"e-1"},"state":"pending"} `,
		` {"seq":3,"event":{"id":"e-1"},"state":"pending"}`,
	} {
		var want outgoingEntry
		wantErr := json.Unmarshal([]byte(v), &want)
		got, err := decodeOutgoing([]byte(v))
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %+v %v, want %+v %v", v, got, err, want, wantErr)
		}
	}
	for _, v := range []string{`{"seq":3,"event":{"id":"e-1"`, `{"seq":3,"event":{"id":"e-1"},"state":`, `{"seq":,"event":{}}`, `{"seq":3,"event":{"id":"}`} {
		if e, err := decodeOutgoing([]byte(v)); err == nil {
			t.Fatalf("%s read as %+v", v, e)
		}
	}
}

func FuzzDecodeOutgoing(f *testing.F) {
	f.Add("Công dân {đề nghị} \"dừng\"", uint64(7), "", []byte(nil))
	f.Add(`\`, uint64(0), `"event":null`, []byte{1, 2})
	f.Fuzz(func(t *testing.T, text string, seq uint64, lastErr string, sig []byte) {
		checkDecodeOutgoing(t, text, seq, lastErr, sig)
	})
}

func checkDecodeOutgoing(t *testing.T, text string, seq uint64, lastErr string, sig []byte) {
	t.Helper()
	raw, err := json.Marshal(dossier.Event{ID: "e-" + text, RecordID: "r-1", Type: dossier.EvStopped, Reason: text})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []outgoingEntry{
		{Seq: seq, Event: raw, State: OutboxPending},
		{Seq: seq, Event: raw, State: OutboxSending, Attempts: 2, LastError: lastErr, Sig: sig},
	} {
		data, err := e.encode()
		if err != nil {
			t.Fatal(err)
		}
		var want outgoingEntry
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeOutgoing(data)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n%+v %v\nwant %+v", data, got, err, want)
		}
		// read without encoding/json: the event is the entry's own bytes
		if at := bytes.Index(data, raw); &got.Event[0] != &data[at] {
			t.Fatalf("%s: not read by its braces", data)
		}
	}
}

// BenchmarkOutgoingAfter reads a push of 500 intakes from the outbox, as
// a counter does before each push after an outage.
func BenchmarkOutgoingAfter(b *testing.B) {
	s := newTestStore(b)
	ins := make([]dossier.Intake, 500)
	for i := range ins {
		ins[i] = intake("Nguyễn Thị Lan", fmt.Sprintf("04619%07d", i), "")
	}
	if _, err := s.IntakeMany(ins, BatchOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if out, err := s.OutgoingAfter(0, 500, 0); err != nil || len(out) != 500 {
			b.Fatal(len(out), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500)/1000, "µs/event")
}
