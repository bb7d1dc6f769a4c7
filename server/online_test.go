package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/sync/wire"
)

const onlineUnit = "000.00.12.H57"

var samplePDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func filing(code string) dossier.Filing {
	return dossier.Filing{Code: code, ProcedureCode: "1.004873", FiledAt: time.Now().Add(-time.Hour),
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234", Birth: "1990-03-12",
			Sex: dossier.SexFemale, Phone: "0912345678"}, FilerIsOwner: true,
		Attachments: []dossier.Attachment{{Name: "to-khai.pdf"}, {Name: "cccd.jpg", URL: "https://dvc.example.vn/tep/123"}}}
}

func (e *env) file(token string, f dossier.Filing, contents ...[]byte) (int, wire.FilingResponse, string) {
	body, _ := json.Marshal(wire.FilingRequest{Filing: f, Contents: contents})
	status, out := e.call("POST", "/v1/online", token, body)
	var resp wire.FilingResponse
	if status == 200 {
		if err := json.Unmarshal(out, &resp); err != nil {
			e.t.Fatal(err)
		}
	}
	return status, resp, string(out)
}

func (e *env) pushOne(token, device string, ev dossier.Event) wire.PushResult {
	status, out := e.call("POST", "/v1/push", token, pushBody(device, ev))
	var resp wire.PushResponse
	if status != 200 || json.Unmarshal(out, &resp) != nil || len(resp.Results) != 1 {
		e.t.Fatalf("push %d %s", status, out)
	}
	return resp.Results[0]
}

// pulledRecord is the record of a unit's log as a device pulls it.
func (e *env) pulledRecord(token, recordID string) *dossier.Record {
	status, out := e.call("GET", "/v1/pull?after=0&limit=1000", token, nil)
	var resp wire.PullResponse
	if status != 200 || json.Unmarshal(out, &resp) != nil {
		e.t.Fatalf("pull %d %s", status, out)
	}
	var r dossier.Record
	for _, pe := range resp.Events {
		if pe.Event.RecordID != recordID {
			continue
		}
		ev := pe.Event
		ev.BaseVersion = r.Version
		if err := dossier.Apply(&r, ev, nil); err != nil {
			e.t.Fatalf("applying pulled %s: %v", ev.Type, err)
		}
	}
	return &r
}

// A portal files online for its unit: the record is made in status 1
// with the portal's code, its file is kept and given to the unit's
// counters only; the first counter's receipt wins and the second is told
// where the file went.
func TestOnlineFilingReachesCountersFirstReceiptWins(t *testing.T) {
	e := newEnv(t)
	portal, err := e.store.NewToken(KindPortal, onlineUnit)
	if err != nil {
		t.Fatal(err)
	}
	c1, c2, other := e.enroll(onlineUnit, 1), e.enroll(onlineUnit, 2), e.enroll("000.00.13.H57", 1)

	status, resp, out := e.file(portal, filing("G22.99.12-261109-0042"), samplePDF)
	if status != 200 || resp.Result != wire.Accepted || resp.Status != dossier.StatusRegistered || resp.Code != "G22.99.12-261109-0042" {
		t.Fatalf("filing: %d %s", status, out)
	}
	if status, again, _ := e.file(portal, filing("G22.99.12-261109-0042"), samplePDF); status != 200 || again.Result != wire.Duplicate || again.RecordID != resp.RecordID {
		t.Fatalf("the same filing again: %d %+v", status, again)
	}
	r := e.pulledRecord(c2.Token, resp.RecordID)
	if r.Status != dossier.StatusRegistered || r.Channel != dossier.ChannelOnline || len(r.Attachments) != 2 {
		t.Fatalf("pulled: %+v", r)
	}
	pdf := r.Attachments[0]
	if pdf.SHA256 != fileSHA(samplePDF) || pdf.Size != int64(len(samplePDF)) || pdf.Type != "application/pdf" || r.Attachments[1].SHA256 != "" {
		t.Fatalf("attachments %+v", r.Attachments)
	}
	if status, body := e.call("GET", "/v1/files/"+pdf.SHA256, c2.Token, nil); status != 200 || !bytes.Equal(body, samplePDF) {
		t.Fatalf("file for the unit's counter: %d", status)
	}
	for name, tok := range map[string]string{"another unit's counter": other.Token, "nobody": ""} {
		if status, body := e.call("GET", "/v1/files/"+pdf.SHA256, tok, nil); status == 200 || bytes.Contains(body, samplePDF) {
			t.Errorf("%s got the file: %d", name, status)
		}
	}
	if status, _, _ := e.file(c1.Token, filing("G22.99.12-261109-0043")); status != 403 {
		t.Fatalf("a counter filed online: %d", status)
	}

	cat, cal := mustCatalog(t), mustCalendar(t)
	at := time.Now().Truncate(time.Second)
	receipt := func(n int, clerk string) dossier.Event {
		ev, err := dossier.NewOnlineReceipt(r, cat, cal, dossier.Counter{UnitCode: onlineUnit, Number: n, Clerk: clerk}, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	first, second := receipt(1, "Trần Văn Bình"), receipt(2, "Lê Thị Hoa")
	if res := e.pushOne(c1.Token, c1.DeviceID, first); res.Status != wire.Accepted {
		t.Fatalf("first receipt: %+v", res)
	}
	res := e.pushOne(c2.Token, c2.DeviceID, second)
	if res.Status != wire.Conflict || !strings.Contains(res.Reason, "đã được quầy 1 tiếp nhận") || res.Record == nil || res.Record.Counter != 1 {
		t.Fatalf("second receipt: %+v", res)
	}
	got := e.pulledRecord(c2.Token, resp.RecordID)
	if got.Status != dossier.StatusReceived || got.Code != "G22.99.12-261109-0042" || got.Counter != 1 || !got.ReceivedAt.Equal(at) || got.DueAt.IsZero() {
		t.Fatalf("after receipt: %+v", got)
	}
	// the same code with another owner is another filing: refused
	f := filing("G22.99.12-261109-0042")
	f.Owner.IDNumber, f.Owner.Name = "046090001234", "Trần Văn Nam"
	f.Owner.Sex = dossier.SexMale
	if status, _, out := e.file(portal, f); status != 409 || !strings.Contains(out, "nội dung khác") {
		t.Fatalf("another filing under a held code: %d %s", status, out)
	}
	bad := filing("G22 99")
	if status, _, out := e.file(portal, bad); status != 400 || !strings.Contains(out, "khoảng trắng") {
		t.Fatalf("bad code: %d %s", status, out)
	}
}

// A supplement asked for before receipt: the portal posts the file again
// with the citizen's new file, and it is back in status 1, once.
func TestOnlineSupplementFromThePortal(t *testing.T) {
	e := newEnv(t)
	portal, _ := e.store.NewToken(KindPortal, onlineUnit)
	c1 := e.enroll(onlineUnit, 1)
	_, resp, _ := e.file(portal, filing("G22.99.12-261109-0050"), samplePDF)
	r := e.pulledRecord(c1.Token, resp.RecordID)
	ask := dossier.Event{ID: dossier.NewEventID(), RecordID: r.ID, Type: dossier.EvSupplementRequested, Actor: "cb",
		At: time.Now().Truncate(time.Second), BaseVersion: r.Version, Missing: []string{"Bản sao giấy khai sinh"}}
	if res := e.pushOne(c1.Token, c1.DeviceID, ask); res.Status != wire.Accepted {
		t.Fatalf("supplement request: %+v", res)
	}
	more := filing("G22.99.12-261109-0050")
	more.Attachments = append(more.Attachments, dossier.Attachment{Name: "khai-sinh.pdf"})
	extra := append(append([]byte(nil), samplePDF...), "% khai sinh\n"...)
	status, sup, out := e.file(portal, more, samplePDF, nil, extra)
	if status != 200 || !sup.Supplement || sup.Result != wire.Accepted || sup.Status != dossier.StatusRegistered {
		t.Fatalf("supplement: %d %s", status, out)
	}
	if status, again, _ := e.file(portal, more, samplePDF, nil, extra); status != 200 || again.Result != wire.Duplicate {
		t.Fatalf("supplement again: %d %+v", status, again)
	}
	got := e.pulledRecord(c1.Token, resp.RecordID)
	if got.Status != dossier.StatusRegistered || len(got.Attachments) != 3 || got.Version != 3 || !got.DueAt.IsZero() {
		t.Fatalf("after supplement: status %d attachments %d version %d", got.Status, len(got.Attachments), got.Version)
	}
}

func mustCatalog(t *testing.T) *dossier.Catalog {
	c, err := dossier.ParseCatalog(assets.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustCalendar(t *testing.T) *dossier.Calendar {
	c, err := dossier.ParseCalendar(assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
