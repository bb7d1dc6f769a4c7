package dossier

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Loc is Viet Nam's time zone (UTC+7, no daylight saving). All calendar
// arithmetic happens in it, whatever the machine's zone.
var Loc = time.FixedZone("ICT", 7*3600)

// MinutesPerWorkingDay is the length of one legal working day: 8 hours.
const MinutesPerWorkingDay = 8 * 60

// Clock is a time of day in minutes after midnight.
type Clock int

// ParseClock reads "07:00" or "7:00".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("dossier: invalid clock %q", s)
	}
	return Clock(h*60 + m), nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Span is one opening interval of a day, [From, To).
type Span struct {
	From, To Clock
}

func (s Span) String() string { return s.From.String() + "-" + s.To.String() }

// ParseSpan reads "07:00-11:30".
func ParseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("dossier: invalid span %q", s)
	}
	from, err := ParseClock(a)
	if err != nil {
		return Span{}, err
	}
	to, err := ParseClock(b)
	if err != nil {
		return Span{}, err
	}
	if to <= from {
		return Span{}, fmt.Errorf("dossier: span %q ends before it starts", s)
	}
	return Span{from, to}, nil
}

// DayHours is the schedule of one weekday. Open says when the counter is
// open; Counts says whether that open time counts toward deadlines (a
// counter may open on Saturday morning without Saturday being a working day).
type DayHours struct {
	Open   []Span
	Counts bool
}

// DayKind says what a dated entry of the holiday table does to that day.
type DayKind string

// Day kinds of the holiday table.
const (
	DayOff  DayKind = "off"  // a public holiday or a swapped day off
	DayWork DayKind = "work" // a make-up working day (usually a Saturday)
)

// SpecialDay is one dated entry of the holiday table.
type SpecialDay struct {
	Date      string  `json:"date"` // YYYY-MM-DD
	Kind      DayKind `json:"kind"`
	Name      string  `json:"name"`
	Confirmed bool    `json:"confirmed"`        // checked against the document in Source
	Source    string  `json:"source,omitempty"` // the document: number, date, issuer
}

// Calendar is the working-time calendar of a counter: weekly hours and the
// table of holidays and make-up days. It is data: administrators replace it
// without a new release.
type Calendar struct {
	Version string
	Week    [7]DayHours // indexed by time.Weekday
	Days    map[string]SpecialDay
	Cutoff  Clock // the same-day cut-off, 15:00
}

type calendarJSON struct {
	Version string        `json:"version"`
	Cutoff  string        `json:"same_day_cutoff"`
	Week    []weekdayJSON `json:"week"`
	Days    []SpecialDay  `json:"days"`
}

type weekdayJSON struct {
	Day    string   `json:"day"`
	Open   []string `json:"open"`
	Counts bool     `json:"counts"`
}

var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// ParseCalendar decodes and validates a calendar document.
func ParseCalendar(data []byte) (*Calendar, error) {
	var cj calendarJSON
	if err := json.Unmarshal(data, &cj); err != nil {
		return nil, fmt.Errorf("dossier: calendar: %w", err)
	}
	c := &Calendar{Version: cj.Version, Days: map[string]SpecialDay{}, Cutoff: 15 * 60}
	if cj.Cutoff != "" {
		cut, err := ParseClock(cj.Cutoff)
		if err != nil {
			return nil, err
		}
		c.Cutoff = cut
	}
	seen := map[string]bool{}
	for _, w := range cj.Week {
		idx := -1
		for i, n := range weekdayNames {
			if n == strings.ToLower(w.Day) {
				idx = i
			}
		}
		if idx < 0 || seen[w.Day] {
			return nil, fmt.Errorf("dossier: calendar: bad or repeated weekday %q", w.Day)
		}
		seen[w.Day] = true
		var prev Clock
		for _, s := range w.Open {
			sp, err := ParseSpan(s)
			if err != nil {
				return nil, err
			}
			if sp.From < prev {
				return nil, fmt.Errorf("dossier: calendar: %s spans overlap or are out of order", w.Day)
			}
			prev = sp.To
			c.Week[idx].Open = append(c.Week[idx].Open, sp)
		}
		c.Week[idx].Counts = w.Counts
	}
	for _, d := range cj.Days {
		if _, err := time.ParseInLocation("2006-01-02", d.Date, Loc); err != nil {
			return nil, fmt.Errorf("dossier: calendar: bad date %q", d.Date)
		}
		if d.Kind != DayOff && d.Kind != DayWork {
			return nil, fmt.Errorf("dossier: calendar: %s: kind must be off or work", d.Date)
		}
		c.Days[d.Date] = d
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks that the calendar has working time every week, so that
// deadline arithmetic always ends.
func (c *Calendar) Validate() error {
	for _, d := range c.Week {
		if d.Counts && len(d.Open) > 0 {
			return nil
		}
	}
	return fmt.Errorf("dossier: calendar has no counting working hours in the week")
}

// MarshalJSON writes the calendar in the document form ParseCalendar reads.
func (c *Calendar) MarshalJSON() ([]byte, error) {
	cj := calendarJSON{Version: c.Version, Cutoff: c.Cutoff.String()}
	for i := 1; i <= 7; i++ { // Monday first
		wd := i % 7
		w := weekdayJSON{Day: weekdayNames[wd], Counts: c.Week[wd].Counts, Open: []string{}}
		for _, s := range c.Week[wd].Open {
			w.Open = append(w.Open, s.String())
		}
		cj.Week = append(cj.Week, w)
	}
	cj.Days = c.SpecialDays()
	return json.Marshal(cj)
}

// SpecialDays lists the holiday table in date order.
func (c *Calendar) SpecialDays() []SpecialDay {
	out := make([]SpecialDay, 0, len(c.Days))
	for _, d := range c.Days {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

func dateKey(t time.Time) string { return t.Format("2006-01-02") }

// Midnight is the start of t's day in Viet Nam.
func Midnight(t time.Time) time.Time {
	t = t.In(Loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Loc)
}

// countedSpans is the working time of a date that counts toward deadlines.
func (c *Calendar) countedSpans(day time.Time) []Span {
	if sd, ok := c.Days[dateKey(day)]; ok {
		if sd.Kind == DayOff {
			return nil
		}
		// A make-up day works the hours of the day it replaces; a Saturday
		// make-up day works a full Monday.
		if w := c.Week[day.Weekday()]; w.Counts && len(w.Open) > 0 {
			return w.Open
		}
		return c.Week[time.Monday].Open
	}
	w := c.Week[day.Weekday()]
	if !w.Counts {
		return nil
	}
	return w.Open
}

// IsWorkingDay says whether the date's time counts toward deadlines.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return len(c.countedSpans(Midnight(t))) > 0 }

// IsOpen says whether the counter is open at t (working or not).
func (c *Calendar) IsOpen(t time.Time) bool {
	t = t.In(Loc)
	day := Midnight(t)
	if sd, ok := c.Days[dateKey(day)]; ok && sd.Kind == DayOff {
		return false
	}
	spans := c.Week[day.Weekday()].Open
	if sd, ok := c.Days[dateKey(day)]; ok && sd.Kind == DayWork {
		spans = c.countedSpans(day)
	}
	m := Clock(t.Hour()*60 + t.Minute())
	for _, s := range spans {
		if m >= s.From && m < s.To {
			return true
		}
	}
	return false
}

// maxDays bounds every calendar walk: a deadline more than 20 years away is
// a data error, not a date.
const maxDays = 20 * 366

func at(day time.Time, c Clock) time.Time { return day.Add(time.Duration(c) * time.Minute) }

// Add returns the instant reached after the given number of counted working
// minutes from start. Time before opening, at lunch, after closing or on a
// day that does not count is skipped. Adding zero minutes returns start.
func (c *Calendar) Add(start time.Time, minutes int) time.Time {
	start = start.In(Loc)
	if minutes <= 0 {
		return start
	}
	day := Midnight(start)
	left := time.Duration(minutes) * time.Minute
	for i := 0; i < maxDays; i++ {
		for _, s := range c.countedSpans(day) {
			from, to := at(day, s.From), at(day, s.To)
			if start.After(from) {
				from = start
			}
			if !to.After(from) {
				continue
			}
			if avail := to.Sub(from); avail >= left {
				return from.Add(left)
			} else {
				left -= avail
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// Between counts the working minutes that count toward deadlines in [a, b).
func (c *Calendar) Between(a, b time.Time) int {
	if !b.After(a) {
		return 0
	}
	a, b = a.In(Loc), b.In(Loc)
	var total time.Duration
	for day, i := Midnight(a), 0; day.Before(b) && i < maxDays; day, i = day.AddDate(0, 0, 1), i+1 {
		for _, s := range c.countedSpans(day) {
			from, to := at(day, s.From), at(day, s.To)
			if a.After(from) {
				from = a
			}
			if b.Before(to) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return int(total / time.Minute)
}

// closing is the end of the last counted span of a working day.
func (c *Calendar) closing(day time.Time) (time.Time, bool) {
	spans := c.countedSpans(day)
	if len(spans) == 0 {
		return time.Time{}, false
	}
	return at(day, spans[len(spans)-1].To), true
}

// NextWorkingDayClose is the closing time of the first working day after t's date.
func (c *Calendar) NextWorkingDayClose(t time.Time) time.Time {
	day := Midnight(t)
	for i := 0; i < maxDays; i++ {
		day = day.AddDate(0, 0, 1)
		if end, ok := c.closing(day); ok {
			return end
		}
	}
	return day
}

// Due computes the appointment time for a file received at the given time
// under the given processing time. sameDayCutoff applies the 15:00 rule.
func (c *Calendar) Due(pt ProcessingTime, cutoff bool, received time.Time) time.Time {
	received = received.In(Loc)
	switch pt.Unit {
	case UnitSameDay:
		day := Midnight(received)
		if end, ok := c.closing(day); ok {
			limit := end
			if cutoff && at(day, c.Cutoff).Before(limit) {
				limit = at(day, c.Cutoff)
			}
			if !received.After(limit) { // "received after 15:00": 15:00 itself is same-day
				return end
			}
		}
		return c.NextWorkingDayClose(received)
	case UnitHours:
		return c.Add(received, pt.Amount*60)
	case UnitCalendarDays:
		return c.calendarDays(received, pt.Amount)
	default:
		return c.Add(received, pt.Amount*MinutesPerWorkingDay)
	}
}

// calendarDays is a time counted in calendar days ("ngày"): it ends when
// the office closes on the last day; when that day is a weekend or a
// holiday, it ends when the office closes on the next working day (Bộ luật
// Dân sự 91/2015/QH13, Điều 148 khoản 5).
func (c *Calendar) calendarDays(received time.Time, n int) time.Time {
	last := Midnight(received).AddDate(0, 0, n)
	if end, ok := c.closing(last); ok {
		return end
	}
	return c.NextWorkingDayClose(last)
}

// Unconfirmed lists the entries of the holiday table not yet confirmed
// against their document whose date lies from a's date to b's date: an
// appointment computed across one of them may move when it is confirmed.
func (c *Calendar) Unconfirmed(a, b time.Time) []SpecialDay {
	from, to := dateKey(Midnight(a)), dateKey(Midnight(b))
	var out []SpecialDay
	for _, d := range c.SpecialDays() {
		if !d.Confirmed && d.Date >= from && d.Date <= to {
			out = append(out, d)
		}
	}
	return out
}
