package server

import (
	"encoding/json"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/sync/wire"
)

// TestLetterNumberGivenTwiceRefused: the backend refuses a letter whose
// register number another letter of the unit's year holds; the same event
// again is a duplicate, not a conflict; the letters endpoint gives runs.
func TestLetterNumberGivenTwiceRefused(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 2)
	a := intakeEvent("000.00.12.H57", 2, "Lê Văn Một")
	b := intakeEvent("000.00.12.H57", 2, "Lê Văn Hai")
	b.Record.Code = "000.00.12.H57-260310-2002"
	extend := func(rec dossier.Event) dossier.Event {
		return dossier.Event{ID: dossier.NewEventID(), RecordID: rec.RecordID, Type: dossier.EvExtended, Actor: "cb", BaseVersion: 1,
			At: time.Date(2026, 3, 11, 9, 0, 0, 0, dossier.Loc), OldDue: rec.Record.DueAt, NewDue: rec.Record.DueAt.AddDate(0, 0, 7),
			Reason: "Cần xác minh", Letter: "5/UBND"}
	}
	ea, eb := extend(a), extend(b)
	status, body := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, a, b, ea, eb, ea))
	var resp wire.PushResponse
	if status != 200 || json.Unmarshal(body, &resp) != nil {
		t.Fatalf("push %d %s", status, body)
	}
	got := []string{}
	for _, r := range resp.Results {
		got = append(got, r.Status)
	}
	if got[2] != wire.Accepted || got[3] != wire.Conflict || got[4] != wire.Duplicate {
		t.Fatalf("letter numbers: %v (%s)", got, resp.Results[3].Reason)
	}
	status, body = e.call("POST", "/v1/letters", dev.Token, []byte(`{"id":"x1","year":2026,"count":20}`))
	var run wire.LetterBlock
	if status != 200 || json.Unmarshal(body, &run) != nil || run.From != 1 || run.To != 20 {
		t.Fatalf("a run: %d %s", status, body)
	}
	if status, _ = e.call("POST", "/v1/letters", dev.Token, []byte(`{"id":"x2","year":2026,"count":100000}`)); status != 400 {
		t.Fatalf("a run too long: %d", status)
	}
}
