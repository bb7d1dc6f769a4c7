package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportFormatsAgree: motcuactl report writes the same figures as CSV,
// as a workbook whose totals LibreOffice computes from the cells (opened
// headless and converted), and as a PDF whose text is extracted.
func TestReportFormatsAgree(t *testing.T) {
	dir := setUp(t)
	in := func(proc, received string, channel int) string {
		f := filepath.Join(t.TempDir(), "in.json")
		doc := `{"procedure_code":"` + proc + `","owner":{"type":1,"name":"Lê Thị Mỹ Hạnh","id_number":"046190001234"},"filer_is_owner":true,"channel":` +
			string(rune('0'+channel)) + `,"received_at":"` + received + `"}`
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(okCtl(t, dir, "intake", f))
	}
	// March: two civil-status files (one online) and one certification;
	// one of them finished today, long after its deadline
	late := in("1.001193", "2026-03-10T09:00:00+07:00", 1)
	in("1.001193", "2026-03-11T09:00:00+07:00", 2)
	in("2.000815", "2026-03-12T09:00:00+07:00", 1)
	okCtl(t, dir, "apply", "-code", late, "-event", "processing")
	okCtl(t, dir, "apply", "-code", late, "-event", "result_ready")

	out := t.TempDir()
	var csvText string
	for _, f := range []string{"csv", "xlsx", "pdf"} {
		o := okCtl(t, dir, "report", "-month", "03/2026", "-format", f, "-o", filepath.Join(out, "r."+f))
		if !strings.Contains(o, "nhận 3 (trực tuyến 1, trực tiếp/bưu chính 2, kỳ trước 0)") || !strings.Contains(o, "đang giải quyết 3") {
			t.Fatalf("%s: %s", f, o)
		}
	}
	data, _ := os.ReadFile(filepath.Join(out, "r.csv"))
	csvText = strings.TrimPrefix(string(data), "\ufeff")
	rows, err := csv.NewReader(strings.NewReader(strings.SplitN(csvText, "\n\n", 2)[0] + "\n")).ReadAll()
	if err != nil || len(rows) != 4 { // header, Chứng thực, Hộ tịch, total
		t.Fatalf("csv table: %v %q", err, rows)
	}
	if strings.Join(rows[3], ",") != "Tổng cộng,3,1,2,0,0,0,0,0,3,0,3,0" {
		t.Fatalf("csv total %q", rows[3])
	}

	// LibreOffice opens the workbook and adds up the cells itself
	if _, err := exec.LookPath("soffice"); err != nil {
		t.Fatal("soffice is required (libreoffice-calc-nogui)")
	}
	lo := exec.Command("soffice", "-env:UserInstallation=file://"+filepath.Join(out, "lo-profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", out, filepath.Join(out, "r.xlsx"))
	if b, err := lo.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v %s", err, b)
	}
	sheet, err := os.ReadFile(filepath.Join(out, "r.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(strings.NewReader(string(sheet))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var total []string
	for _, r := range got {
		if len(r) > 0 && r[0] == "Tổng cộng" {
			total = r
		}
	}
	if strings.Join(total, ",") != "Tổng cộng,3,1,2,0,0,0,0,0,3,0,3,0" {
		t.Fatalf("the workbook's total as LibreOffice computes it: %q\n%s", total, sheet)
	}
	if !strings.Contains(string(sheet), "Hộ tịch") || !strings.Contains(string(sheet), "Số hồ sơ nhận giải quyết") {
		t.Fatalf("the workbook's Vietnamese:\n%s", sheet)
	}

	text, err := exec.Command("pdftotext", "-layout", filepath.Join(out, "r.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "từ ngày 01/03/2026 đến ngày 31/03/2026",
		"Hộ tịch", "Chứng thực", "Tổng cộng", "Tỷ lệ hồ sơ nhận trực tuyến", "33.3 %", late} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	// the charts are in it, as images
	list, err := exec.Command("pdfimages", "-list", filepath.Join(out, "r.pdf")).Output()
	images := 0
	for _, l := range strings.Split(string(list), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[2] == "image" {
			images++
		}
	}
	if err != nil || images != 2 || !strings.Contains(string(text), "Biểu đồ") {
		t.Fatalf("the report's charts: %v\n%s", err, list)
	}
	// a clerk may not
	pass := people(t, dir)
	if c, _, e := as(t, dir, "lan", pass["lan"], "report", "-month", "03/2026", "-format", "csv", "-o", filepath.Join(out, "x.csv")); c != 1 || !strings.Contains(e, "không có quyền") {
		t.Fatalf("a clerk's report: %d %s", c, e)
	}
}
