package storage

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/assets"
	"motcua/dossier"
	"motcua/report"
)

// The benchmarks share one store of MOTCUA_BENCH_RECORDS synthetic records
// (default 1,000,000), built once in MOTCUA_BENCH_DIR (default a temporary
// directory) and reused by later runs when it is already there.
var (
	benchOnce  sync.Once
	benchStore *Store
	benchErr   error
	benchRecs  []*dossier.Record // a sample of stored records to look up
)

func benchDB(b *testing.B) *Store {
	benchOnce.Do(func() {
		n := 1_000_000
		if v := os.Getenv("MOTCUA_BENCH_RECORDS"); v != "" {
			n, _ = strconv.Atoi(v)
		}
		dir := os.Getenv("MOTCUA_BENCH_DIR")
		if dir == "" {
			dir, _ = os.MkdirTemp("", "motcua-bench")
		}
		path := filepath.Join(dir, fmt.Sprintf("bench-%d.db", n))
		s, err := Open(path, Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
		if err != nil {
			benchErr = err
			return
		}
		if !s.Settings().Ready() {
			s.SaveSettings(testSettings)
		}
		if st, _ := s.Stats(); st.Records < n {
			s.db.NoSync = true
			start := time.Now()
			benchErr = s.Seed(n-st.Records, 42, nil)
			s.db.NoSync = false
			s.Sync()
			fmt.Fprintf(os.Stderr, "seeded %d records in %s\n", n-st.Records, time.Since(start).Round(time.Second))
		}
		if benchErr != nil {
			return // the seeding failed: say so, never measure an empty store
		}
		benchStore = s
		benchRecs, _, benchErr = s.Page(Query{}, nil, 1000)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// timed runs op b.N times and reports the median and 99th percentile.
func timed(b *testing.B, op func(i int)) {
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		op(i)
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}

// benchCopy is a copy of the bench store for a benchmark that writes:
// the shared store stays as it was, so that every run measures the same
// file (and a day's run never meets the 999-a-day code cap).
func benchCopy(b *testing.B) *Store {
	src := benchDB(b)
	path := filepath.Join(b.TempDir(), "copy.db")
	if err := src.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(path, 0o600) }); err != nil {
		b.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkSaveIntakeFsync(b *testing.B) {
	s := benchCopy(b)
	r := rand.New(rand.NewPCG(1, 2))
	timed(b, func(int) {
		p := SyntheticPerson(r)
		if _, err := s.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: p, FilerIsOwner: true}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkIntakeAuditChain is the audit chain's cost on an intake: the
// same fsync'd intakes on one copy of the store, turn about with the chain
// and without (as before it), so both medians come from one run and one
// disk state.
func BenchmarkIntakeAuditChain(b *testing.B) {
	s := benchCopy(b)
	r := rand.New(rand.NewPCG(3, 4))
	var with, without []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.noChain = i%2 == 1
		p := SyntheticPerson(r)
		t0 := time.Now()
		if _, err := s.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: p, FilerIsOwner: true}); err != nil {
			b.Fatal(err)
		}
		if s.noChain {
			without = append(without, time.Since(t0))
		} else {
			with = append(with, time.Since(t0))
		}
	}
	b.StopTimer()
	s.noChain = false
	median := func(d []time.Duration) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)/2].Microseconds())
	}
	if len(without) == 0 {
		return
	}
	mw, mo := median(with), median(without)
	b.ReportMetric(mw, "chain-median-µs")
	b.ReportMetric(mo, "nochain-median-µs")
	b.ReportMetric(100*(mw-mo)/mo, "chain-cost-%")
}

func BenchmarkBareBoltPutFsync(b *testing.B) {
	s := benchCopy(b)
	val := make([]byte, 2048)
	timed(b, func(i int) {
		err := s.db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("bench"))
			if err != nil {
				return err
			}
			return bk.Put([]byte(fmt.Sprintf("k%09d", i)), val)
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkLookupByCode(b *testing.B) {
	s := benchDB(b)
	timed(b, func(i int) {
		r, _, err := s.Page(Query{Text: benchRecs[i%len(benchRecs)].Code}, nil, 50)
		if err != nil || len(r) != 1 {
			b.Fatalf("%d %v", len(r), err)
		}
	})
}

func BenchmarkLookupByIDNumber(b *testing.B) {
	s := benchDB(b)
	timed(b, func(i int) {
		r, _, err := s.Page(Query{Text: benchRecs[i%len(benchRecs)].Owner.IDNumber}, nil, 50)
		if err != nil || len(r) == 0 {
			b.Fatalf("%d %v", len(r), err)
		}
	})
}

func BenchmarkNameSearchFirst50(b *testing.B) {
	s := benchDB(b)
	for _, q := range []string{"nguyen van an", "nguyen thi", "tran thi mai", "le", "ton nu thu dung", "pham duc huy", "hoang dieu"} {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			timed(b, func(i int) {
				if _, _, err := s.Page(Query{Text: q}, nil, 50); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkStatusFilterFirstPage(b *testing.B) {
	s := benchDB(b)
	statuses := []dossier.Status{dossier.StatusReturned, dossier.StatusProcessing, dossier.StatusDone, dossier.StatusRefused}
	timed(b, func(i int) {
		if _, _, err := s.Page(Query{Status: statuses[i%len(statuses)]}, nil, 50); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkOverdueFirstPage(b *testing.B) {
	s := benchDB(b)
	timed(b, func(i int) {
		if _, _, err := s.Page(Query{Due: DueOverdue}, nil, 50); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkYearReport is the periodic report for this calendar year over
// the bench store (every record received before
// the period's end is read once; the report package counts it).
func BenchmarkYearReport(b *testing.B) {
	s := benchDB(b)
	now := time.Now().In(dossier.Loc)
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, dossier.Loc)
	to := time.Date(now.Year(), 12, 31, 0, 0, 0, 0, dossier.Loc)
	var got report.Row
	timed(b, func(int) {
		rb := report.NewBuilder(report.Period{From: from, To: to, Now: now}, s.Catalog())
		if err := s.EachFileBetween(time.Time{}, to.AddDate(0, 0, 1), func(f report.File, full func() (*dossier.Record, error)) error {
			rb.AddFile(f, full)
			return rb.Err()
		}); err != nil {
			b.Fatal(err)
		}
		got = rb.Report("").Total
	})
	b.ReportMetric(float64(got.Received), "files")
}

// BenchmarkOverviewPass is the supervisor's overview's one pass: a year
// of report facts counted for today and this week (the files it lists are
// read whole).
func BenchmarkOverviewPass(b *testing.B) {
	s := benchDB(b)
	now := time.Now().In(dossier.Loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, dossier.Loc)
	timed(b, func(int) {
		day := report.NewBuilder(report.Period{From: today, To: today, Now: now}, s.Catalog())
		week := report.NewBuilder(report.Period{From: today.AddDate(0, 0, -6), To: today, Now: now}, s.Catalog())
		err := s.EachFileBetween(now.AddDate(-1, 0, 0), today.AddDate(0, 0, 1), func(f report.File, full func() (*dossier.Record, error)) error {
			day.AddFile(f, full)
			week.AddFile(f, full)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}
