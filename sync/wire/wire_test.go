package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
)

func samplePush() PushRequest {
	r := &dossier.Record{ID: "r1", Code: "000.00.12.H57-260310-1001"}
	return PushRequest{DeviceID: "d", Events: []dossier.Event{{ID: "e1", RecordID: "r1", Type: dossier.EvReceived, At: time.Unix(1, 0), Record: r}}}
}

func TestDecodeStrictness(t *testing.T) {
	var p PushRequest
	if err := Decode(strings.NewReader(`{"device_id":"d","events":[],"extra":1}`), 1<<20, &p, true); err == nil {
		t.Fatal("strict decode accepted an unknown field")
	}
	if err := Decode(strings.NewReader(`{"device_id":"d","events":[],"extra":1}`), 1<<20, &p, false); err != nil {
		t.Fatalf("lenient decode refused a newer server's field: %v", err)
	}
	if err := Decode(strings.NewReader(`{"device_id":"d"} x`), 1<<20, &p, false); err == nil {
		t.Fatal("trailing data accepted")
	}
	if err := Decode(strings.NewReader(`{"device_id":"`+strings.Repeat("a", 100)+`"}`), 50, &p, false); err == nil {
		t.Fatal("limit not enforced")
	}
}

func TestValidate(t *testing.T) {
	req := samplePush()
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	ok := PushResponse{Results: []PushResult{{EventID: "e1", Status: Accepted, ServerSeq: 1}}}
	if err := ok.Validate(&req); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []PushResponse{{}, {Results: []PushResult{{EventID: "x", Status: Accepted}}}, {Results: []PushResult{{EventID: "e1", Status: "?"}}}} {
		if bad.Validate(&req) == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	pull := PullResponse{Events: []PulledEvent{{Seq: 5, Event: req.Events[0]}, {Seq: 4, Event: req.Events[0]}}, Next: 5}
	if pull.Validate(0) == nil {
		t.Fatal("out of order pull accepted")
	}
	pull = PullResponse{Events: []PulledEvent{{Seq: 5, Event: req.Events[0]}}, Next: 5}
	if pull.Validate(5) == nil || pull.Validate(0) != nil {
		t.Fatal("cursor rule")
	}
}

func FuzzDecodePushRequest(f *testing.F) {
	b, _ := json.Marshal(samplePush())
	f.Add(b)
	f.Add([]byte(`{"events":[{"type":"received"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p PushRequest
		if DecodeAnswer(data, &p) != nil {
			return
		}
		if p.Validate() == nil {
			for _, e := range p.Events {
				if e.ID == "" || (e.Type == dossier.EvReceived && e.Record == nil) {
					t.Fatal("validated an incomplete event")
				}
			}
		}
	})
}

func FuzzDecodePullResponse(f *testing.F) {
	b, _ := json.Marshal(PullResponse{Events: []PulledEvent{{Seq: 3, Event: samplePush().Events[0]}}, Next: 3})
	f.Add(b, uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, after uint64) {
		var p PullResponse
		if DecodeAnswer(data, &p) != nil || p.Validate(after) != nil {
			return
		}
		last := after
		for _, e := range p.Events {
			if e.Seq <= last {
				t.Fatal("validated a page out of order")
			}
			last = e.Seq
		}
	})
}

func FuzzDecodePushResponse(f *testing.F) {
	req := samplePush()
	b, _ := json.Marshal(PushResponse{Results: []PushResult{{EventID: "e1", Status: Accepted}}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p PushResponse
		if DecodeAnswer(data, &p) == nil && p.Validate(&req) == nil && p.Results[0].EventID != "e1" {
			t.Fatal("validated an answer for another event")
		}
	})
}

func TestRawPullResponseWritesPullResponseJSON(t *testing.T) {
	ev := dossier.Event{ID: "e1", RecordID: "r1", Type: dossier.EvProcessing, Actor: "Cán bộ <xử lý> & co", At: time.Date(2026, 3, 2, 9, 0, 0, 0, dossier.Loc)}
	raw, _ := json.Marshal(ev)
	in := RawPullResponse{Events: []RawPulledEvent{{Seq: 7, Event: raw}, {Seq: 9, Event: raw}}, Next: 9, More: true,
		ReferenceTag: "abc", ServerTime: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	var got bytes.Buffer
	if err := in.WriteJSON(&got); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(in) // what an encoder would write
	if strings.TrimSpace(got.String()) != string(want) {
		t.Fatalf("got  %s\nwant %s", got.String(), want)
	}
	var back PullResponse
	if err := Decode(bytes.NewReader(got.Bytes()), 1<<20, &back, true); err != nil || len(back.Events) != 2 || back.Events[1].Seq != 9 || back.Events[0].Event.Actor != ev.Actor || !back.More {
		t.Fatalf("%+v %v", back, err)
	}
	empty := RawPullResponse{Events: []RawPulledEvent{}, Next: 3}
	got.Reset()
	_ = empty.WriteJSON(&got)
	want, _ = json.Marshal(empty)
	if strings.TrimSpace(got.String()) != string(want) {
		t.Fatalf("got  %s\nwant %s", got.String(), want)
	}
}

// FuzzDecodePullMatchesUnmarshal: the event-by-event decoder reads what
// encoding/json reads, and refuses what it refuses.
func FuzzDecodePullMatchesUnmarshal(f *testing.F) {
	b, _ := json.Marshal(PullResponse{Events: []PulledEvent{{Seq: 3, Event: samplePush().Events[0]}, {Seq: 4, Event: samplePush().Events[0]}}, Next: 4, More: true, ReferenceTag: "x"})
	f.Add(b)
	f.Add([]byte(`{"events":null,"next":7,"extra":[1,{"a":2}]}`))
	f.Add([]byte(`{"events":[],"NEXT":7} `))
	f.Add([]byte(`{"events":[]} {}`))
	f.Add([]byte(`{"events":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want, got PullResponse
		werr := DecodeAnswer(data, &want)
		n := 0
		gerr := DecodePull(data, &got, func() { n++ })
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("Unmarshal: %v; DecodePull: %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		if n != len(got.Events) {
			t.Fatalf("between called %d times for %d events", n, len(got.Events))
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Fatalf("Unmarshal: %s\nDecodePull: %s", wj, gj)
		}
	})
}

// TestRawPushRequest: a push of events already encoded is, to the
// backend's strict decoder, the same request as one of decoded events.
func TestRawPushRequest(t *testing.T) {
	req := samplePush()
	req.Seqs, req.Acked, req.Generation, req.AuditHead, req.AuditSeq = []uint64{7}, 6, "g1", "abc", 3
	ev, err := json.Marshal(req.Events[0])
	if err != nil {
		t.Fatal(err)
	}
	raw := RawPushRequest{PushRequest: req, Events: []json.RawMessage{ev}}
	raw.PushRequest.Events = nil
	data, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var got PushRequest
	if err := Decode(bytes.NewReader(data), 1<<20, &got, true); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	want, _ := json.Marshal(req)
	if back, _ := json.Marshal(got); !bytes.Equal(back, want) {
		t.Fatalf("the raw request reads as\n%s\nwant\n%s", back, want)
	}
}

// A push request with its events' bytes put in as they are encodes as
// json.Marshal encodes it.
func TestRawPushRequestAppendsAsMarshal(t *testing.T) {
	for _, r := range []RawPushRequest{
		{PushRequest: PushRequest{DeviceID: `dev-"events":null`, Seqs: []uint64{4, 5}, Acked: 3, Generation: "g1", AuditHead: "ab", AuditSeq: 9},
			Events: []json.RawMessage{json.RawMessage(`{"id":"e4","reason":"\u003cđề nghị\u003e"}`), json.RawMessage(`{"id":"e5"}`)}},
		{PushRequest: PushRequest{DeviceID: "dev-1"}, Events: []json.RawMessage{}},
	} {
		got, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(r)
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		_ = json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("\n%s\n%s", got, want)
		}
		var back PushRequest // as the backend reads it, strictly
		if err := Decode(bytes.NewReader(got), 1<<20, &back, true); err != nil || back.DeviceID != r.DeviceID ||
			len(back.Events) != len(r.Events) || !reflect.DeepEqual(back.Seqs, r.Seqs) {
			t.Fatalf("the backend reads %+v: %v", back, err)
		}
	}
}
