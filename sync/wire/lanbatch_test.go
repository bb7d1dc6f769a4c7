package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func sampleBatch() LANBatch {
	return LANBatch{
		Events: map[string][]LANEvent{
			"dev-A": {{Seq: 7, Event: json.RawMessage(`{"id":"e7","type":"received"}`), Sig: bytes.Repeat([]byte{1}, 64)},
				{Seq: 8, Event: json.RawMessage(`{"id":"e8","type":"processing"}`), Sig: bytes.Repeat([]byte{2}, 64)}},
			"dev-B": {{Seq: 300, Event: json.RawMessage(`{"id":"b300","reason":"Công dân đề nghị"}`), Sig: []byte{}}},
		},
		Have: map[string]uint64{"dev-A": 8, "dev-B": 300, "dev-C": 1 << 40},
		More: true,
	}
}

// The binary framing gives back the batch the JSON form does.
func TestLANBatchBinaryRoundTrip(t *testing.T) {
	in := sampleBatch()
	data, err := in.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out LANBatch
	if err := out.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	viaJSON, _ := json.Marshal(in)
	back, _ := json.Marshal(out)
	if !bytes.Equal(viaJSON, back) {
		t.Fatalf("round trip:\n%s\n%s", viaJSON, back)
	}
	if !reflect.DeepEqual(out.Have, in.Have) || !out.More {
		t.Fatalf("have %v more %v", out.Have, out.More)
	}
	var empty LANBatch
	data, _ = LANBatch{}.AppendBinary(nil)
	if err := empty.UnmarshalBinary(data); err != nil || len(empty.Events) != 0 || empty.More {
		t.Fatalf("an empty batch: %+v %v", empty, err)
	}
}

// Every cut of a batch, and bytes after it, are ErrBadBatch, never a
// panic nor a batch.
func TestLANBatchBinaryRefusesCutAndGarbage(t *testing.T) {
	data, _ := sampleBatch().AppendBinary(nil)
	for n := range len(data) {
		var b LANBatch
		if err := b.UnmarshalBinary(data[:n]); !errors.Is(err, ErrBadBatch) {
			t.Fatalf("cut at %d of %d: %v", n, len(data), err)
		}
	}
	var b LANBatch
	if err := b.UnmarshalBinary(append(data, 0)); !errors.Is(err, ErrBadBatch) {
		t.Fatalf("a byte left over: %v", err)
	}
	// a count of a billion events in a few bytes allocates nothing
	huge := append([]byte("MCLB1\x00\x01\x05dev-A"), 0x80, 0x94, 0xeb, 0xdc, 0x03)
	if err := b.UnmarshalBinary(huge); !errors.Is(err, ErrBadBatch) {
		t.Fatalf("a huge count: %v", err)
	}
}

func FuzzLANBatchBinary(f *testing.F) {
	data, _ := sampleBatch().AppendBinary(nil)
	f.Add(data)
	f.Add([]byte("MCLB1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b LANBatch
		if err := b.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrBadBatch) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := b.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var c LANBatch
		if err := c.UnmarshalBinary(again); err != nil || !reflect.DeepEqual(normal(b), normal(c)) {
			t.Fatalf("a batch read does not read the same once written again: %v", err)
		}
	})
}

// normal makes empty and nil byte slices alike, for comparing.
func normal(b LANBatch) LANBatch {
	for dev, evs := range b.Events {
		for i := range evs {
			if len(evs[i].Sig) == 0 {
				evs[i].Sig = nil
			}
			if len(evs[i].Event) == 0 {
				evs[i].Event = nil
			}
		}
		b.Events[dev] = evs
	}
	return b
}
