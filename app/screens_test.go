package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"motcua/dossier"
)

// A peer the exchange fails with is explained in plain words for the
// usual causes; anything else is shown as the error said it.
func TestLANFailureInPlainWords(t *testing.T) {
	SetLanguage("vi")
	for raw, want := range map[string]string{
		`Post "https://10.0.0.12:8761/lan/v1/exchange": dial tcp 10.0.0.12:8761: connect: connection refused`: "chưa mở chương trình Một Cửa",
		`Post "https://10.0.0.12:8761/lan/v1/exchange": dial tcp 10.0.0.12:8761: i/o timeout`:                 "không tới được máy đó",
		`Post "https://10.0.0.12:8761/lan/v1/exchange": tls: failed to verify certificate`:                    "không có chứng thư hợp lệ",
		`lan: a malformed answer: wire: a malformed batch of the office network: not one`:                     "trả lời không đúng cách",
		`lan: something new`: "lan: something new",
	} {
		if got := lanWhy(raw); !strings.Contains(got, want) {
			t.Errorf("%q: %q, want it to say %q", raw, got, want)
		}
	}
}

// The list's columns share the row by weight, but a column with a least
// width never gets less; the others share what is left, all of it.
func TestWeightedColumnsKeepTheirLeast(t *testing.T) {
	l := &weightedColumns{weights: []float32{1.5, 2.1, 2.3, 1.7, 1.7, 2.3}, least: []float32{110, 0, 0, 120, 120, 0}}
	for _, w := range []float32{500, 760, 1200} {
		got := l.widths(w)
		var sum float32
		for i, x := range got {
			sum += x
			if i < len(l.least) && x < l.least[i] {
				t.Fatalf("width %v: column %d gets %v, under its %v", w, i, x, l.least[i])
			}
		}
		if sum < w-0.5 || sum > w+0.5 {
			t.Fatalf("width %v: the columns take %v", w, sum)
		}
		if w == 1200 && (got[0] <= 110 || got[3] <= 120) {
			t.Fatalf("width 1200: a wide row still holds its columns at their least: %v", got)
		}
	}
}

// A few digits of a number get the hint that numbers are found whole;
// a code as the list shows it ("260310-2001", or its day) does not.
func TestPartialNumberHintSparesListedCodes(t *testing.T) {
	SetLanguage("vi")
	if partialNumberHint("0912 34") == "" {
		t.Fatal("a few digits of a phone got no hint")
	}
	for _, q := range []string{"260310-2001", "260310-", "260310-20"} {
		if h := partialNumberHint(q); h != "" {
			t.Fatalf("%q got the hint %q", q, h)
		}
	}
}

// The records list's code column grows to show a file filed on the
// national portal by its whole code ("G22.99.12-260309-0042"), in line
// with the header, and goes back to the unit's short codes when no such
// file is listed.
func TestRecordsListShowsPortalCodesWhole(t *testing.T) {
	u, s := newTestUI(t)
	own, err := s.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Trần Văn Minh", IDNumber: "046090001234"}, FilerIsOwner: true})
	if err != nil {
		t.Fatal(err)
	}
	filed := pullFiling(t, s, "G22.99.12-260309-0042", time.Date(2026, 3, 9, 21, 40, 0, 0, dossier.Loc))
	u.showTab(1)
	settle(t, u)
	rs := u.records
	row := rs.newRow().(*fyne.Container) // one row, shown again as the list's rows are
	row.Resize(fyne.NewSize(rs.header.Size().Width, 40))
	shown := func(want *dossier.Record) {
		t.Helper()
		i := slices.IndexFunc(rs.items, func(r *dossier.Record) bool { return r.ID == want.ID })
		if i < 0 {
			t.Fatalf("%s is not listed", want.Code)
		}
		rs.updateRow(i, row)
		code := row.Objects[0].(*widget.Label)
		need := codeWidth(code.Text)
		if code.Size().Width < need || rs.header.Objects[0].Size().Width != code.Size().Width {
			t.Fatalf("%q in a column of %v (header %v), needs %v", code.Text, code.Size().Width, rs.header.Objects[0].Size().Width, need)
		}
	}
	search := func(text string, n int) {
		t.Helper()
		rs.search.SetText(text)
		settle(t, u)
		if len(rs.items) != n {
			t.Fatalf("%q lists %d records, want %d", text, len(rs.items), n)
		}
	}
	search(shortCode(own.Code, own.UnitCode), 1)
	shown(own)
	if rs.least[0] != recordLeast()[0] {
		t.Fatalf("the code column's least %v, want %v", rs.least[0], recordLeast()[0])
	}
	search("", 2)
	shown(filed)
	shown(own)
	if rs.least[0] < codeWidth(filed.Code) {
		t.Fatalf("the code column's least %v is under %v", rs.least[0], codeWidth(filed.Code))
	}
	search(shortCode(own.Code, own.UnitCode), 1)
	shown(own)
	if rs.least[0] != recordLeast()[0] {
		t.Fatalf("the code column's least %v, want %v again", rs.least[0], recordLeast()[0])
	}
}
