package dossier

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// TimeUnit is how a procedure's legal processing time is counted.
type TimeUnit string

// Processing time units.
const (
	UnitSameDay TimeUnit = "same_day"     // within the day of receipt
	UnitDays    TimeUnit = "working_days" // Amount working days of 8 hours
	UnitHours   TimeUnit = "working_hours"
	// UnitCalendarDays is "ngày": Amount calendar days, the last moved to
	// the next working day when the office is closed on it.
	UnitCalendarDays TimeUnit = "calendar_days"
)

// ProcessingTime is a legal processing time.
type ProcessingTime struct {
	Unit   TimeUnit `json:"unit"`
	Amount int      `json:"amount,omitempty"`
}

// String renders the time in Vietnamese, as printed on a receipt.
func (p ProcessingTime) String() string {
	switch p.Unit {
	case UnitSameDay:
		return "Trong ngày"
	case UnitHours:
		return fmt.Sprintf("%d giờ làm việc", p.Amount)
	case UnitCalendarDays:
		return fmt.Sprintf("%d ngày", p.Amount)
	default:
		return fmt.Sprintf("%d ngày làm việc", p.Amount)
	}
}

// FeeKind says how a procedure's fee is computed.
type FeeKind string

// Fee kinds.
const (
	FeeFree     FeeKind = "free"
	FeeFixed    FeeKind = "fixed"    // Amount per file
	FeePerPage  FeeKind = "per_page" // tiered per page, capped per copy
	FeeProvince FeeKind = "province" // set by the provincial council; Amount is the local figure
	FeeUnknown  FeeKind = "unknown"  // not confirmed: the clerk enters it
)

// FeeRule is a procedure's fee, in đồng.
type FeeRule struct {
	Kind       FeeKind `json:"kind"`
	Amount     int64   `json:"amount,omitempty"`
	FirstPages int     `json:"first_pages,omitempty"` // pages charged at FirstRate
	FirstRate  int64   `json:"first_rate,omitempty"`
	NextRate   int64   `json:"next_rate,omitempty"`
	MaxPerCopy int64   `json:"max_per_copy,omitempty"`
	Note       string  `json:"note,omitempty"`
}

// Compute returns the fee for the given copies of a document of the given
// pages (pages and copies matter only for per-page fees).
func (f FeeRule) Compute(pages, copies int) int64 {
	switch f.Kind {
	case FeeFixed, FeeProvince:
		return f.Amount
	case FeePerPage:
		if pages <= 0 || copies <= 0 {
			return 0
		}
		first := min(pages, f.FirstPages)
		per := int64(first)*f.FirstRate + int64(pages-first)*f.NextRate
		if f.MaxPerCopy > 0 && per > f.MaxPerCopy {
			per = f.MaxPerCopy
		}
		return per * int64(copies)
	default:
		return 0
	}
}

// RequiredDocument is one line of a procedure's document list, with the
// counts a citizen must bring.
type RequiredDocument struct {
	Name      string `json:"name"`
	Originals int    `json:"originals"`
	Certified int    `json:"certified"`
	Copies    int    `json:"copies"`
	Optional  bool   `json:"optional,omitempty"`
}

// Procedure is one administrative procedure (TTHC) of the catalogue.
type Procedure struct {
	Code      string             `json:"code"`
	Name      string             `json:"name"`
	Field     string             `json:"field"`
	Time      ProcessingTime     `json:"time"`
	AltTime   *ProcessingTime    `json:"alt_time,omitempty"` // e.g. when checks are needed
	AltLabel  string             `json:"alt_label,omitempty"`
	Cutoff15  bool               `json:"cutoff_15"`
	Fee       FeeRule            `json:"fee"`
	Documents []RequiredDocument `json:"documents"`
	Confirmed bool               `json:"confirmed"`        // time and fee checked against the law
	Source    string             `json:"source,omitempty"` // where the code, title, time and fee were checked
}

var procedureCodeRE = regexp.MustCompile(`^\d\.\d{6}$`)

// Validate checks one catalogue entry.
func (p *Procedure) Validate() error {
	switch {
	case !procedureCodeRE.MatchString(p.Code):
		return fmt.Errorf("dossier: procedure code %q is not d.dddddd", p.Code)
	case strings.TrimSpace(p.Name) == "":
		return fmt.Errorf("dossier: procedure %s has no name", p.Code)
	}
	for _, t := range []*ProcessingTime{&p.Time, p.AltTime} {
		if t == nil {
			continue
		}
		switch t.Unit {
		case UnitSameDay:
		case UnitDays, UnitHours, UnitCalendarDays:
			if t.Amount <= 0 {
				return fmt.Errorf("dossier: procedure %s: processing time must be positive", p.Code)
			}
		default:
			return fmt.Errorf("dossier: procedure %s: unknown time unit %q", p.Code, t.Unit)
		}
	}
	return nil
}

// Catalog is the procedure catalogue, searchable by folded name or code.
type Catalog struct {
	Version    string      `json:"version"`
	Procedures []Procedure `json:"procedures"`
	byCode     map[string]int
	folded     []string
}

// ParseCatalog decodes and validates a catalogue document.
func ParseCatalog(data []byte) (*Catalog, error) {
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("dossier: catalogue: %w", err)
	}
	if err := c.index(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Catalog) index() error {
	sort.SliceStable(c.Procedures, func(i, j int) bool { return c.Procedures[i].Code < c.Procedures[j].Code })
	c.byCode = make(map[string]int, len(c.Procedures))
	c.folded = make([]string, len(c.Procedures))
	for i := range c.Procedures {
		p := &c.Procedures[i]
		if err := p.Validate(); err != nil {
			return err
		}
		if _, dup := c.byCode[p.Code]; dup {
			return fmt.Errorf("dossier: catalogue: procedure %s listed twice", p.Code)
		}
		c.byCode[p.Code] = i
		c.folded[i] = Fold(p.Code + " " + p.Name + " " + p.Field)
	}
	return nil
}

// Lookup finds a procedure by its national code.
func (c *Catalog) Lookup(code string) (Procedure, bool) {
	i, ok := c.byCode[strings.TrimSpace(code)]
	if !ok {
		return Procedure{}, false
	}
	return c.Procedures[i], true
}

// Search returns the procedures whose code, name or field contain every
// word of the query, ignoring case and diacritics, best first.
func (c *Catalog) Search(query string) []Procedure { return c.Rank(query, nil) }

// Rank is Search with the counter's use of each procedure (code → files):
// an exact or leading code first, then a name equal to the query, a name
// starting with it, a name whose words start with the query's words, a
// name containing them, and last a match through the field only; ties go
// to the more used procedure, then the shorter name, then the code. An
// empty query lists the most used first.
func (c *Catalog) Rank(query string, usage map[string]int) []Procedure {
	q := Fold(strings.TrimSpace(query))
	words := strings.Fields(q)
	type hit struct {
		p     Procedure
		score int
	}
	var hits []hit
	for i, f := range c.folded {
		p := c.Procedures[i]
		match := true
		for _, w := range words {
			if !strings.Contains(f, w) {
				match = false
				break
			}
		}
		if match {
			hits = append(hits, hit{p, nameScore(p, q, words)})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool {
		x, y := hits[a], hits[b]
		if x.score != y.score {
			return x.score > y.score
		}
		if ux, uy := usage[x.p.Code], usage[y.p.Code]; ux != uy {
			return ux > uy
		}
		if len(x.p.Name) != len(y.p.Name) {
			return len(x.p.Name) < len(y.p.Name)
		}
		return x.p.Code < y.p.Code
	})
	out := make([]Procedure, len(hits))
	for i, h := range hits {
		out[i] = h.p
	}
	return out
}

// nameScore ranks how a procedure matches a folded query.
func nameScore(p Procedure, q string, words []string) int {
	if q == "" {
		return 0
	}
	name := Fold(p.Name)
	nameWords := strings.Fields(name)
	extra := extraWords(nameWords, words)
	switch {
	case p.Code == q:
		return 10000
	case strings.HasPrefix(p.Code, q):
		return 9000
	case name == q:
		return 8000
	case strings.HasPrefix(name, q):
		return 7000 - extra
	case everyWord(words, func(w string) bool {
		return slices.ContainsFunc(nameWords, func(nw string) bool { return strings.HasPrefix(nw, w) })
	}):
		return 5000 - extra
	case everyWord(words, func(w string) bool { return strings.Contains(name, w) }):
		return 4000 - extra
	}
	return 1000 // through the field only
}

func everyWord(words []string, ok func(string) bool) bool {
	for _, w := range words {
		if !ok(w) {
			return false
		}
	}
	return true
}

// extraWords counts the words of a name the query does not name: among
// names that match every word, the one with the fewest others is the
// closest ("đăng ký hộ kinh doanh" is the establishment, one word more,
// not the change of registration, five more). A query's last word may be
// still being typed.
func extraWords(nameWords, words []string) int {
	extra := len(nameWords)
	for _, nw := range nameWords {
		for i, w := range words {
			if nw == w || (i == len(words)-1 && strings.HasPrefix(nw, w)) {
				extra--
				break
			}
		}
	}
	return min(max(extra, 0), 99)
}

// LegacyReferenceVersion is the version of the calendar and the catalogue
// that every release carried before the stores kept a mark of the shipped
// reference data: a store holding that version still holds the program's
// own data, which a newer release may replace.
const LegacyReferenceVersion = "2026-11-27"

// DocVersion reads the "version" of a calendar or catalogue document; ""
// when it has none.
func DocVersion(doc []byte) string {
	var v struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(doc, &v)
	return v.Version
}
