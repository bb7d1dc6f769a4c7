package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

// TestIndicators: three files of March: one settled on time, one settled
// before its deadline but after two supplement requests (on time for the
// supervisor's report, late by the 766 rule), one online and open.
func TestIndicators(t *testing.T) {
	dir := t.TempDir()
	st, err := server.OpenBolt(dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.NewHandler(st))
	defer srv.Close()
	const unit = "000.00.12.H57"
	code, err := st.NewEnrollCode(unit, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dev, err := mcsync.NewHTTPRemote(srv.URL, "", 5*time.Second).Enroll(ctx, wire.EnrollRequest{Code: code, DeviceName: "quầy 1"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, dossier.Loc)
		return v
	}
	var events []dossier.Event
	file := func(n int, channel dossier.Channel, steps ...dossier.EventType) {
		rec := &dossier.Record{ID: dossier.NewEventID(), Code: unit + "-260302-100" + string(rune('0'+n)), UnitCode: unit, Counter: 1,
			ProcedureCode: "1.004873", ProcedureName: "Cấp Giấy xác nhận tình trạng hôn nhân",
			Owner: dossier.Party{Type: 1, Name: "Người nộp", IDNumber: "046190001234"}, FilerIsOwner: true,
			ReceivedAt: at("2026-03-02 09:00"), DueAt: at("2026-03-10 17:00"), Sets: 1, Channel: channel, Delivery: 1}
		events = append(events, dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: dossier.EvReceived, Actor: "cb", At: rec.ReceivedAt, Record: rec})
		for i, typ := range steps {
			e := dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: typ, Actor: "cb",
				At: at("2026-03-03 08:00").Add(time.Duration(i) * time.Hour), BaseVersion: i + 1}
			if typ == dossier.EvSupplementRequested {
				e.Reason, e.Missing, e.Deadline = "thiếu giấy tờ", []string{"Giấy chứng sinh"}, at("2026-03-20 17:00")
			}
			events = append(events, e)
		}
	}
	file(1, dossier.ChannelInPerson, dossier.EvProcessing, dossier.EvResultReady)
	file(2, dossier.ChannelInPerson, dossier.EvProcessing, dossier.EvSupplementRequested, dossier.EvSupplementReceived,
		dossier.EvSupplementRequested, dossier.EvSupplementReceived, dossier.EvResultReady)
	file(3, dossier.ChannelOnline)
	body, _ := mcsync.NewPushBody(wire.PushRequest{DeviceID: dev.DeviceID, Events: events})
	resp, err := mcsync.NewHTTPRemote(srv.URL, dev.Token, 5*time.Second).Push(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != wire.Accepted {
			t.Fatalf("%+v", r)
		}
	}
	st.Close()
	var out, errs bytes.Buffer
	if rc := run([]string{"indicators", "-data", dir, "-unit", unit, "-from", "01/03/2026", "-to", "31/03/2026"}, &out, &errs); rc != 0 {
		t.Fatalf("%d %s", rc, errs.String())
	}
	for _, want := range []string{"Tiếp nhận: 3 (trực tuyến 1, trực tiếp và bưu chính 2", "Đã giải quyết: 2", "Tỷ lệ giải quyết đúng hạn: 100.0%",
		"Quyết định 766 (bổ sung hơn một lần tính là quá hạn): 50.0%", "Tỷ lệ hồ sơ trực tuyến: 33.3%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	if rc := run([]string{"indicators", "-data", dir, "-unit", unit, "-from", "31/03/2026", "-to", "01/03/2026"}, &out, &errs); rc == 0 {
		t.Fatal("a period ending before it starts was taken")
	}
}
