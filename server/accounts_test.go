package server

import (
	"encoding/json"
	"testing"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/sync/wire"
)

func accountChange(actor string, ch dossier.AccountChange) dossier.Event {
	return dossier.Event{ID: dossier.NewEventID(), RecordID: ch.Username, Type: dossier.EvAccount, Actor: actor,
		At: time.Date(2026, 3, 10, 8, 0, 0, 0, dossier.Loc), Account: &ch}
}

// TestActorsAreTheUnitsAccounts: once a unit has accounts, the backend
// takes a counter's event only from one of them with the role for it; a
// first admin is only the unit's first; account changes need an admin.
func TestActorsAreTheUnitsAccounts(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 2)
	other := e.enroll("000.00.13.H57", 1)
	hash := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"
	push := func(tok string, dev string, evs ...dossier.Event) []wire.PushResult {
		t.Helper()
		status, body := e.call("POST", "/v1/push", tok, pushBody(dev, evs...))
		var resp wire.PushResponse
		if status != 200 || json.Unmarshal(body, &resp) != nil {
			t.Fatalf("push %d %s", status, body)
		}
		return resp.Results
	}
	// before any account the unit is in set-up: no actor is checked
	if r := push(dev.Token, dev.DeviceID, intakeEvent("000.00.12.H57", 2, "Lê Văn Một")); r[0].Status != wire.Accepted {
		t.Fatalf("a unit with no account yet: %+v", r[0])
	}
	first := accountChange("an", dossier.AccountChange{Op: dossier.OpCreate, Username: "an", Name: "Lê Văn An", Roles: []dossier.Role{dossier.RoleAdmin}, Hash: hash, UnitCode: "000.00.12.H57"})
	second := accountChange("mot", dossier.AccountChange{Op: dossier.OpCreate, Username: "mot", Name: "Người Một", Roles: []dossier.Role{dossier.RoleAdmin}, Hash: hash, UnitCode: "000.00.12.H57"})
	lan := accountChange("an", dossier.AccountChange{Op: dossier.OpCreate, Username: "lan", Name: "Nguyễn Thị Lan", Roles: []dossier.Role{dossier.RoleClerk}, Hash: hash, UnitCode: "000.00.12.H57"})
	foreign := accountChange("x", dossier.AccountChange{Op: dossier.OpCreate, Username: "x", Name: "Người Ngoài", Roles: []dossier.Role{dossier.RoleAdmin}, Hash: hash, UnitCode: "000.00.12.H57"})
	r := push(dev.Token, dev.DeviceID, first, second, lan)
	if r[0].Status != wire.Accepted || r[1].Status != wire.Conflict || r[2].Status != wire.Accepted {
		t.Fatalf("first admin, a second 'first' admin, a clerk: %+v", r)
	}
	// another unit's device cannot make accounts of this unit
	if r := push(other.Token, other.DeviceID, foreign); r[0].Status != wire.Conflict {
		t.Fatalf("another unit's account: %+v", r[0])
	}
	byLan := intakeEvent("000.00.12.H57", 2, "Lê Văn Hai")
	byLan.Actor = "lan"
	byNobody := intakeEvent("000.00.12.H57", 2, "Lê Văn Ba")
	byNobody.Record.Code = "000.00.12.H57-260310-2002"
	byNobody.Actor = "khong-co"
	byAdmin := intakeEvent("000.00.12.H57", 2, "Lê Văn Bốn")
	byAdmin.Record.Code = "000.00.12.H57-260310-2003"
	byAdmin.Actor = "an"
	byLan.Record.Code = "000.00.12.H57-260310-2004"
	r = push(dev.Token, dev.DeviceID, byLan, byNobody, byAdmin)
	if r[0].Status != wire.Accepted || r[1].Status != wire.Conflict || r[2].Status != wire.Conflict {
		t.Fatalf("by a clerk, by nobody, by an admin: %+v", r)
	}
	// Lan refuses the file she took: a supervisor's action
	refuse := dossier.Event{ID: dossier.NewEventID(), RecordID: byLan.RecordID, Type: dossier.EvRefused, Actor: "lan", At: byLan.At.Add(time.Minute), BaseVersion: 1, Reason: "Thiếu giấy tờ"}
	if r := push(dev.Token, dev.DeviceID, refuse); r[0].Status != wire.Conflict {
		t.Fatalf("a clerk's refusal: %+v", r[0])
	}
	// a change against an older stamp lost a race: told, with the backend's copy
	pw := accountChange("lan", dossier.AccountChange{Op: dossier.OpPassword, Username: "lan", Hash: hash, Prev: lan.ID})
	reset := accountChange("an", dossier.AccountChange{Op: dossier.OpReset, Username: "lan", Hash: hash, Prev: lan.ID})
	r = push(dev.Token, dev.DeviceID, pw, reset)
	if r[0].Status != wire.Accepted || r[1].Status != wire.Conflict || r[1].Account == nil || r[1].Account.Stamps["password"] != pw.ID {
		t.Fatalf("two password changes against one state: %+v", r)
	}
	if !account.Allowed(r[1].Account.Roles, account.Intake) {
		t.Fatal("the backend's copy lost Lan's roles")
	}
	var n int
	e.store.Accounts("000.00.12.H57", func(*dossier.Account) error { n++; return nil })
	if n != 2 {
		t.Fatalf("the unit has %d accounts, want 2", n)
	}
}

// TestBackendDisablesAnAccount: the backend's own account change (motcua-
// server account) takes the next place in the unit's log, after the
// counters' events, for the counters to pull.
func TestBackendDisablesAnAccount(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 2)
	hash := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"
	first := accountChange("an", dossier.AccountChange{Op: dossier.OpCreate, Username: "an", Name: "Lê Văn An", Roles: []dossier.Role{dossier.RoleAdmin}, Hash: hash, UnitCode: "000.00.12.H57"})
	lan := accountChange("an", dossier.AccountChange{Op: dossier.OpCreate, Username: "lan", Name: "Nguyễn Thị Lan", Roles: []dossier.Role{dossier.RoleClerk}, Hash: hash, UnitCode: "000.00.12.H57"})
	if status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, first, lan)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if err := e.store.SetAccountDisabled("000.00.12.H57", "nobody", true); err == nil {
		t.Fatal("an account that is not there was disabled")
	}
	if err := e.store.SetAccountDisabled("000.00.12.H57", "lan", true); err != nil {
		t.Fatal(err)
	}
	p, _ := e.store.Authenticate(dev.Token)
	page, err := e.store.Pull(p, 0, "", 100)
	if err != nil || len(page.Events) != 3 || page.Events[2].Seq <= page.Events[1].Seq {
		t.Fatalf("the log: %+v %v", page.Events, err)
	}
	var last dossier.Event
	if err := json.Unmarshal(page.Events[2].Event, &last); err != nil || last.Actor != BackendActor || last.Account.Op != dossier.OpDisable {
		t.Fatalf("the last event: %+v %v", last, err)
	}
}
