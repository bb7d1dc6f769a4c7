package dossier

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// MaxDailyPerCounter is how many codes one counter can issue in a day: the
// sequence is the counter number followed by three digits (counter 2
// issues 2001..2999, counter 12 issues 12001..12999), so counters of one
// unit never collide, even offline, and need nothing from the backend.
const MaxDailyPerCounter = 999

// MaxCounter is the highest counter number of a unit. Counters 1–9 keep
// the national 4-digit sequence; counters 10–99 (a large centre) take a
// 5-digit one, which no 4-digit code can equal.
const MaxCounter = 99

var recordCodeRE = regexp.MustCompile(`^(\d{3}\.\d{2}\.\d{2}\.H\d{2})-(\d{6})-(\d{4}|[1-9]\d{4})$`)

// FormatCode builds the record code {unit}-{yyMMdd}-{counter + 3 digits}
// for the n-th file (1-based) of the day at the given counter (1..99).
func FormatCode(unit string, day time.Time, counter, n int) (string, error) {
	if counter < 1 || counter > MaxCounter {
		return "", fmt.Errorf("dossier: counter number %d is not 1..%d", counter, MaxCounter)
	}
	if n < 1 || n > MaxDailyPerCounter {
		return "", ErrSequenceFull
	}
	return fmt.Sprintf("%s-%s-%d%03d", unit, day.In(Loc).Format("060102"), counter, n), nil
}

// CodeParts is what a record code says.
type CodeParts struct {
	Unit    string
	Day     time.Time
	Counter int
	N       int
}

// ParseCode splits a record code.
func ParseCode(code string) (CodeParts, bool) {
	m := recordCodeRE.FindStringSubmatch(code)
	if m == nil {
		return CodeParts{}, false
	}
	day, err := time.ParseInLocation("060102", m[2], Loc)
	if err != nil {
		return CodeParts{}, false
	}
	seq, _ := strconv.Atoi(m[3])
	return CodeParts{Unit: m[1], Day: day, Counter: seq / 1000, N: seq % 1000}, true
}

var codePrefixRE = regexp.MustCompile(`^\d{3}\.\d{2}`)

// LooksLikeCode says whether a search query is (part of) a record code.
func LooksLikeCode(q string) bool { return codePrefixRE.MatchString(q) }

var codeInTextRE = regexp.MustCompile(`\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-(?:[1-9]\d{4}|\d{4})`)

// FindCode finds a full record code in what a scanner typed: the code
// itself, or the receipt's lookup link that carries it. "" when none.
func FindCode(text string) string { return codeInTextRE.FindString(text) }
