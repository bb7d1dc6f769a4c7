package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/server"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

// TestAdminCommandsWhileServing: with the server running (the store
// locked by it), the admin commands go through its admin socket and do
// what they do on a stopped server.
func TestAdminCommandsWhileServing(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	st, err := server.OpenBolt(dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, st, opts{data: dir, addr: addr}) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
		st.Close()
		if _, err := os.Stat(server.AdminSocket(dir)); !os.IsNotExist(err) {
			t.Errorf("admin socket left behind: %v", err)
		}
	}()
	cmd := func(args ...string) (string, int) {
		var out, errs bytes.Buffer
		code := run(append(args, "-data", dir), &out, &errs)
		return strings.TrimSpace(out.String() + errs.String()), code
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.Dial("unix", server.AdminSocket(dir)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("admin socket never opened")
		}
		time.Sleep(10 * time.Millisecond)
	}

	code, rc := cmd("enroll-code", "-unit", "000.00.12.H57", "-counter", "3")
	if rc != 0 {
		t.Fatalf("enroll-code: %s", code)
	}
	remote := mcsync.NewHTTPRemote("http://"+addr, "", 5*time.Second)
	var dev wire.EnrollResponse
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
	if out, rc := cmd("reference"); rc != 0 || !strings.HasPrefix(out, "reference etag ") {
		t.Fatalf("reference: %d %q", rc, out)
	}
	if out, rc := cmd("export"); rc != 0 || out != "" {
		t.Fatalf("export of an empty store: %d %q", rc, out)
	}
	if out, rc := cmd("revoke", "-device", dev.DeviceID); rc != 0 {
		t.Fatalf("revoke: %q", out)
	}
	if _, err := server.DialAdmin(dir).NewOfficerToken("000.00.12.H57"); err != nil {
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
