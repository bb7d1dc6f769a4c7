package dossier

import (
	"strings"
	"testing"
	"time"
)

func TestValidateIDNumber(t *testing.T) {
	born := func(s string) time.Time { d, _ := ParseDate(s); return d }
	tests := []struct {
		name  string
		id    string
		birth time.Time
		sex   Sex
		kind  IDKind
		key   string
	}{
		{"citizen ok", "046190001234", born("12/03/1990"), SexFemale, IDCitizen, ""},
		{"citizen male 1990s", "001090001234", born("01/01/1990"), SexMale, IDCitizen, ""},
		{"citizen 2000s female", "079305001234", born("01/01/2005"), SexFemale, IDCitizen, ""},
		{"citizen leading zeros kept", "001200000001", time.Time{}, SexUnknown, IDCitizen, ""},
		{"old card 9 digits is no longer a document", "191234567", time.Time{}, SexUnknown, IDOldCard, "id.old_card"},
		{"citizen typed with spaces", "046 190 001 234", born("12/03/1990"), SexFemale, IDCitizen, ""},
		{"century digits not in use", "046430001234", time.Time{}, SexUnknown, IDUnknown, "id.century"},
		{"born after this year", "046330001234", time.Time{}, SexUnknown, IDCitizen, "id.future"},
		{"foreign passport", "E12345678", time.Time{}, SexUnknown, IDForeignPassport, ""},
		{"foreign passport, 2 letters", "AB1234567", time.Time{}, SexUnknown, IDForeignPassport, ""},
		{"letters only", "ABCDEFG", time.Time{}, SexUnknown, IDUnknown, "id.passport"},
		{"passport", "C1234567", time.Time{}, SexUnknown, IDPassport, ""},
		{"passport lower case", "c1234567", time.Time{}, SexUnknown, IDPassport, ""},
		{"empty", "", time.Time{}, SexUnknown, IDUnknown, "id.required"},
		{"11 digits", "04619000123", time.Time{}, SexUnknown, IDUnknown, "id.length"},
		{"13 digits", "0461900012345", time.Time{}, SexUnknown, IDUnknown, "id.length"},
		{"12 characters with a letter", "04619000123A", time.Time{}, SexUnknown, IDUnknown, "id.passport"},
		{"unknown province 003", "003190001234", time.Time{}, SexUnknown, IDUnknown, "id.province"},
		{"unknown province 097", "097190001234", time.Time{}, SexUnknown, IDUnknown, "id.province"},
		{"century digit against year", "046290001234", born("12/03/1990"), SexUnknown, IDCitizen, "id.year"},
		{"year digits against year", "046191001234", born("12/03/1990"), SexUnknown, IDCitizen, "id.year"},
		{"sex digit against sex", "046090001234", born("12/03/1990"), SexFemale, IDCitizen, "id.sex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, err := ValidateIDNumber(tt.id, tt.birth, tt.sex)
			if tt.key == "" && err != nil {
				t.Fatalf("unexpected %v", err)
			}
			if tt.key != "" && (err == nil || err.Key != tt.key) {
				t.Fatalf("want %s, got %v", tt.key, err)
			}
			if kind != tt.kind {
				t.Fatalf("kind %d want %d", kind, tt.kind)
			}
			if err != nil && (err.Msg == "" || err.Error() != err.Msg) {
				t.Fatal("no Vietnamese message")
			}
		})
	}
}

func TestParseCitizenIDInfo(t *testing.T) {
	info, err := ParseCitizenID("046305001234")
	if err != nil || info.Province != "Thừa Thiên Huế" || info.BirthYear != 2005 || info.Sex != SexFemale {
		t.Fatalf("%+v %v", info, err)
	}
	if len(Provinces) != 63 {
		t.Fatalf("%d province codes", len(Provinces))
	}
}

var phoneCases = []struct {
	phone string
	ok    bool
}{
	{"0912345678", true}, {"0912 345 678", true}, {"0912.345.678", true}, {"+84912345678", true}, {"84912345678", true},
	{"0321234567", true}, {"0521234567", true}, {"0701234567", true}, {"0861234567", true}, {"0991234567", true},
	{"02343812345", true},
	{"0951234567", false}, {"0311234567", false}, {"0511234567", false}, {"0711234567", false}, {"0801234567", false},
	{"091234567", false}, {"09123456789", false}, {"0234381234", false}, {"", false}, {"abc", false},
}

func TestValidatePhone(t *testing.T) {
	for _, c := range phoneCases {
		t.Run(c.phone, func(t *testing.T) {
			if err := ValidatePhone(c.phone); (err == nil) != c.ok {
				t.Fatalf("ValidatePhone(%q) = %v", c.phone, err)
			}
		})
	}
}

func TestValidateTaxCode(t *testing.T) {
	for s, ok := range map[string]bool{"0100109106": true, "0100109106-001": true, "010123456": false,
		"0100109106-01": false, "01012345678": false, "0100109106001": false, "": false, "A101234567": false,
		"0100109107": false, "0000000000": false, "1234567890": false, "0100109106-000": false, // check digit, branch 000
		"046190001234": true, "046930001234": false} { // the personal ID of an individual or household business
		if err := ValidateTaxCode(s); (err == nil) != ok {
			t.Errorf("ValidateTaxCode(%q) = %v", s, err)
		}
	}
}

func TestValidateEmailAndUnit(t *testing.T) {
	for s, ok := range map[string]bool{"lan@example.vn": true, "a.b@hue.gov.vn": true, "lan@": false, "lan": false, "Lan <lan@x.vn>": false, "lan@localhost": false} {
		if err := ValidateEmail(s); (err == nil) != ok {
			t.Errorf("ValidateEmail(%q) = %v", s, err)
		}
	}
	for s, ok := range map[string]bool{"000.00.12.H56": true, "000.00.12.H57": true, "000.00.12.56": false, "00.00.12.H56": false} {
		if err := ValidateUnitCode(s); (err == nil) != ok {
			t.Errorf("ValidateUnitCode(%q) = %v", s, err)
		}
	}
}

func TestParseIDCardQR(t *testing.T) {
	q, err := ParseIDCardQR("046190001234|191234567|Nguyễn Thị Lan|12031990|Nữ|12 Lê Lợi, Phường Thuận Hóa, Thành phố Huế|01072021")
	if err != nil {
		t.Fatal(err)
	}
	if q.ID != "046190001234" || q.OldID != "191234567" || q.Name != "Nguyễn Thị Lan" || q.Sex != SexFemale ||
		q.Birth.Format("2006-01-02") != "1990-03-12" || q.Issued.Format("2006-01-02") != "2021-07-01" || !strings.HasPrefix(q.Address, "12 Lê Lợi") {
		t.Fatalf("%+v", q)
	}
	for _, bad := range []string{"", "046190001234", "046190001234||Nguyễn Thị Lan|32131990|Nữ|x|01072021", "12|x|y|12031990|Nam|a|01012020", "046190001234||  |12031990|Nam|a|01012020"} {
		if _, err := ParseIDCardQR(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if !LooksLikeIDCardQR("a|b|c|d|e|f|g") || LooksLikeIDCardQR("046190001234") {
		t.Fatal("LooksLikeIDCardQR")
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Văn A": "nguyen van a", "ĐẶNG THỊ ĐÀO": "dang thi dao", "Đăng ký khai sinh": "dang ky khai sinh",
		"  Trần   Hưng  Đạo ": "tran hung dao", "1.001193": "1.001193", "Lê Thị Ngọc Ánh, 0912": "le thi ngoc anh 0912",
		"Hoà / Hòa": "hoa hoa",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q want %q", in, got, want)
		}
	}
}

func TestCatalogSearch(t *testing.T) {
	cat := loadCatalog(t)
	if len(cat.Procedures) < 25 {
		t.Fatalf("only %d procedures", len(cat.Procedures))
	}
	for _, q := range []string{"khai sinh", "KHAI SINH", "1.001193", "đăng ký khai sinh", "dang ky   KHAI sinh"} {
		res := cat.Search(q)
		found := false
		for _, p := range res {
			found = found || p.Code == "1.001193"
		}
		if !found {
			t.Errorf("Search(%q) missed 1.001193", q)
		}
	}
	if res := cat.Search("1.001193"); res[0].Code != "1.001193" {
		t.Error("exact code is not first")
	}
	if res := cat.Search("khong co thu tuc nay"); len(res) != 0 {
		t.Errorf("got %d", len(res))
	}
}

func TestFees(t *testing.T) {
	cat := loadCatalog(t)
	copyFee, _ := cat.Lookup("2.000815")
	for _, c := range []struct {
		pages, copies int
		want          int64
	}{{1, 1, 2000}, {2, 1, 4000}, {3, 1, 5000}, {10, 2, 24000}, {500, 1, 200000}, {0, 1, 0}} {
		if got := copyFee.Fee.Compute(c.pages, c.copies); got != c.want {
			t.Errorf("%d pages × %d: %d want %d", c.pages, c.copies, got, c.want)
		}
	}
	sig, _ := cat.Lookup("2.000884")
	if sig.Fee.Compute(0, 0) != 10000 {
		t.Error("signature fee")
	}
}

func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{"046190001234", "191234567", "C1234567", "", "0461900012345", "abc"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, id string, unix int64) {
		var birth time.Time
		if unix > 0 {
			birth = time.Unix(unix%4e9, 0)
		}
		kind, err := ValidateIDNumber(id, birth, SexUnknown)
		if err == nil && kind == IDCitizen && (len(NormalizeID(id)) != 12 || !allDigits(NormalizeID(id))) {
			t.Fatalf("accepted %q as citizen ID", id)
		}
	})
}

func FuzzValidatePhone(f *testing.F) {
	for _, c := range phoneCases {
		f.Add(c.phone)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidatePhone(s) == nil {
			p := NormalizePhone(s)
			if len(p) < 10 || len(p) > 12 {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

func FuzzValidateTaxCode(f *testing.F) {
	f.Add("0100109106")
	f.Add("0100109106-001")
	f.Fuzz(func(t *testing.T, s string) {
		if n := len(strings.TrimSpace(s)); ValidateTaxCode(s) == nil && n != 10 && n != 12 && n != 14 {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzParseIDCardQR(f *testing.F) {
	f.Add("046190001234|191234567|Nguyễn Thị Lan|12031990|Nữ|12 Lê Lợi|01072021")
	f.Add("||||||")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseIDCardQR(s)
		if err == nil && (len(q.ID) != 12 || q.Name == "" || q.Birth.IsZero()) {
			t.Fatalf("accepted %q as %+v", s, q)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"12/03/1990", "1/2/2000", "12031990", "1990-03-12", "31/02/2000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		if ok && (d.Year() < 0 || d.Year() > 9999) {
			t.Fatalf("%q → %v", s, d)
		}
	})
}

func FuzzFold(f *testing.F) {
	f.Add("Nguyễn Văn A")
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if Fold(once) != once {
			t.Fatalf("Fold not idempotent on %q", s)
		}
	})
}

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(`{"procedures":[{"code":"1.001193","name":"x","time":{"unit":"same_day"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCatalog(b)
		if err != nil {
			return
		}
		for _, p := range c.Procedures {
			if _, ok := c.Lookup(p.Code); !ok {
				t.Fatal("indexed procedure not found")
			}
		}
	})
}
