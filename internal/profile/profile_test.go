package profile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCPU: a profile is written (pprof's gzip'd form) once stopped, and a
// path that cannot be made is an error, with no profiling left running.
func TestCPU(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	stop, err := CPU(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range 1_000_000 {
		n += i % 7
	}
	stop()
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Fatalf("profile of %d bytes (%v), not gzip'd (%d)", len(data), err, n)
	}
	if _, err := CPU(filepath.Join(t.TempDir(), "no", "such", "dir", "cpu.pprof")); err == nil {
		t.Fatal("a profile into a missing directory started")
	}
	again, err := CPU(filepath.Join(t.TempDir(), "again.pprof"))
	if err != nil {
		t.Fatalf("profiling again after a failure: %v", err)
	}
	again()
}
