package lan

import (
	"io"
	"log"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/mdns"
)

// Service is the DNS-SD service counters announce on the office network.
const Service = "_motcua._tcp"

// discoverEvery is how often a node looks for peers by multicast DNS;
// discoverSoon are the waits between its first looks.
var (
	discoverEvery = 15 * time.Second
	discoverSoon  = []time.Duration{2 * time.Second, 3 * time.Second, 5 * time.Second}
)

// startDiscovery announces this counter (its device and unit in the TXT
// record; whoever answers must still pass TLS) and looks for the unit's
// other counters every discoverEvery. Where multicast is blocked nothing
// is found, and the administrator's list of peers is what works.
func (n *Node) startDiscovery() {
	_, port, _ := net.SplitHostPort(n.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	quiet := log.New(io.Discard, "", 0)
	svc, err := mdns.NewMDNSService(n.own, Service, "", n.own+".local.", p, localIPs(), []string{"unit=" + n.unit, "device=" + n.own})
	if err == nil {
		var srv *mdns.Server
		if srv, err = mdns.NewServer(&mdns.Config{Zone: svc, Logger: quiet}); err == nil {
			n.mdns = closer(func() error { return srv.Shutdown() })
		}
	}
	if err != nil {
		slog.Warn("office network: cannot announce this counter by multicast DNS; peers set by the administrator still work", "err", err)
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		// counters switched on together find each other within seconds
		for _, wait := range discoverSoon {
			n.browse(quiet)
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		for {
			n.browse(quiet)
			select {
			case <-n.ctx.Done():
				return
			case <-time.After(discoverEvery):
			}
		}
	}()
}

type closer func() error

func (c closer) Close() error { return c() }

// browse asks once who offers the service, and asks the unit's counters
// found (the others are not even asked).
func (n *Node) browse(quiet *log.Logger) {
	entries := make(chan *mdns.ServiceEntry, 32)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range entries {
			if !hasField(e.InfoFields, "unit="+n.unit) || hasField(e.InfoFields, "device="+n.own) || e.AddrV4 == nil {
				continue
			}
			n.AddPeer(net.JoinHostPort(e.AddrV4.String(), strconv.Itoa(e.Port)))
		}
	}()
	err := mdns.QueryContext(n.ctx, &mdns.QueryParam{Service: Service, Domain: "local", Timeout: 2 * time.Second, Entries: entries, DisableIPv6: true, Logger: quiet})
	close(entries)
	<-done
	if err != nil && n.ctx.Err() == nil {
		slog.Debug("office network: multicast DNS query failed", "err", err)
	}
}

// localIPs are the machine's IPv4 addresses to announce (the loopback one
// only when there is no other): the host's name may resolve to none.
func localIPs() []net.IP {
	var out, loop []net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil {
			continue
		}
		if ipn.IP.IsLoopback() {
			loop = append(loop, ipn.IP)
		} else {
			out = append(out, ipn.IP)
		}
	}
	if len(out) == 0 {
		return loop
	}
	return out
}

func hasField(fields []string, want string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) == want {
			return true
		}
	}
	return false
}
