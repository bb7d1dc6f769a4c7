package storage

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"motcua/dossier"
)

func all(t *testing.T, s *Store, q Query, pageSize int) []*dossier.Record {
	t.Helper()
	var out []*dossier.Record
	var cur Cursor
	for i := 0; i < 1000; i++ {
		page, next, err := s.Page(q, cur, pageSize)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == nil {
			return out
		}
		cur = next
	}
	t.Fatal("paging does not end")
	return nil
}

func codes(rs []*dossier.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestSearchAndFilters(t *testing.T) {
	s := newTestStore(t)
	names := []string{"Nguyễn Văn An", "Nguyễn Thị Bình", "Trần Văn An", "Lê Văn Cường", "Nguyễn Văn Anh", "Phạm Thị Dung"}
	var recs []*dossier.Record
	for i, n := range names {
		in := intake(n, fmt.Sprintf("0460900012%02d", i), fmt.Sprintf("09123456%02d", i))
		in.ReceivedAt = time.Date(2026, 3, 2+i, 9, 0, 0, 0, dossier.Loc)
		if i%2 == 1 {
			in.ProcedureCode = "2.000815"
		}
		r, err := s.Intake(in)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	// move one to processing, finish one
	up, _ := s.Apply(s.NewEvent(recs[0], dossier.EvProcessing))
	done := s.NewEvent(recs[1], dossier.EvResultReady)
	s.Apply(done)

	check := func(name string, q Query, want ...int) {
		t.Run(name, func(t *testing.T) {
			for _, ps := range []int{1, 2, 50} {
				got := codes(all(t, s, q, ps))
				var w []string
				for _, i := range want {
					w = append(w, recs[i].Code)
				}
				if fmt.Sprint(got) != fmt.Sprint(w) {
					t.Fatalf("page size %d: got %v want %v", ps, got, w)
				}
			}
		})
	}
	check("all newest first", Query{}, 5, 4, 3, 2, 1, 0)
	check("folded name", Query{Text: "nguyen van an"}, 0)
	check("folded name upper", Query{Text: "NGUYEN VAN"}, 4, 0)
	check("name with diacritics", Query{Text: "Nguyễn"}, 4, 1, 0)
	check("one word", Query{Text: "an"}, 2, 0)
	check("no such name", Query{Text: "hoang"})
	check("code", Query{Text: recs[3].Code}, 3)
	check("code prefix", Query{Text: "000.00.12.H57-26030"}, 5, 4, 3, 2, 1, 0)
	// as the records list shows a code, without the unit's prefix
	check("code as listed", Query{Text: strings.TrimPrefix(recs[3].Code, "000.00.12.H57-")}, 3)
	check("day as listed", Query{Text: "260305-"}, 3)
	check("id number", Query{Text: "046090001202"}, 2)
	check("phone with spaces", Query{Text: "0912 345 603"}, 3)
	check("phone +84", Query{Text: "+84912345604"}, 4)
	check("status", Query{Status: dossier.StatusReceived}, 5, 4, 3, 2)
	check("status processing", Query{Status: dossier.StatusProcessing}, 0)
	check("procedure", Query{Procedure: "2.000815"}, 5, 3, 1)
	check("date range", Query{From: time.Date(2026, 3, 3, 0, 0, 0, 0, dossier.Loc), To: time.Date(2026, 3, 5, 0, 0, 0, 0, dossier.Loc)}, 2, 1)
	check("name and status", Query{Text: "nguyen", Status: dossier.StatusReceived}, 4)
	// due dates: 1.004873 is 3 working days, 2.000815 same day
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, dossier.Loc) // Monday
	check("overdue, most overdue first", Query{Due: DueOverdue, Now: now}, 0, 3, 2)
	check("due today", Query{Due: DueToday, Now: now}, 5)
	check("due within 2 working days", Query{Due: DueSoon, Now: now}, 5, 4)
	_ = up
}

func TestCount(t *testing.T) {
	s := newTestStore(t)
	for i := 0; i < 7; i++ {
		s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	}
	if n, _ := s.Count(Query{}, 100); n != 7 {
		t.Fatalf("count %d", n)
	}
	if n, _ := s.Count(Query{}, 5); n != 5 {
		t.Fatalf("capped count %d", n)
	}
}

func TestSeedIsConsistentAndSearchable(t *testing.T) {
	s := newTestStore(t)
	var last int
	if err := s.Seed(3000, 1, func(d int) { last = d }); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats()
	if st.Records != 3000 || last != 3000 || st.Pending != 0 {
		t.Fatalf("%+v last %d", st, last)
	}
	got := all(t, s, Query{Text: "nguyen"}, 100)
	if len(got) < 300 {
		t.Fatalf("only %d Nguyễn", len(got))
	}
	for _, r := range got {
		if !strings.Contains(dossier.Fold(r.Owner.Name+" "+r.Filer.Name), "nguyen") {
			t.Fatalf("%s does not match", r.Owner.Name)
		}
	}
	returned, _ := s.Count(Query{Status: dossier.StatusReturned}, 5000)
	if returned < 1000 {
		t.Fatalf("only %d returned", returned)
	}
}

// TestNameSearchMatchesBruteForce checks the leapfrog join against a scan
// of every record, with small pages so that cursors resume mid-list.
func TestNameSearchMatchesBruteForce(t *testing.T) {
	s := newTestStore(t)
	if err := s.Seed(4000, 9, nil); err != nil {
		t.Fatal(err)
	}
	every := all(t, s, Query{}, 500)
	for _, q := range []string{"nguyen van", "pham duc huy", "ton nu thu", "thi an", "le", "tran thi mai", "khong ai"} {
		want := map[string]bool{}
		for _, r := range every {
			names := " " + dossier.Fold(r.Owner.Name) + " "
			if !r.FilerIsOwner {
				names += " " + dossier.Fold(r.Filer.Name) + " "
			}
			ok := true
			for _, w := range strings.Fields(q) {
				if !strings.Contains(names, " "+w+" ") {
					ok = false
				}
			}
			if ok {
				want[r.ID] = true
			}
		}
		got := all(t, s, Query{Text: q}, 7)
		seen := map[string]bool{}
		for i, r := range got {
			if !want[r.ID] || seen[r.ID] {
				t.Fatalf("%q: unexpected or repeated %s", q, r.Code)
			}
			if i > 0 && got[i-1].ID < r.ID {
				t.Fatalf("%q: not newest first", q)
			}
			seen[r.ID] = true
		}
		if len(seen) != len(want) {
			t.Fatalf("%q: got %d, want %d", q, len(seen), len(want))
		}
	}
}

// The procedure index alone counts each procedure's recent files.
func TestProcedureUse(t *testing.T) {
	s := newTestStore(t)
	old := intake("Nguyễn Văn An", "046090001234", "")
	old.ReceivedAt = s.now().AddDate(0, 0, -120)
	if _, err := s.Intake(old); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Intake(intake("Nguyễn Văn An", "046090001234", "")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ProcedureUse([]string{"1.004873", "2.000884"}, s.now().AddDate(0, 0, -90), 2)
	if err != nil || got["1.004873"] != 2 || len(got) != 1 {
		t.Fatalf("%v %v (capped at 2, the old file not counted)", got, err)
	}
	if got, _ := s.ProcedureUse([]string{"1.004873"}, s.now().AddDate(0, 0, -200), 10); got["1.004873"] != 4 {
		t.Fatalf("%v", got)
	}
}

// A file filed on the national portal is found by its portal code, whole
// or its start, typed in capitals or not; a phone typed with dashes is
// still a phone, and a name still a name.
func TestSearchByPortalCode(t *testing.T) {
	s := newTestStore(t)
	cat := s.Catalog()
	var filed []*dossier.Record
	for i, code := range []string{"G22.99.12-261128-0042", "G22.99.12-261129-0107"} {
		at := time.Date(2026, 11, 28+i, 21, 0, 0, 0, dossier.Loc)
		f := dossier.Filing{Code: code, ProcedureCode: "1.004873", FiledAt: at, FilerIsOwner: true,
			Owner: dossier.Party{Type: dossier.PartyCitizen, Name: "Nguyễn Thị Lan", IDNumber: "046190001234", Phone: "0912345678"}}
		ev, err := dossier.NewFiledEvent(f, "000.00.12.H57", cat, at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyRemote([]RemoteEvent{{Seq: uint64(i + 1), Event: ev}}, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		r, err := s.Get(ev.RecordID)
		if err != nil {
			t.Fatal(err)
		}
		filed = append(filed, r)
	}
	own, err := s.Intake(intake("Trần Văn Minh", "046090001299", "0987654321"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DrainBacklog(100); err != nil { // pulled records' names are indexed after
		t.Fatal(err)
	}
	// a name lists newest id first; the portal's filings' ids are not by time
	byName := slices.Clone(filed)
	slices.SortFunc(byName, func(a, b *dossier.Record) int { return strings.Compare(b.ID, a.ID) })
	for text, want := range map[string][]*dossier.Record{
		"G22.99.12-261128-0042":   {filed[0]},
		" g22.99.12-261129-0107 ": {filed[1]},
		"G22.99":                  {filed[1], filed[0]},
		"g22.99.12-26112":         {filed[1], filed[0]},
		"G22.99.13":               nil,
		"0987-654-321":            {own},
		"Nguyễn Thị Lan":          byName,
		own.Code:                  {own},
	} {
		if got := codes(all(t, s, Query{Text: text}, 1)); fmt.Sprint(got) != fmt.Sprint(codes(want)) {
			t.Fatalf("%q found %v, want %v", text, got, codes(want))
		}
	}
}
