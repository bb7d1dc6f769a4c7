package counter

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server"
)

// TestAccountsTravelBetweenCounters runs two counters of one unit and the
// backend on loopback: accounts made at one counter sign in at the other
// after a sync, and offline after that; a disabled account is refused at
// both; two admins changing one password offline: the second to reach
// the backend is told, and takes the backend's copy.
func TestAccountsTravelBetweenCounters(t *testing.T) {
	srvDir := t.TempDir()
	srv, err := server.OpenBolt(srvDir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(server.NewHandler(srv))
	defer hs.Close()
	enroll := func(c *Counter, n int) {
		t.Helper()
		code, err := srv.NewEnrollCode(testSettings.UnitCode, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Enroll(t.Context(), hs.URL, code); err != nil {
			t.Fatal(err)
		}
	}
	sync := func(c *Counter) {
		t.Helper()
		if _, err := c.SyncOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}

	c1 := openTest(t, Options{}) // an (admin) and binh, made here
	enroll(c1, 2)
	sync(c1)

	// counter 3 is new: set up, enrolled with no account, one sync brings them
	c2, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	set := testSettings
	set.Counter = 3
	if err := c2.SaveSettings(set); err != nil {
		t.Fatal(err)
	}
	enroll(c2, 3)
	sync(c2)
	if !c2.HasAccounts() {
		t.Fatal("the unit's accounts did not reach the new counter")
	}
	signIn(t, c2, binhUser, binhPass)
	if _, err := c2.Intake(intake); err != nil {
		t.Fatal(err)
	}
	sync(c2) // the backend takes Bình's intake from counter 3: he is the unit's

	// an account made at counter 2 signs in at counter 3 after a sync, and offline
	signIn(t, c1, adminUser, adminPass)
	if _, err := c1.AddAccount("lan", "Nguyễn Thị Lan", []dossier.Role{dossier.RoleClerk}, "Ban-đầu-2026"); err != nil {
		t.Fatal(err)
	}
	sync(c1)
	sync(c2)
	hs.Close() // the province link is down
	if s, err := c2.SignIn("lan", "Ban-đầu-2026"); err != nil || !s.MustChange {
		t.Fatalf("lan at counter 3, offline: %+v %v", s, err)
	}
	if err := c2.ChangePassword("Ban-đầu-2026", "Lan-chọn-2026"); err != nil {
		t.Fatal(err)
	}
	// the link comes back, at the same address
	l, err := net.Listen("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hs = &httptest.Server{Listener: l, Config: &http.Server{Handler: server.NewHandler(srv)}}
	hs.Start()
	defer hs.Close()
	sync(c2)
	sync(c1)
	signIn(t, c1, "lan", "Lan-chọn-2026") // her own password reached counter 2

	// two admins, offline, give Lan a new password: the first to reach the backend wins
	signIn(t, c1, adminUser, adminPass)
	signIn(t, c2, adminUser, adminPass)
	if _, err := c1.ChangeAccount("lan", dossier.OpReset, nil, "Từ-quầy-hai-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.ChangeAccount("lan", dossier.OpReset, nil, "Từ-quầy-ba-1"); err != nil {
		t.Fatal(err)
	}
	sync(c1)
	sum, err := c2.SyncOnce(t.Context())
	if err != nil || sum.Conflicts != 1 {
		t.Fatalf("the second reset: %+v %v", sum, err)
	}
	att, _ := c2.Attention()
	if len(att) != 1 || att[0].RecordID != "lan" || att[0].Reason != dossier.ErrAccountRace.Error() {
		t.Fatalf("the loser is not told: %+v", att)
	}
	for i, c := range []*Counter{c1, c2} {
		if _, err := c.SignIn("lan", "Từ-quầy-hai-1"); err != nil {
			t.Fatalf("counter %d: the winning password: %v", i+2, err)
		}
	}

	// disabled at counter 2: refused at both after a sync
	signIn(t, c1, adminUser, adminPass)
	if _, err := c1.ChangeAccount(binhUser, dossier.OpDisable, nil, ""); err != nil {
		t.Fatal(err)
	}
	sync(c1)
	sync(c2)
	for i, c := range []*Counter{c1, c2} {
		if _, err := c.SignIn(binhUser, binhPass); !errors.Is(err, ErrDisabled) {
			t.Fatalf("counter %d: a disabled account signs in: %v", i+2, err)
		}
	}

	// enabled again at the backend (the province's admin): both counters follow
	if err := srv.SetAccountDisabled(testSettings.UnitCode, binhUser, false); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetAccountDisabled(testSettings.UnitCode, "khong-co", true); !errors.Is(err, dossier.ErrNoAccount) {
		t.Fatalf("disable an unknown account at the backend: %v", err)
	}
	signIn(t, c1, adminUser, adminPass)
	signIn(t, c2, "lan", "Từ-quầy-hai-1")
	sync(c1)
	sync(c2)
	for i, c := range []*Counter{c1, c2} {
		if _, err := c.SignIn(binhUser, binhPass); err != nil {
			t.Fatalf("counter %d: enabled at the backend, still refused: %v", i+2, err)
		}
	}

	// no password in clear in either counter's file nor the backend's
	// (every write was fsync'd: the files hold what the stores do)
	files := []string{filepath.Join(srvDir, "motcua-server.db"), c1.File(), c2.File()}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{adminPass, binhPass, "Ban-đầu-2026", "Lan-chọn-2026", "Từ-quầy-hai-1", "Từ-quầy-ba-1", "Tạm-thời-2026"} {
			if bytes.Contains(data, []byte(pw)) {
				t.Errorf("%s holds the password %q", filepath.Base(f), pw)
			}
		}
	}
}
