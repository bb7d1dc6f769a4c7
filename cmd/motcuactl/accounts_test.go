package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"motcua/account"
	"motcua/dossier"
)

// people adds a clerk (lan) and a supervisor (hoa) to a set-up counter,
// each with a password of their own.
func people(t *testing.T, dir string) map[string]string {
	t.Helper()
	pass := map[string]string{"lan": "Lan-chọn-2026", "hoa": "Hoa-chọn-2026", "an": adminPass}
	for u, roles := range map[string]string{"lan": "clerk", "hoa": "supervisor"} {
		t.Setenv("MOTCUA_NEW_PASSWORD", "Tạm-thời-2026")
		if c, _, e := as(t, dir, "an", adminPass, "user", "add", "-username", u, "-name", "Người "+u, "-roles", roles); c != 0 {
			t.Fatalf("user add %s: %s", u, e)
		}
		// until the initial password is changed, only passwd works
		if c, _, e := as(t, dir, u, "Tạm-thời-2026", "intake", "../../docs/intake-example.json"); c != 1 || !strings.Contains(e, "đổi mật khẩu") {
			t.Fatalf("%s before passwd: %d %s", u, c, e)
		}
		t.Setenv("MOTCUA_NEW_PASSWORD", pass[u])
		if c, _, e := as(t, dir, u, "Tạm-thời-2026", "passwd"); c != 0 {
			t.Fatalf("passwd %s: %s", u, e)
		}
	}
	return pass
}

// TestSignInAtTheCommandLine: a data-changing command without -user, with
// a wrong password, or by someone without the right exits 1 in Vietnamese
// and changes nothing; read-only commands need no account.
func TestSignInAtTheCommandLine(t *testing.T) {
	dir := setUp(t)
	pass := people(t, dir)
	status := func() string { _, o, _ := anon(t, dir, "status", "-json"); return o }
	before := status()
	for _, c := range []struct {
		run  func() (int, string, string)
		want string
	}{
		{func() (int, string, string) { return anon(t, dir, "intake", "../../docs/intake-example.json") }, "Cần đăng nhập"},
		{func() (int, string, string) {
			return as(t, dir, "lan", "sai-mật-khẩu", "intake", "../../docs/intake-example.json")
		}, "Tên đăng nhập hoặc mật khẩu không đúng"},
		{func() (int, string, string) {
			return as(t, dir, "khong-co", pass["lan"], "intake", "../../docs/intake-example.json")
		}, "Tên đăng nhập hoặc mật khẩu không đúng"},
		{func() (int, string, string) {
			return as(t, dir, "an", adminPass, "intake", "../../docs/intake-example.json")
		}, "không có quyền tiếp nhận hồ sơ"},
		{func() (int, string, string) { return as(t, dir, "lan", pass["lan"], "user", "list") }, "không có quyền quản lý tài khoản"},
	} {
		code, out, e := c.run()
		if code != 1 || !strings.Contains(e, c.want) || out != "" {
			t.Errorf("exit %d, out %q, err %q; want %q", code, out, e, c.want)
		}
	}
	if after := status(); after != before {
		t.Fatalf("a refused command changed the data:\n%s\n%s", before, after)
	}
	for _, args := range [][]string{{"status"}, {"verify"}, {"due", "-procedure", "1.001193", "-received", "2026-02-13 16:05"}, {"calendar", "show"}} {
		if c, _, e := anon(t, dir, args...); c != 0 {
			t.Errorf("%v without an account: %s", args, e)
		}
	}
	// disabled: refused with its own sentence; the admin lists it so
	if c, _, e := as(t, dir, "an", adminPass, "user", "disable", "-username", "lan"); c != 0 {
		t.Fatal(e)
	}
	if c, _, e := as(t, dir, "lan", pass["lan"], "intake", "../../docs/intake-example.json"); c != 1 || !strings.Contains(e, "đã bị khóa") {
		t.Fatalf("disabled: %d %s", c, e)
	}
	if _, o, _ := as(t, dir, "an", adminPass, "user", "list"); !strings.Contains(o, "đã khóa") || !strings.Contains(o, "hoa") {
		t.Fatalf("user list:\n%s", o)
	}
	// the audit names who did what, and the failures
	_, o, e := as(t, dir, "hoa", pass["hoa"], "audit", "-action", "signin_failed")
	if strings.Count(o, "signin_failed") != 2 {
		t.Fatalf("audit of failed sign-ins:\n%s%s", o, e)
	}
	if _, o, _ := as(t, dir, "hoa", pass["hoa"], "audit", "-person", "an", "-action", "account_"); strings.Count(o, "account_") != 5 {
		t.Fatalf("the admin's account changes:\n%s", o)
	}
}

// TestRoleMatrixThroughMotcuactl runs a command for every action of the
// matrix as a clerk, a supervisor and an admin: each is done, or refused
// with the Vietnamese sentence for that right, exactly as the matrix says.
func TestRoleMatrixThroughMotcuactl(t *testing.T) {
	dir := setUp(t)
	pass := people(t, dir)
	out := t.TempDir()
	// fresh makes, as Bình, a record in the state an action needs
	fresh := func(steps ...[]string) string {
		code := strings.TrimSpace(okCtl(t, dir, "intake", intakeFile(t, "1.004884", "")))
		for _, s := range steps {
			okCtl(t, dir, append([]string{"apply", "-code", code}, s...)...)
		}
		return code
	}
	processing := []string{"-event", "processing"}
	guide := filepath.Join(out, "g.json")
	os.WriteFile(guide, []byte(`{"procedure_code":"1.004873","person":{"type":1,"name":"Phạm Thị Hướng"},"reason":"Không thuộc thẩm quyền"}`), 0o600)
	n := 0
	file := func(ext string) string { n++; return filepath.Join(out, strings.Repeat("x", n)+ext) }
	cases := map[account.Action]func() []string{
		account.Intake:  func() []string { return []string{"intake", "../../docs/intake-example.json"} },
		account.Guide:   func() []string { return []string{"guide", "-form", "03", guide} },
		account.Process: func() []string { return []string{"apply", "-code", fresh(), "-event", "processing"} },
		account.Supplement: func() []string {
			return []string{"apply", "-code", fresh(processing), "-event", "supplement_requested", "-missing", "Tờ khai"}
		},
		account.Fee: func() []string {
			return []string{"apply", "-code", fresh(processing), "-event", "fee_requested", "-amount", "50000"}
		},
		account.Return: func() []string {
			return []string{"apply", "-code", fresh(processing, []string{"-event", "result_ready"}), "-event", "returned"}
		},
		account.Note: func() []string {
			return []string{"apply", "-code", fresh(), "-event", "note_added", "-reason", "Gọi lại sau"}
		},
		account.Correct: func() []string {
			return []string{"apply", "-code", fresh(), "-event", "corrected", "-owner-phone", "0912345678", "-reason", "Gõ nhầm số"}
		},
		account.Print: func() []string { return []string{"print", "-form", "receipt", "-code", fresh(), "-o", file(".pdf")} },
		account.Refuse: func() []string {
			return []string{"apply", "-code", fresh(), "-event", "refused", "-reason", "Không đủ điều kiện"}
		},
		account.Extend: func() []string {
			return []string{"apply", "-code", fresh(processing), "-event", "extended", "-reason", "Chờ xác minh"}
		},
		account.Stop: func() []string {
			return []string{"apply", "-code", fresh(processing), "-event", "stopped", "-reason", "Theo yêu cầu"}
		},
		account.Withdraw: func() []string {
			return []string{"apply", "-code", fresh(), "-event", "withdrawn", "-reason", "Công dân rút"}
		},
		account.ReprintLetter: func() []string {
			code := fresh(processing, []string{"-event", "supplement_requested", "-missing", "Tờ khai"})
			okCtl(t, dir, "print", "-form", "supplement", "-code", code, "-o", file(".pdf"))
			return []string{"print", "-form", "supplement", "-code", code, "-o", file(".pdf")}
		},
		account.Reports:   func() []string { return []string{"export", "-csv", file(".csv")} },
		account.Settings:  func() []string { return append(setupArgs, "-lang", "vi") },
		account.Reference: func() []string { return []string{"calendar", "import", "../../assets/data/calendar.json"} },
		account.Accounts:  func() []string { return []string{"user", "list"} },
		account.Enroll:    func() []string { return []string{"enroll", "-server", "http://127.0.0.1:1", "-code", "KHONG-CO"} },
		account.Backup:    func() []string { return []string{"backup", file(".bak")} },
		account.Devices:   func() []string { return []string{"seed", "-records", "1"} },
	}
	roles := map[string][]dossier.Role{"lan": {dossier.RoleClerk}, "hoa": {dossier.RoleSupervisor}, "an": {dossier.RoleAdmin}}
	for _, a := range account.Actions {
		mk, ok := cases[a]
		if !ok {
			t.Errorf("no command tries %s", a)
			continue
		}
		for user, rs := range roles {
			args := mk()
			code, _, e := as(t, dir, user, pass[user], args...)
			refused := strings.Contains(e, "không có quyền")
			switch allowed := account.Allowed(rs, a); {
			case allowed && refused:
				t.Errorf("%s may %s (%v) but was refused: %s", user, a, args[0], e)
			case allowed && code != 0 && a != account.Enroll:
				t.Errorf("%s %s %v: exit %d %s", user, a, args, code, e)
			case !allowed && (code != 1 || !refused):
				t.Errorf("%s may not %s (%v) but got exit %d %q", user, a, args[0], code, e)
			}
		}
	}
}

// TestVerifyFindsAnAlteredAuditEntry changes one audit entry in the bbolt
// file, as someone with a bbolt tool could: verify names it.
func TestVerifyFindsAnAlteredAuditEntry(t *testing.T) {
	dir := setUp(t)
	okCtl(t, dir, "intake", "../../docs/intake-example.json")
	okCtl(t, dir, "intake", "../../docs/intake-example.json")
	db, err := bolt.Open(filepath.Join(dir, "motcua.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seq uint64
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if bytes.Contains(v, []byte(`"action":"received"`)) {
				seq = uint64(k[7]) // small numbers: the last byte
				return b.Put(k, bytes.Replace(v, []byte(`"actor":"binh"`), []byte(`"actor":"an"`), 1))
			}
		}
		return nil
	})
	db.Close()
	if err != nil || seq == 0 {
		t.Fatalf("tamper: %v (entry %d)", err, seq)
	}
	c, o, e := anon(t, dir, "verify")
	if c != 1 || !strings.Contains(o, "audit") || !strings.Contains(o, "mục "+strconv.FormatUint(seq, 10)+" ") {
		t.Fatalf("verify after tampering with entry %d: %d\n%s%s", seq, c, o, e)
	}
}
