package dossier

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lowers s and strips Vietnamese diacritics, so that "Nguyễn Văn Á",
// "NGUYEN VAN A" and "nguyen van a" compare equal. đ folds to d. Runs of
// anything that is not a letter or digit (but the dots of codes) become one space.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range norm.NFD.String(strings.ToValidUTF8(s, " ")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-':
			r = unicode.ToLower(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// NameTokens is the set of folded words of a name, for the name index.
func NameTokens(name string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(Fold(name)) {
		w = strings.Trim(w, ".-")
		if w != "" && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Thousands writes a number with dots between groups of three digits, as
// amounts are written in Vietnamese: 1.250.000.
func Thousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}
