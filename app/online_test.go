package app

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/assets"
	"motcua/dossier"
	"motcua/storage"
)

var filedPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// pullFiling puts a file filed online in the counter's store as a pull
// brings it, with its attachment fetched.
func pullFiling(t *testing.T, s *storage.Store, code string, filed time.Time) *dossier.Record {
	t.Helper()
	cat, err := dossier.ParseCatalog(assets.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	f := dossier.Filing{Code: code, ProcedureCode: "1.004873", FiledAt: filed, FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234", Birth: "1990-03-12", Sex: dossier.SexFemale},
		Attachments: []dossier.Attachment{{Name: "To khai.pdf", Type: "application/pdf", SHA256: "5b8a0f0e9f0d7c7c7d4f2b1e6f3e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b", Size: int64(len(filedPDF))},
			{Name: "CCCD.jpg", URL: "https://dichvucong.example/tep/9"}}}
	ev, err := dossier.NewFiledEvent(f, testSettings.UnitCode, cat, filed.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyRemote([]storage.RemoteEvent{{Seq: 1, Event: ev}}, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.KeepAttachment(ev.Record.Attachments[0], filedPDF); err != nil {
		t.Fatal(err)
	}
	r, err := s.Get(ev.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The online queue: a pulled filing shows in the tab's count with how
// long it waited; its attachment opens in the viewer (offline); the clerk
// receives it, the appointment is counted from now and the receipt prints
// with the portal's code; the queue is then empty.
func TestOnlineFilingAtTheCounter(t *testing.T) {
	u, s := newTestUI(t)
	r := pullFiling(t, s, "G22.99.12-260309-0042", time.Date(2026, 3, 9, 21, 40, 0, 0, dossier.Loc))
	ran := make(chan []string, 4)
	u.runPrint = func(name string, args ...string) error { ran <- append([]string{name}, args...); return nil }
	u.changed()
	if u.online == nil || u.online.tab.Text != "Hồ sơ trực tuyến (1)" || len(u.online.items) != 1 {
		t.Fatalf("the online tab: %+v", u.online)
	}
	if got := fmtWaited(u.online.items[0].Waited); got != "11 giờ 20 phút" {
		t.Fatalf("waited %q", got)
	}
	u.selectContent(u.online.content)
	u.online.list.Select(0)
	d := u.online.detail
	if d.rec == nil || d.rec.ID != r.ID || !d.filesBox.Visible() {
		t.Fatal("the filing does not open beside the queue")
	}
	test.Tap(findButton(t, d.content, "Mở"))
	cmd := waitPrint(t, u, ran)
	if data, err := os.ReadFile(cmd[len(cmd)-1]); err != nil || !bytes.Equal(data, filedPDF) {
		t.Fatalf("opened %v: %v", cmd, err)
	}
	linked := false
	objects(d.files, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == "chỉ có trên cổng: https://dichvucong.example/tep/9" {
			linked = true
		}
	})
	if !linked {
		t.Fatal("the attachment kept only on the portal does not show its link")
	}

	test.Tap(findButton(t, d.content, eventLabel(dossier.EvReceived)))
	test.Tap(findButton(t, topOverlay(t, u), "Có"))
	got, err := s.Get(r.ID)
	if err != nil || got.Status != dossier.StatusReceived || got.Code != r.Code || !got.ReceivedAt.Equal(u.now()) ||
		!got.DueAt.Equal(time.Date(2026, 3, 13, 9, 0, 0, 0, dossier.Loc)) {
		t.Fatalf("received: %+v %v", got, err)
	}
	test.Tap(findButton(t, topOverlay(t, u), "Có")) // print the receipt
	cmd = waitPrint(t, u, ran)
	text := pdfFileText(t, cmd[len(cmd)-1])
	if !strings.Contains(text, "Mã hồ sơ: G22.99.12-260309-0042") || !strings.Contains(text, "Trực tuyến") {
		t.Fatalf("receipt:\n%s", text)
	}
	if len(u.online.items) != 0 || u.online.tab.Text != "Hồ sơ trực tuyến" {
		t.Fatalf("the queue after receipt: %d %q", len(u.online.items), u.online.tab.Text)
	}
}
