package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func intakeFile(t *testing.T, procedure, received string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "in.json")
	doc := `{"procedure_code":"` + procedure + `","owner":{"type":1,"name":"Lê Thị Mỹ Hạnh","id_number":"046190001234"},"filer_is_owner":true`
	if received != "" {
		doc += `,"received_at":"` + received + `"`
	}
	if err := os.WriteFile(f, []byte(doc+"}"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func okCtl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	c, o, e := ctl(t, dir, args...)
	if c != 0 {
		t.Fatalf("%v: exit %d: %s", args, c, e)
	}
	return o
}

// A record's whole life driven through motcuactl apply: the same rules as
// the record screen (supplement, payment, extensions), and a file finished
// after its legal deadline is late on the control slip and in the export.
func TestApplyDrivesARecordsLife(t *testing.T) {
	dir := setUp(t)
	// received 10/03/2026 09:00, 3 working days: legal deadline 13/03
	code := strings.TrimSpace(okCtl(t, dir, "intake", intakeFile(t, "1.004873", "2026-03-10T09:00:00+07:00")))
	okCtl(t, dir, "apply", "-code", code, "-event", "processing")
	okCtl(t, dir, "apply", "-code", code, "-event", "supplement_requested", "-missing", "Bản sao giấy khai sinh; Tờ khai")
	okCtl(t, dir, "apply", "-code", code, "-event", "supplement_received")
	if o := okCtl(t, dir, "apply", "-code", code, "-event", "fee_requested", "-amount", "30000"); !strings.Contains(o, "Yêu cầu thực hiện nghĩa vụ tài chính") {
		t.Fatalf("fee requested: %s", o)
	}
	okCtl(t, dir, "apply", "-code", code, "-event", "fee_paid", "-amount", "30000")
	// the appointment has passed: no apology any more
	if c, _, e := ctl(t, dir, "apply", "-code", code, "-event", "extended", "-new-due", "20/12/2026 16:00", "-reason", "Chờ xác minh"); c != 1 || !strings.Contains(e, "quá hạn") {
		t.Fatalf("extension after the appointment: %d %s", c, e)
	}
	if c, _, e := ctl(t, dir, "apply", "-code", code, "-event", "refused", "-reason", "x"); c != 1 || !strings.Contains(e, "Từ chối tiếp nhận") {
		t.Fatalf("refusal after processing started: %d %s", c, e)
	}
	if c, _, e := ctl(t, dir, "apply", "-code", code, "-event", "fly"); c != 1 || !strings.Contains(e, "result_ready") {
		t.Fatalf("unknown action: %d %s", c, e)
	}
	okCtl(t, dir, "apply", "-code", code, "-event", "result_ready")
	okCtl(t, dir, "apply", "-code", code, "-event", "returned")

	slip := filepath.Join(t.TempDir(), "slip.pdf")
	okCtl(t, dir, "print", "-form", "control", "-code", code, "-o", slip)
	text, err := exec.Command("pdftotext", "-layout", slip, "-").Output()
	if err != nil || !strings.Contains(string(text), "Quá hạn") || strings.Contains(string(text), "Trước hạn") {
		t.Fatalf("control slip: %v\n%s", err, text)
	}
	export := filepath.Join(t.TempDir(), "all.csv")
	okCtl(t, dir, "export", "-csv", export)
	data, _ := os.ReadFile(export)
	if !strings.HasPrefix(string(data), "\ufeff") {
		t.Fatal("the CSV has no UTF-8 byte-order mark (Excel on Windows)")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][len(rows[1])-1] != "Quá hạn" || rows[0][len(rows[0])-1] != "ket_qua" {
		t.Fatalf("export: %v %q", err, rows)
	}

	// received now, 5 working days: one apology, a second only approved
	code = strings.TrimSpace(okCtl(t, dir, "intake", intakeFile(t, "1.004884", "")))
	later := time.Now().AddDate(0, 1, 0).Format("02/01/2006") + " 16:00"
	if o := okCtl(t, dir, "apply", "-code", code, "-event", "extended", "-new-due", later, "-reason", "Chờ xác minh"); !strings.Contains(o, later) {
		t.Fatalf("extension: %s", o)
	}
	evenLater := time.Now().AddDate(0, 2, 0).Format("02/01/2006") + " 16:00"
	if c, _, e := ctl(t, dir, "apply", "-code", code, "-event", "extended", "-new-due", evenLater, "-reason", "Chưa xong"); c != 1 || !strings.Contains(e, "phê duyệt") {
		t.Fatalf("second extension without approval: %d %s", c, e)
	}
	okCtl(t, dir, "apply", "-code", code, "-event", "extended", "-new-due", evenLater, "-reason", "Chưa xong", "-approval", "Chủ tịch UBND phường đồng ý")
	if o := okCtl(t, dir, "verify"); !strings.Contains(o, "2 hồ sơ") {
		t.Fatal(o)
	}
}

// motcuactl guide records guidance before receipt and prints its form; no
// record code is taken.
func TestGuideCommand(t *testing.T) {
	dir := setUp(t)
	f := filepath.Join(t.TempDir(), "g.json")
	os.WriteFile(f, []byte(`{"procedure_code":"1.001193","person":{"type":1,"name":"Phạm Thị Hướng"},"missing":["Giấy chứng sinh"]}`), 0o600)
	pdf := filepath.Join(t.TempDir(), "g.pdf")
	o := okCtl(t, dir, "guide", "-form", "02", "-o", pdf, f)
	if !strings.Contains(o, "Đã in phiếu") {
		t.Fatal(o)
	}
	text, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil || !strings.Contains(string(text), "Giấy chứng sinh") || strings.Contains(string(text), "Mã hồ sơ") {
		t.Fatalf("%v\n%s", err, text)
	}
	if c, _, e := ctl(t, dir, "guide", "-form", "03", f); c != 1 || !strings.Contains(e, "lý do") {
		t.Fatalf("a refusal without a reason: %d %s", c, e)
	}
	// pending: the guidance, and setUp's three account changes
	if o := okCtl(t, dir, "status", "-json"); !strings.Contains(o, `"records":0`) || !strings.Contains(o, `"pending":4`) {
		t.Fatalf("status after guidance: %s", o)
	}
}

// A typing mistake put right: the new name is found, the old one kept in
// the record's history; the record's code stays.
func TestApplyCorrection(t *testing.T) {
	dir := setUp(t)
	code := strings.TrimSpace(okCtl(t, dir, "intake", intakeFile(t, "1.004873", "")))
	if c, _, e := ctl(t, dir, "apply", "-code", code, "-event", "corrected", "-owner-name", "Lê Thị Mỹ Hằng"); c != 1 || !strings.Contains(e, "lý do") {
		t.Fatalf("a correction without a reason: %d %s", c, e)
	}
	okCtl(t, dir, "apply", "-code", code, "-event", "corrected", "-owner-name", "Lê Thị Mỹ Hằng", "-owner-phone", "0912 000 111", "-reason", "Gõ nhầm")
	out := filepath.Join(t.TempDir(), "all.csv")
	okCtl(t, dir, "export", "-csv", out)
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), "Lê Thị Mỹ Hằng") || strings.Contains(string(data), "Lê Thị Mỹ Hạnh") || !strings.Contains(string(data), code) {
		t.Fatalf("export after the correction:\n%s", data)
	}
	if o := okCtl(t, dir, "verify"); !strings.Contains(o, "1 hồ sơ") {
		t.Fatal(o) // the name and phone indexes follow the correction
	}
}
