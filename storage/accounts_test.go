package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/account"
	"motcua/dossier"
)

func accountEvent(t testing.TB, actor string, ch dossier.AccountChange, at time.Time) dossier.Event {
	t.Helper()
	return dossier.Event{ID: dossier.NewEventID(), RecordID: ch.Username, Type: dossier.EvAccount, Actor: actor, At: at, Account: &ch}
}

func cheapHash(t testing.TB, pw string) string {
	t.Helper()
	defer func(p account.Params) { account.Cost = p }(account.Cost)
	account.Cost = account.Cheap
	h, err := account.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAccountsChangeRaceAndPull(t *testing.T) {
	s := newTestStore(t)
	at := s.now()
	if s.HasAccounts() {
		t.Fatal("a new store has accounts")
	}
	admin, err := s.ChangeAccount(accountEvent(t, "an", dossier.AccountChange{Op: dossier.OpCreate, Username: "an", Name: "Lê Văn An",
		Roles: []dossier.Role{dossier.RoleAdmin}, Hash: cheapHash(t, "Sông-Hương-2026"), UnitCode: testSettings.UnitCode}, at))
	if err != nil || admin.MustChange {
		t.Fatalf("first admin: %+v %v", admin, err)
	}
	lanEv := accountEvent(t, "an", dossier.AccountChange{Op: dossier.OpCreate, Username: "lan", Name: "Nguyễn Thị Lan",
		Roles: []dossier.Role{dossier.RoleClerk}, Hash: cheapHash(t, "Ban-đầu-123"), UnitCode: testSettings.UnitCode}, at)
	lan, err := s.ChangeAccount(lanEv)
	if err != nil || !lan.MustChange {
		t.Fatalf("clerk made by an admin must change the password: %+v %v", lan, err)
	}
	if _, err := s.ChangeAccount(accountEvent(t, "an", *lanEv.Account, at)); !errors.Is(err, dossier.ErrAccountExists) {
		t.Fatalf("second create: %v", err)
	}
	// a change against the stamp seen holds; one against an older stamp lost a race
	dis := accountEvent(t, "an", dossier.AccountChange{Op: dossier.OpDisable, Username: "lan", Prev: lanEv.ID}, at)
	if _, err := s.ChangeAccount(dis); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeAccount(accountEvent(t, "an", dossier.AccountChange{Op: dossier.OpEnable, Username: "lan", Prev: lanEv.ID}, at)); !errors.Is(err, dossier.ErrAccountRace) {
		t.Fatalf("stale change: %v", err)
	}
	// another part of the account is not raced by the disable
	pw := accountEvent(t, "lan", dossier.AccountChange{Op: dossier.OpPassword, Username: "lan", Hash: cheapHash(t, "Của-riêng-Lan-9"), Prev: lanEv.ID}, at)
	if got, err := s.ChangeAccount(pw); err != nil || got.MustChange || !got.Disabled {
		t.Fatalf("password after disable: %+v %v", got, err)
	}
	out, _ := s.Outbox(10)
	if len(out) != 4 {
		t.Fatalf("outbox has %d entries, want 4", len(out))
	}
	// pulled back from the backend: own events are known, another
	// counter's change applies in the backend's order
	en := accountEvent(t, "an", dossier.AccountChange{Op: dossier.OpEnable, Username: "lan", Prev: dis.ID}, at)
	res, err := s.ApplyRemote([]RemoteEvent{{Seq: 1, Event: out[0].Event}, {Seq: 2, Event: lanEv}, {Seq: 3, Event: dis}, {Seq: 4, Event: pw}, {Seq: 5, Event: en}}, 5)
	if err != nil || res.Accounts != 1 || res.Known != 4 {
		t.Fatalf("pull: %+v %v", res, err)
	}
	if got, _ := s.Account("lan"); got.Disabled {
		t.Fatal("the enable pulled did not apply")
	}
	// the backend refused a change: its copy replaces ours, and a person is told
	mine := accountEvent(t, "an", dossier.AccountChange{Op: dossier.OpName, Username: "lan", Name: "Nguyễn Thị Lan Anh", Prev: lanEv.ID}, at)
	if _, err := s.ChangeAccount(mine); err != nil {
		t.Fatal(err)
	}
	server, _ := s.Account("lan")
	server.Name = "Nguyễn Thị Lan (máy chủ)"
	out, _ = s.Outbox(10)
	last := out[len(out)-1]
	if err := s.ApplyPushResults([]PushOutcome{{Seq: last.Seq, Reason: dossier.ErrAccountRace.Error(), Account: server}}, Held{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Account("lan"); got.Name != server.Name {
		t.Fatalf("after the refusal the account is %q", got.Name)
	}
	if att, _ := s.Attention(); len(att) != 1 || att[0].RecordID != "lan" {
		t.Fatalf("attention %+v", att)
	}
}

func TestSignInTriesNeverKeepWhatWasTyped(t *testing.T) {
	s := openTestStore(t, t.TempDir()+"/motcua.db")
	for range 6 {
		if _, err := s.SignedIn("Mật-khẩu-gõ-nhầm-chỗ", false, false, s.now()); err != nil {
			t.Fatal(err)
		}
	}
	tr := s.Tries("mật-khẩu-gõ-nhầm-chỗ")
	if tr.Failed != 6 || tr.Wait() == 0 {
		t.Fatalf("tries %+v", tr)
	}
	if _, err := s.SignedIn("Mật-khẩu-gõ-nhầm-chỗ", false, true, s.now()); err != nil {
		t.Fatal(err)
	}
	if tr := s.Tries("Mật-khẩu-gõ-nhầm-chỗ"); tr.Failed != 0 {
		t.Fatalf("a sign-in does not clear the tries: %+v", tr)
	}
	s.Close()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("gõ-nhầm")) {
		t.Fatal("what was typed as a username is in the file")
	}
	s2 := openTestStore(t, s.Path())
	defer s2.Close()
	if a, _ := s2.AuditWhere(AuditFilter{Action: "signin_failed"}, 10); len(a) != 6 || a[0].Actor != "?" {
		t.Fatalf("audit of failures: %+v", a)
	}
}

// TestAuditChainFindsTampering changes, removes and appends audit entries
// directly in the bbolt file, as someone with the file and a bbolt tool
// could, and expects Verify to name the entry.
func TestAuditChainFindsTampering(t *testing.T) {
	cases := map[string]struct {
		tamper  func(b *bolt.Bucket, meta *bolt.Bucket) error
		seq     string
		noBreak bool
	}{
		"nothing": {tamper: func(*bolt.Bucket, *bolt.Bucket) error { return nil }, noBreak: true},
		"changed": {tamper: func(b, _ *bolt.Bucket) error {
			v := b.Get(u64(3))
			return b.Put(u64(3), bytes.Replace(v, []byte(`"actor":"Trần Văn Bình"`), []byte(`"actor":"người khác"`), 1))
		}, seq: "mục 3 "},
		"removed": {tamper: func(b, _ *bolt.Bucket) error { return b.Delete(u64(4)) }, seq: "mục 4 "},
		"last changed": {tamper: func(b, _ *bolt.Bucket) error {
			k, v := b.Cursor().Last()
			var e AuditEntry
			_ = json.Unmarshal(v, &e)
			e.Detail = "sửa"
			data, _ := json.Marshal(e)
			return b.Put(k, data)
		}, seq: "mục 6 "},
		"last removed": {tamper: func(b, _ *bolt.Bucket) error { k, _ := b.Cursor().Last(); return b.Delete(k) }, seq: "mục 6 "},
		"relinked": {tamper: func(b, meta *bolt.Bucket) error {
			// change entry 2 and repair entry 3's link to it: entry 3's
			// own bytes then no longer match entry 4's link
			v := b.Get(u64(2))
			nv := bytes.Replace(v, []byte(`"action":"received"`), []byte(`"action":"note_added"`), 1)
			if err := b.Put(u64(2), nv); err != nil {
				return err
			}
			var e AuditEntry
			_ = json.Unmarshal(b.Get(u64(3)), &e)
			e.Prev = entryHash(nv)
			data, _ := json.Marshal(e)
			return b.Put(u64(3), data)
		}, seq: "mục 3 "},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := openTestStore(t, t.TempDir()+"/motcua.db")
			if err := s.SaveSettings(testSettings); err != nil { // audit 1
				t.Fatal(err)
			}
			for i, n := range []string{"Nguyễn Văn An", "Lê Thị Bình", "Phạm Văn Cường", "Hồ Thị Dung", "Võ Văn Em"} { // audit 2–6
				if _, err := s.Intake(intake(n, fmt.Sprintf("0460900012%02d", i), "")); err != nil {
					t.Fatal(err)
				}
			}
			path := s.Path()
			s.Close()
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bolt.Tx) error { return c.tamper(tx.Bucket(bAudit), tx.Bucket(bMeta)) }); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s = openTestStore(t, path)
			defer s.Close()
			probs, err := s.Verify()
			if err != nil {
				t.Fatal(err)
			}
			var found string
			for _, p := range probs {
				if p.Where == "audit" {
					found = p.What
				}
			}
			switch {
			case c.noBreak && found != "":
				t.Fatalf("an untouched chain breaks: %s", found)
			case !c.noBreak && !strings.Contains(found, c.seq):
				t.Fatalf("verify says %q (all: %v), want %q", found, probs, c.seq)
			}
		})
	}
}
