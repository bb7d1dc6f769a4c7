package server

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"motcua/dossier"
	"motcua/sync/wire"
)

// TestLogHoldsEventsAsApplied: the unit's log holds each event as the
// rules left it, not merely as it was pushed: an intake as it came, an
// extension with the appointment it replaced (set by dossier.Apply).
func TestLogHoldsEventsAsApplied(t *testing.T) {
	e := newEnv(t)
	dev := e.enroll("000.00.12.H57", 1)
	in := intakeEvent("000.00.12.H57", 1, "Trần Thị B")
	ext := dossier.Event{ID: dossier.NewEventID(), RecordID: in.RecordID, Type: dossier.EvExtended, Actor: "cb", BaseVersion: 1,
		At: in.Record.DueAt.Add(-time.Hour), NewDue: in.Record.DueAt.AddDate(0, 0, 7), Reason: "Cần xác minh thêm"}
	if status, out := e.call("POST", "/v1/push", dev.Token, pushBody(dev.DeviceID, in, ext)); status != 200 || !bytes.Contains(out, []byte(`"accepted"`)) {
		t.Fatalf("%d %s", status, out)
	}
	status, out := e.call("GET", "/v1/pull", dev.Token, nil)
	var page wire.PullResponse
	if status != 200 || json.Unmarshal(out, &page) != nil || len(page.Events) != 2 {
		t.Fatalf("%d %s", status, out)
	}
	if got := page.Events[0].Event; got.ID != in.ID || got.Record == nil || got.Record.Code != in.Record.Code {
		t.Fatalf("the intake logged: %+v", got)
	}
	if got := page.Events[1].Event; got.ID != ext.ID || !got.OldDue.Equal(in.Record.DueAt) || !got.NewDue.Equal(ext.NewDue) {
		t.Fatalf("the extension logged with old appointment %v, want %v", got.OldDue, in.Record.DueAt)
	}
}
