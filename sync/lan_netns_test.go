package sync

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"motcua/server/pgtest"
)

// netns runs ip and fails the test when it fails.
func netns(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// office makes a switch (a bridge in a namespace of its own) and n
// namespaces, each a counter's PC with one interface on the switch,
// 10.77.0.(i+1)/24, multicast routed to it. It removes them at the end.
func office(t *testing.T, n int) []string {
	t.Helper()
	tag := strconv.Itoa(os.Getpid() % 100000)
	sw := "mcsw" + tag
	if out, err := exec.Command("ip", "netns", "add", sw).CombinedOutput(); err != nil {
		// the issue allows it: where namespaces cannot be made, loopback
		// and the peer list are what is tested (TestOfficeNetworkThreeProcesses)
		t.Skipf("network namespaces cannot be made here (%v: %s); the loopback tests cover the exchange", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", sw).Run() })
	netns(t, "-n", sw, "link", "add", "br0", "type", "bridge")
	netns(t, "-n", sw, "link", "set", "br0", "up")
	var spaces []string
	for i := range n {
		ns := fmt.Sprintf("mcpc%d-%s", i+1, tag)
		netns(t, "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		port := fmt.Sprintf("p%d", i+1)
		netns(t, "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", sw)
		netns(t, "-n", sw, "link", "set", port, "master", "br0", "up")
		netns(t, "-n", ns, "addr", "add", fmt.Sprintf("10.77.0.%d/24", i+1), "dev", "eth0")
		netns(t, "-n", ns, "link", "set", "eth0", "up", "multicast", "on")
		netns(t, "-n", ns, "link", "set", "lo", "up")
		netns(t, "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
		spaces = append(spaces, ns)
	}
	return spaces
}

// TestOfficeNetworkNamespaces: three counters, each in a network
// namespace of its own (its own interfaces, addresses and ports) joined by
// a bridge, with no address of each other: they find each other by
// multicast DNS over that network and an intake at counter 1 reaches
// counters 2 and 3, and each comes to reach both others.
func TestOfficeNetworkNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root; the loopback tests cover the exchange")
	}
	be := backendProc{bin: buildServer(t), dir: t.TempDir(), db: pgtest.Backend(t), addr: freeAddr(t)}
	bin := buildBin(t, "motcuactl")
	srv := be.start(t)
	dirs := setUpCounters(t, be, bin, 3)
	for _, dir := range dirs {
		ctl(t, bin, dir, "-user", "an", "sync")
	}
	ctl(t, bin, dirs[0], "-user", "an", "sync")
	srv.Process.Kill() // the province's line is down (and the PCs cannot reach it from their network)
	srv.Wait()

	spaces := office(t, len(dirs))
	procs := make([]*lanProc, len(dirs))
	for i, dir := range dirs {
		procs[i] = serveIn(t, spaces[i], bin, dir)
	}
	ans := strings.Fields(procs[0].ask("intake %s", "../docs/intake-example.json"))
	if len(ans) != 3 || ans[0] != "ok" {
		t.Fatalf("intake: %v", ans)
	}
	for i, p := range procs[1:] {
		took := within(t, 60*time.Second, fmt.Sprintf("counter %d finds counter 1 by multicast DNS", i+2), func() bool {
			return strings.HasPrefix(p.ask("get %s", ans[2]), "record")
		})
		t.Logf("counter %d had counter 1's intake %s after it was made (discovery included)", i+2, took)
	}
	for i, p := range procs { // each finds both others (a look every 15 s)
		within(t, 60*time.Second, fmt.Sprintf("counter %d reaches both others", i+1), func() bool { return p.ask("peers") == "peers 2" })
	}
}

// serveIn starts motcuactl serve inside a network namespace.
func serveIn(t *testing.T, ns, bin, dir string) *lanProc {
	t.Helper()
	wrapped := t.TempDir() + "/serve.sh"
	script := fmt.Sprintf("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n", ns, bin)
	if err := os.WriteFile(wrapped, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return serve(t, wrapped, dir)
}
