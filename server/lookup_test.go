package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"motcua/dossier"
)

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Thị Ánh Tuyết":   "N*** T** Á** Tuyết",
		"Lê Văn An":              "L* V** An",
		"  Trần   Bình ":         "T*** Bình",
		"Tuyết":                  "Tuyết",
		"":                       "",
		"Công ty TNHH Hương Sen": "C*** t* T*** H*** Sen",
	} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLookupPage: the form keeps the code a QR link brings; the code with
// the last four digits of the owner's phone or ID shows the status, the
// dates, the steps and the masked name, and nothing private; a wrong code,
// wrong digits or malformed input get one calm answer; an address that
// asks too often is told to wait.
func TestLookupPage(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	ev := intakeEvent("000.00.12.H57", 1, "Nguyễn Thị Ánh Tuyết")
	ev.Record.Owner.Phone, ev.Record.Owner.Address = "0912 345 678", dossier.Address{Street: "12 Kiệt Lê Lợi"}
	ev.Record.ProcedureName = "Cấp Giấy xác nhận tình trạng hôn nhân"
	if status, out := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, ev)); status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	code := ev.Record.Code
	status, page := e.call("GET", "/tra-cuu?ma="+url.QueryEscape("https://tra-cuu.example/tra-cuu?ma="+code), "", nil)
	if status != 200 || !strings.Contains(string(page), `value="`+code+`"`) {
		t.Fatalf("the form with the QR link's code: %d\n%s", status, page)
	}
	post := func(ma, so string) (int, string) {
		t.Helper()
		form := url.Values{"ma": {ma}, "so": {so}}.Encode()
		status, out := e.call("POST", "/tra-cuu", "", []byte(form), "Content-Type", "application/x-www-form-urlencoded")
		return status, string(out)
	}
	status, out := post(code, "5678") // the phone's last four
	for _, want := range []string{"Được tiếp nhận", "Cấp Giấy xác nhận tình trạng hôn nhân", "N*** T** Á** Tuyết", "13/03/2026", "10/03/2026"} {
		if status != 200 || !strings.Contains(out, want) {
			t.Fatalf("no %q in the answer (%d):\n%s", want, status, out)
		}
	}
	for _, private := range []string{"Nguyễn", "0912", "345 678", "046090001234", "Kiệt Lê Lợi"} {
		if strings.Contains(out, private) {
			t.Fatalf("the page shows %q", private)
		}
	}
	if _, out := post(code, "1234"); !strings.Contains(out, "Được tiếp nhận") { // the ID number's last four
		t.Fatalf("the ID number's last four do not open the file:\n%s", out)
	}
	_, wrongDigits := post(code, "0000")
	_, unknown := post("000.00.12.H57-260310-1999", "5678")
	_, malformed := post("<script>alert(1)</script>", "56a8")
	if message(wrongDigits) != notFound || message(unknown) != notFound || message(malformed) != notFound || strings.Contains(wrongDigits, "ket-qua") {
		t.Fatalf("wrong digits, an unknown code and malformed input are not answered alike: %q %q %q", message(wrongDigits), message(unknown), message(malformed))
	}
	if strings.Contains(malformed, "<script>") {
		t.Fatal("input is echoed unescaped")
	}
	for range LookupLimit {
		post(code, "0000")
	}
	if status, out := post(code, "5678"); status != http.StatusTooManyRequests || !strings.Contains(out, "Xin chờ") {
		t.Fatalf("after %d lookups: %d\n%s", LookupLimit, status, out)
	}
}

// message is the calm sentence of a lookup page.
func message(page string) string {
	_, rest, _ := strings.Cut(page, `id="thong-bao">`)
	msg, _, _ := strings.Cut(rest, "</section>")
	return msg
}

// TestClientBehindProxy: behind a trusted reverse proxy each citizen has
// their own limit (X-Forwarded-For); from anyone else the header is not
// believed.
func TestClientBehindProxy(t *testing.T) {
	h := NewHandler(nil)
	r := httptest.NewRequest("POST", "/tra-cuu", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.7")
	if got := h.clientIP(r); got != "127.0.0.1" {
		t.Fatalf("an untrusted peer's header was believed: %s", got)
	}
	h.TrustProxies([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("198.51.100.7/32")})
	if got := h.clientIP(r); got != "203.0.113.9" {
		t.Fatalf("behind two trusted proxies: %s", got)
	}
	r.Header.Set("X-Forwarded-For", "garbage")
	if got := h.clientIP(r); got != "127.0.0.1" {
		t.Fatalf("a malformed header: %s", got)
	}
}
