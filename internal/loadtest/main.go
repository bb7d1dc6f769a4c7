// Command loadtest puts a province's load on the backend (make loadtest):
// simulated counters, each the real sync client over its own store,
// push their intakes through one or more motcua-server processes and pull
// their units' logs. It reports the aggregate durable events per second,
// the push round trip's median and 99th percentile, the pull throughput
// and the database's share of the processor, then checks that the backend
// and every counter hold every intake exactly once.
//
//	go run ./internal/loadtest -bin bin/motcua-server -db postgres://… -servers 2
//	go run ./internal/loadtest -bin bin/motcua-server -servers 1          (bbolt)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/internal/profile"
	"motcua/server"
	"motcua/storage"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type options struct {
	bin, db          string
	servers, units   int
	counters, events int
	batch            int
	roundTrip        time.Duration
	profile          string
	history          int64
	historyUnits     int
}

func run() error {
	o, err := parseOptions()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "motcua-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	urls, stop, err := startServers(o, work)
	if err != nil {
		return err
	}
	defer stop()
	admin, closeAdmin, err := adminOf(o, work)
	if err != nil {
		return err
	}
	defer closeAdmin()

	if err := history(o, work); err != nil {
		return err
	}
	fmt.Printf("store %s, %d server processes, %d counters in %d units, %d intakes each\n", storeName(o), o.servers, o.counters, o.units, o.events)
	// the counters' stores live in memory when the machine has a place for
	// it: each is a PC of its own at a counter, and writing 200 of them
	// back to this machine's disk is not the backend's work
	counterDir, err := os.MkdirTemp(memDir(), "motcua-load-counters")
	if err != nil {
		return err
	}
	defer os.RemoveAll(counterDir)
	cs, err := makeCounters(o, counterDir, urls, admin)
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range cs {
			c.store.Close()
		}
	}()
	return measure(o, cs, admin)
}

func parseOptions() (options, error) {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/motcua-server", "the motcua-server binary")
	flag.StringVar(&o.db, "db", "", "PostgreSQL database (postgres://…); empty: the bbolt store")
	flag.IntVar(&o.servers, "servers", 2, "server processes")
	flag.IntVar(&o.units, "units", 40, "units (wards)")
	flag.IntVar(&o.counters, "counters", 200, "counters, spread over the units")
	flag.IntVar(&o.events, "events", 1000, "intakes each counter pushes")
	flag.IntVar(&o.batch, "batch", 500, "events a push (the client's default is 500)")
	flag.DurationVar(&o.roundTrip, "round-trip", 0, "the round trip the counters size their pushes and pull pages for (0: the client's default; negative: every push of -batch, every page of 1,000)")
	flag.StringVar(&o.profile, "profile", "", "a directory for processor profiles (pprof) of the counters and of each server")
	flag.Int64Var(&o.history, "history", 0, "earlier records the PostgreSQL store holds before the run, in units of their own (history.go)")
	flag.IntVar(&o.historyUnits, "history-units", 100, "the units the earlier records are spread over")
	flag.Parse()
	if o.db == "" && o.servers != 1 {
		return o, errors.New("the bbolt store is one process's: -servers 1")
	}
	return o, nil
}

// measure times the pushes, then the pulls, reports them and checks what
// the backend and the counters hold.
func measure(o options, cs []*loadCounter, admin server.Admin) error {
	stopProfile, err := phaseProfile(o, "push")
	if err != nil {
		return err
	}
	byNameBefore, selfBefore, machineBefore := cpuByName(), selfCPU(), machineCPU()
	pgBefore, srvBefore := byNameBefore["postgres"], byNameBefore["motcua-server"]
	walBefore, err := readWAL(o.db)
	if err != nil {
		return err
	}
	start := time.Now()
	// the pushes, every counter at once (their pulls held back)
	holdPulls.Store(true)
	if err := everyCounter(cs, func(c *loadCounter) error {
		for {
			if _, err := c.engine.SyncOnce(context.Background()); err != nil {
				return err
			}
			if st, err := c.store.Stats(); err != nil || st.Pending == 0 {
				return err
			}
		}
	}); err != nil {
		return err
	}
	pushWall := time.Since(start)
	byNamePush, selfPush, machinePush := cpuByName(), selfCPU()-selfBefore, machineCPU().since(machineBefore)
	pgPush, srvPush := byNamePush["postgres"]-pgBefore, byNamePush["motcua-server"]-srvBefore
	walPush, err := readWAL(o.db)
	if err != nil {
		return err
	}
	stopProfile()
	if stopProfile, err = phaseProfile(o, "pull"); err != nil {
		return err
	}
	defer stopProfile()
	// the pulls: every counter takes its unit's log
	holdPulls.Store(false)
	pullStart := time.Now()
	if err := everyCounter(cs, func(c *loadCounter) error {
		_, err := c.engine.SyncOnce(context.Background())
		return err
	}); err != nil {
		return err
	}
	pullWall := time.Since(pullStart)
	wall := time.Since(start)
	byNameEnd, selfUsed := cpuByName(), selfCPU()-selfBefore
	pgCPU, srvCPU := byNameEnd["postgres"]-pgBefore, byNameEnd["motcua-server"]-srvBefore

	total := o.counters * o.events
	pushes, pulls := collect(cs)
	if pushes.events != total {
		return fmt.Errorf("%d events pushed, want %d", pushes.events, total)
	}
	cores := float64(runtime.NumCPU())
	fmt.Printf("pushes: %d events in %.1f s, %.0f events/s durable (each acknowledged after its commit)\n", total, pushWall.Seconds(), float64(total)/pushWall.Seconds())
	fmt.Printf("  round trip of a push (%d pushes of up to %d events): p50 %s, p99 %s\n", len(pushes.lat), o.batch, pct(pushes.lat, 50), pct(pushes.lat, 99))
	fmt.Printf("  processor: PostgreSQL %.0f%%, the servers %.0f%%, the simulated counters %.0f%% of %d cores; backend cost %.0f µs of processor a pushed event (PostgreSQL %.0f)\n",
		100*pgPush.Seconds()/(pushWall.Seconds()*cores), 100*srvPush.Seconds()/(pushWall.Seconds()*cores), 100*selfPush.Seconds()/(pushWall.Seconds()*cores),
		runtime.NumCPU(), float64((pgPush+srvPush).Microseconds())/float64(total), float64(pgPush.Microseconds())/float64(total))
	elsewhere := machinePush.busy - pgPush - srvPush - selfPush
	self, _ := os.ReadFile("/proc/self/comm")
	fmt.Printf("  the machine: idle %.0f%%, taken by the host (steal) %.0f%%, interrupts %.0f%%, elsewhere %.0f%% (most: %s); %.0f µs of processor a pushed event in all\n",
		machinePush.share(machinePush.idle), machinePush.share(machinePush.steal), machinePush.share(machinePush.irq), machinePush.share(elsewhere-machinePush.irq),
		busiestElse(byNameBefore, byNamePush, machinePush, "postgres", "motcua-server", strings.TrimSpace(string(self))),
		float64(machinePush.busy.Microseconds())/float64(total))
	if o.db != "" {
		fmt.Println("  PostgreSQL: " + walPush.report(walBefore, total))
	}
	fmt.Printf("pulls: %d events in %.1f s, %.0f events/s (pages of up to %d; round trip p50 %s, p99 %s)\n",
		pulls.events, pullWall.Seconds(), float64(pulls.events)/pullWall.Seconds(), pullLimit, pct(pulls.lat, 50), pct(pulls.lat, 99))
	share := func(d time.Duration) float64 { return 100 * d.Seconds() / (wall.Seconds() * cores) }
	fmt.Printf("whole run, %.1f s: PostgreSQL %.1f s of processor (%.0f%%), the servers %.1f s (%.0f%%), the simulated counters %.1f s (%.0f%%)\n",
		wall.Seconds(), pgCPU.Seconds(), share(pgCPU), srvCPU.Seconds(), share(srvCPU), selfUsed.Seconds(), share(selfUsed))
	return verify(o, cs, admin)
}

const pullLimit = 1000

// phaseProfile profiles the counters' processor through one phase, into
// counters-PHASE.pprof of -profile (nothing without it).
func phaseProfile(o options, phase string) (func(), error) {
	if o.profile == "" {
		return func() {}, nil
	}
	return profile.CPU(filepath.Join(o.profile, "counters-"+phase+".pprof"))
}

func storeName(o options) string {
	if o.db != "" {
		return "PostgreSQL"
	}
	return "bbolt"
}

// memDir is /dev/shm when it is there (a file system in memory), else
// the temporary directory.
func memDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() && syscall.Access("/dev/shm", 2) == nil {
		return "/dev/shm"
	}
	return ""
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServers starts the serve processes and waits until each answers.
func startServers(o options, work string) ([]string, func(), error) {
	var cmds []*exec.Cmd
	var urls []string
	stop := func() {
		for _, c := range cmds {
			c.Process.Signal(os.Interrupt)
			c.Wait()
		}
	}
	for i := range o.servers {
		addr, err := freeAddr()
		if err != nil {
			stop()
			return nil, nil, err
		}
		args := []string{"serve", "-addr", addr}
		if o.db != "" {
			args = append(args, "-db", o.db)
		} else {
			args = append(args, "-data", filepath.Join(work, "server"))
		}
		if o.profile != "" {
			args = append(args, "-cpuprofile", filepath.Join(o.profile, "server"+strconv.Itoa(i+1)+".pprof"))
		}
		cmd := exec.Command(o.bin, args...)
		cmd.Stderr = nil // the servers' logs are not the report
		if err := cmd.Start(); err != nil {
			stop()
			return nil, nil, err
		}
		cmds = append(cmds, cmd)
		urls = append(urls, "http://"+addr)
		if err := waitUp(urls[i]); err != nil {
			stop()
			return nil, nil, err
		}
	}
	return urls, stop, nil
}

func waitUp(url string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/v1/health"); err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return errors.New("a server did not start: " + url)
}

// adminOf is the administration of the running store: the database
// directly, or the bbolt server's admin socket.
func adminOf(o options, work string) (server.Admin, func(), error) {
	if o.db == "" {
		return server.DialAdmin(filepath.Join(work, "server")), func() {}, nil
	}
	st, err := server.Open(o.db, "", assets.Catalog, assets.Calendar)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { st.Close() }, nil
}

type loadCounter struct {
	store  *storage.Store
	engine *mcsync.Engine
	unit   string
	timing *timing
}

// unitCode is the n-th unit's code.
func unitCode(n int) string { return fmt.Sprintf("000.%02d.%02d.H57", 10+n/90, 10+n%90) }

// makeCounters sets up, enrolls and fills every counter's store (bulk:
// the counters' own fsync is not what is measured).
func makeCounters(o options, work string, urls []string, admin server.Admin) ([]*loadCounter, error) {
	cs := make([]*loadCounter, o.counters)
	cfg := mcsync.Config{Interval: time.Hour, Timeout: 2 * time.Minute, BackoffBase: 50 * time.Millisecond, BackoffCap: time.Second, Batch: o.batch, RoundTrip: o.roundTrip, PullLimit: pullLimit}
	var wg sync.WaitGroup
	errs := make(chan error, o.counters)
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range cs {
		unit, no := unitCode(i%o.units), 1+i/o.units
		code, err := admin.NewEnrollCode(unit, no)
		if err != nil {
			return nil, err
		}
		st, err := storage.Open(filepath.Join(work, "c"+strconv.Itoa(i)+".db"), storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar, NoSync: true})
		if err != nil {
			return nil, err
		}
		if err := st.SaveSettings(storage.Settings{UnitName: "UBND phường " + strconv.Itoa(i%o.units), UnitCode: unit, Place: "Huế", Counter: no, Clerk: "Cán bộ " + strconv.Itoa(i), Language: "vi"}); err != nil {
			return nil, err
		}
		c := &loadCounter{store: st, engine: mcsync.New(st, cfg), unit: unit, timing: &timing{}}
		c.engine.SetRemoteFactory(func(url, token string) mcsync.Remote {
			return timedRemote{mcsync.NewHTTPRemote(url, token, cfg.Timeout), c.timing}
		})
		if err := c.engine.Enroll(context.Background(), urls[i%len(urls)], code); err != nil {
			return nil, err
		}
		cs[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			ins := make([]dossier.Intake, o.events)
			first := time.Now().In(dossier.Loc).AddDate(0, 0, -2-len(ins)/500-rand.IntN(200))
			for j := range ins { // 500 a day: a counter's codes allow 999
				day := dossier.Midnight(first.AddDate(0, 0, j/500)).Add(7 * time.Hour)
				ins[j] = dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true,
					ReceivedAt: day.Add(time.Duration(j%500) * time.Minute)}
			}
			if _, err := st.IntakeMany(ins, storage.BatchOptions{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return nil, err
	}
	return cs, nil
}

// timing keeps the round trips of one counter's pushes and pulls.
type timing struct {
	mu           sync.Mutex
	push, pull   []time.Duration
	pulledEvents int
	pushed       int
	state        wire.State // as the last push left it
}

type timedRemote struct {
	mcsync.Remote
	t *timing
}

// holdPulls keeps the counters' pulls back while the pushes are measured:
// a pull then answers "nothing new" with the state the last push was
// given, and the real pulls come after.
var holdPulls atomic.Bool

func (r timedRemote) Push(ctx context.Context, body mcsync.PushBody) (wire.PushResponse, error) {
	t0 := time.Now()
	resp, err := r.Remote.Push(ctx, body)
	if err == nil {
		r.t.mu.Lock()
		r.t.push = append(r.t.push, time.Since(t0))
		r.t.state = resp.State
		r.t.pushed += len(body.IDs)
		r.t.mu.Unlock()
	}
	return resp, err
}

func (r timedRemote) Pull(ctx context.Context, after uint64, check string, limit int) (wire.PullResponse, error) {
	if holdPulls.Load() {
		r.t.mu.Lock()
		defer r.t.mu.Unlock()
		return wire.PullResponse{Events: []wire.PulledEvent{}, Next: after, NextCheck: check, ServerTime: time.Now(), State: r.t.state}, nil
	}
	t0 := time.Now()
	resp, err := r.Remote.Pull(ctx, after, check, limit)
	if err == nil {
		r.t.mu.Lock()
		r.t.pull = append(r.t.pull, time.Since(t0))
		r.t.pulledEvents += len(resp.Events)
		r.t.mu.Unlock()
	}
	return resp, err
}

type latencies struct {
	lat    []time.Duration
	events int
}

// everyCounter runs fn for every counter at once and returns the first
// error.
func everyCounter(cs []*loadCounter, fn func(*loadCounter) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(cs))
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(c); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func collect(cs []*loadCounter) (push, pull latencies) {
	for _, c := range cs {
		push.events += c.timing.pushed
		push.lat = append(push.lat, c.timing.push...)
		pull.lat = append(pull.lat, c.timing.pull...)
		pull.events += c.timing.pulledEvents
	}
	return push, pull
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(time.Millisecond)
}

// cpuByName is the processor time used so far by the running processes
// (kernel threads included), and by the children they waited for, summed
// by name: PostgreSQL's autovacuum workers come and go, and their time is
// their postmaster's once they end. The kernel's workers (which write
// dirty pages back, among other things) are summed under one name.
func cpuByName() map[string]time.Duration {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	used := map[string]time.Duration{}
	for _, d := range dirs {
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		open, closing := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
		if open < 0 || closing < open {
			continue
		}
		f := strings.Fields(string(stat[closing+1:]))
		if len(f) > 14 {
			var ticks int64
			for _, field := range f[11:15] { // utime, stime, and those of the children it waited for
				n, _ := strconv.ParseInt(field, 10, 64)
				ticks += n
			}
			name := string(stat[open+1 : closing])
			if strings.HasPrefix(name, "kworker/") { // named after their current work: one name for all
				name = "kworker"
			}
			used[name] += time.Duration(ticks) * time.Second / 100 // USER_HZ
		}
	}
	return used
}

// busiestElse names the three processes, other than these, that used
// the most processor between two readings of cpuByName, with their share.
func busiestElse(before, after map[string]time.Duration, m machineTimes, these ...string) string {
	type use struct {
		name string
		d    time.Duration
	}
	var uses []use
	for name, d := range after {
		if !slices.Contains(these, name) && d > before[name] {
			uses = append(uses, use{name, d - before[name]})
		}
	}
	slices.SortFunc(uses, func(a, b use) int { return int(b.d - a.d) })
	var out []string
	for _, u := range uses[:min(3, len(uses))] {
		out = append(out, fmt.Sprintf("%s %.1f%%", u.name, m.share(u.d)))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// machineTimes is the machine's processor time (all cores) by use, from
// /proc/stat: busy (steal included), idle (waiting for input or output
// included), stolen by the host, and spent on interrupts (the network's
// packets among them: loopback traffic is handled there, charged to no
// process).
type machineTimes struct{ busy, idle, steal, irq time.Duration }

func machineCPU() machineTimes {
	var m machineTimes
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	for i, f := range strings.Fields(line)[1:] {
		ticks, _ := strconv.ParseInt(f, 10, 64)
		d := time.Duration(ticks) * time.Second / 100 // USER_HZ
		switch {
		case i == 3 || i == 4: // idle, iowait
			m.idle += d
		case i == 7: // steal
			m.steal += d
			m.busy += d
		case i == 5 || i == 6: // irq, softirq
			m.irq += d
			m.busy += d
		case i < 8: // user, nice, system (guest time is counted in user)
			m.busy += d
		}
	}
	return m
}

func (m machineTimes) since(before machineTimes) machineTimes {
	return machineTimes{m.busy - before.busy, m.idle - before.idle, m.steal - before.steal, m.irq - before.irq}
}

// share is d's part of the machine's time.
func (m machineTimes) share(d time.Duration) float64 {
	return 100 * d.Seconds() / (m.busy + m.idle).Seconds()
}

// selfCPU is the processor time this process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// verify checks that the backend holds every intake once and every
// counter holds its unit's.
func verify(o options, cs []*loadCounter, admin server.Admin) error {
	perUnit := map[string]int{}
	seen := map[string]bool{}
	for u := range o.units { // the run's units (not the history's)
		err := admin.Export(unitCode(u), func(r *dossier.Record) error {
			if seen[r.ID] {
				return fmt.Errorf("record %s twice at the backend", r.ID)
			}
			seen[r.ID] = true
			perUnit[r.UnitCode]++
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(seen) != o.counters*o.events {
		return fmt.Errorf("the backend holds %d records, want %d", len(seen), o.counters*o.events)
	}
	for _, c := range cs {
		st, err := c.store.Stats()
		if err != nil {
			return err
		}
		if st.Records != perUnit[c.unit] || st.Pending != 0 {
			return fmt.Errorf("a counter of %s holds %d records (%d pending); its unit has %d", c.unit, st.Records, st.Pending, perUnit[c.unit])
		}
	}
	if o.db != "" && o.history > 0 { // the earlier years read back as records
		n, want := 0, (o.history+int64(o.historyUnits)-1)/int64(o.historyUnits)
		if err := admin.Export(unitCode(o.units), func(*dossier.Record) error { n++; return nil }); err != nil || int64(n) != want {
			return fmt.Errorf("an earlier unit holds %d records, want %d (%v)", n, want, err)
		}
	}
	fmt.Printf("checked: the backend holds all %d intakes once; every counter holds its unit's records, nothing pending\n", len(seen))
	return nil
}
