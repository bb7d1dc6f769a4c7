package app

import (
	"os"
	"testing"

	"motcua/account"
	"motcua/counter"
	"motcua/dossier"
)

func TestMain(m *testing.M) {
	account.Cost = account.Cheap // a hash names its costs; sign-in's own cost is account.BenchmarkHash's
	os.Exit(m.Run())
}

const (
	// accountEvents is what withAccounts leaves in the outbox: the admin's
	// creation, Bình's, and Bình's own password.
	accountEvents = 3
	adminPass     = "Quản-trị-2026"
	binhPass      = "Tiếp-nhận-2026"
)

// withAccounts gives a set-up counter its first admin (an) and Bình, the
// clerk the tests work as (clerk, supervisor and admin), signed in.
func withAccounts(t *testing.T, c *counter.Counter) {
	t.Helper()
	if _, err := c.CreateFirstAdmin("an", "Lê Văn An", adminPass); err != nil {
		t.Fatal(err)
	}
	addPerson(t, c, "binh", "Trần Văn Bình", binhPass, dossier.RoleClerk, dossier.RoleSupervisor, dossier.RoleAdmin)
}

// addPerson has the admin add someone, who then signs in and chooses a
// password (and stays signed in).
func addPerson(t *testing.T, c *counter.Counter, username, name, password string, roles ...dossier.Role) {
	t.Helper()
	if _, err := c.SignIn("an", adminPass); err != nil {
		t.Fatal(err)
	}
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
