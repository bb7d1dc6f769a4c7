package dvcqg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/dvcqg"
	"motcua/server/dvcqg/dvcqgtest"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, dossier.Loc)
	if err != nil {
		panic(err)
	}
	return t
}

// fullLife is a record received, sent for processing, asked for a
// supplement, supplemented, noted, finished and returned, with the step
// each reported event made, taken as the backend does: from the record as
// the event left it.
func fullLife(t *testing.T) (*dossier.Record, []dvcqg.Step) {
	t.Helper()
	cat, err := dossier.ParseCatalog(assets.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := dossier.ParseCalendar(assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	in := dossier.Intake{ProcedureCode: "1.004873", FilerIsOwner: true,
		Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234", Birth: "12/03/1990",
			Sex: dossier.SexFemale, Address: dossier.Address{Ward: "Phường Thuận Hóa", Province: "Thành phố Huế"}, Phone: "0912345678"}}
	ctr := dossier.Counter{UnitCode: "000.00.12.H57", Number: 1, Clerk: "Trần Văn Bình", ClerkID: "binh"}
	ev, err := dossier.NewReceivedEvent(in, cat, cal, ctr, at("2026-03-10 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	r := &dossier.Record{}
	if err := dossier.Apply(r, ev, cal); err != nil {
		t.Fatal(err)
	}
	r.Code = "000.00.12.H57-260310-0001" // the counter's store gives it
	made := []dvcqg.Step{dvcqg.StepOf(ev, r)}
	steps := []struct {
		typ dossier.EventType
		at  string
	}{{dossier.EvProcessing, "2026-03-10 10:00"}, {dossier.EvSupplementRequested, "2026-03-10 14:00"},
		{dossier.EvNoteAdded, "2026-03-11 08:00"}, {dossier.EvSupplementReceived, "2026-03-12 09:00"},
		{dossier.EvResultReady, "2026-03-13 10:00"}, {dossier.EvReturned, "2026-03-13 15:00"}}
	for _, s := range steps {
		e := dossier.Event{ID: dossier.NewEventID(), RecordID: r.ID, Type: s.typ, Actor: "binh", ActorName: "Trần Văn Bình",
			At: at(s.at), BaseVersion: r.Version}
		switch s.typ {
		case dossier.EvSupplementRequested:
			e.Reason, e.Missing, e.Deadline = "thiếu giấy tờ", []string{"Giấy chứng sinh"}, at("2026-03-20 17:00")
		case dossier.EvReturned:
			e.Collector = &dossier.Collector{Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}
		case dossier.EvNoteAdded:
			e.Reason = "gọi điện nhắc"
		}
		if err := dossier.Apply(r, e, cal); err != nil {
			t.Fatalf("%s: %v", s.typ, err)
		}
		if dvcqg.Reported(e.Type) {
			made = append(made, dvcqg.StepOf(e, r))
		}
	}
	return r, made
}

// TestRecordAndSteps: the record goes as DVCQG reads it (strings, dates in
// yyyyMMddHHmmss in Viet Nam's time, our status codes), and each event but
// the note is a step with the status it left the record in.
func TestRecordAndSteps(t *testing.T) {
	r, steps := fullLife(t)
	got := dvcqg.FromRecord(r, "Hộ tịch", "UBND phường Thuận Hóa")
	if got.MaHoSo != r.Code || got.MaTTHC != "1.004873" || got.LoaiDoiTuong != "1" || got.KenhThucHien != "1" ||
		got.SoGiayToChuHoSo != "046190001234" || got.NgayTiepNhan != "20260310090000" || got.TrangThaiHoSo != "10" ||
		got.NgayTra != "20260313150000" || got.HinhThuc != "0" || got.DonViXuLy != "UBND phường Thuận Hóa" || got.TenLinhVuc != "Hộ tịch" {
		t.Fatalf("%+v", got)
	}
	b, _ := json.Marshal(got)
	if !bytes.Contains(b, []byte(`"DanhSachLePhi":[]`)) || bytes.Contains(b, []byte(`:null`)) || bytes.Contains(b, []byte(`":1`)) {
		t.Fatalf("lists must be empty arrays and every value a string: %s", b)
	}
	var states []string
	for _, s := range steps {
		states = append(states, s.TrangThai)
		if s.MaHoSo != r.Code || s.NguoiXuLy != "Trần Văn Bình" || s.NgayBatDau != "20260310090000" || s.NgayKetThucTheoQuyDinh == "" {
			t.Errorf("step %+v", s)
		}
	}
	// received 2, processing 4, supplement 5, back to 4, finished 9, returned 10; the note is not a step
	if strings.Join(states, ",") != "2,4,5,4,9,10" {
		t.Fatalf("states %v", states)
	}
	if steps[2].ThoiDiemXuLy != "20260310140000" || steps[2].NoiDungXuLy != "Yêu cầu bổ sung: thiếu giấy tờ" {
		t.Fatalf("supplement step %+v", steps[2])
	}
	// the pause moved the legal deadline of the steps after it
	if steps[3].NgayKetThucTheoQuyDinh <= steps[1].NgayKetThucTheoQuyDinh {
		t.Fatalf("legal deadline before %s, after the pause %s", steps[1].NgayKetThucTheoQuyDinh, steps[3].NgayKetThucTheoQuyDinh)
	}
}

func TestDate(t *testing.T) {
	utc := time.Date(2026, 3, 10, 2, 5, 9, 0, time.UTC)
	if got := dvcqg.Date(utc); got != "20260310090509" {
		t.Fatalf("%s", got)
	}
	if dvcqg.Date(time.Time{}) != "" {
		t.Fatal("zero time")
	}
	if back, err := dvcqg.ParseDate("20260310090509"); err != nil || !back.Equal(utc) {
		t.Fatalf("%v %v", back, err)
	}
}

// TestClientAgainstTheStandIn: create, then update (asked first), the
// steps in order, a session that expires on the way, a refusal that is
// typed, a 503 that is an error to retry.
func TestClientAgainstTheStandIn(t *testing.T) {
	srv := dvcqgtest.New("motcua", "mật-khẩu-tỉnh", "DVCQG", "000.00.00.H57")
	defer srv.Close()
	srv.SessionCalls = 3
	c := dvcqg.New(srv.Config(), 5*time.Second)
	ctx := context.Background()
	r, steps := fullLife(t)
	rec := dvcqg.FromRecord(r, "Hộ tịch", "UBND phường Thuận Hóa")
	if err := c.SyncRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.GhiChu = "đã trả"
	if err := c.SyncRecord(ctx, rec); err != nil { // exists now: an update
		t.Fatal(err)
	}
	if got := srv.Records()[r.Code]; got.GhiChu != "đã trả" || len(srv.Records()) != 1 {
		t.Fatalf("%+v", srv.Records())
	}
	if n, err := c.Progress(ctx, steps); err != nil || n != len(steps) {
		t.Fatalf("%d %v", n, err)
	}
	if got := srv.Steps(r.Code); len(got) != len(steps) || got[5].TrangThai != "10" {
		t.Fatalf("%+v", got)
	}
	if srv.Calls("login") < 2 {
		t.Fatalf("sessions of three calls: logged in %d times", srv.Calls("login"))
	}
	// a step DVCQG refuses is a typed refusal, with its message
	bad := steps[0]
	bad.ThoiDiemXuLy = "2026-03-10 09:00"
	_, err := c.Progress(ctx, []dvcqg.Step{bad})
	var re *dvcqg.RefusedError
	if !errors.As(err, &re) || re.Code != "-1" || !strings.Contains(re.Message, "yyyyMMddHHmmss") {
		t.Fatalf("%v", err)
	}
	// the platform down: an error, not a refusal
	srv.FailNext(1)
	if _, err := c.Exists(ctx, r.Code); err == nil || errors.As(err, &re) {
		t.Fatalf("503: %v", err)
	}
	// wrong password: the login is refused
	cfg := srv.Config()
	cfg.Password = "sai"
	if _, err := dvcqg.New(cfg, 5*time.Second).Exists(ctx, r.Code); !errors.Is(err, dvcqg.ErrLogin) {
		t.Fatalf("%v", err)
	}
	if strings.Contains(srv.Config().String(), "mật-khẩu-tỉnh") {
		t.Fatal("the password is in the configuration's text")
	}
}

// TestStandInIsStrict: what a real platform would refuse, the stand-in
// refuses too, so the client's shapes are tested against something.
func TestStandInIsStrict(t *testing.T) {
	srv := dvcqgtest.New("u", "p", "D", "M")
	defer srv.Close()
	post := func(path string, body map[string]any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(b))
		req.Header.Set("dstcode", "D")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	login := post(dvcqgtest.AuthPath, map[string]any{"username": "u", "password": "p"})
	session, _ := login["session"].(string)
	if session == "" {
		t.Fatalf("%v", login)
	}
	r, _ := fullLife(t)
	good := dvcqg.FromRecord(r, "", "UBND")
	asMap := func(rec dvcqg.Record) map[string]any {
		b, _ := json.Marshal(rec)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	call := func(data map[string]any, updating any) map[string]any {
		return post(dvcqgtest.IntegrationPath, map[string]any{"session": session, "madonvi": "M", "service": dvcqg.ServiceSyncRecord,
			"isUpdating": updating, "data": []any{data}})
	}
	for name, c := range map[string]struct {
		edit     func(map[string]any)
		updating any
		want     string
	}{
		"missing MaTTHC":   {func(m map[string]any) { delete(m, "MaTTHC") }, "False", "MaTTHC"},
		"number status":    {func(m map[string]any) { m["TrangThaiHoSo"] = 2 }, "False", "phải là chuỗi"},
		"wrong date":       {func(m map[string]any) { m["NgayTiepNhan"] = "10/03/2026" }, "False", "yyyyMMddHHmmss"},
		"status 11":        {func(m map[string]any) { m["TrangThaiHoSo"] = "11" }, "False", "TrangThaiHoSo"},
		"unknown key":      {func(m map[string]any) { m["MaHoSoCu"] = "x" }, "False", "không hợp lệ"},
		"boolean updating": {func(map[string]any) {}, true, "isUpdating"},
		"update unknown":   {func(map[string]any) {}, "True", "Không tìm thấy"},
	} {
		m := asMap(good)
		c.edit(m)
		if out := call(m, c.updating); out["error_code"] != -1.0 || !strings.Contains(out["message"].(string), c.want) {
			t.Errorf("%s: %v", name, out)
		}
	}
	if out := call(asMap(good), "False"); out["error_code"] != 0.0 {
		t.Fatalf("good record: %v", out)
	}
	if out := call(asMap(good), "False"); !strings.Contains(out["message"].(string), "đã tồn tại") {
		t.Fatalf("duplicate create: %v", out)
	}
	srv.ExpireSessions()
	if out := call(asMap(good), "True"); !strings.Contains(out["message"].(string), "hết hạn") {
		t.Fatalf("expired session: %v", out)
	}
}
