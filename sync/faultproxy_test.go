package sync

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// fault is what the proxy does to one connection (one request: the test
// clients do not keep connections alive).
type fault string

const (
	fPass          fault = "pass"
	fRefuse        fault = "refuse"         // close at once
	fResetRequest  fault = "reset-request"  // reset in the middle of the request
	fResetResponse fault = "reset-response" // the server answered; reset in the middle of the answer
	fTruncate      fault = "truncate"       // the answer's body is cut short
	fStall         fault = "stall"          // hold the request past the client's timeout
	f500           fault = "500"
	f502           fault = "502"
	f503           fault = "503"
	f429           fault = "429"
	fHTML          fault = "html-200" // a captive portal's login page
)

// faultProxy sits between the counters and the backend on loopback.
type faultProxy struct {
	t      testing.TB
	ln     net.Listener
	target func() string
	on     atomic.Bool
	delay  atomic.Int64 // added to every answer, in nanoseconds

	mu     gosync.Mutex
	rnd    *rand.Rand
	mix    []fault
	counts map[fault]int
}

func startProxy(t testing.TB, target func() string, mix []fault) *faultProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, ln: ln, target: target, rnd: rand.New(rand.NewPCG(7, 7)), mix: mix, counts: map[fault]int{}}
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *faultProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *faultProxy) pick() fault {
	if !p.on.Load() {
		return fPass
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.mix[p.rnd.IntN(len(p.mix))]
	p.counts[f]++
	return f
}

func (p *faultProxy) report() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprint(p.counts)
}

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c.(*net.TCPConn))
	}
}

func reset(c *net.TCPConn) {
	c.SetLinger(0) // RST instead of FIN
	c.Close()
}

func (p *faultProxy) handle(c *net.TCPConn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	f := p.pick()
	if f == fRefuse {
		reset(c)
		return
	}
	br := bufio.NewReader(c)
	if f == fResetRequest {
		// read part of the request, then reset
		buf := make([]byte, 64+rand.IntN(200))
		io.ReadFull(br, buf)
		reset(c)
		return
	}
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	body, _ := io.ReadAll(req.Body)
	switch f {
	case fStall:
		time.Sleep(3 * time.Second)
		return
	case f500, f502, f503, f429:
		extra := ""
		if f == f429 {
			extra = "Retry-After: 0\r\n"
		}
		fmt.Fprintf(c, "HTTP/1.1 %s Error\r\nContent-Type: application/json\r\n%sContent-Length: 2\r\nConnection: close\r\n\r\n{}", f, extra)
		return
	case fHTML:
		page := "<html><body>Đăng nhập mạng</body></html>"
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(page), page)
		return
	}
	up, err := net.Dial("tcp", p.target())
	if err != nil {
		reset(c) // the backend is down (restarting): the client sees a reset
		return
	}
	defer up.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.Close = true
	if err := req.Write(up); err != nil {
		return
	}
	answer, _ := io.ReadAll(up)
	if len(answer) < 2 {
		reset(c) // the backend went away mid-answer
		return
	}
	if d := p.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	switch f {
	case fResetResponse:
		c.Write(answer[:len(answer)/2])
		reset(c)
	case fTruncate:
		c.Write(answer[:len(answer)-1-rand.IntN(len(answer)/3+1)])
	default:
		c.Write(answer)
	}
}

// noKeepAlive makes remotes that open a connection per request, so that
// the proxy's faults hit single requests.
func noKeepAlive(cfg Config) func(url, token string) Remote {
	return func(url, token string) Remote {
		r := NewHTTPRemote(url, token, cfg.Timeout)
		r.Client().SetTransport(&http.Transport{DisableKeepAlives: true, DisableCompression: false})
		return r
	}
}
