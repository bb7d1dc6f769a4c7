package dossier

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func loadCalendar(t testing.TB) *Calendar {
	t.Helper()
	data, err := os.ReadFile("../assets/data/calendar.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCalendar(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ts(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Loc)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDue(t *testing.T) {
	cal := loadCalendar(t)
	same := ProcessingTime{Unit: UnitSameDay}
	days := func(n int) ProcessingTime { return ProcessingTime{Unit: UnitDays, Amount: n} }
	hours := func(n int) ProcessingTime { return ProcessingTime{Unit: UnitHours, Amount: n} }
	cdays := func(n int) ProcessingTime { return ProcessingTime{Unit: UnitCalendarDays, Amount: n} }
	tests := []struct {
		name     string
		pt       ProcessingTime
		cutoff   bool
		received string
		want     string
	}{
		// same day and the 15:00 rule
		{"same day morning", same, true, "2026-03-10 09:00", "2026-03-10 17:00"},
		{"same day 14:59", same, true, "2026-03-10 14:59", "2026-03-10 17:00"},
		{"same day exactly 15:00 is not after the cut-off", same, true, "2026-03-10 15:00", "2026-03-10 17:00"},
		{"same day 15:01 is after the cut-off", same, true, "2026-03-10 15:01", "2026-03-11 17:00"},
		{"same day 16:30 with rule", same, true, "2026-03-10 16:30", "2026-03-11 17:00"},
		{"same day 16:30 without rule", same, false, "2026-03-10 16:30", "2026-03-10 17:00"},
		{"same day after closing without rule", same, false, "2026-03-10 17:30", "2026-03-11 17:00"},
		{"same day Friday 15:30 goes to Monday", same, true, "2026-03-13 15:30", "2026-03-16 17:00"},
		{"same day on Saturday goes to Monday", same, true, "2026-03-14 08:00", "2026-03-16 17:00"},
		{"same day at lunch before cut-off", same, true, "2026-03-10 12:00", "2026-03-10 17:00"},
		{"same day early morning", same, true, "2026-03-10 06:30", "2026-03-10 17:00"},
		// working days
		{"1 day from 9:00", days(1), false, "2026-03-10 09:00", "2026-03-11 09:00"},
		{"1 day from opening ends at closing", days(1), false, "2026-03-10 07:00", "2026-03-10 17:00"},
		{"3 days from Wednesday 10:00", days(3), false, "2026-03-11 10:00", "2026-03-16 10:00"},
		{"5 days across a weekend", days(5), false, "2026-03-12 08:00", "2026-03-19 08:00"},
		{"received at lunch starts 13:30", days(1), false, "2026-03-10 12:15", "2026-03-11 11:30"},
		{"received after closing starts next opening", days(1), false, "2026-03-10 18:00", "2026-03-11 17:00"},
		{"received Saturday starts Monday", days(2), false, "2026-03-14 10:00", "2026-03-17 17:00"},
		{"received Sunday night", days(1), false, "2026-03-15 22:00", "2026-03-16 17:00"},
		{"15 days", days(15), false, "2026-06-01 07:00", "2026-06-19 17:00"},
		// working hours
		{"4 hours across lunch", hours(4), false, "2026-03-10 09:00", "2026-03-10 15:00"},
		{"8 hours equals one day", hours(8), false, "2026-03-10 09:00", "2026-03-11 09:00"},
		{"2 hours ending at 11:30 exactly", hours(2), false, "2026-03-10 09:30", "2026-03-10 11:30"},
		{"40 hours is a week", hours(40), false, "2026-03-09 07:00", "2026-03-13 17:00"},
		// Tết 2026: off 14/2 (Sat) to 22/2 (Sun)
		{"Tết: Friday 13/2 16:05, 1 day", days(1), false, "2026-02-13 16:05", "2026-02-23 16:05"},
		{"Tết: same day after 15:00 on 13/2", same, true, "2026-02-13 16:05", "2026-02-23 17:00"},
		{"Tết: received during Tết", days(1), false, "2026-02-18 09:00", "2026-02-23 17:00"},
		{"Tết: 3 days from 12/2", days(3), false, "2026-02-12 09:00", "2026-02-24 09:00"},
		// 30/4 – 1/5 2026 (Thu, Fri) and Hùng Kings make-up Mon 27/4
		{"30/4: Wednesday 29/4 15:30 same day", same, true, "2026-04-29 15:30", "2026-05-04 17:00"},
		{"30/4: 2 days from 28/4 10:00", days(2), false, "2026-04-28 10:00", "2026-05-04 10:00"},
		{"Hùng Kings compensatory Monday", days(1), false, "2026-04-24 09:00", "2026-04-28 09:00"},
		// 2/9/2026 (Wed) and 1/9
		{"2/9: received on the swapped Monday 31/8, 1 day", days(1), false, "2026-08-31 09:00", "2026-09-03 17:00"},
		{"2/9: same day on 2/9", same, true, "2026-09-02 09:00", "2026-09-03 17:00"},
		// 2025 make-up Saturday 26/4 counts as a working day
		{"2025 make-up Saturday counts", days(1), false, "2025-04-25 09:00", "2025-04-26 09:00"},
		{"2025 swapped Friday 2/5 is off", days(1), false, "2025-04-29 09:00", "2025-05-05 09:00"},
		// 2025 Tết (TB 6150/TB-BLĐTBXH): 27–31/1 off, no make-up Saturday
		{"2025 Tết", days(1), false, "2025-01-24 10:00", "2025-02-03 10:00"},
		{"2025 Saturday 15/2 is not a working day", days(1), false, "2025-02-14 10:00", "2025-02-17 10:00"},
		// 2026 New Year swap (CV 12729/VPCP-KGVX): Fri 2/1 off, Sat 10/1 worked
		{"31/12/2025 after 15:00: not Friday 2/1", same, true, "2025-12-31 15:30", "2026-01-05 17:00"},
		{"Sat 10/1/2026 is a working day", days(1), false, "2026-01-09 09:00", "2026-01-10 09:00"},
		{"Sat 10/1/2026 same day", same, true, "2026-01-10 09:00", "2026-01-10 17:00"},
		// 2026 National Day swap (TB 9441/TB-BNV): Mon 31/8 off, Sat 22/8 worked
		{"3 days from Fri 21/8 count Sat 22/8", days(3), false, "2026-08-21 09:00", "2026-08-25 09:00"},
		{"3 days from Fri 28/8 skip 31/8–2/9", days(3), false, "2026-08-28 09:00", "2026-09-07 09:00"},
		// Vietnamese Culture Day (NQ 28/2026/QH16): Tue 24/11/2026 off
		{"Culture Day 24/11/2026", days(1), false, "2026-11-23 09:00", "2026-11-25 09:00"},
		{"Culture Day 24/11/2027", same, true, "2027-11-23 15:30", "2027-11-25 17:00"},
		// 2027: 1/5 on Saturday made up on Monday 3/5 (BLLĐ Điều 111 khoản 3)
		{"1/5/2027 made up on Monday", days(1), false, "2027-04-29 09:00", "2027-05-04 09:00"},
		{"New Year 2027 on Friday", days(1), false, "2026-12-31 10:00", "2027-01-04 10:00"},
		// calendar days ("ngày"): the last day moves to the next working day
		{"15 calendar days", cdays(15), false, "2026-03-10 09:00", "2026-03-25 17:00"},
		{"calendar days ending on Saturday", cdays(15), false, "2026-03-06 09:00", "2026-03-23 17:00"},
		{"calendar days ending in Tết", cdays(15), false, "2026-02-01 09:00", "2026-02-23 17:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.Due(tt.pt, tt.cutoff, ts(tt.received))
			if want := ts(tt.want); !got.Equal(want) {
				t.Errorf("Due(%v, %s) = %s, want %s", tt.pt, tt.received, got.Format("2006-01-02 15:04 Mon"), want.Format("2006-01-02 15:04 Mon"))
			}
		})
	}
}

func TestSaturdayOpenButNotCounting(t *testing.T) {
	cal := loadCalendar(t)
	cal.Week[time.Saturday] = DayHours{Open: []Span{{7 * 60, 11*60 + 30}}, Counts: false}
	sat := ts("2026-03-14 08:00")
	if !cal.IsOpen(sat) {
		t.Fatal("counter should be open on Saturday morning")
	}
	if cal.IsWorkingDay(sat) {
		t.Fatal("Saturday must not count")
	}
	if got, want := cal.Due(ProcessingTime{Unit: UnitDays, Amount: 1}, false, sat), ts("2026-03-16 17:00"); !got.Equal(want) {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestNewHolidayWithoutRelease(t *testing.T) {
	cal := loadCalendar(t)
	recv := ts("2026-12-14 09:00") // Monday
	before := cal.Due(ProcessingTime{Unit: UnitDays, Amount: 1}, false, recv)
	cal.Days["2026-12-15"] = SpecialDay{Date: "2026-12-15", Kind: DayOff, Name: "Ngày nghỉ mới"}
	after := cal.Due(ProcessingTime{Unit: UnitDays, Amount: 1}, false, recv)
	if !before.Equal(ts("2026-12-15 09:00")) || !after.Equal(ts("2026-12-16 09:00")) {
		t.Fatalf("before %s after %s", before, after)
	}
}

func TestPerWeekdayHours(t *testing.T) {
	cal := loadCalendar(t)
	cal.Week[time.Friday] = DayHours{Open: []Span{{7 * 60, 11 * 60}}, Counts: true} // Friday mornings only
	got := cal.Due(ProcessingTime{Unit: UnitHours, Amount: 6}, false, ts("2026-03-13 07:00"))
	if want := ts("2026-03-16 09:00"); !got.Equal(want) {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestBetweenInvertsAdd(t *testing.T) {
	cal := loadCalendar(t)
	start := ts("2026-02-10 10:17")
	for _, m := range []int{1, 60, 270, 480, 481, 4800, 9999} {
		end := cal.Add(start, m)
		if got := cal.Between(start, end); got != m {
			t.Errorf("Between(start, Add(start,%d)) = %d", m, got)
		}
	}
}

func TestCalendarRoundTrip(t *testing.T) {
	cal := loadCalendar(t)
	data, err := cal.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCalendar(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Days) != len(cal.Days) || !reflect.DeepEqual(back.Week, cal.Week) || back.Cutoff != cal.Cutoff {
		t.Fatalf("round trip changed the calendar")
	}
}

func TestParseCalendarRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":     `{`,
		"no work":      `{"week":[{"day":"monday","open":[],"counts":true}]}`,
		"bad span":     `{"week":[{"day":"monday","open":["11:00-07:00"],"counts":true}]}`,
		"overlap":      `{"week":[{"day":"monday","open":["07:00-12:00","11:00-13:00"],"counts":true}]}`,
		"bad day":      `{"week":[{"day":"funday","open":["07:00-11:00"],"counts":true}]}`,
		"bad date":     `{"week":[{"day":"monday","open":["07:00-11:00"],"counts":true}],"days":[{"date":"2026-13-01","kind":"off"}]}`,
		"bad kind":     `{"week":[{"day":"monday","open":["07:00-11:00"],"counts":true}],"days":[{"date":"2026-12-01","kind":"party"}]}`,
		"bad cutoff":   `{"same_day_cutoff":"25:00","week":[{"day":"monday","open":["07:00-11:00"],"counts":true}]}`,
		"repeated day": `{"week":[{"day":"monday","open":["07:00-11:00"],"counts":true},{"day":"monday","open":[],"counts":false}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCalendar([]byte(doc)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzParseCalendar(f *testing.F) {
	data, _ := os.ReadFile("../assets/data/calendar.json")
	f.Add(data)
	f.Add([]byte(`{"week":[{"day":"monday","open":["07:00-11:00"],"counts":true}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCalendar(b)
		if err != nil {
			return
		}
		// A valid calendar always finishes its arithmetic.
		due := c.Due(ProcessingTime{Unit: UnitDays, Amount: 3}, true, ts("2026-05-05 10:00"))
		if due.Before(ts("2026-05-05 10:00")) {
			t.Fatal("due before receipt")
		}
	})
}

// Every entry of the shipped holiday table says which document it rests
// on; a day off is not a working day and a make-up day is; the 2025–2027
// weekdays off are exactly those the notices and the law give.
func TestShippedCalendarEntries(t *testing.T) {
	cal := loadCalendar(t)
	for _, d := range cal.SpecialDays() {
		if len(d.Source) < 10 {
			t.Errorf("%s %s: no source", d.Date, d.Name)
		}
		day, _ := time.ParseInLocation("2006-01-02", d.Date, Loc)
		if got := cal.IsWorkingDay(day); got != (d.Kind == DayWork) {
			t.Errorf("%s (%s): working day %v", d.Date, d.Name, got)
		}
		if !d.Confirmed && !strings.Contains(d.Name, "dự kiến") && !strings.Contains(d.Source, "chưa") {
			t.Errorf("%s: unconfirmed but neither its name nor its source says so", d.Date)
		}
	}
	weekdaysOff := map[int][]string{
		2025: {"01-01", "01-27", "01-28", "01-29", "01-30", "01-31", "04-07", "04-30", "05-01", "05-02", "09-01", "09-02"},
		2026: {"01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "04-27", "04-30", "05-01", "08-31", "09-01", "09-02", "11-24"},
	}
	saturdaysWorked := map[int][]string{2025: {"04-26"}, 2026: {"01-10", "08-22"}}
	for year, want := range weekdaysOff {
		var got, worked []string
		for d := time.Date(year, 1, 1, 12, 0, 0, 0, Loc); d.Year() == year; d = d.AddDate(0, 0, 1) {
			weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
			switch {
			case !weekend && !cal.IsWorkingDay(d):
				got = append(got, d.Format("01-02"))
			case weekend && cal.IsWorkingDay(d):
				worked = append(worked, d.Format("01-02"))
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d weekdays off: %v, want %v", year, got, want)
		}
		if !reflect.DeepEqual(worked, saturdaysWorked[year]) {
			t.Errorf("%d weekend days worked: %v, want %v", year, worked, saturdaysWorked[year])
		}
	}
}

func TestUnconfirmedDaysAreReported(t *testing.T) {
	cal := loadCalendar(t)
	recv := ts("2027-02-03 09:00")
	due := cal.Due(ProcessingTime{Unit: UnitDays, Amount: 3}, false, recv)
	got := cal.Unconfirmed(recv, due)
	if len(got) == 0 || got[0].Date != "2027-02-04" {
		t.Fatalf("across the expected Tết 2027: %+v (due %s)", got, due)
	}
	if got := cal.Unconfirmed(ts("2026-03-10 09:00"), ts("2026-03-20 09:00")); len(got) != 0 {
		t.Fatalf("March 2026: %+v", got)
	}
}
