package sync

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"motcua/server/pgtest"
)

// The office network with every part a real process: the backend
// (motcua-server on bbolt) and three counters (motcuactl serve, the same
// counter code as the window, without one). See
// TestOfficeNetworkThreeProcesses.

const lanPassword = "Mật-khẩu-thử-2026"

type lanProc struct {
	t     *testing.T
	bin   string
	dir   string
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
}

// ctl runs one motcuactl command on a counter's folder and fails the test
// unless it succeeds.
func ctl(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-data", dir}, args...)...)
	cmd.Env = append(os.Environ(), "MOTCUA_PASSWORD="+lanPassword)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("motcuactl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// serve starts motcuactl serve on a counter's folder.
func serve(t *testing.T, bin, dir string) *lanProc {
	t.Helper()
	p := &lanProc{t: t, bin: bin, dir: dir, lines: make(chan string, 16)}
	p.cmd = exec.Command(bin, "-data", dir, "-user", "an", "serve")
	p.cmd.Env = append(os.Environ(), "MOTCUA_PASSWORD="+lanPassword)
	logPath := filepath.Join(dir, fmt.Sprintf("serve-%d.log", time.Now().UnixNano()))
	errf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = errf
	t.Cleanup(func() {
		if t.Failed() { // what the counter logged says why
			data, _ := os.ReadFile(logPath)
			t.Logf("%s:\n%s", logPath, data)
		}
	})
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	if l := p.read(); l != "ready" {
		t.Fatalf("serve said %q", l)
	}
	return p
}

func (p *lanProc) read() string {
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatal("the counter process ended")
		}
		return l
	case <-time.After(60 * time.Second):
		p.t.Fatal("the counter process did not answer")
	}
	return ""
}

// ask sends a line and reads the answer.
func (p *lanProc) ask(format string, args ...any) string {
	fmt.Fprintf(p.in, format+"\n", args...)
	return p.read()
}

// stop ends the process cleanly (its input closed).
func (p *lanProc) stop() {
	p.in.Close()
	p.cmd.Wait()
}

// held is how many events of a device the counter holds.
func (p *lanProc) held(device string) uint64 {
	var have map[string]uint64
	if err := json.Unmarshal([]byte(p.ask("have")), &have); err != nil {
		p.t.Fatal(err)
	}
	return have[device]
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// backendProc is motcua-server as a process, on the store the suite runs
// on (bbolt in dir, or the PostgreSQL database db).
type backendProc struct {
	bin, dir, db, addr string
}

// store is the flag that names the backend's store.
func (b backendProc) store() []string {
	if b.db != "" {
		return []string{"-db", b.db}
	}
	return []string{"-data", b.dir}
}

// enrollCode makes a one-time code for a counter of the test unit.
func (b backendProc) enrollCode(t *testing.T, counter int) string {
	t.Helper()
	out, err := exec.Command(b.bin, append(append([]string{"enroll-code"}, b.store()...), "-unit", testUnit, "-counter", strconv.Itoa(counter))...).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// start runs it and waits until it answers.
func (b backendProc) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(b.bin, append(append([]string{"serve"}, b.store()...), "-addr", b.addr)...)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + b.addr + "/v1/health"); err == nil {
			resp.Body.Close()
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatal("motcua-server did not start")
		}
	}
}

// TestOfficeNetworkThreeProcesses: three counters and the backend as real
// processes (the backend on the suite's store: bbolt, or PostgreSQL). With the backend stopped, an intake at counter 1 is found at
// counter 2 and returned there, and counters 1 and 3 see it; counter 3 is
// killed with SIGKILL while it takes in 2,000 events of counter 1, comes
// back and ends with all of them, its file verifying; the backend comes
// back and holds every record and event exactly once, as every counter does.
func TestOfficeNetworkThreeProcesses(t *testing.T) {
	be := backendProc{bin: buildServer(t), dir: t.TempDir(), db: pgtest.Backend(t), addr: freeAddr(t)}
	bin := buildBin(t, "motcuactl")
	srv := be.start(t)
	ports := []int{freePort(t), freePort(t), freePort(t)}
	dirs := setUpCounters(t, be, bin, 3)
	devices := make([]string, 3)
	for i, dir := range dirs {
		ctl(t, bin, dir, "-user", "an", "sync") // the certificate, and a roster with every key
		var st struct {
			DeviceID string `json:"device_id"`
		}
		json.Unmarshal([]byte(ctl(t, bin, dir, "status", "-json")), &st)
		devices[i] = st.DeviceID
		var peers []string
		for j, p := range ports {
			if j != i {
				peers = append(peers, fmt.Sprintf("127.0.0.1:%d", p))
			}
		}
		// the peer list only: multicast DNS is TestOfficeNetworkNamespaces's (here it would
		// also find whatever else runs on the machine)
		ctl(t, bin, dir, "-user", "an", "setup", "-lan-port", strconv.Itoa(ports[i]), "-lan-peers", strings.Join(peers, ","), "-lan-discover=false")
	}
	for i, dir := range dirs[:2] { // rosters read after every counter is certified
		_ = i
		ctl(t, bin, dir, "-user", "an", "sync")
	}
	srv.Process.Signal(syscall.SIGTERM) // the province's line is down
	srv.Wait()

	procs := []*lanProc{serve(t, bin, dirs[0]), serve(t, bin, dirs[1]), serve(t, bin, dirs[2])}
	ans := strings.Fields(procs[0].ask("intake %s", "../docs/intake-example.json"))
	if len(ans) != 3 || ans[0] != "ok" {
		t.Fatalf("intake: %v", ans)
	}
	code, id := ans[1], ans[2]
	took := within(t, 10*time.Second, "counter 2 finds the intake", func() bool { return strings.HasPrefix(procs[1].ask("get %s", id), "record") })
	t.Logf("an intake at counter 1 was found at counter 2 (separate processes) in %s", took)
	for _, step := range []string{"result_ready", "returned Lê Thị Nhận"} {
		if a := procs[1].ask("apply %s %s", code, step); !strings.HasPrefix(a, "ok") {
			t.Fatalf("apply %s at counter 2: %s", step, a)
		}
	}
	for i, p := range []*lanProc{procs[0], procs[2]} {
		last := ""
		deadline := time.Now().Add(10 * time.Second)
		for last = p.ask("get %s", id); !strings.HasPrefix(last, "record 10 "); last = p.ask("get %s", id) {
			if time.Now().After(deadline) {
				t.Fatalf("the return does not reach counter %d: it holds %q", 2*i+1, last)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	// counter 3 killed in the middle of taking in a backlog
	if a := procs[0].ask("intake-many 2000"); a != "ok 2000" {
		t.Fatalf("intake-many: %s", a)
	}
	within(t, 60*time.Second, "counter 3 starts taking the backlog", func() bool { return procs[2].held(devices[0]) > 1 })
	procs[2].cmd.Process.Kill()
	procs[2].cmd.Wait()
	procs[2] = serve(t, bin, dirs[2])
	want := procs[0].held(devices[0])
	within(t, 120*time.Second, "counter 3 takes the rest", func() bool { return procs[2].held(devices[0]) == want })
	within(t, 120*time.Second, "counter 2 takes it all", func() bool { return procs[1].held(devices[0]) == want })
	for _, p := range procs {
		p.stop()
	}
	for i, dir := range dirs {
		if out := ctl(t, bin, dir, "verify"); !strings.Contains(out, "nhất quán: 2001 hồ sơ") {
			t.Fatalf("counter %d's file: %s", i+1, out)
		}
	}

	// the backend comes back; counter 1 last (2 and 3 carry its events first)
	be.start(t)
	for _, i := range []int{2, 1, 0, 2, 1} {
		ctl(t, bin, dirs[i], "-user", "an", "sync")
	}
	out, err := exec.Command(be.bin, append(append([]string{"export"}, be.store()...), "-unit", testUnit)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			ID      string `json:"id"`
			Status  int    `json:"status"`
			History []struct {
				ID string `json:"id"`
			} `json:"history"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		seen[r.ID]++
		if r.ID == id && (r.Status != 10 || len(r.History) != 3) {
			t.Fatalf("the returned file at the backend: status %d, %d events", r.Status, len(r.History))
		}
	}
	if len(seen) != 2001 {
		t.Fatalf("the backend holds %d records, want 2,001", len(seen))
	}
	for i, dir := range dirs {
		var st struct {
			Records   int `json:"records"`
			Pending   int `json:"pending"`
			Attention int `json:"attention"`
		}
		json.Unmarshal([]byte(ctl(t, bin, dir, "status", "-json")), &st)
		if st.Records != 2001 || st.Pending != 0 || st.Attention != 0 {
			t.Fatalf("counter %d: %+v", i+1, st)
		}
	}
}

// setUpCounters sets up n counters of the test unit with motcuactl, each
// enrolled with the running backend and synced once: counter 1 first,
// with the account "an" of one person who does all at this office
// (receives, supervises, administers); the others join it.
func setUpCounters(t *testing.T, be backendProc, bin string, n int) []string {
	dirs := make([]string, n)
	for i := range dirs {
		dir := t.TempDir()
		dirs[i] = dir
		args := []string{"setup", "-unit-name", "UBND phường Thuận Hóa", "-unit-code", testUnit, "-place", "Huế",
			"-counter", strconv.Itoa(i + 1), "-clerk", "Lê Văn An"}
		if i == 0 {
			args = append(args, "-admin-user", "an", "-admin-name", "Lê Văn An")
		}
		ctl(t, bin, dir, args...)
		if i == 0 {
			ctl(t, bin, dir, "-user", "an", "user", "roles", "-username", "an", "-roles", "clerk,supervisor,admin")
		}
		code := be.enrollCode(t, i+1)
		who := []string{"-user", "an"}
		if i > 0 {
			who = nil // a counter joining the unit has no account before it pulls them
		}
		ctl(t, bin, dir, append(who, "enroll", "-server", "http://"+be.addr, "-code", code)...)
		ctl(t, bin, dir, append(who, "sync")...)
	}
	return dirs
}
