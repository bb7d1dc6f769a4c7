package sync

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/forms"
	"motcua/server"
	"motcua/sync/wire"
)

var onlinePDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// A file filed online reaches two counters with its attachment; with the
// province link down both receive it; the first to reach the backend
// keeps it, the other is told and takes the backend's copy; the receipt
// carries the portal's code; the attachment opens offline throughout.
func TestOnlineFilingTwoCountersFirstReceiptWins(t *testing.T) {
	b := startBackend(t)
	c1 := newCounter(t, b, b.url(), 1, fastConfig)
	c2 := newCounter(t, b, b.url(), 2, fastConfig)
	ctx := context.Background()
	tok, err := b.store.NewToken(server.KindPortal, testUnit)
	if err != nil {
		t.Fatal(err)
	}
	portal := NewHTTPRemote(b.url(), tok, 5*time.Second)
	f := dossier.Filing{Code: "G22.99.12-261129-0007", ProcedureCode: "1.004873", FiledAt: time.Now().Add(-2 * time.Hour),
		Owner:        dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234", Birth: "1990-03-12", Sex: dossier.SexFemale},
		FilerIsOwner: true, Attachments: []dossier.Attachment{{Name: "Tờ khai.pdf"}}}
	var filed wire.FilingResponse
	if _, err := portal.do(ctx, "POST", "/v1/online", wire.FilingRequest{Filing: f, Contents: [][]byte{onlinePDF}}, nil, into(&filed)); err != nil || filed.Result != wire.Accepted {
		t.Fatalf("filing: %+v %v", filed, err)
	}
	for i, c := range []*counter{c1, c2} {
		sum, err := c.engine.SyncOnce(ctx)
		if err != nil || sum.Created != 1 || sum.Files != 1 {
			t.Fatalf("counter %d pulls the filing: %+v %v", i+1, sum, err)
		}
		r, err := c.store.GetByCode(f.Code)
		if err != nil || r.Status != dossier.StatusRegistered || !r.Online() {
			t.Fatalf("counter %d: %+v %v", i+1, r, err)
		}
		p, err := c.store.AttachmentPath(r.Attachments[0])
		if data, rerr := os.ReadFile(p); err != nil || rerr != nil || !bytes.Equal(data, onlinePDF) || filepath.Ext(p) != ".pdf" {
			t.Fatalf("counter %d's copy of the attachment: %v %v", i+1, err, rerr)
		}
	}

	b.stop() // the province link is down: both counters receive the file
	r1, err := c1.store.ReceiveOnline(filed.RecordID, nil)
	if err != nil || r1.Status != dossier.StatusReceived || r1.Code != f.Code || r1.Counter != 1 || r1.DueAt.IsZero() {
		t.Fatalf("counter 1 receives offline: %+v %v", r1, err)
	}
	if _, err := c1.engine.SyncOnce(ctx); err == nil {
		t.Fatal("a round with the backend down succeeded")
	}
	if _, err := c2.store.ReceiveOnline(filed.RecordID, nil); err != nil {
		t.Fatalf("counter 2 receives offline: %v", err)
	}
	// counter 1 prints the receipt with the portal's code
	var pdf bytes.Buffer
	if err := forms.Render(&pdf, forms.KindReceipt, forms.Unit{Name: "UBND phường Thuận Hóa", Code: testUnit, Place: "Huế"}, r1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if text := pdfToText(t, pdf.Bytes()); !strings.Contains(text, "Mã hồ sơ: "+f.Code) || !strings.Contains(text, "Trực tuyến") {
		t.Fatalf("receipt text:\n%s", text)
	}

	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	if sum, err := c1.engine.SyncOnce(ctx); err != nil || sum.Conflicts != 0 {
		t.Fatalf("counter 1 syncs: %+v %v", sum, err)
	}
	sum, err := c2.engine.SyncOnce(ctx)
	if err != nil || sum.Conflicts != 1 {
		t.Fatalf("counter 2 syncs: %+v %v", sum, err)
	}
	att, _ := c2.store.Attention()
	if len(att) != 1 || !strings.Contains(att[0].Reason, "đã được quầy 1 tiếp nhận") {
		t.Fatalf("counter 2 is not told: %+v", att)
	}
	for i, c := range []*counter{c1, c2} {
		if _, err := c.engine.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		r, _ := c.store.Get(filed.RecordID)
		if r.Status != dossier.StatusReceived || r.Counter != 1 || !r.ReceivedAt.Equal(r1.ReceivedAt) || !r.DueAt.Equal(r1.DueAt) {
			t.Fatalf("counter %d ends with %+v", i+1, r)
		}
	}
	got := b.records(t)[filed.RecordID]
	receipts := 0
	for _, e := range got.History {
		if e.Type == dossier.EvReceived {
			receipts++
		}
	}
	if got.Counter != 1 || receipts != 1 || got.Code != f.Code {
		t.Fatalf("backend: counter %d, %d receipts, code %s", got.Counter, receipts, got.Code)
	}
}

func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils): %v", err)
	}
	return string(out)
}
