package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"motcua/dossier"
	"motcua/sync/wire"
)

func withCode(e dossier.Event, code string) dossier.Event {
	r := *e.Record
	r.Code = code
	e.Record = &r
	return e
}

// One event over the limits gets its own verdict; the events behind it in
// the same batch are accepted.
func TestOversizeEventHasItsOwnVerdict(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	a := withCode(intakeEvent("000.00.12.H57", 1, "Nguyễn Văn A"), "000.00.12.H57-260310-1001")
	big := withCode(intakeEvent("000.00.12.H57", 1, "Trần Thị B"), "000.00.12.H57-260310-1002")
	big.Record.Notes = strings.Repeat("ghi chú rất dài ", 5000) // 80,000 characters
	nul := withCode(intakeEvent("000.00.12.H57", 1, "Lê\x00Văn C"), "000.00.12.H57-260310-1003")
	c := withCode(intakeEvent("000.00.12.H57", 1, "Phạm Văn D"), "000.00.12.H57-260310-1004")
	status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, a, big, nul, c))
	var resp wire.PushResponse
	if status != 200 || json.Unmarshal(body, &resp) != nil || len(resp.Results) != 4 {
		t.Fatalf("%d %s", status, body)
	}
	want := []string{wire.Accepted, wire.Conflict, wire.Conflict, wire.Accepted}
	for i, r := range resp.Results {
		if r.Status != want[i] {
			t.Fatalf("event %d: %s (%s), want %s", i, r.Status, r.Reason, want[i])
		}
	}
	if !strings.Contains(resp.Results[1].Reason, "Ghi chú") || !strings.Contains(resp.Results[2].Reason, "ký tự điều khiển") {
		t.Fatalf("reasons: %q / %q", resp.Results[1].Reason, resp.Results[2].Reason)
	}
	n := 0
	_ = e.store.Export("", func(*dossier.Record) error { n++; return nil })
	if n != 2 {
		t.Fatalf("%d records stored", n)
	}
}

// Two records of a unit never share a code.
func TestDuplicateCodeRefused(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	a := withCode(intakeEvent("000.00.12.H57", 1, "Nguyễn Văn A"), "000.00.12.H57-260310-1001")
	b := withCode(intakeEvent("000.00.12.H57", 1, "Trần Thị B"), "000.00.12.H57-260310-1001")
	_, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, a, b))
	var resp wire.PushResponse
	if json.Unmarshal(body, &resp) != nil || resp.Results[0].Status != wire.Accepted || resp.Results[1].Status != wire.Conflict ||
		!strings.Contains(resp.Results[1].Reason, "đã được dùng") {
		t.Fatalf("%s", body)
	}
}

// A pull page is bounded in bytes as well as in events.
func TestPullPageBoundedInBytes(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	var evs []dossier.Event
	for i := 0; i < 250; i++ {
		ev := withCode(intakeEvent("000.00.12.H57", 1, "Nguyễn Văn A"), dossier.Thousands(int64(i)))
		ev.Record.Code = "000.00.12.H57-2603" + string(rune('1'+i/100)) + "0-1" + strings.Repeat("0", 3-len(itoa(i%100+1))) + itoa(i%100+1)
		for d := 0; d < 40; d++ {
			ev.Record.Documents = append(ev.Record.Documents, dossier.DocumentLine{Name: strings.Repeat("giấy tờ ", 120), Originals: 1})
		}
		evs = append(evs, ev)
	}
	for i := 0; i < len(evs); i += 50 {
		if status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, evs[i:i+50]...)); status != 200 || strings.Contains(string(body), "conflict") {
			t.Fatalf("%d %.300s", status, body)
		}
	}
	status, body := e.call("GET", "/v1/pull?after=0&limit=1000", dev.Token, nil)
	var page wire.PullResponse
	if status != http.StatusOK || json.Unmarshal(body, &page) != nil {
		t.Fatalf("%d", status)
	}
	if !page.More || len(page.Events) == 0 || len(page.Events) == 250 || len(body) > wire.MaxPageBytes+dossier.MaxRecordBytes+64<<10 {
		t.Fatalf("page of %d events, %d bytes, more=%v", len(page.Events), len(body), page.More)
	}
}

func itoa(i int) string { return dossier.Thousands(int64(i)) }

// A lost enrollment answer: the same code from the same installation gets
// the same device and a new token (the old one stops working); from
// another installation it is refused. Wrong codes are slowed down.
func TestEnrollmentRetryAndGuessing(t *testing.T) {
	e := newEnv(t)
	code, _ := e.store.NewEnrollCode("000.00.12.H57", 2)
	if len(code) != 19 || strings.ContainsAny(code, "ILOU") {
		t.Fatalf("code %q", code)
	}
	enroll := func(code, install string) (int, wire.EnrollResponse) {
		b, _ := json.Marshal(wire.EnrollRequest{Code: code, DeviceName: "quầy 2", InstallID: install})
		status, body := e.call("POST", "/v1/enroll", "", b)
		var resp wire.EnrollResponse
		_ = json.Unmarshal(body, &resp)
		return status, resp
	}
	s1, first := enroll(code, "install-a")
	s2, again := enroll(strings.ToLower(strings.ReplaceAll(code, "-", "")), "install-a")
	if s1 != 200 || s2 != 200 || first.DeviceID != again.DeviceID || first.Token == again.Token {
		t.Fatalf("%d %d %+v %+v", s1, s2, first, again)
	}
	if _, err := e.store.Authenticate(first.Token); err == nil {
		t.Fatal("the token of the lost answer still works")
	}
	if _, err := e.store.Authenticate(again.Token); err != nil {
		t.Fatal(err)
	}
	if s, _ := enroll(code, "install-b"); s != http.StatusForbidden {
		t.Fatalf("another installation: %d", s)
	}
	// wrong codes (the refused one above counts): five in a row are
	// answered 403, then the address waits (429)
	statuses := map[int]int{}
	for i := 0; i < 8; i++ {
		s, _ := enroll("0000-0000-0000-0000", "x")
		statuses[s]++
	}
	if statuses[http.StatusForbidden] != 4 || statuses[http.StatusTooManyRequests] == 0 {
		t.Fatalf("%v", statuses)
	}
	// even the right code waits now
	code2, _ := e.store.NewEnrollCode("000.00.12.H57", 3)
	if s, _ := enroll(code2, "install-c"); s != http.StatusTooManyRequests {
		t.Fatalf("right code during the wait: %d", s)
	}
}
