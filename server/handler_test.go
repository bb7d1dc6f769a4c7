package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server/pgtest"
	"motcua/sync/wire"
)

type env struct {
	t     *testing.T
	store Backend
	srv   *httptest.Server
	dir   string
	db    string // the PostgreSQL database, when the tests run there (pgtest.StoreEnv)
}

func newEnv(t *testing.T) *env {
	dir, db := t.TempDir(), pgtest.Backend(t)
	st, err := Open(db, dir, assets.Catalog, assets.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, dir: dir, db: db}
	e.srv = httptest.NewServer(NewHandler(st))
	t.Cleanup(func() { e.srv.Close(); e.store.Close() })
	return e
}

func (e *env) call(method, path, token string, body []byte, headers ...string) (int, []byte) {
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (e *env) enroll(unit string, counter int) wire.EnrollResponse {
	code, err := e.store.NewEnrollCode(unit, counter)
	if err != nil {
		e.t.Fatal(err)
	}
	status, body := e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code+`","device_name":"quầy"}`))
	var resp wire.EnrollResponse
	if status != 200 || json.Unmarshal(body, &resp) != nil {
		e.t.Fatalf("enroll %d %s", status, body)
	}
	return resp
}

func intakeEvent(unit string, counter int, name string) dossier.Event {
	id := dossier.NewEventID()
	r := &dossier.Record{ID: id, Code: unit + "-260310-" + string(rune('0'+counter)) + "001", UnitCode: unit, Counter: counter,
		ProcedureCode: "1.004873", ProcedureName: "x", Owner: dossier.Party{Type: 1, Name: name, IDNumber: "046090001234"}, FilerIsOwner: true,
		ReceivedAt: time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc), DueAt: time.Date(2026, 3, 13, 9, 0, 0, 0, dossier.Loc), Sets: 1, Channel: 1, Delivery: 1}
	return dossier.Event{ID: dossier.NewEventID(), RecordID: id, Type: dossier.EvReceived, Actor: "cb", At: r.ReceivedAt, Record: r}
}

func pushBody(dev string, evs ...dossier.Event) []byte {
	b, _ := json.Marshal(wire.PushRequest{DeviceID: dev, Events: evs})
	return b
}

func TestMalformedInputGets400(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	for name, body := range map[string]string{
		"not json":       `{`,
		"wrong type":     `{"device_id": 5, "events": []}`,
		"unknown field":  `{"device_id":"` + dev.DeviceID + `","events":[],"x":1}`,
		"no events":      `{"device_id":"` + dev.DeviceID + `","events":[]}`,
		"trailing":       `{"device_id":"` + dev.DeviceID + `","events":[]} {}`,
		"event lacks id": `{"device_id":"` + dev.DeviceID + `","events":[{"type":"received"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			status, out := e.call("POST", "/v1/push", dev.Token, []byte(body))
			var we wire.Error
			if status != 400 || json.Unmarshal(out, &we) != nil || we.Code != "bad_request" || we.Error == "" {
				t.Fatalf("%d %s", status, out)
			}
		})
	}
	if status, _ := e.call("POST", "/v1/push", dev.Token, []byte("garbage"), "Content-Encoding", "gzip"); status != 400 {
		t.Fatalf("bad gzip: %d", status)
	}
	if status, _ := e.call("GET", "/v1/pull?after=x", dev.Token, nil); status != 400 {
		t.Fatalf("bad cursor: %d", status)
	}
}

func TestRequestSizeLimited(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	big := append([]byte(`{"device_id":"`+dev.DeviceID+`","events":[],"pad":"`), bytes.Repeat([]byte("x"), wire.MaxRequestBytes+10)...)
	if status, _ := e.call("POST", "/v1/push", dev.Token, big); status != 413 {
		t.Fatalf("status %d", status)
	}
	// a gzip bomb: small on the wire, huge inside
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(`{"device_id":"` + dev.DeviceID + `","events":[],"pad":"`))
	zw.Write(bytes.Repeat([]byte("x"), wire.MaxRequestBytes+10))
	zw.Close()
	if status, _ := e.call("POST", "/v1/push", dev.Token, zb.Bytes(), "Content-Encoding", "gzip"); status != 413 {
		t.Fatalf("gzip bomb: %d", status)
	}
}

func TestAuthAndScoping(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("000.00.12.H57", 1)
	bDev := e.enroll("000.00.13.H57", 1)
	officerA, _ := e.store.NewToken(KindOfficer, "000.00.12.H57")
	if status, _ := e.call("GET", "/v1/pull", "", nil); status != 401 {
		t.Fatalf("no token: %d", status)
	}
	if status, _ := e.call("GET", "/v1/pull", "forged", nil); status != 401 {
		t.Fatalf("forged token: %d", status)
	}
	if status, _ := e.call("POST", "/v1/push", officerA, pushBody("x", intakeEvent("000.00.12.H57", 1, "A"))); status != 403 {
		t.Fatalf("officer pushing as a counter: %d", status)
	}
	if status, _ := e.call("POST", "/v1/push", a.Token, pushBody(bDev.DeviceID, intakeEvent("000.00.12.H57", 1, "A"))); status != 403 {
		t.Fatalf("push under another device id: %d", status)
	}
	// A's record
	ev := intakeEvent("000.00.12.H57", 1, "Nguyễn Văn A")
	status, out := e.call("POST", "/v1/push", a.Token, pushBody(a.DeviceID, ev))
	var pr wire.PushResponse
	json.Unmarshal(out, &pr)
	if status != 200 || pr.Results[0].Status != wire.Accepted {
		t.Fatalf("%d %s", status, out)
	}
	// B cannot create a record of A's unit, nor act on A's record
	status, out = e.call("POST", "/v1/push", bDev.Token, pushBody(bDev.DeviceID, intakeEvent("000.00.12.H57", 1, "X")))
	json.Unmarshal(out, &pr)
	if status != 200 || pr.Results[0].Status != wire.Conflict {
		t.Fatalf("cross-unit intake: %s", out)
	}
	act := dossier.Event{ID: dossier.NewEventID(), RecordID: ev.RecordID, Type: dossier.EvProcessing, Actor: "x", At: time.Now()}
	_, out = e.call("POST", "/v1/push", bDev.Token, pushBody(bDev.DeviceID, act))
	json.Unmarshal(out, &pr)
	if pr.Results[0].Status != wire.Conflict || pr.Results[0].Record != nil {
		t.Fatalf("cross-unit action: %s", out)
	}
	// B never sees A's events
	_, out = e.call("GET", "/v1/pull?after=0", bDev.Token, nil)
	var pull wire.PullResponse
	json.Unmarshal(out, &pull)
	for _, pe := range pull.Events {
		if pe.Event.RecordID == ev.RecordID {
			t.Fatal("another unit's event leaked")
		}
	}
	// revoked tokens stop working
	if err := e.store.Revoke(a.DeviceID); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.call("GET", "/v1/pull", a.Token, nil); status != 401 {
		t.Fatalf("revoked: %d", status)
	}
	// enrollment codes are one-time
	code, _ := e.store.NewEnrollCode("000.00.12.H57", 2)
	e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code+`","device_name":"q"}`))
	if status, _ := e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code+`","device_name":"q"}`)); status != 403 {
		t.Fatalf("code reused: %d", status)
	}
}

func TestTokensStoredHashed(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	officer, _ := e.store.NewToken(KindOfficer, "000.00.12.H57")
	e.store.Close()
	data := storedBytes(t, e)
	if len(data) < 1000 || bytes.Contains(data, []byte(dev.Token)) || bytes.Contains(data, []byte(officer)) {
		t.Fatalf("a token is stored in clear (%d bytes read)", len(data))
	}
	e.store, _ = Open(e.db, e.dir, assets.Catalog, assets.Calendar)
}

// storedBytes is everything the store keeps: the bbolt file, or every
// table of the PostgreSQL database as pg_dump writes it.
func storedBytes(t *testing.T, e *env) []byte {
	t.Helper()
	if e.db == "" {
		data, err := os.ReadFile(filepath.Join(e.dir, "motcua-server.db"))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	data, err := exec.Command("pg_dump", "--data-only", e.db).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return data
}

func TestDedupeAndPullOrder(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	ev := intakeEvent("000.00.12.H57", 1, "Trần Thị B")
	body := pushBody(dev.DeviceID, ev)
	var first, again wire.PushResponse
	_, out := e.call("POST", "/v1/push", dev.Token, body, "Accept-Encoding", "identity")
	json.Unmarshal(out, &first)
	_, out = e.call("POST", "/v1/push", dev.Token, body)
	json.Unmarshal(out, &again)
	if first.Results[0].Status != wire.Accepted || again.Results[0].Status != wire.Duplicate || again.Results[0].ServerSeq != first.Results[0].ServerSeq {
		t.Fatalf("%+v %+v", first, again)
	}
	changed := ev
	changed.Actor = "someone else"
	_, out = e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, changed))
	var cf wire.PushResponse
	json.Unmarshal(out, &cf)
	if cf.Results[0].Status != wire.Conflict || !strings.Contains(cf.Results[0].Reason, "khác") {
		t.Fatalf("%s", out)
	}
	n := 0
	e.store.Export("", func(*dossier.Record) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d records", n)
	}
	status, _ := e.call("GET", "/v1/pull?after=999999", dev.Token, nil)
	if status != 410 {
		t.Fatalf("unknown cursor: %d", status)
	}
}

func TestNeverPanics(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	officer, _ := e.store.NewToken(KindOfficer, "000.00.12.H57")
	weird := []string{`null`, `[]`, `{"events":null}`, `{"device_id":"` + dev.DeviceID + `","events":[{"id":"a","record_id":"b","type":"received","at":"2026-01-01T00:00:00Z"}]}`,
		`{"device_id":"` + dev.DeviceID + `","events":[{"id":"a","record_id":"b","type":"returned","at":"2026-01-01T00:00:00Z","collector":null}]}`,
		`{"device_id":"` + dev.DeviceID + `","events":[{"id":"a","record_id":"b","type":"received","at":"2026-01-01T00:00:00Z","record":{"id":"b","unit_code":"000.00.12.H57","counter":1}}]}`}
	for _, w := range weird {
		for _, path := range []string{"/v1/push", "/v1/records/b/events", "/v1/enroll"} {
			for _, tok := range []string{dev.Token, officer} {
				status, out := e.call("POST", path, tok, []byte(w))
				if status >= 500 {
					t.Fatalf("%s %s: %d %s", path, w, status, out)
				}
			}
		}
	}
}
