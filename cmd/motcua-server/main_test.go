package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/server"
	"motcua/server/pgtest"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

// TestAdminCommandsWhileServing: with the server running (the store
// locked by it), the admin commands go through its admin socket and do
// what they do on a stopped server.
func TestAdminCommandsWhileServing(t *testing.T) {
	t.Run("socket", func(t *testing.T) { adminWhileServing(t, t.TempDir(), "unix") })
	// a folder whose path is too long for a Unix socket (108 bytes) takes
	// the loopback port, as Windows without Unix sockets (and Wine) does
	long := filepath.Join(t.TempDir(), strings.Repeat("dữ liệu máy chủ ", 8))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Run("loopback port", func(t *testing.T) { adminWhileServing(t, long, "tcp") })
}

// serving runs `serve` on the bbolt store in dir on a free loopback port
// until the test ends, then checks it stopped cleanly and left no admin
// socket or port file behind.
func serving(t *testing.T, dir string, o opts) (addr string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	st, err := server.OpenBolt(dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	o.data, o.addr = dir, addr
	go func() { served <- serve(ctx, st, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
		st.Close()
		for _, f := range []string{server.AdminSocket(dir), server.AdminPortFile(dir)} {
			if _, err := os.Stat(f); !os.IsNotExist(err) {
				t.Errorf("%s left behind: %v", f, err)
			}
		}
	})
	return addr
}

func adminWhileServing(t *testing.T, dir, network string) {
	addr := serving(t, dir, opts{})
	cmd := func(args ...string) (string, int) {
		var out, errs bytes.Buffer
		code := run(append(args, "-data", dir), &out, &errs)
		return strings.TrimSpace(out.String() + errs.String()), code
	}
	deadline := time.Now().Add(5 * time.Second)
	for !server.Serving(dir) {
		if time.Now().After(deadline) {
			t.Fatal("admin socket never opened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, portErr := os.Stat(server.AdminPortFile(dir))
	if (network == "tcp") != (portErr == nil) {
		t.Fatalf("admin over %s: port file %v", network, portErr)
	}
	if network == "tcp" {
		// a connection without the secret gets nothing
		b, _ := os.ReadFile(server.AdminPortFile(dir))
		var p struct{ Addr string }
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%064d\nPOST /enroll-code HTTP/1.1\r\nHost: x\r\n\r\n", 0)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 100)); n != 0 || err == nil {
			t.Fatalf("the port answered a wrong secret: %d %v", n, err)
		}
		c.Close()
	}

	code, rc := cmd("enroll-code", "-unit", "000.00.12.H57", "-counter", "3")
	if rc != 0 {
		t.Fatalf("enroll-code: %s", code)
	}
	remote := mcsync.NewHTTPRemote("http://"+addr, "", 5*time.Second)
	var dev wire.EnrollResponse
	var err error
	for time.Now().Before(deadline) { // the HTTP listener may open a moment after the socket
		if dev, err = remote.Enroll(context.Background(), wire.EnrollRequest{Code: code, DeviceName: "quầy 3"}); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || dev.CounterNo != 3 {
		t.Fatalf("the code from the admin socket does not enroll: %+v %v", dev, err)
	}
	if out, rc := cmd("enroll-code", "-unit", "bad", "-counter", "3"); rc != 1 || !strings.Contains(out, "Lỗi") {
		t.Fatalf("a bad unit: %d %q", rc, out)
	}
	if tok, rc := cmd("officer-token", "-unit", "000.00.12.H57"); rc != 0 || len(tok) < 20 {
		t.Fatalf("officer-token: %d %q", rc, tok)
	}
	if tok, rc := cmd("portal-token", "-unit", "000.00.12.H57"); rc != 0 || len(tok) < 20 {
		t.Fatalf("portal-token: %d %q", rc, tok)
	} else {
		// the portal's token files online (an empty filing: 400), where a counter's may not (403)
		for tok, want := range map[string]int{strings.TrimSpace(tok): 400, dev.Token: 403} {
			req, _ := http.NewRequest("POST", "http://"+addr+"/v1/online", strings.NewReader(`{"filing":{}}`))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("POST /v1/online: %d, want %d", resp.StatusCode, want)
			}
		}
	}
	if out, rc := cmd("reference"); rc != 0 || !strings.HasPrefix(out, "reference etag ") {
		t.Fatalf("reference: %d %q", rc, out)
	}
	if out, rc := cmd("export"); rc != 0 || out != "" {
		t.Fatalf("export of an empty store: %d %q", rc, out)
	}
	if out, rc := cmd("revoke", "-device", dev.DeviceID); rc != 0 {
		t.Fatalf("revoke: %q", out)
	}
	if _, err := server.DialAdmin(dir).NewToken(server.KindOfficer, "000.00.12.H57"); err != nil {
		t.Fatal(err)
	}
	authed := mcsync.NewHTTPRemote("http://"+addr, dev.Token, 5*time.Second)
	if _, err := authed.Pull(context.Background(), 0, "", 10); err == nil {
		t.Fatal("a revoked device can still pull")
	}
}

// TestAdminCommandLockedWithoutServer: a store locked by something that
// is not a serving server gets a clear message, not a hang.
func TestAdminCommandLockedWithoutServer(t *testing.T) {
	dir := t.TempDir()
	st, err := server.OpenBolt(dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out, errs bytes.Buffer
	if rc := run([]string{"enroll-code", "-data", dir, "-unit", "000.00.12.H57", "-counter", "1"}, &out, &errs); rc != 1 ||
		!strings.Contains(errs.String(), "không có máy chủ nào trả lời") {
		t.Fatalf("%d %q", rc, errs.String())
	}
}

// TestCommandsOnPostgres: a bbolt store with an enrolled counter is moved
// with `migrate`, then the admin commands run on the database while a
// server serves it, and the counter's token still works there.
func TestCommandsOnPostgres(t *testing.T) {
	dir, db := t.TempDir(), pgtest.DB(t)
	cmd := func(args ...string) (string, int) {
		var out, errs bytes.Buffer
		code := run(args, &out, &errs)
		return strings.TrimSpace(out.String() + errs.String()), code
	}
	code, status := cmd("enroll-code", "-data", dir, "-unit", "000.00.12.H57", "-counter", "1")
	if status != 0 {
		t.Fatal(code)
	}
	st, err := server.OpenBolt(dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := st.Enroll(wire.EnrollRequest{Code: code, InstallID: "i-1"})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out, status := cmd("migrate", "-from", dir, "-db", "postgres://nowhere.invalid"); status == 0 {
		t.Fatalf("migrate to a database that cannot be reached: %s", out)
	}
	out, status := cmd("migrate", "-from", dir, "-db", db)
	if status != 0 || !strings.Contains(out, "principals       1") || !strings.Contains(out, "enroll_codes     1") {
		t.Fatalf("migrate: %d\n%s", status, out)
	}
	if out, status := cmd("migrate", "-from", dir, "-db", db); status == 0 || !strings.Contains(out, "đã có dữ liệu") {
		t.Fatalf("migrate twice: %d %s", status, out)
	}
	pg, err := server.Open(db, "", assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, pg, opts{db: db, addr: "127.0.0.1:0"}) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	// while it serves: a code for counter 2, an officer token, the export
	if out, status := cmd("enroll-code", "-db", db, "-unit", "000.00.12.H57", "-counter", "2"); status != 0 || len(out) != 19 {
		t.Fatalf("enroll-code on PostgreSQL: %d %q", status, out)
	}
	if out, status := cmd("enroll-code", "-db", db, "-unit", "000.00.12.H57", "-counter", "1"); status == 0 || !strings.Contains(out, "thu hồi") {
		t.Fatalf("a code for a counter that has a device: %d %q", status, out)
	}
	if out, status := cmd("officer-token", "-db", db, "-unit", "000.00.12.H57"); status != 0 || len(out) < 40 {
		t.Fatalf("officer-token: %d %q", status, out)
	}
	if p, err := pg.Authenticate(dev.Token); err != nil || p.DeviceID != dev.DeviceID {
		t.Fatalf("the counter's token after the move: %+v %v", p, err)
	}
	if out, status := cmd("revoke", "-db", db, "-device", dev.DeviceID); status != 0 {
		t.Fatalf("revoke: %s", out)
	}
	if _, err := pg.Authenticate(dev.Token); err == nil {
		t.Fatal("a revoked token works")
	}
	if out, status := cmd("restore", "-db", db, "x"); status == 0 || !strings.Contains(out, "pg_dump") {
		t.Fatalf("restore on PostgreSQL: %s", out)
	}
}
