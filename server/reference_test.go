package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"motcua/assets"
	"motcua/dossier"
	"motcua/sync/wire"
)

// The admin socket replaces the reference data of a running backend while
// counters push: the calendar the pushes apply events with is swapped
// whole, never read half-written (run under -race).
func TestReferenceChangesDuringPushes(t *testing.T) {
	e := newEnv(t)
	const pushers, perPusher = 4, 30
	devs := make([]wire.EnrollResponse, pushers)
	for i := range devs {
		devs[i] = e.enroll("000.00.12.H57", i+1)
	}
	post := func(token string, body []byte) (wire.PushResponse, error) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/v1/push", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return wire.PushResponse{}, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var out wire.PushResponse
		if resp.StatusCode != 200 {
			return out, fmt.Errorf("%d %s", resp.StatusCode, data)
		}
		return out, json.Unmarshal(data, &out)
	}
	errs := make(chan error, pushers*perPusher+100)
	var wg sync.WaitGroup
	for p := range pushers {
		wg.Go(func() {
			for i := range perPusher {
				ev := withCode(intakeEvent("000.00.12.H57", p+1, "Nguyễn Văn A"), fmt.Sprintf("000.00.12.H57-260310-%d%03d", p+1, i+1))
				resp, err := post(devs[p].Token, pushBody(devs[p].DeviceID, ev))
				if err == nil && (len(resp.Results) != 1 || resp.Results[0].Status != wire.Accepted) {
					err = fmt.Errorf("push %d/%d: %+v", p, i, resp.Results)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			if err := e.store.SetReference(assets.Catalog, assets.Calendar); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	if err := e.store.Export("", func(*dossier.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != pushers*perPusher {
		t.Fatalf("%d records stored, want %d", n, pushers*perPusher)
	}
}
