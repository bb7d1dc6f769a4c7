package forms

import "testing"

func TestAmountInWords(t *testing.T) {
	for n, want := range map[int64]string{
		0:             "Không đồng",
		5:             "Năm đồng",
		10:            "Mười đồng",
		15:            "Mười lăm đồng",
		21:            "Hai mươi mốt đồng",
		24:            "Hai mươi tư đồng",
		25:            "Hai mươi lăm đồng",
		105:           "Một trăm linh năm đồng",
		110:           "Một trăm mười đồng",
		2000:          "Hai nghìn đồng",
		10000:         "Mười nghìn đồng",
		50000:         "Năm mươi nghìn đồng",
		200000:        "Hai trăm nghìn đồng",
		1005000:       "Một triệu không trăm linh năm nghìn đồng",
		1250000:       "Một triệu hai trăm năm mươi nghìn đồng",
		3000021:       "Ba triệu không trăm hai mươi mốt đồng",
		1000000000:    "Một tỷ đồng",
		2500000000000: "Hai nghìn năm trăm tỷ đồng",
		-4000:         "Âm bốn nghìn đồng",
	} {
		if got := AmountInWords(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func FuzzAmountInWords(f *testing.F) {
	f.Add(int64(200000))
	f.Fuzz(func(t *testing.T, n int64) {
		if s := AmountInWords(n); len(s) < len(" đồng") {
			t.Fatal(s)
		}
	})
}
