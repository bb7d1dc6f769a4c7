package server

import (
	"errors"
	"strings"
	"testing"
)

// One active device per counter number: two devices with one number would
// issue the same record codes offline. A lost answer retried by the same
// installation still enrolls; after the old device is revoked, a new PC
// takes the number.
func TestOneActiveDevicePerCounter(t *testing.T) {
	e := newEnv(t)
	code1, _ := e.store.NewEnrollCode("000.00.12.H57", 1)
	code2, _ := e.store.NewEnrollCode("000.00.12.H57", 1) // both issued before either is used
	status, body := e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code1+`","install_id":"pc-a"}`))
	if status != 200 {
		t.Fatalf("first device: %d %s", status, body)
	}
	status, body = e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code2+`","install_id":"pc-b"}`))
	if status != 409 || !strings.Contains(string(body), "counter_taken") || !strings.Contains(string(body), "trùng mã hồ sơ") {
		t.Fatalf("second device for counter 1: %d %s", status, body)
	}
	if status, _ = e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code1+`","install_id":"pc-a"}`)); status != 200 {
		t.Fatalf("the first device's retry: %d", status)
	}
	if _, err := e.store.NewEnrollCode("000.00.12.H57", 1); !errors.Is(err, ErrCounterTaken) {
		t.Fatalf("a code for a taken counter: %v", err)
	}
	if _, err := e.store.NewEnrollCode("000.00.12.H57", 2); err != nil {
		t.Fatalf("another counter: %v", err)
	}
	if _, err := e.store.NewEnrollCode("000.00.13.H57", 1); err != nil {
		t.Fatalf("counter 1 of another unit: %v", err)
	}
	dev := e.store.DeviceFor("000.00.12.H57", 1)
	if dev == "" || e.store.Revoke(dev) != nil {
		t.Fatalf("device %q", dev)
	}
	// the unused second code works now that the number is free
	if status, body = e.call("POST", "/v1/enroll", "", []byte(`{"code":"`+code2+`","install_id":"pc-b"}`)); status != 200 {
		t.Fatalf("after revoking the old device: %d %s", status, body)
	}
}
