package storage

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
)

// This counter's events are signed with its office-network key when they
// are saved, and what it serves verifies with that key after the entry
// was marked sending, sent back to wait, and put back by a rewind.
func TestOwnEventsServedSigned(t *testing.T) {
	s := newTestStore(t)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "")); err != nil {
		t.Fatal(err) // saved before the key: signed when served
	}
	if err := s.UpdateLANIdentity(func(id *LANIdentity) { id.Key = key }); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateSyncState(func(st *SyncState) { st.DeviceID = "dev-self" }); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Intake(intake("Trần Thị Bình", "046090001235", "")); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		evs, _, err := s.LANEventsAfter(map[string]uint64{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs["dev-self"]) != 3 {
			t.Fatalf("%s: %d events served, want 3", when, len(evs["dev-self"]))
		}
		for _, e := range evs["dev-self"] {
			if !ed25519.Verify(pub, e.Event, e.Sig) {
				t.Fatalf("%s: event %d's signature does not verify", when, e.Seq)
			}
		}
	}
	check("saved")
	out, err := s.OutgoingAfter(0, 10, 0)
	if err != nil || len(out) != 3 {
		t.Fatalf("%d outgoing: %v", len(out), err)
	}
	if err := s.MarkSending(out); err != nil {
		t.Fatal(err)
	}
	check("marked sending")
	if err := s.ApplyPushResults([]PushOutcome{{Seq: out[1].Seq, Wait: true}, {Seq: out[2].Seq, Accepted: true}}, Held{}); err != nil {
		t.Fatal(err)
	}
	check("one waiting, one in the sent journal")
	if _, err := s.Rewind(Held{Generation: "g2"}); err != nil {
		t.Fatal(err)
	}
	check("rewound")
}
