package counter

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/forms"
	"motcua/server"
	"motcua/sync/wire"
)

// TestLetterNumbersFromTheRegister: two counters of a unit each hold a run
// of the unit's register of outgoing documents; their letters (Mẫu 04, 05)
// take numbers from it offline, never the same one, print them, and the
// numbers travel with the events. A counter with none left leaves the
// place for the office; the backend refuses a number given twice.
func TestLetterNumbersFromTheRegister(t *testing.T) {
	srv, err := server.OpenBolt(t.TempDir(), assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(server.NewHandler(srv))
	defer hs.Close()
	c1 := openTest(t, Options{})
	unenrolled := openTest(t, Options{})
	r0, err := unenrolled.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	r0, err = unenrolled.Act(ActionRequest{Code: r0.Code, Event: dossier.EvExtended, NewDue: r0.DueAt.AddDate(0, 0, 7), Reason: "Cần xác minh"})
	if err != nil || r0.History[len(r0.History)-1].Letter != "" {
		t.Fatalf("a counter with no register numbers numbered a letter: %v", err)
	}
	res, err := unenrolled.PrintForm(r0, forms.KindExtension, filepath.Join(t.TempDir(), "no-number.pdf"))
	if err != nil || !strings.Contains(pdfText(t, res.Path), "Số: ……/……") {
		t.Fatalf("a letter with no number: %v", err)
	}

	code, _ := srv.NewEnrollCode(testSettings.UnitCode, 2)
	if err := c1.Enroll(t.Context(), hs.URL, code); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(dossier.Loc).Year()
	if n := c1.store.LetterSpare(year); n != 50 {
		t.Fatalf("counter 2 holds %d register numbers, want 50", n)
	}
	// a second run for another counter follows the first
	b, err := srv.ReserveLetters(server.Principal{Kind: server.KindDevice, DeviceID: "other", Unit: testSettings.UnitCode}, wire.LetterRequest{ID: "r1", Year: year, Count: 10})
	if err != nil || b.From != 51 || b.To != 60 {
		t.Fatalf("the next run: %+v %v", b, err)
	}
	again, _ := srv.ReserveLetters(server.Principal{Kind: server.KindDevice, DeviceID: "other", Unit: testSettings.UnitCode}, wire.LetterRequest{ID: "r1", Year: year, Count: 10})
	if again != b {
		t.Fatalf("a request asked again got another run: %+v", again)
	}

	hs.Close() // offline: numbers still come from the run
	r, err := c1.Intake(intake)
	if err != nil {
		t.Fatal(err)
	}
	r, err = c1.Act(ActionRequest{Code: r.Code, Event: dossier.EvExtended, NewDue: r.DueAt.AddDate(0, 0, 7), Reason: "Cần xác minh"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.History[len(r.History)-1].Letter; got != "1/UBND" {
		t.Fatalf("the apology letter is number %q, want 1/UBND", got)
	}
	r2, _ := c1.Intake(intake)
	r2, _ = c1.Act(ActionRequest{Code: r2.Code, Event: dossier.EvProcessing})
	r2, err = c1.Act(ActionRequest{Code: r2.Code, Event: dossier.EvStopped, Reason: "Theo đề nghị của công dân"})
	if err != nil || r2.History[len(r2.History)-1].Letter != "2/TB-UBND" {
		t.Fatalf("the stop notice: %v %q", err, r2.History[len(r2.History)-1].Letter)
	}
	res, err = c1.PrintForm(r, forms.KindExtension, filepath.Join(t.TempDir(), "04.pdf"))
	if err != nil || !strings.Contains(pdfText(t, res.Path), "Số: 1/UBND") {
		t.Fatalf("Mẫu 04 does not print its number: %v", err)
	}
	res, err = c1.PrintForm(r2, forms.KindStop, filepath.Join(t.TempDir(), "05.pdf"))
	if err != nil || !strings.Contains(pdfText(t, res.Path), "Số: 2/TB-UBND") {
		t.Fatalf("Mẫu 05 does not print its number: %v", err)
	}
	if n := c1.store.LetterSpare(year); n != 48 {
		t.Fatalf("%d numbers left, want 48", n)
	}
}
