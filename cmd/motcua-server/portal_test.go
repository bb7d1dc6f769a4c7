package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/server"
	"motcua/server/dvcqg/dvcqgtest"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

// TestPortalCommands: `portal config` and `portal status` on a stopped
// store and through a running server's admin socket; the running server
// sends what a counter pushed to a stand-in DVCQG; the password comes from
// the environment, never shows, and stays when not given again.
func TestPortalCommands(t *testing.T) {
	dir := t.TempDir()
	dv := dvcqgtest.New("motcua-hue", "mật-khẩu-DVCQG", "DVCQG-HUE", "000.00.00.H57")
	defer dv.Close()
	cmd := func(args ...string) (string, int) {
		var out, errs bytes.Buffer
		code := run(append(args, "-data", dir), &out, &errs)
		return out.String() + errs.String(), code
	}
	if out, rc := cmd("portal", "status"); rc != 0 || !strings.Contains(out, "Chưa cấu hình") || !strings.Contains(out, "Đang chờ gửi: 0") {
		t.Fatalf("%d %s", rc, out)
	}
	if out, rc := cmd("portal", "config", "-adapter-url", dv.URL); rc != 1 || !strings.Contains(out, "thiếu cấu hình") {
		t.Fatalf("an incomplete configuration: %d %s", rc, out)
	}
	t.Setenv("MOTCUA_PORTAL_PASSWORD", "mật-khẩu-DVCQG")
	out, rc := cmd("portal", "config", "-adapter-url", dv.URL, "-auth-endpoint", dvcqgtest.AuthPath,
		"-integration-endpoint", dvcqgtest.IntegrationPath, "-portal-user", "motcua-hue", "-dstcode", "DVCQG-HUE",
		"-madonvi", "000.00.00.H57", "-unit-name", "000.00.12.H57=UBND phường Thuận Hóa")
	if rc != 0 || strings.Contains(out, "mật-khẩu") {
		t.Fatalf("%d %s", rc, out)
	}
	t.Setenv("MOTCUA_PORTAL_PASSWORD", "")

	var o opts
	o.portal.every = 20 * time.Millisecond
	addr := serving(t, dir, o)
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for !server.Serving(dir) {
		if time.Now().After(deadline) {
			t.Fatal("the server never answered")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// through the admin socket now: a unit name added, the password kept
	if out, rc := cmd("portal", "config", "-unit-name", "000.00.13.H57=UBND xã Phú Vang"); rc != 0 {
		t.Fatalf("%d %s", rc, out)
	}
	code, rc := cmd("enroll-code", "-unit", "000.00.12.H57", "-counter", "1")
	if rc != 0 {
		t.Fatal(code)
	}
	remote := mcsync.NewHTTPRemote("http://"+addr, "", 5*time.Second)
	var dev wire.EnrollResponse
	var err error
	for time.Now().Before(deadline) {
		if dev, err = remote.Enroll(ctx, wire.EnrollRequest{Code: strings.TrimSpace(code), DeviceName: "quầy 1"}); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc)
	rec := &dossier.Record{ID: dossier.NewEventID(), Code: "000.00.12.H57-260310-1001", UnitCode: "000.00.12.H57", Counter: 1,
		ProcedureCode: "1.004873", ProcedureName: "Cấp Giấy xác nhận tình trạng hôn nhân",
		Owner: dossier.Party{Type: 1, Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}, FilerIsOwner: true,
		ReceivedAt: at, DueAt: at.Add(72 * time.Hour), Sets: 1, Channel: 1, Delivery: 1}
	body, err := mcsync.NewPushBody(wire.PushRequest{DeviceID: dev.DeviceID, Events: []dossier.Event{
		{ID: dossier.NewEventID(), RecordID: rec.ID, Type: dossier.EvReceived, Actor: "cb", At: at, Record: rec}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mcsync.NewHTTPRemote("http://"+addr, dev.Token, 5*time.Second).Push(ctx, body); err != nil {
		t.Fatal(err)
	}
	for len(dv.Steps(rec.Code)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the running server never sent the record to DVCQG")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := dv.Records()[rec.Code]; got.DonViXuLy != "UBND phường Thuận Hóa" || got.TrangThaiHoSo != "2" {
		t.Fatalf("%+v", got)
	}
	// DVCQG holds the step as soon as it answers; the server takes the item
	// off its queue and notes the success just after, so the status is read
	// until it says both.
	out, rc = cmd("portal", "status")
	for rc == 0 && (!strings.Contains(out, "Đang chờ gửi: 0") || strings.Contains(out, "lần cuối: chưa có")) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		out, rc = cmd("portal", "status")
	}
	if rc != 0 || !strings.Contains(out, "Đang chờ gửi: 0") || strings.Contains(out, "Gửi thành công lần cuối: chưa có") || strings.Contains(out, "Chưa cấu hình") {
		t.Fatalf("%d %s", rc, out)
	}
	if out, _ := cmd("portal", "status", "-json"); !strings.Contains(out, `"pending": 0`) || strings.Contains(out, "mật-khẩu") {
		t.Fatalf("%s", out)
	}
}
