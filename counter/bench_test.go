package counter

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"motcua/dossier"
)

// The desk's benchmarks run on a copy of the storage benchmarks' store of
// MOTCUA_BENCH_RECORDS synthetic records (default 1,000,000) in
// MOTCUA_BENCH_DIR; `make bench` seeds it first. The copy is made once per
// run, so the shared store stays as it was.
var (
	deskOnce sync.Once
	deskDir  string
	deskErr  error
)

func benchCounter(b *testing.B) *Counter {
	deskOnce.Do(func() {
		n := 1_000_000
		if v := os.Getenv("MOTCUA_BENCH_RECORDS"); v != "" {
			n, _ = strconv.Atoi(v)
		}
		src := filepath.Join(os.Getenv("MOTCUA_BENCH_DIR"), fmt.Sprintf("bench-%d.db", n))
		if _, err := os.Stat(src); err != nil {
			deskErr = fmt.Errorf("no bench store (%w): `make bench` seeds it, or run the storage benchmarks with the same MOTCUA_BENCH_DIR first", err)
			return
		}
		deskDir, deskErr = os.MkdirTemp("", "motcua-desk")
		if deskErr == nil {
			deskErr = copyFile(src, filepath.Join(deskDir, "motcua.db"))
		}
	})
	if deskErr != nil {
		b.Fatal(deskErr)
	}
	c, err := Open(Options{Dir: deskDir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if c.store.HasAccounts() {
		signIn(b, c, binhUser, binhPass)
		return c
	}
	// the admin adds a supervisor who also receives files
	if _, err := c.CreateFirstAdmin(adminUser, "Lê Văn An", adminPass); err != nil {
		b.Fatal(err)
	}
	addUser(b, c, binhUser, testSettings.Clerk, binhPass, dossier.RoleClerk, dossier.RoleSupervisor)
	return c
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// deskTimed runs op b.N times and reports the median and 99th percentile.
func deskTimed(b *testing.B, op func()) {
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		op()
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkOverview is the desk opened, the first time in a day: the
// year's files read, the whole overview counted, the overdue board and
// the waiting list read whole.
func BenchmarkOverview(b *testing.B) {
	c := benchCounter(b)
	var ov Overview
	deskTimed(b, func() {
		c.desk.mu.Lock()
		c.desk.files = nil // as on a new day
		c.desk.mu.Unlock()
		var err error
		if ov, err = c.Overview(); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(ov.Overdue)), "overdue")
	b.ReportMetric(float64(len(ov.Waiting)), "waiting")
}

// BenchmarkOverviewAfterSave is the desk's refresh after a file is saved
// at the counter: one intake, then the overview again (the records
// written since the last count read again, the figures counted again).
func BenchmarkOverviewAfterSave(b *testing.B) {
	c := benchCounter(b)
	if _, err := c.Overview(); err != nil {
		b.Fatal(err)
	}
	x := dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true, Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Văn Đo", IDNumber: "046090001234"}}
	var d []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if _, err := c.Intake(x); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := c.Overview(); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}
