package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"time"

	"motcua/account"
	"motcua/assets"
	"motcua/server"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	account.Cost = account.Cheap // hashes name their costs: a motcuactl process checks them as cheaply
	os.Exit(m.Run())
}

// The accounts setUp makes: the unit's first admin, and Bình, the clerk
// most tests act as (clerk, supervisor and admin).
const (
	adminPass = "Quản-trị-2026"
	binhPass  = "Tiếp-nhận-2026"
)

// ctl runs motcuactl as Bình (-user binh; the password is
// MOTCUA_PASSWORD, which setUp sets).
func ctl(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return anon(t, dir, append([]string{"-user", "binh"}, args...)...)
}

// anon runs motcuactl with no -user.
func anon(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"-data", dir}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// as runs motcuactl as username with password.
func as(t *testing.T, dir, username, password string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("MOTCUA_PASSWORD", password)
	defer os.Setenv("MOTCUA_PASSWORD", binhPass)
	return anon(t, dir, append([]string{"-user", username}, args...)...)
}

var setupArgs = []string{"setup", "-unit-name", "UBND phường Thuận Hóa", "-unit-code", "000.00.12.H57", "-place", "Huế", "-counter", "3", "-clerk", "Trần Văn Bình"}

// setUp sets a counter up as a first run does: the unit, its first admin
// (an), and Bình added by the admin, who then chooses a password.
func setUp(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("MOTCUA_PASSWORD", adminPass)
	if code, _, e := anon(t, dir, append(setupArgs, "-admin-user", "an", "-admin-name", "Lê Văn An")...); code != 0 {
		t.Fatalf("setup: %s", e)
	}
	t.Setenv("MOTCUA_NEW_PASSWORD", "Tạm-thời-2026")
	if code, _, e := anon(t, dir, "-user", "an", "user", "add", "-username", "binh", "-name", "Trần Văn Bình", "-roles", "clerk,supervisor,admin"); code != 0 {
		t.Fatalf("user add: %s", e)
	}
	t.Setenv("MOTCUA_PASSWORD", "Tạm-thời-2026")
	t.Setenv("MOTCUA_NEW_PASSWORD", binhPass)
	if code, _, e := anon(t, dir, "-user", "binh", "passwd"); code != 0 {
		t.Fatalf("passwd: %s", e)
	}
	t.Setenv("MOTCUA_PASSWORD", binhPass)
	return dir
}

func TestIntakeFromFile(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := anon(t, dir, "intake", "../../docs/intake-example.json"); code != 1 || !strings.Contains(e, "Chưa thiết lập") {
		t.Fatalf("intake before setup: %d %s", code, e)
	}
	dir = setUp(t)
	code, out, e := ctl(t, dir, "intake", "../../docs/intake-example.json")
	if code != 0 || strings.TrimSpace(out) != "000.00.12.H57-260213-3001" {
		t.Fatalf("%d %q %s", code, out, e)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"procedure_code":"1.001193","owner":{"type":1,"name":"Lan","id_number":"0461"},"filer_is_owner":true}`), 0o644)
	code, out, e = ctl(t, dir, "intake", bad)
	if code != 1 || out != "" || !strings.Contains(e, "owner.id_number") || !strings.Contains(e, "12 chữ số") {
		t.Fatalf("bad intake: %d %q %s", code, out, e)
	}
	os.WriteFile(bad, []byte(`{"procedure_code":"1.001193","owner":{"type":1},"unknown_field":1}`), 0o644)
	if code, _, e = ctl(t, dir, "intake", bad); code != 1 || !strings.Contains(e, "không đúng định dạng") {
		t.Fatalf("unknown field: %d %s", code, e)
	}
	if code, out, _ = ctl(t, dir, "status", "-json"); code != 0 {
		t.Fatal(out)
	}
	var st struct {
		Records, Pending int
		Enrolled         bool
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Records != 1 || st.Pending != 1+3 { // and setUp's three account changes
		t.Fatalf("status %s", out)
	}
}

func TestDueCommand(t *testing.T) {
	dir := setUp(t)
	code, out, e := ctl(t, dir, "due", "-procedure", "1.001193", "-received", "2026-02-13 16:05")
	if code != 0 || !strings.HasPrefix(out, "2026-02-23 17:00\n") {
		t.Fatalf("%d %q %s", code, out, e)
	}
	code, out, _ = ctl(t, dir, "due", "-procedure", "1.000894", "-received", "2026-03-10 09:00", "-alt")
	if code != 0 || !strings.HasPrefix(out, "2026-03-17 09:00\n") {
		t.Fatalf("alt time: %d %q", code, out)
	}
	if code, _, _ = ctl(t, dir, "due", "-procedure", "9.999999", "-received", "2026-02-13 16:05"); code != 1 {
		t.Fatal("unknown procedure accepted")
	}
	if code, _, _ = ctl(t, dir, "due", "-procedure", "1.001193", "-received", "13/02/2026"); code != 2 {
		t.Fatal("bad time accepted")
	}
}

func TestSeedVerifyBackupExport(t *testing.T) {
	dir := setUp(t)
	code, _, e := ctl(t, dir, "seed", "-records", "500", "-seed", "7")
	if code != 0 || !strings.Contains(e, "100%") {
		t.Fatalf("seed %d %s", code, e)
	}
	if code, out, _ := ctl(t, dir, "verify"); code != 0 || !strings.Contains(out, "500 hồ sơ") {
		t.Fatalf("verify %d %s", code, out)
	}
	bk := filepath.Join(t.TempDir(), "motcua.db")
	if code, _, e := ctl(t, dir, "backup", bk); code != 0 {
		t.Fatal(e)
	}
	if code, out, _ := ctl(t, filepath.Dir(bk), "verify"); code != 0 || !strings.Contains(out, "500 hồ sơ") {
		t.Fatalf("backup verify %d %s", code, out)
	}
	csvPath := filepath.Join(t.TempDir(), "x.csv")
	if code, _, e := ctl(t, dir, "export", "-csv", csvPath); code != 0 {
		t.Fatal(e)
	}
	data, _ := os.ReadFile(csvPath)
	if lines := strings.Count(string(data), "\n"); lines < 501 {
		t.Fatalf("csv has %d lines", lines)
	}
}

func TestCalendarImport(t *testing.T) {
	dir := setUp(t)
	bad := filepath.Join(t.TempDir(), "cal.json")
	os.WriteFile(bad, []byte(`{"week":[]}`), 0o644)
	if code, _, e := ctl(t, dir, "calendar", "import", bad); code != 1 || !strings.Contains(e, "lịch cũ vẫn giữ nguyên") {
		t.Fatalf("%d %s", code, e)
	}
	_, doc, _ := ctl(t, dir, "calendar", "show")
	doc = strings.Replace(doc, `"days": [`, `"days": [{"date":"2026-11-24","kind":"off","name":"Ngày Văn hóa Việt Nam","confirmed":true},`, 1)
	good := filepath.Join(t.TempDir(), "cal2.json")
	os.WriteFile(good, []byte(doc), 0o644)
	if code, _, e := ctl(t, dir, "calendar", "import", good); code != 0 {
		t.Fatal(e)
	}
	_, out, _ := ctl(t, dir, "due", "-procedure", "1.004873", "-received", "2026-11-23 09:00")
	if !strings.HasPrefix(out, "2026-11-27 09:00") {
		t.Fatalf("new holiday not applied: %s", out)
	}
}

func TestPrintCommand(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is required (poppler-utils)")
	}
	dir := setUp(t)
	_, code, _ := ctl(t, dir, "intake", "../../docs/intake-example.json")
	code = strings.TrimSpace(code)
	out := filepath.Join(t.TempDir(), "r.pdf")
	if c, _, e := ctl(t, dir, "print", "-form", "receipt", "-code", code, "-o", out); c != 0 {
		t.Fatal(e)
	}
	text, err := exec.Command("pdftotext", out, "-").Output()
	if err != nil || !strings.Contains(string(text), code) || !strings.Contains(string(text), "Nguyễn Thị Lan") {
		t.Fatalf("%v %s", err, text)
	}
	if c, _, e := ctl(t, dir, "print", "-form", "refusal", "-code", code, "-o", out); c != 1 || !strings.Contains(e, "chưa có nội dung") {
		t.Fatalf("refusal of a received file: %d %s", c, e)
	}
	if c, _, _ := ctl(t, dir, "print", "-form", "receipt", "-code", "nope", "-o", out); c != 1 {
		t.Fatal("unknown code printed")
	}
	ledger := filepath.Join(t.TempDir(), "l.pdf")
	c, o, e := ctl(t, dir, "print", "-form", "ledger", "-from", "01/02/2026", "-to", "28/02/2026", "-o", ledger)
	if c != 0 || !strings.Contains(o, "1 hồ sơ") {
		t.Fatalf("%d %s %s", c, o, e)
	}
	text, _ = exec.Command("pdftotext", ledger, "-").Output()
	if !strings.Contains(string(text), "SỔ THEO DÕI HỒ SƠ") || !strings.Contains(string(text), "Trang 1/1") {
		t.Fatalf("%s", text)
	}
}

func TestEnrollAndSyncHeadless(t *testing.T) {
	srvDir := t.TempDir()
	st, err := server.OpenBolt(srvDir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.NewHandler(st))
	defer func() { hs.Close(); st.Close() }()
	code, _ := st.NewEnrollCode("000.00.12.H57", 3)
	dir := setUp(t)
	if c, _, e := ctl(t, dir, "sync"); c != 1 || !strings.Contains(e, "chưa đăng ký") {
		t.Fatalf("sync before enroll: %d %s", c, e)
	}
	if c, o, e := ctl(t, dir, "enroll", "-server", hs.URL, "-code", code); c != 0 || !strings.Contains(o, "quầy 3") {
		t.Fatalf("%d %s %s", c, o, e)
	}
	// the same code from another installation is refused; from the same
	// one (its first answer lost) it is answered again
	if c, _, e := ctl(t, setUp(t), "enroll", "-server", hs.URL, "-code", code); c != 1 {
		t.Fatalf("code reused by another installation: %s", e)
	}
	if c, o, e := ctl(t, dir, "enroll", "-server", hs.URL, "-code", code); c != 0 || !strings.Contains(o, "quầy 3") {
		t.Fatalf("retried enrollment: %d %s %s", c, o, e)
	}
	ctl(t, dir, "intake", "../../docs/intake-example.json")
	c, o, e := ctl(t, dir, "sync")
	if c != 0 || !strings.Contains(o, "gửi 4 sự kiện") { // the intake and setUp's three account changes
		t.Fatalf("%d %s %s", c, o, e)
	}
	_, o, _ = ctl(t, dir, "status", "-json")
	var s struct {
		Pending     int
		Enrolled    bool
		LastSuccess time.Time `json:"last_success"`
	}
	json.Unmarshal([]byte(o), &s)
	if s.Pending != 0 || !s.Enrolled || s.LastSuccess.IsZero() {
		t.Fatalf("%s", o)
	}
	hs.Close()
	ctl(t, dir, "intake", "../../docs/intake-example.json")
	if c, _, e := ctl(t, dir, "sync"); c != 1 || !strings.Contains(e, "Không kết nối được máy chủ") {
		t.Fatalf("offline sync: %d %s", c, e)
	}
}
