package dossier

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Provinces maps the first three digits of a citizen ID (the old 63-province
// codes of birth registration, not remapped after 2025) to the province.
var Provinces = map[string]string{
	"001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
	"010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
	"017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
	"025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
	"033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
	"038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
	"046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
	"054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
	"064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
	"072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "TP. Hồ Chí Minh",
	"080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
	"087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
	"094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

// Sex of a person as the ID card records it.
type Sex string

// Sexes.
const (
	SexUnknown Sex = ""
	SexMale    Sex = "nam"
	SexFemale  Sex = "nu"
)

// ParseSex reads "Nam", "Nữ", "nu", "male", "female".
func ParseSex(s string) Sex {
	switch Fold(s) {
	case "nam", "male", "m":
		return SexMale
	case "nu", "female", "f":
		return SexFemale
	}
	return SexUnknown
}

// Label is the Vietnamese word.
func (s Sex) Label() string {
	switch s {
	case SexMale:
		return "Nam"
	case SexFemale:
		return "Nữ"
	}
	return ""
}

// IDKind is the kind of identity paper a number belongs to.
type IDKind int

// Identity paper kinds.
const (
	IDUnknown         IDKind = iota
	IDCitizen                // CCCD / personal identification number, 12 digits
	IDOldCard                // CMND, 9 digits
	IDPassport               // a Vietnamese passport: one letter and 7 digits
	IDForeignPassport        // a foreign passport: 6 to 9 letters and digits
)

var (
	passportRE        = regexp.MustCompile(`^[A-Z][0-9]{7}$`)
	foreignPassportRE = regexp.MustCompile(`^[A-Z0-9]{6,9}$`)
)

// OldCardEnd is the last day an old 9-digit identity card (CMND) may be
// used: Luật Căn cước 26/2023/QH15, Điều 46 khoản 2 (a CMND still valid
// after 31/12/2024 is valid until then). From the law as recalled; its
// text was not re-read against a primary source here.
var OldCardEnd = time.Date(2024, 12, 31, 23, 59, 59, 0, Loc)

// NormalizeID writes an identity number as it is stored: upper case, with
// the spaces clerks type between groups of digits taken out.
func NormalizeID(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CitizenIDInfo is what a 12-digit citizen ID says of its holder.
type CitizenIDInfo struct {
	Province  string
	BirthYear int
	Sex       Sex
}

// ParseCitizenID checks a 12-digit citizen ID and decodes it. There is no
// checksum; the province code, century digit (0–3: born 1900–2099; the
// digits for later centuries are not in use yet) and year are checked.
func ParseCitizenID(id string) (CitizenIDInfo, *FieldError) {
	const f = "id_number"
	if !allDigits(id) {
		return CitizenIDInfo{}, fieldErr(f, "id.digits", "Số định danh chỉ gồm chữ số")
	}
	if len(id) != 12 {
		return CitizenIDInfo{}, fieldErr(f, "id.length", "Số định danh cá nhân (CCCD) phải có đúng 12 chữ số")
	}
	prov, ok := Provinces[id[:3]]
	if !ok {
		return CitizenIDInfo{}, fieldErr(f, "id.province", "Ba chữ số đầu của số định danh không phải mã tỉnh hợp lệ")
	}
	c := int(id[3] - '0')
	if c > 3 {
		return CitizenIDInfo{}, fieldErr(f, "id.century", "Chữ số thế kỷ của số định danh (chữ số thứ tư) chỉ có thể là 0, 1, 2 hoặc 3")
	}
	yy, _ := strconv.Atoi(id[4:6])
	info := CitizenIDInfo{Province: prov, BirthYear: 1900 + (c/2)*100 + yy, Sex: SexMale}
	if c%2 == 1 {
		info.Sex = SexFemale
	}
	return info, nil
}

// ValidateIDNumber checks an identity number against what the clerk entered
// of the person: birth date (zero if unknown) and sex. It returns the kind.
func ValidateIDNumber(id string, birth time.Time, sex Sex) (IDKind, *FieldError) {
	return ValidateIDNumberOn(id, birth, sex, time.Now())
}

func oldCard(on time.Time) (IDKind, *FieldError) {
	if on.After(OldCardEnd) {
		return IDOldCard, fieldErr("id_number", "id.old_card", "Chứng minh nhân dân 9 số hết giá trị sử dụng từ 01/01/2025: nhập số định danh cá nhân 12 số (thẻ căn cước) hoặc số hộ chiếu")
	}
	return IDOldCard, nil
}

func passport(id string) (IDKind, *FieldError) {
	if foreignPassportRE.MatchString(id) && strings.ContainsAny(id, "0123456789") {
		return IDForeignPassport, nil
	}
	return IDUnknown, fieldErr("id_number", "id.passport", "Số hộ chiếu gồm 6 đến 9 chữ cái và chữ số; số định danh cá nhân gồm 12 chữ số")
}

// ValidateIDNumberOn is ValidateIDNumber for the document of a file
// received at on: an old 9-digit card is no longer a document then.
func ValidateIDNumberOn(id string, birth time.Time, sex Sex, on time.Time) (IDKind, *FieldError) {
	const f = "id_number"
	id = NormalizeID(id)
	switch {
	case id == "":
		return IDUnknown, fieldErr(f, "id.required", "Chưa nhập số giấy tờ tùy thân")
	case passportRE.MatchString(id):
		return IDPassport, nil
	case allDigits(id) && len(id) == 9:
		return oldCard(on)
	case !allDigits(id):
		return passport(id)
	}
	info, err := ParseCitizenID(id)
	if err != nil {
		if err.Key == "id.length" {
			err.Msg = "Số giấy tờ phải là số định danh cá nhân (CCCD) 12 chữ số hoặc số hộ chiếu"
		}
		return IDUnknown, err
	}
	if !birth.IsZero() && birth.Year() != info.BirthYear {
		return IDCitizen, fieldErr(f, "id.year", "Chữ số thế kỷ và năm sinh trong số định danh ("+strconv.Itoa(info.BirthYear)+") không khớp với ngày sinh")
	}
	if info.BirthYear > on.In(Loc).Year() {
		return IDCitizen, fieldErr(f, "id.future", "Chữ số thế kỷ và năm sinh trong số định danh ("+strconv.Itoa(info.BirthYear)+") là một năm sinh chưa tới")
	}
	if sex != SexUnknown && sex != info.Sex {
		return IDCitizen, fieldErr(f, "id.sex", "Chữ số giới tính trong số định danh không khớp với giới tính đã chọn")
	}
	return IDCitizen, nil
}

var (
	mobileRE   = regexp.MustCompile(`^(\+84|84|0)(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-46-9])\d{7}$`)
	landlineRE = regexp.MustCompile(`^02\d{9}$`)
	taxRE      = regexp.MustCompile(`^\d{10}(-\d{3})?$`)
	unitCodeRE = regexp.MustCompile(`^\d{3}\.\d{2}\.\d{2}\.H\d{2}$`)
)

// NormalizePhone drops spaces, dots and dashes that clerks type in numbers.
func NormalizePhone(s string) string {
	return phoneSeparators.Replace(strings.TrimSpace(s))
}

// phoneSeparators is built once: a Replacer builds its tables on first use.
var phoneSeparators = strings.NewReplacer(" ", "", ".", "", "-", "", "(", "", ")", "")

// ValidatePhone accepts a Vietnamese mobile or landline number.
func ValidatePhone(s string) *FieldError {
	p := NormalizePhone(s)
	if mobileRE.MatchString(p) || landlineRE.MatchString(p) {
		return nil
	}
	return fieldErr("phone", "phone.invalid", "Số điện thoại không hợp lệ (di động 10 số như 0912345678, hoặc cố định 02xxxxxxxxx)")
}

// taxWeights weigh the first nine digits of a tax code; the tenth is
// 10 − (sum mod 11) (the check of the tax authority's code structure, as
// public validators implement it).
var taxWeights = [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}

// ValidateTaxCode accepts a 10-digit tax code with a right check digit, a
// branch code 10+3 (never -000), or the 12-digit personal identification
// number that individuals and household businesses use as tax code.
func ValidateTaxCode(s string) *FieldError {
	s = strings.TrimSpace(s)
	if allDigits(s) && len(s) == 12 {
		if _, err := ParseCitizenID(s); err == nil {
			return nil
		}
	}
	if !taxRE.MatchString(s) {
		return fieldErr("tax_code", "tax.invalid", "Mã số thuế phải có 10 chữ số, 10 chữ số, dấu gạch và 3 chữ số đối với chi nhánh, hoặc số định danh cá nhân 12 chữ số")
	}
	sum := 0
	for i, w := range taxWeights {
		sum += w * int(s[i]-'0')
	}
	if check := 10 - sum%11; check > 9 || int(s[9]-'0') != check {
		return fieldErr("tax_code", "tax.check", "Mã số thuế sai chữ số kiểm tra: hãy đối chiếu lại với giấy chứng nhận đăng ký")
	}
	if strings.HasSuffix(s, "-000") {
		return fieldErr("tax_code", "tax.branch", "Mã chi nhánh không thể là 000")
	}
	return nil
}

// ValidateEmail accepts a plain address.
func ValidateEmail(s string) *FieldError {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Address != strings.TrimSpace(s) || !strings.Contains(a.Address[strings.LastIndex(a.Address, "@"):], ".") {
		return fieldErr("email", "email.invalid", "Địa chỉ thư điện tử không hợp lệ")
	}
	return nil
}

// ValidateUnitCode checks a unit identifier V1V2V3.Z1Z2.Y1Y2.Hxx.
func ValidateUnitCode(s string) *FieldError {
	if unitCodeRE.MatchString(s) {
		return nil
	}
	return fieldErr("unit_code", "unit.invalid", "Mã đơn vị phải có dạng 000.00.12.H56 (mã tỉnh Hxx ở cuối)")
}

// ParseDate reads a date the way clerks type it: dd/mm/yyyy, d/m/yyyy,
// ddmmyyyy (as the ID card's QR code has it) or yyyy-mm-dd.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02/01/2006", "2/1/2006", "02012006", "2006-01-02", "02-01-2006", "02.01.2006"} {
		if t, err := time.ParseInLocation(layout, s, Loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// IDCardQR is what the QR code of a chip ID card holds.
type IDCardQR struct {
	ID, OldID, Name string
	Birth           time.Time
	Sex             Sex
	Address         string
	Issued          time.Time
}

// LooksLikeIDCardQR says whether a field's text is a scanned QR payload
// rather than a typed number.
func LooksLikeIDCardQR(s string) bool { return strings.Count(s, "|") >= 5 }

// ParseIDCardQR decodes `ID|old ID|name|ddMMyyyy|sex|address|ddMMyyyy`.
func ParseIDCardQR(s string) (IDCardQR, *FieldError) {
	bad := fieldErr("id_number", "qr.invalid", "Không đọc được mã QR trên thẻ căn cước")
	parts := strings.Split(strings.TrimSpace(s), "|")
	if len(parts) < 7 {
		return IDCardQR{}, bad
	}
	q := IDCardQR{ID: strings.TrimSpace(parts[0]), OldID: strings.TrimSpace(parts[1]),
		Name: strings.TrimSpace(parts[2]), Sex: ParseSex(parts[4]), Address: strings.TrimSpace(parts[5])}
	var ok bool
	if q.Birth, ok = ParseDate(parts[3]); !ok {
		return IDCardQR{}, bad
	}
	q.Issued, _ = ParseDate(parts[6])
	if _, err := ParseCitizenID(q.ID); err != nil || q.Name == "" {
		return IDCardQR{}, bad
	}
	return q, nil
}

// CanonicalPhone writes a valid mobile number as 0xxxxxxxxx so that
// "+84912345678", "84912345678" and "0912 345 678" index alike.
func CanonicalPhone(s string) string {
	p := NormalizePhone(s)
	if m := mobileRE.FindStringSubmatch(p); m != nil && m[1] != "0" {
		return "0" + strings.TrimPrefix(p, m[1])
	}
	return p
}
