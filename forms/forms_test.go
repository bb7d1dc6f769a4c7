package forms

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"motcua/dossier"
)

var unit = Unit{Name: "UBND phường Thuận Hóa", Code: "000.00.12.H57", Place: "Huế"}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, dossier.Loc)
	if err != nil {
		panic(err)
	}
	return t
}

func ev(t dossier.EventType, when string) dossier.Event {
	return dossier.Event{ID: dossier.NewEventID(), Type: t, Actor: "Trần Văn Bình", At: at(when)}
}

// fixture is a record with a long name and address and every event a form needs.
func fixture() *dossier.Record {
	r := &dossier.Record{
		ID: "01900000-0000-7000-8000-000000000001", Code: "000.00.12.H57-260310-2007", UnitCode: "000.00.12.H57", Counter: 2,
		ProcedureCode: "1.004873", ProcedureName: "Cấp Giấy xác nhận tình trạng hôn nhân",
		Time: dossier.ProcessingTime{Unit: dossier.UnitDays, Amount: 3}, Summary: "Xác nhận tình trạng hôn nhân để đăng ký kết hôn",
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Tôn Nữ Thị Phương Thảo", IDNumber: "046190001234", Phone: "0912345678", Email: "thao@example.vn",
			Address: dossier.Address{Street: "Kiệt 12 đường Nguyễn Chí Thanh, tổ dân phố Phú Hiệp, khu vực 4 rất dài để thử xuống dòng", Ward: "Phường Phú Xuân", Province: "Thành phố Huế"}},
		FilerIsOwner: false,
		Filer:        dossier.Party{Type: dossier.PartyCitizen, Name: "Hoàng Đức Khải", IDNumber: "046085009999", Phone: "0234 3822 123"},
		Documents: []dossier.DocumentLine{
			{Name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", Originals: 1},
			{Name: "Trích lục bản án, quyết định ly hôn đã có hiệu lực pháp luật của Tòa án nhân dân (trường hợp đã ly hôn) kèm giấy tờ chứng minh nhân thân", Certified: 1},
			{Name: "Văn bản ủy quyền", Originals: 1, Copies: 2},
		},
		Sets: 1, Channel: dossier.ChannelInPerson, Delivery: dossier.DeliveryCounter, Clerk: "Trần Văn Bình", Fee: 200000, FeePaid: 200000,
		ReceivedAt: at("2026-03-10 09:05"), DueAt: at("2026-03-13 09:05"), Status: dossier.StatusReturned,
	}
	sup := ev(dossier.EvSupplementRequested, "2026-03-10 10:00")
	sup.Missing = []string{"Bản sao giấy khai sinh", "Giấy xác nhận nơi cư trú"}
	sup.Reason = "Thiếu giấy tờ chứng minh nơi cư trú"
	sup.Deadline = at("2026-03-17 17:00")
	ext := ev(dossier.EvExtended, "2026-03-12 15:00")
	ext.Reason = "Cần xác minh tại nơi cư trú trước đây"
	ext.OldDue, ext.NewDue = at("2026-03-13 09:05"), at("2026-03-18 16:30")
	ref := ev(dossier.EvRefused, "2026-03-10 09:30")
	ref.Reason = "Hồ sơ không thuộc thẩm quyền giải quyết của phường"
	stop := ev(dossier.EvStopped, "2026-03-11 08:00")
	stop.Reason = "Công dân không bổ sung hồ sơ đúng hạn"
	fee := ev(dossier.EvFeePaid, "2026-03-10 09:10")
	fee.Amount = 200000
	done := ev(dossier.EvResultReady, "2026-03-13 08:00")
	ret := ev(dossier.EvReturned, "2026-03-13 14:20")
	ret.Collector = &dossier.Collector{Name: "Hoàng Đức Khải", IDNumber: "046085009999", Phone: "0234 3822 123"}
	r.Collector, r.ReturnedAt, r.FinishedAt = ret.Collector, ret.At, done.At
	r.History = []dossier.Event{ev(dossier.EvReceived, "2026-03-10 09:05"), fee, sup, ext, ref, stop, done, ret}
	return r
}

func needTool(t testing.TB, name string) {
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is required (poppler-utils; `make test` installs it)", name)
	}
}

// pdfText extracts a PDF's text with pdftotext, in the order it was drawn
// (so that a wrapped cell reads as one run).
func pdfText(t testing.TB, pdf []byte) string {
	needTool(t, "pdftotext")
	dir := t.TempDir()
	in := filepath.Join(dir, "f.pdf")
	os.WriteFile(in, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-raw", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func render(t testing.TB, k Kind, r *dossier.Record) []byte {
	var b bytes.Buffer
	if err := Render(&b, k, unit, r, at("2026-03-13 15:00")); err != nil {
		t.Fatal(err)
	}
	keep(t, string(k), b.Bytes())
	return b.Bytes()
}

// keep writes the PDF to testdata/out for looking at (MOTCUA_KEEP_PDF=1).
func keep(t testing.TB, name string, pdf []byte) {
	if os.Getenv("MOTCUA_KEEP_PDF") != "" {
		os.MkdirAll("testdata/out", 0o755)
		os.WriteFile(filepath.Join("testdata/out", name+".pdf"), pdf, 0o644)
	}
}

var space = regexp.MustCompile(`\s+`)

func assertContains(t *testing.T, text string, want ...string) {
	t.Helper()
	flat := space.ReplaceAllString(text, " ")
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("missing %q", w)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
}

func TestEveryForm(t *testing.T) {
	r := fixture()
	header := []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND PHƯỜNG THUẬN HÓA"}
	cases := map[Kind][]string{
		KindReceipt: {"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Liên: Lưu", "Liên: Giao khách hàng", "Mã hồ sơ: 000.00.12.H57-260310-2007",
			"Huế, ngày 10 tháng 3 năm 2026", "Tôn Nữ Thị Phương Thảo", "046190001234", "Hoàng Đức Khải", "Phường Phú Xuân, Thành phố Huế",
			"Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "Bản chính", "Bản chứng thực", "Bản photo", "Số thứ tự: 2007",
			"3 ngày làm việc", "09 giờ 05 phút, ngày 10/03/2026", "09 giờ 05 phút, ngày 13/03/2026", "Tại Bộ phận Một cửa",
			"NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Văn Bình", "200.000 đồng"},
		KindSupplement: {"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Bản sao giấy khai sinh", "Giấy xác nhận nơi cư trú",
			"Thiếu giấy tờ chứng minh nơi cư trú", "trước ngày 17/03/2026", "NGƯỜI HƯỚNG DẪN"},
		KindRefusal:   {"PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Hồ sơ không thuộc thẩm quyền giải quyết của phường"},
		KindExtension: {"VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ", "09 giờ 05 phút, ngày 13/03/2026", "16 giờ 30 phút, ngày 18/03/2026", "Cần xác minh tại nơi cư trú trước đây", "Huế, ngày 12 tháng 3 năm 2026"},
		KindStop:      {"THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Công dân không bổ sung hồ sơ đúng hạn", "08 giờ 00 phút, ngày 11/03/2026"},
		KindControl:   {"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Tiếp nhận hồ sơ", "Có kết quả", "Đúng hạn", "Trả kết quả"},
		KindHandOver:  {"GIẤY BIÊN NHẬN TRẢ KẾT QUẢ", "14 giờ 20 phút, ngày 13/03/2026", "Hoàng Đức Khải", "046085009999", "0234 3822 123", "NGƯỜI NHẬN KẾT QUẢ"},
		KindFee:       {"BIÊN LAI THU PHÍ, LỆ PHÍ", "Liên 1: Lưu", "Liên 2: Giao người nộp tiền", "Liên 3: Nội bộ", "200.000 đồng", "Hai trăm nghìn đồng", "không thay biên lai theo mẫu của cơ quan thuế"},
	}
	for k, want := range cases {
		t.Run(string(k), func(t *testing.T) {
			text := pdfText(t, render(t, k, r))
			assertContains(t, text, append(want, header...)...)
		})
	}
}

func TestFormsNotApplicable(t *testing.T) {
	r := fixture()
	r.History = r.History[:1]
	r.FeePaid = 0
	for _, k := range []Kind{KindSupplement, KindRefusal, KindExtension, KindStop, KindHandOver, KindFee} {
		var b bytes.Buffer
		err := Render(&b, k, unit, r, time.Now())
		if _, ok := err.(*ErrNotApplicable); !ok {
			t.Errorf("%s: got %v", k, err)
		}
	}
	if got := fmt.Sprint(Available(r)); got != "[receipt control]" {
		t.Errorf("available %s", got)
	}
	if got := len(Available(fixture())); got != 8 {
		t.Errorf("%d forms available for the full fixture", got)
	}
}

func TestDateLine(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-05 10:00": "Huế, ngày 05 tháng 3 năm 2026",
		"2026-02-14 10:00": "Huế, ngày 14 tháng 02 năm 2026",
		"2026-01-01 10:00": "Huế, ngày 01 tháng 01 năm 2026",
		"2026-12-31 10:00": "Huế, ngày 31 tháng 12 năm 2026",
	} {
		if got := dateLine("Huế", at(in)); got != want {
			t.Errorf("%s: %q", in, got)
		}
	}
}

// TestReceiptQRDecodes renders the receipt's first page to an image, as a
// phone would see the paper, and decodes the QR code on it.
func TestReceiptQRDecodes(t *testing.T) {
	needTool(t, "pdftoppm")
	for _, u := range []Unit{unit, {Name: unit.Name, Place: "Huế", LookupURL: "https://dichvucong.example.vn/tra-cuu?ma={code}"}} {
		var b bytes.Buffer
		if err := Render(&b, KindReceipt, u, fixture(), time.Now()); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "r.pdf"), b.Bytes(), 0o644)
		if out, err := exec.Command("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", filepath.Join(dir, "r.pdf"), filepath.Join(dir, "p")).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
		f, err := os.Open(pages[0])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
		if err != nil {
			t.Fatalf("no QR code found on the page: %v", err)
		}
		want := QRContent(u, "000.00.12.H57-260310-2007")
		if res.GetText() != want || !strings.Contains(res.GetText(), "000.00.12.H57-260310-2007") {
			t.Fatalf("QR says %q, want %q", res.GetText(), want)
		}
	}
}

func ledgerRecords(n int) []*dossier.Record {
	recs := make([]*dossier.Record, n)
	for i := range recs {
		r := fixture()
		r.Code = fmt.Sprintf("000.00.12.H57-2603%02d-%04d", 1+i%28, 2001+i)
		r.Owner.Name = fmt.Sprintf("Nguyễn Văn Người Thứ %d", i+1)
		if i%7 == 0 {
			r.Summary = "Một trích yếu rất dài để kiểm tra việc xuống dòng trong ô của sổ theo dõi hồ sơ, không được tràn ra ngoài ô"
		}
		recs[i] = r
	}
	return recs
}

func TestLedgerPaginates(t *testing.T) {
	var b bytes.Buffer
	f := LedgerFilter{From: at("2026-03-01 00:00"), To: at("2026-03-31 00:00"), Status: "Đã trả kết quả"}
	if err := Ledger(&b, unit, ledgerRecords(300), f, at("2026-04-01 08:00")); err != nil {
		t.Fatal(err)
	}
	keep(t, "ledger", b.Bytes())
	text := pdfText(t, b.Bytes())
	pages := strings.Split(text, "\f")
	if pages[len(pages)-1] == "" || strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	n := len(pages)
	if n < 10 {
		t.Fatalf("300 rows on %d pages", n)
	}
	if est := LedgerPages(300); est < n*2/3 || est > n*3/2 {
		t.Errorf("300 rows took %d pages; the estimate says %d", n, est)
	}
	for i, p := range pages {
		flat := space.ReplaceAllString(p, " ")
		if want := fmt.Sprintf("Trang %d/%d", i+1, n); !strings.Contains(flat, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if !strings.Contains(flat, "Mã hồ sơ") || !strings.Contains(flat, "Ngày hẹn trả") {
			t.Errorf("page %d lacks the column header", i+1)
		}
	}
	assertContains(t, text, "SỔ THEO DÕI HỒ SƠ", "từ ngày 01/03/2026 đến ngày 31/03/2026", "Trạng thái: Đã trả kết quả",
		"Tổng số: 300 hồ sơ", "Nguyễn Văn Người Thứ 1 ", "Nguyễn Văn Người Thứ 300", "000.00.12.H57-260301-2001")
	// every row is there exactly once
	for i := 1; i <= 300; i++ {
		if c := strings.Count(space.ReplaceAllString(text, " "), fmt.Sprintf("Người Thứ %d ", i)); c != 1 {
			t.Fatalf("row %d appears %d times", i, c)
		}
	}
}

func BenchmarkReceipt(b *testing.B) {
	r := fixture()
	for i := 0; i < b.N; i++ {
		if err := Render(&bytes.Buffer{}, KindReceipt, unit, r, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLedger1000(b *testing.B) {
	recs := ledgerRecords(1000)
	for i := 0; i < b.N; i++ {
		if err := Ledger(&bytes.Buffer{}, unit, recs, LedgerFilter{From: at("2026-03-01 00:00"), To: at("2026-03-31 00:00")}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPreparedHandOvers: the slips printed ahead for results waiting to be
// collected leave the return to be filled in by hand and say the fee still
// due; a file not waiting is refused by code.
func TestPreparedHandOvers(t *testing.T) {
	a, b := fixture(), fixture()
	a.Status, b.Status = dossier.StatusDone, dossier.StatusDone
	a.Collector, b.Collector = nil, nil
	b.Code, b.Fee, b.FeePaid = "000.00.12.H57-260310-2008", 150000, 50000
	var buf bytes.Buffer
	if err := HandOvers(&buf, unit, []*dossier.Record{a, b}); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	pages := strings.Split(text, "\f")
	if len(pages) < 2 || !strings.Contains(pages[0], a.Code) || !strings.Contains(pages[1], b.Code) {
		t.Fatalf("one slip a page:\n%s", text)
	}
	for _, want := range []string{"Thời gian trả kết quả: ……giờ……phút, ngày……/……/………", "Huế, ngày…… tháng…… năm………", "Người nhận kết quả: ……………"} {
		if !strings.Contains(pages[0], want) {
			t.Errorf("no %q:\n%s", want, pages[0])
		}
	}
	if strings.Contains(pages[0], "còn phải nộp") || !strings.Contains(pages[1], "Phí, lệ phí còn phải nộp: 100.000 đồng") {
		t.Errorf("the fee still due:\n%s", text)
	}
	a.Status = dossier.StatusReturned
	var nw *ErrNotWaiting
	if err := HandOvers(&bytes.Buffer{}, unit, []*dossier.Record{b, a}); !errors.As(err, &nw) || nw.Code != a.Code {
		t.Fatalf("a file handed back: %v", err)
	}
}

// A file filed online: before receipt only its letters print (Mẫu 02 or
// 03, dated by the letter and naming the filing day), never a receipt
// with no date; once received, the receipt carries the portal's code and
// says it was filed online.
func TestOnlineFileForms(t *testing.T) {
	r := fixture()
	r.Code, r.Channel = "G22.99.12-261109-0042", dossier.ChannelOnline
	r.FiledAt, r.ReceivedAt, r.DueAt, r.FeePaid = at("2026-03-09 21:40"), time.Time{}, time.Time{}, 0
	refusal := ev(dossier.EvRefused, "2026-03-10 08:30")
	refusal.Reason = "Hồ sơ không thuộc thẩm quyền giải quyết của phường"
	r.History = []dossier.Event{ev(dossier.EvFiled, "2026-03-09 21:40"), refusal}
	if got := fmt.Sprint(Available(r)); got != "[refusal]" {
		t.Fatalf("available before receipt: %s", got)
	}
	for _, k := range []Kind{KindReceipt, KindControl} {
		if _, ok := Render(&bytes.Buffer{}, k, unit, r, time.Now()).(*ErrNotApplicable); !ok {
			t.Errorf("%s printed for a file not received", k)
		}
	}
	assertContains(t, pdfText(t, render(t, KindRefusal, r)), "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
		"Ngày 10/03/2026, UBND phường Thuận Hóa đã xem xét hồ sơ nộp trực tuyến ngày 09/03/2026 của:", "Mã hồ sơ: G22.99.12-261109-0042")

	got := fixture()
	got.Code, got.Channel, got.FiledAt = "G22.99.12-261109-0042", dossier.ChannelOnline, at("2026-03-09 21:40")
	assertContains(t, pdfText(t, render(t, KindReceipt, got)), "Mã hồ sơ: G22.99.12-261109-0042", "7. Hình thức nộp: Trực tuyến",
		"Số thứ tự: G22.99.12-261109-0042")
}
