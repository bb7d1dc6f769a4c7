package app

import (
	"strings"
	"testing"
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
