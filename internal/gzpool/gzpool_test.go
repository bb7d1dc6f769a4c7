package gzpool

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestReuse: writers and readers taken again and again from the pools
// write and read whole, independent streams; a reader refuses what is not
// gzip and stays usable.
func TestReuse(t *testing.T) {
	for i := range 20 {
		want := strings.Repeat("Hồ sơ "+string(rune('A'+i)), 500+i*37)
		var buf bytes.Buffer
		zw := Writer(&buf)
		if _, err := io.WriteString(zw, want); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		PutWriter(zw)
		if buf.Len() == 0 || buf.Len() >= len(want) {
			t.Fatalf("round %d: %d bytes compressed for %d", i, buf.Len(), len(want))
		}
		if _, err := Reader(strings.NewReader("không phải gzip")); err == nil {
			t.Fatal("plain text read as gzip")
		}
		zr, err := Reader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		PutReader(zr)
		if err != nil || string(got) != want {
			t.Fatalf("round %d: read back %d bytes (%v), want %d", i, len(got), err, len(want))
		}
	}
}
