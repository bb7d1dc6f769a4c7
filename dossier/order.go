package dossier

import (
	"cmp"
	"strings"
	"time"
)

// The order of a record's events that every counter agrees on: by hybrid
// logical clock (Event.HLC), then by event id. An event made after another
// was seen always comes after it; events made apart, by counters that had
// not seen each other's, come in the order of their devices' clocks.

// Clock is where an event sits in that order: its HLC, or for an event
// made before events had one, its time.
func (e Event) Clock() int64 {
	if e.HLC != 0 {
		return e.HLC
	}
	return e.At.UnixNano()
}

// FoldOrder compares two events in the agreed order (for slices.SortFunc).
func FoldOrder(a, b Event) int {
	if c := cmp.Compare(a.Clock(), b.Clock()); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// NextHLC is the clock of an event made now on r, the device having seen
// the events seen too (those of r's that it could not apply): now, or
// just past the latest of them.
func NextHLC(r *Record, now time.Time, seen []Event) int64 {
	h := now.UnixNano()
	for _, evs := range [][]Event{r.History, seen} {
		for _, e := range evs {
			if c := e.Clock(); c >= h {
				h = c + 1
			}
		}
	}
	return h
}
