package forms

import (
	"strings"
)

var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// readTriple reads 0..999. full says a higher group came before, so a
// short group is read in full ("không trăm linh năm").
func readTriple(n int, full bool) []string {
	h, t, u := n/100, n/10%10, n%10
	var w []string
	if h > 0 || full {
		w = append(w, digitWords[h], "trăm")
	}
	switch {
	case t == 0 && u == 0:
		return w
	case t == 0:
		if h > 0 || full {
			w = append(w, "linh")
		}
		w = append(w, digitWords[u])
		return w
	case t == 1:
		w = append(w, "mười")
	default:
		w = append(w, digitWords[t], "mươi")
	}
	switch u {
	case 0:
	case 1:
		if t > 1 {
			w = append(w, "mốt")
		} else {
			w = append(w, "một")
		}
	case 4:
		if t > 1 {
			w = append(w, "tư")
		} else {
			w = append(w, "bốn")
		}
	case 5:
		w = append(w, "lăm")
	default:
		w = append(w, digitWords[u])
	}
	return w
}

// readNumber reads n > 0; full as in readTriple. Billions nest:
// 2.500.000.000.000 is "hai nghìn năm trăm tỷ".
func readNumber(n uint64, full bool) []string {
	const billion = 1_000_000_000
	var w []string
	if n >= billion {
		w = append(readNumber(n/billion, full), "tỷ")
		n %= billion
		if n == 0 {
			return w
		}
		full = true
	}
	names := []string{"", "nghìn", "triệu"}
	groups := []int{int(n % 1000), int(n / 1000 % 1000), int(n / 1_000_000)}
	top := 2
	for top > 0 && groups[top] == 0 {
		top--
	}
	for i := top; i >= 0; i-- {
		if groups[i] == 0 {
			continue
		}
		w = append(w, readTriple(groups[i], full || i < top)...)
		if names[i] != "" {
			w = append(w, names[i])
		}
	}
	return w
}

// AmountInWords writes an amount of đồng in Vietnamese words, as a fee
// receipt prints it: 200000 → "Hai trăm nghìn đồng".
func AmountInWords(n int64) string {
	if n == 0 {
		return "Không đồng"
	}
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	words := readNumber(u, false)
	if n < 0 {
		words = append([]string{"âm"}, words...)
	}
	r := []rune(strings.Join(words, " "))
	return strings.ToUpper(string(r[0])) + string(r[1:]) + " đồng"
}
