package account

import (
	"errors"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
)

func TestHashAndCheck(t *testing.T) {
	defer func(p Params) { Cost = p }(Cost)
	Cost = Cheap
	h, err := Hash("đúng-mật-khẩu")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "đúng") || !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := Hash("đúng-mật-khẩu")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, err := Check(h, "đúng-mật-khẩu"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := Check(h, "đúng-mật-khẩU"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=9999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5"} {
		if _, err := Check(bad, "x"); !errors.Is(err, ErrBadHash) {
			t.Errorf("Check(%q) = %v, want ErrBadHash", bad, err)
		}
	}
}

func TestCheckNew(t *testing.T) {
	for pw, key := range map[string]string{"": "short", "1234567": "short", "ngắn": "short", "12345678": "common", "Password": "common",
		"MatKhau123": "common", "lanphuong99": "username", "Trăng-rằm-tháng-8": "", "xk29-vq7m": "", strings.Repeat("a", 129): "long"} {
		err := CheckNew(pw, "lanphuong")
		var pe *PasswordError
		switch {
		case key == "" && err != nil:
			t.Errorf("%q refused: %v", pw, err)
		case key != "" && (!errors.As(err, &pe) || pe.Key != key):
			t.Errorf("%q: %v, want %s", pw, err, key)
		}
	}
}

func TestTriesWait(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, dossier.Loc)
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: 2 * time.Second, 6: 4 * time.Second, 9: 32 * time.Second, 30: 15 * time.Minute} {
		tr := Tries{Failed: n, Last: now}
		if got := tr.Wait(); got != want {
			t.Errorf("%d wrong: wait %v, want %v", n, got, want)
		}
		if got := tr.Remaining(now.Add(time.Second)); got != max(0, want-time.Second) {
			t.Errorf("%d wrong: remaining %v", n, got)
		}
		if got := tr.Remaining(now.AddDate(0, -8, 0)); got != want {
			t.Errorf("%d wrong, clock put back: remaining %v, want %v", n, got, want)
		}
	}
}

func TestMatrix(t *testing.T) {
	clerk := []dossier.Role{dossier.RoleClerk}
	sup := []dossier.Role{dossier.RoleSupervisor}
	admin := []dossier.Role{dossier.RoleAdmin}
	for _, a := range Actions {
		c, s, ad := Allowed(clerk, a), Allowed(sup, a), Allowed(admin, a)
		if c && !s {
			t.Errorf("%s: a clerk may but a supervisor may not", a)
		}
		if !c && !s && !ad {
			t.Errorf("%s: nobody may", a)
		}
	}
	for _, a := range []Action{Refuse, Extend, Stop, Withdraw, ReprintLetter, Reports, Settings, Reference, Accounts, Backup} {
		if Allowed(clerk, a) {
			t.Errorf("a clerk may %s", a)
		}
	}
	if Allowed(admin, Intake) || !Allowed(append(admin, dossier.RoleClerk), Intake) {
		t.Error("roles do not add up")
	}
	if ForEvent("made_up") == Intake || Allowed(sup, ForEvent("made_up")) {
		t.Error("an unknown event is allowed")
	}
}

func TestMayChange(t *testing.T) {
	admin := &dossier.Account{Username: "an", Roles: []dossier.Role{dossier.RoleAdmin}}
	clerk := &dossier.Account{Username: "lan", Roles: []dossier.Role{dossier.RoleClerk}}
	create := &dossier.AccountChange{Op: dossier.OpCreate, Username: "an", Roles: []dossier.Role{dossier.RoleAdmin}}
	cases := []struct {
		actor *dossier.Account
		name  string
		ch    *dossier.AccountChange
		first bool
		want  bool
	}{
		{nil, "an", create, true, true},
		{nil, "lan", create, true, false}, // first admin creates only itself
		{nil, "an", &dossier.AccountChange{Op: dossier.OpCreate, Username: "an", Roles: []dossier.Role{dossier.RoleClerk}}, true, false},
		{nil, "an", create, false, false},
		{admin, "an", &dossier.AccountChange{Op: dossier.OpReset, Username: "lan"}, false, true},
		{clerk, "lan", &dossier.AccountChange{Op: dossier.OpPassword, Username: "lan"}, false, true},
		{clerk, "lan", &dossier.AccountChange{Op: dossier.OpPassword, Username: "an"}, false, false},
		{clerk, "lan", &dossier.AccountChange{Op: dossier.OpRoles, Username: "lan", Roles: []dossier.Role{dossier.RoleAdmin}}, false, false},
		{&dossier.Account{Username: "an", Roles: []dossier.Role{dossier.RoleAdmin}, Disabled: true}, "an", &dossier.AccountChange{Op: dossier.OpReset, Username: "lan"}, false, false},
	}
	for i, c := range cases {
		if got := MayChange(c.actor, c.name, c.ch, c.first); got != c.want {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
}

// BenchmarkHash is the cost of one sign-in on this machine with Cost.
func BenchmarkHash(b *testing.B) {
	h, _ := Hash("Trăng-rằm-tháng-8")
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := Check(h, "Trăng-rằm-tháng-8"); !ok {
			b.Fatal("no match")
		}
	}
}
