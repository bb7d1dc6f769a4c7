package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLookupInABrowser opens the lookup page in headless Chromium at a
// phone's size, as a citizen does from the receipt's QR code: the code is
// filled in from the link, the citizen types the last four digits and
// sees the status. The screenshot is kept in MOTCUA_SHOTS when set.
func TestLookupInABrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is required (Debian's chromium package; make test installs it)")
	}
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	ev := intakeEvent("000.00.12.H57", 1, "Nguyễn Thị Ánh Tuyết")
	ev.Record.Owner.Phone = "0912345678"
	ev.Record.ProcedureName = "Cấp Giấy xác nhận tình trạng hôn nhân"
	if status, out := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, ev)); status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(390, 844)}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// the browser starts with the first action, on a context with no
	// timeout (a timeout there would stop the browser); later steps are
	// each bounded
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	step, cancelStep := context.WithTimeout(ctx, 60*time.Second)
	defer cancelStep()
	err = chromedp.Do(step,
		chromedp.Navigate(e.srv.URL+"/tra-cuu?ma="+ev.Record.Code),
		chromedp.WaitVisible(chromedp.ID("so")),
	)
	if err != nil {
		t.Fatal(err)
	}
	code, err := chromedp.Run(step, chromedp.Value(chromedp.ID("ma")))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(step,
		chromedp.SendKeys(chromedp.ID("so"), "5678"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("trang-thai")),
	)
	if err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(step, chromedp.Text(chromedp.ID("trang-thai")))
	if err != nil {
		t.Fatal(err)
	}
	owner, err := chromedp.Run(step, chromedp.Text(chromedp.CSS("#ket-qua dl")))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(step, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	if code != ev.Record.Code || strings.TrimSpace(status) != "Được tiếp nhận" || !strings.Contains(owner, "N*** T** Á** Tuyết") || strings.Contains(owner, "Nguyễn") {
		t.Fatalf("code %q, status %q, shown %q", code, status, owner)
	}
	if dir := os.Getenv("MOTCUA_SHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "lookup-phone.jpg"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
