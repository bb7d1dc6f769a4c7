package dossier

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestEventSizeSparesNoCheck: an event whose record is too large is
// refused whether or not its encoded size is given, and one within the
// limits passes either way.
func TestEventSizeSparesNoCheck(t *testing.T) {
	r := &Record{Code: "000.00.12.H57-260310-1001", ProcedureName: "Đăng ký khai sinh", ProcedureCode: "1.001193", Clerk: "Trần Văn Bình",
		Owner: Party{Type: PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234"}}
	e := &Event{ID: "e1", Type: EvReceived, Actor: "binh", Record: r}
	size := func() int {
		data, _ := json.Marshal(e)
		return len(data)
	}
	if err := CheckEventLimits(e); err != nil {
		t.Fatal(err)
	}
	if err := CheckEventLimitsSized(e, size()); err != nil {
		t.Fatal(err)
	}
	// many documents, each within its own limit, together past the record's
	for range MaxDocuments {
		r.Documents = append(r.Documents, DocumentLine{Name: strings.Repeat("giay to ", MaxTextLen/8)})
	}
	if n := size(); n <= MaxRecordBytes {
		t.Fatalf("the fixture is %d bytes: not past %d", n, MaxRecordBytes)
	}
	for _, err := range []error{CheckEventLimits(e), CheckEventLimitsSized(e, size())} {
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("a record past the limit: %v", err)
		}
	}
}
