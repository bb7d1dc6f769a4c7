package counter

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/account"
	"motcua/assets"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

func TestMain(m *testing.M) {
	account.Cost = account.Cheap // the stored hash names its costs; sign-in cost is BenchmarkHash's
	os.Exit(m.Run())
}

// Accounts every test counter has (openTest): the unit's first admin, and
// the clerk who does the work, also the unit's supervisor and an admin
// (tests of the roles sign in others).
const (
	adminUser = "an"
	adminPass = "Quản-trị-2026"
	binhUser  = "binh"
	binhPass  = "Tiếp-nhận-2026"
	// accountEvents is what openTest leaves in the outbox: the admin's
	// creation, Bình's, and Bình's own password.
	accountEvents = 3
)

// withAccounts makes the first admin and Bình (clerk and supervisor) and
// leaves Bình signed in.
func withAccounts(t *testing.T, c *Counter) {
	t.Helper()
	if _, err := c.CreateFirstAdmin(adminUser, "Lê Văn An", adminPass); err != nil {
		t.Fatal(err)
	}
	addUser(t, c, binhUser, testSettings.Clerk, binhPass, dossier.RoleClerk, dossier.RoleSupervisor, dossier.RoleAdmin)
}

// addUser has the admin add an account, then signs that person in and has
// them choose their password; they stay signed in.
func addUser(t testing.TB, c *Counter, username, name, password string, roles ...dossier.Role) {
	t.Helper()
	signIn(t, c, adminUser, adminPass)
	if _, err := c.AddAccount(username, name, roles, "Tạm-thời-2026"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SignIn(username, "Tạm-thời-2026"); err != nil {
		t.Fatal(err)
	}
	if err := c.ChangePassword("Tạm-thời-2026", password); err != nil {
		t.Fatal(err)
	}
}

func signIn(t testing.TB, c *Counter, username, password string) {
	t.Helper()
	if _, err := c.SignIn(username, password); err != nil {
		t.Fatalf("sign in %s: %v", username, err)
	}
}

func TestFirstAdminAndSignIn(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.CreateFirstAdmin(adminUser, "Lê Văn An", adminPass); !errors.Is(err, ErrNotSetUp) {
		t.Fatalf("first admin before the unit's set-up: %v", err)
	}
	if err := c.SaveSettings(testSettings); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Intake(intake); !errors.Is(err, ErrNoAccounts) {
		t.Fatalf("intake with no account: %v", err)
	}
	if _, err := c.CreateFirstAdmin(adminUser, "Lê Văn An", "12345678"); err == nil {
		t.Fatal("a common password was taken")
	}
	s, err := c.CreateFirstAdmin(" An ", "Lê Văn An", adminPass)
	if err != nil || s.Username != "an" || !s.May(account.Accounts) || s.May(account.Intake) {
		t.Fatalf("first admin: %+v %v", s, err)
	}
	if _, err := c.CreateFirstAdmin("khac", "Người Khác", adminPass); !errors.Is(err, ErrHasAccounts) {
		t.Fatalf("second first admin: %v", err)
	}
	// the admin is no clerk
	if _, err := c.Intake(intake); !isForbidden(err, account.Intake) {
		t.Fatalf("admin intake: %v", err)
	}
	if _, err := c.AddAccount("lan", "Nguyễn Thị Lan", []dossier.Role{dossier.RoleClerk}, "ngắn"); err == nil {
		t.Fatal("a short initial password was taken")
	}
	if _, err := c.AddAccount("lan", "Nguyễn Thị Lan", []dossier.Role{dossier.RoleClerk}, "Ban-đầu-2026"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddAccount("LAN", "Nguyễn Thị Lan", []dossier.Role{dossier.RoleClerk}, "Ban-đầu-2026"); !errors.Is(err, dossier.ErrAccountExists) {
		t.Fatalf("same username again: %v", err)
	}
	// unknown username and wrong password: one error
	_, e1 := c.SignIn("khong-co", "Ban-đầu-2026")
	_, e2 := c.SignIn("lan", "sai-mat-khau")
	if !errors.Is(e1, ErrSignIn) || !errors.Is(e2, ErrSignIn) || Explain(e1) != Explain(e2) {
		t.Fatalf("unknown %v / wrong %v", e1, e2)
	}
	if c.User() != nil {
		t.Fatal("a failed sign-in left someone signed in")
	}
	// the initial password allows nothing but changing it
	s, err = c.SignIn("lan", "Ban-đầu-2026")
	if err != nil || !s.MustChange {
		t.Fatalf("first sign-in: %+v %v", s, err)
	}
	if _, err := c.Intake(intake); !errors.Is(err, ErrMustChange) {
		t.Fatalf("intake before changing the password: %v", err)
	}
	if err := c.ChangePassword("sai", "Lan-tự-chọn-99"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("change with a wrong current password: %v", err)
	}
	if err := c.ChangePassword("Ban-đầu-2026", "Lan-tự-chọn-99"); err != nil {
		t.Fatal(err)
	}
	r, err := c.Intake(intake)
	if err != nil || r.Clerk != "Nguyễn Thị Lan" || r.History[0].Actor != "lan" || r.History[0].ActorName != "Nguyễn Thị Lan" {
		t.Fatalf("intake by Lan: %v %+v", err, r)
	}
	c.SignOut(false)
	if _, err := c.Intake(intake); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("intake signed out: %v", err)
	}
	// five wrong passwords cost nothing; the sixth try waits
	for i := range account.FreeTries {
		if _, err := c.SignIn("lan", "sai-mat-khau"); !errors.Is(err, ErrSignIn) {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	var we *WaitError
	if _, err := c.SignIn("lan", "Lan-tự-chọn-99"); !errors.As(err, &we) || we.Wait <= 0 {
		t.Fatalf("after five wrong passwords: %v", err)
	}
	clock := time.Now().Add(time.Minute)
	c.SetClock(func() time.Time { return clock })
	signIn(t, c, "lan", "Lan-tự-chọn-99")
	// a disabled account cannot sign in; the admin cannot disable itself
	signIn(t, c, adminUser, adminPass)
	if _, err := c.ChangeAccount(adminUser, dossier.OpDisable, nil, ""); !isForbidden(err, account.Accounts) {
		t.Fatalf("admin disables itself: %v", err)
	}
	if _, err := c.ChangeAccount("lan", dossier.OpDisable, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SignIn("lan", "Lan-tự-chọn-99"); !errors.Is(err, ErrDisabled) {
		t.Fatalf("disabled sign-in: %v", err)
	}
	if entries, err := c.store.AuditWhere(storage.AuditFilter{Action: "signin_failed"}, 100); err != nil || len(entries) != 7 {
		t.Fatalf("failed sign-ins audited: %d %v", len(entries), err)
	}
	c.Close()
	// no password anywhere in the file
	data, err := os.ReadFile(filepath.Join(dir, "motcua.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{adminPass, "Ban-đầu-2026", "Lan-tự-chọn-99", "sai-mat-khau"} {
		if bytes.Contains(data, []byte(pw)) {
			t.Errorf("password %q is in the data file", pw)
		}
	}
	if !bytes.Contains(data, []byte("$argon2id$")) {
		t.Error("no argon2id hash in the file")
	}
}

func isForbidden(err error, a account.Action) bool {
	var fe *ForbiddenError
	return errors.As(err, &fe) && fe.Action == a
}

// TestRoleMatrix tries every action of the matrix, through the counter's
// own methods, as a clerk, a supervisor and an admin: each is done or
// refused with a ForbiddenError exactly as account.Allowed says.
func TestRoleMatrix(t *testing.T) {
	c := openTest(t, Options{})
	addUser(t, c, "clerk", "Cán Bộ Một", "Mật-khẩu-một-1", dossier.RoleClerk)
	addUser(t, c, "sup", "Lãnh Đạo Hai", "Mật-khẩu-hai-2", dossier.RoleSupervisor)
	addUser(t, c, "adm", "Quản Trị Ba", "Mật-khẩu-ba-3", dossier.RoleAdmin)
	users := map[string]struct {
		pass  string
		roles []dossier.Role
	}{
		"clerk": {"Mật-khẩu-một-1", []dossier.Role{dossier.RoleClerk}},
		"sup":   {"Mật-khẩu-hai-2", []dossier.Role{dossier.RoleSupervisor}},
		"adm":   {"Mật-khẩu-ba-3", []dossier.Role{dossier.RoleAdmin}},
	}
	// boss prepares a record in the state an action needs, as Bình
	fresh := func(steps ...dossier.EventType) *dossier.Record {
		t.Helper()
		signIn(t, c, binhUser, binhPass)
		r, err := c.Intake(intake)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if r, err = c.Act(ActionRequest{Code: r.Code, Event: s}); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		return r
	}
	act := func(ev dossier.EventType, steps ...dossier.EventType) func() (func() error, func()) {
		return func() (func() error, func()) {
			r := fresh(steps...)
			req := ActionRequest{Code: r.Code, Event: ev, Reason: "Lý do thử", Missing: []string{"Giấy tờ"}, Amount: 50000,
				Collector: &dossier.Collector{Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}}
			if ev == dossier.EvCorrected {
				o := r.Owner
				o.Phone = "0912345678"
				req.Correction = &dossier.Correction{Owner: &o}
			}
			return func() error { _, err := c.Act(req); return err }, nil
		}
	}
	out := t.TempDir()
	tries := map[account.Action]func() (func() error, func()){
		account.Intake: func() (func() error, func()) {
			return func() error { _, err := c.Intake(intake); return err }, nil
		},
		account.Guide: func() (func() error, func()) {
			return func() error {
				_, err := c.Guide(dossier.Guidance{Kind: dossier.GuideRefusal, ProcedureCode: "1.004873",
					Person: dossier.Party{Type: dossier.PartyCitizen, Name: "Phạm Thị Hướng"}, Reason: "Không thuộc thẩm quyền"})
				return err
			}, nil
		},
		account.Process:    act(dossier.EvProcessing),
		account.Supplement: act(dossier.EvSupplementRequested, dossier.EvProcessing),
		account.Fee:        act(dossier.EvFeeRequested, dossier.EvProcessing),
		account.Return:     act(dossier.EvReturned, dossier.EvProcessing, dossier.EvResultReady),
		account.Note:       act(dossier.EvNoteAdded),
		account.Correct:    act(dossier.EvCorrected),
		account.Refuse:     act(dossier.EvRefused),
		account.Extend:     act(dossier.EvExtended, dossier.EvProcessing),
		account.Stop:       act(dossier.EvStopped, dossier.EvProcessing),
		account.Withdraw:   act(dossier.EvWithdrawn),
		account.Print: func() (func() error, func()) {
			r := fresh()
			return func() error { _, err := c.PrintForm(r, forms.KindReceipt, filepath.Join(out, "r.pdf")); return err }, nil
		},
		account.ReprintLetter: func() (func() error, func()) {
			r, err := c.Act(ActionRequest{Code: fresh(dossier.EvProcessing).Code, Event: dossier.EvSupplementRequested, Missing: []string{"Giấy tờ"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.PrintForm(r, forms.KindSupplement, filepath.Join(out, "s1.pdf")); err != nil {
				t.Fatal(err)
			}
			return func() error { _, err := c.PrintForm(r, forms.KindSupplement, filepath.Join(out, "s2.pdf")); return err }, nil
		},
		account.Reports: func() (func() error, func()) {
			return func() error { _, err := c.ExportCSV(filepath.Join(out, "x.csv")); return err }, nil
		},
		account.Settings: func() (func() error, func()) { return func() error { return c.SaveSettings(testSettings) }, nil },
		account.Reference: func() (func() error, func()) {
			return func() error { _, err := c.ImportCalendar(assets.Calendar); return err }, nil
		},
		account.Accounts: func() (func() error, func()) {
			return func() error { _, err := c.Accounts(); return err }, nil
		},
		account.Enroll: func() (func() error, func()) {
			return func() error { return c.Enroll(t.Context(), "http://127.0.0.1:1", "MA-KHONG-CO") }, nil
		},
		account.Backup: func() (func() error, func()) {
			return func() error { return c.Backup(filepath.Join(out, "b.db")) }, func() { os.Remove(filepath.Join(out, "b.db")) }
		},
		account.Devices: func() (func() error, func()) {
			return func() error { return c.Seed(1, 1, nil) }, nil
		},
	}
	for _, a := range account.Actions {
		try, ok := tries[a]
		if !ok {
			t.Errorf("the matrix test does not try %s", a)
			continue
		}
		for name, u := range users {
			do, undo := try()
			signIn(t, c, name, u.pass)
			err := do()
			if undo != nil {
				undo()
			}
			allowed := account.Allowed(u.roles, a)
			switch {
			case allowed && isForbidden(err, a):
				t.Errorf("%s may %s but was refused", name, a)
			case allowed && err != nil && a != account.Enroll:
				t.Errorf("%s %s: %v", name, a, err)
			case !allowed && !isForbidden(err, a):
				t.Errorf("%s may not %s but got %v", name, a, err)
			}
		}
	}
}

// TestEventsAreByWhoIsSignedIn: an event says who did it whatever the
// caller wrote in it.
func TestEventsAreByWhoIsSignedIn(t *testing.T) {
	c := openTest(t, Options{})
	r, err := c.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	ev := c.NewEvent(r, dossier.EvNoteAdded)
	ev.Actor, ev.ActorName, ev.Reason = adminUser, "Người Khác", "ghi chú"
	r, err = c.Apply(ev)
	if err != nil {
		t.Fatal(err)
	}
	if last := r.History[len(r.History)-1]; last.Actor != binhUser || last.ActorName != testSettings.Clerk {
		t.Fatalf("the note is by %q (%q)", last.Actor, last.ActorName)
	}
}
