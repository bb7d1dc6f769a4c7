package forms

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"motcua/assets"
	"motcua/dossier"
)

// Unit is who issues the forms: the counter's unit, from its settings.
type Unit struct {
	Parent    string // the governing body, printed above Name: "ỦY BAN NHÂN DÂN PHƯỜNG THUẬN HÓA"; may be empty
	Name      string // the issuing body: "Trung tâm Phục vụ hành chính công phường Thuận Hóa"
	Code      string // 000.00.12.H57
	Place     string // for "{place}, ngày … tháng … năm …"
	LookupURL string // optional; "{code}" is replaced by the record code
	// Who signs the unit's letters (Mẫu 04, 05): the authority line
	// ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), the title ("PHÓ CHỦ TỊCH")
	// and the name. Empty: the block is left to be filled by hand.
	SignerAuthority, SignerTitle, SignerName string
}

// Page geometry, in millimetres, and the body type size: Decree
// 30/2020/NĐ-CP, Phụ lục I (A4; top and bottom margins 20–25 mm, left
// 30–35 mm, right 15–20 mm; body and the place-and-date line 13–14 pt).
const (
	marginL = 30.0
	marginR = 15.0
	marginT = 20.0
	marginB = 20.0
	bodyPt  = 13.0
	family  = "serif"
	lineH   = 6.0
)

type doc struct {
	pdf          *fpdf.Fpdf
	unit         Unit
	pageW, pageH float64
	bodyW        float64 // between the margins
	loaded       map[string]bool
	reprint      string    // "Bản in lại …" under the header, on a reprint
	reserve      float64   // room kept free at the right of fields (beside the receipt's QR code)
	date         time.Time // the letter's date (its event's time), where the form has one
}

// newDoc starts an A4 document, portrait ("P") or landscape ("L").
func newDoc(u Unit, orientation string) *doc {
	pdf := fpdf.New(orientation, "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, marginB)
	pdf.SetTitle("Một Cửa", true)
	pdf.SetCreator("Một Cửa", true)
	w, h := pdf.GetPageSize()
	d := &doc{pdf: pdf, unit: u, pageW: w, pageH: h, bodyW: w - marginL - marginR, loaded: map[string]bool{}}
	d.font("", 12)
	return d
}

var fontFiles = map[string][]byte{"": assets.FontRegular, "B": assets.FontBold, "I": assets.FontItalic, "BI": assets.FontBoldItalic}

// font selects a style, embedding its font file on first use only (each
// embedded style costs time and bytes).
// newListDoc is a landscape document of many pages (a ledger, a report,
// a list), each numbered "Trang x/y" at its foot; its first page is open.
func newListDoc(u Unit) *doc {
	d := newDoc(u, "L")
	d.pdf.AliasNbPages("{nb}")
	d.pdf.SetFooterFunc(func() {
		d.pdf.SetY(-12)
		d.font("I", 9)
		d.pdf.CellFormat(d.bodyW, 5, fmt.Sprintf("Trang %d/{nb}", d.pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	d.pdf.AddPage()
	return d
}

func (d *doc) font(style string, size float64) {
	if !d.loaded[style] {
		d.pdf.AddUTF8FontFromBytes(family, style, fontFiles[style])
		d.loaded[style] = true
	}
	d.pdf.SetFont(family, style, size)
}

// output writes the PDF.
func (d *doc) output(w io.Writer) error {
	if err := d.pdf.Error(); err != nil {
		return fmt.Errorf("forms: %w", err)
	}
	return d.pdf.Output(w)
}

// wrap splits text into lines that fit width in the current font; long
// words are broken by runes, newlines are kept.
func (d *doc) wrap(text string, width float64) []string {
	width -= 2 * d.pdf.GetCellMargin()
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if d.pdf.GetStringWidth(try) <= width {
				line = try
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line = word
			for d.pdf.GetStringWidth(line) > width { // a word wider than the box
				r := []rune(line)
				cut := len(r) - 1
				for cut > 1 && d.pdf.GetStringWidth(string(r[:cut])) > width {
					cut--
				}
				for dash := cut; dash > 1; dash-- { // prefer to break after a dash
					if r[dash-1] == '-' {
						cut = dash
						break
					}
				}
				lines = append(lines, string(r[:cut]))
				line = string(r[cut:])
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// text writes a wrapped paragraph at the left margin. A justified
// paragraph leaves its last line ragged, as typesetting does.
func (d *doc) text(s string, style string, size float64, align string) {
	d.font(style, size)
	for _, para := range strings.Split(s, "\n") {
		lines := d.wrap(para, d.bodyW)
		for i, l := range lines {
			a := align
			if a == "J" && i == len(lines)-1 {
				a = "L"
			}
			d.pdf.CellFormat(d.bodyW, lineH, l, "", 1, a, false, 0, "")
		}
	}
}

// balanced wraps a centred title so that its last line is never one word
// alone: a word moves down from the line above.
func (d *doc) balanced(text string, width float64) []string {
	lines := d.wrap(text, width)
	if n := len(lines); n > 1 && len(strings.Fields(lines[n-1])) == 1 {
		prev := strings.Fields(lines[n-2])
		if len(prev) > 2 {
			lines[n-2] = strings.Join(prev[:len(prev)-1], " ")
			lines[n-1] = prev[len(prev)-1] + " " + lines[n-1]
		}
	}
	return lines
}

// field writes "label value" with the label in bold, wrapping the value
// under itself.
func (d *doc) field(label, value string) {
	d.font("B", bodyPt)
	lw := d.pdf.GetStringWidth(label+" ") + 2*d.pdf.GetCellMargin()
	d.font("", bodyPt)
	w := d.bodyW - d.reserve
	lines := d.wrap(value, w-lw)
	for i, l := range lines {
		if i == 0 {
			d.font("B", bodyPt)
			d.pdf.CellFormat(lw, lineH, label, "", 0, "L", false, 0, "")
			d.font("", bodyPt)
		} else {
			d.pdf.SetX(marginL + lw)
		}
		d.pdf.CellFormat(w-lw, lineH, l, "", 1, "L", false, 0, "")
	}
}

// dateLine is "{place}, ngày 05 tháng 3 năm 2026": days below 10 and the
// months 1 and 2 take a leading zero (Decree 30/2020).
func dateLine(place string, t time.Time) string {
	if t.IsZero() { // filled in by hand
		return place + ", ngày…… tháng…… năm………"
	}
	t = t.In(dossier.Loc)
	month := fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 {
		month = "0" + month
	}
	return fmt.Sprintf("%s, ngày %02d tháng %s năm %d", place, t.Day(), month, t.Year())
}

// clock is "09 giờ 05 phút, ngày 10/03/2026".
func clock(t time.Time) string {
	if t.IsZero() {
		return "…"
	}
	t = t.In(dossier.Loc)
	return fmt.Sprintf("%02d giờ %02d phút, ngày %s", t.Hour(), t.Minute(), t.Format("02/01/2006"))
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("02/01/2006")
}

// header draws the national header: the issuing unit at left, the
// national motto at right, the number under the unit and the place and
// date under the motto.
func (d *doc) header(date time.Time, number string) {
	leftW, rightW := 72.0, d.bodyW-72.0
	y := d.pdf.GetY()
	if d.unit.Parent != "" { // the governing body above the issuing one (Phụ lục I, II.4)
		d.font("", 12)
		for _, l := range d.wrap(strings.ToUpper(d.unit.Parent), leftW) {
			d.pdf.CellFormat(leftW, 5.5, l, "", 2, "C", false, 0, "")
		}
	}
	d.font("B", 12)
	unitLines := d.wrap(strings.ToUpper(d.unit.Name), leftW)
	for _, l := range unitLines {
		d.pdf.CellFormat(leftW, 5.5, l, "", 2, "C", false, 0, "")
	}
	lineY := d.pdf.GetY() + 0.5
	d.pdf.Line(marginL+leftW/2-15, lineY, marginL+leftW/2+15, lineY)
	if number != "" {
		d.pdf.SetY(lineY + 1.5)
		d.font("", 12)
		d.pdf.CellFormat(leftW, 6, "Số: "+number, "", 2, "C", false, 0, "")
	}
	leftBottom := d.pdf.GetY()

	d.pdf.SetXY(marginL+leftW, y)
	d.font("B", 12)
	d.pdf.CellFormat(rightW, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", 2, "C", false, 0, "")
	d.font("B", 13)
	motto := "Độc lập - Tự do - Hạnh phúc"
	d.pdf.CellFormat(rightW, 6, motto, "", 2, "C", false, 0, "")
	mw := d.pdf.GetStringWidth(motto)
	lineY = d.pdf.GetY() + 0.3
	d.pdf.Line(marginL+leftW+(rightW-mw)/2, lineY, marginL+leftW+(rightW+mw)/2, lineY)
	d.pdf.SetY(lineY + 2)
	d.pdf.SetX(marginL + leftW)
	d.font("I", bodyPt)
	d.pdf.CellFormat(rightW, 6, dateLine(d.unit.Place, date), "", 2, "C", false, 0, "")
	d.pdf.SetY(max(leftBottom, d.pdf.GetY()) + 5)
	if d.reprint != "" {
		d.font("BI", 11)
		d.pdf.CellFormat(d.bodyW, 5.5, d.reprint, "", 1, "R", false, 0, "")
		d.pdf.Ln(1)
	}
}

// title draws the centred bold form title and optional subtitle lines.
func (d *doc) title(title string, sub ...string) {
	d.font("B", 14)
	for _, l := range d.balanced(title, d.bodyW) {
		d.pdf.CellFormat(d.bodyW, 7, l, "", 1, "C", false, 0, "")
	}
	d.font("I", 12)
	for _, s := range sub {
		for _, l := range d.wrap(s, d.bodyW) {
			d.pdf.CellFormat(d.bodyW, 6, l, "", 1, "C", false, 0, "")
		}
	}
	d.pdf.Ln(3)
}

// copyLabel marks which copy of a form a page is ("Liên: Lưu").
func (d *doc) copyLabel(label string) {
	d.font("I", 10)
	d.pdf.SetXY(marginL, marginT)
	d.pdf.CellFormat(d.bodyW, 5, label, "", 0, "R", false, 0, "")
	d.pdf.SetY(marginT + 5) // the header below it, all inside the margins
}

type column struct {
	title string
	width float64 // share of the body width
	align string
}

// table draws a bordered table whose cells wrap; a row never splits across
// pages, and the header is drawn again at the top of each new page.
func (d *doc) table(cols []column, rows [][]string, size float64) {
	var total float64
	for _, c := range cols {
		total += c.width
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = d.bodyW * c.width / total
	}
	lh := size * 0.45
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	var drawRow func(cells []string, style string, header bool)
	headerRow := func() { drawRow(titles, "B", true) }
	drawRow = func(cells []string, style string, header bool) {
		d.font(style, size)
		wrapped := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			wrapped[i] = d.wrap(c, widths[i])
			n = max(n, len(wrapped[i]))
		}
		h := float64(n)*lh + 1.5
		if d.pdf.GetY()+h > d.pageH-marginB-8 {
			d.pdf.AddPage()
			if !header {
				headerRow()
				d.font(style, size)
			}
		}
		x, y := marginL, d.pdf.GetY()
		for i := range cells {
			d.pdf.Rect(x, y, widths[i], h, "D")
			align := cols[i].align
			if header {
				align = "C"
			}
			for j, l := range wrapped[i] {
				d.pdf.SetXY(x, y+0.75+float64(j)*lh)
				d.pdf.CellFormat(widths[i], lh, l, "", 0, align, false, 0, "")
			}
			x += widths[i]
		}
		d.pdf.SetXY(marginL, y+h)
	}
	headerRow()
	for _, r := range rows {
		drawRow(r, "", false)
	}
	d.pdf.Ln(2)
}

// signer is one signature block.
type signer struct {
	role, note, name string
}

// signatures draws up to two signature blocks side by side.
func (d *doc) signatures(blocks ...signer) {
	d.pdf.Ln(4)
	if d.pdf.GetY() > d.pageH-marginB-40 {
		d.pdf.AddPage()
	}
	w := d.bodyW / float64(len(blocks))
	y := d.pdf.GetY()
	for i, b := range blocks {
		x := marginL + float64(i)*w
		d.pdf.SetXY(x, y)
		d.font("B", 12)
		for _, l := range d.wrap(b.role, w) {
			d.pdf.CellFormat(w, 6, l, "", 2, "C", false, 0, "")
		}
		d.font("I", 11)
		note := b.note
		if note == "" {
			note = "(Ký và ghi rõ họ tên)"
		}
		d.pdf.CellFormat(w, 5.5, note, "", 2, "C", false, 0, "")
		d.pdf.SetXY(x, d.pdf.GetY()+20)
		d.font("B", 12)
		d.pdf.CellFormat(w, 6, b.name, "", 2, "C", false, 0, "")
	}
	d.pdf.Ln(2)
}

// qr draws a QR code of content at (x, y) with the given size.
func (d *doc) qr(content string, x, y, size float64) error {
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("forms: qr: %w", err)
	}
	name := "qr-" + content
	d.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	d.pdf.ImageOptions(name, x, y, size, size, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	return nil
}

// QRContent is what a receipt's QR code holds: the lookup link when a URL
// template is configured, the record code otherwise.
func QRContent(u Unit, code string) string {
	if strings.Contains(u.LookupURL, "{code}") {
		return strings.ReplaceAll(u.LookupURL, "{code}", code)
	}
	return code
}

// letterEnd closes an administrative letter (Mẫu 04, 05): "Nơi nhận" at
// the left, the signer at the right with the authority line (TM., KT.),
// title and name from the settings, or room to fill them in by hand.
func (d *doc) letterEnd(to string) {
	d.pdf.Ln(4)
	if d.pdf.GetY() > d.pageH-marginB-45 {
		d.pdf.AddPage()
	}
	half := d.bodyW / 2
	y := d.pdf.GetY()
	d.font("BI", 12)
	d.pdf.CellFormat(half, 6, "Nơi nhận:", "", 2, "L", false, 0, "")
	d.font("", 11)
	for _, l := range []string{"- " + to + ";", "- Lưu: VT, hồ sơ."} {
		d.pdf.CellFormat(half, 5, l, "", 2, "L", false, 0, "")
	}
	d.pdf.SetXY(marginL+half, y)
	d.font("B", bodyPt)
	for _, l := range []string{d.unit.SignerAuthority, d.unit.SignerTitle} {
		if l != "" {
			d.pdf.CellFormat(half, 6, strings.ToUpper(l), "", 2, "C", false, 0, "")
		}
	}
	if d.unit.SignerTitle == "" {
		d.pdf.CellFormat(half, 6, "THỦ TRƯỞNG CƠ QUAN", "", 2, "C", false, 0, "")
	}
	d.font("I", 12)
	d.pdf.CellFormat(half, 5.5, "(Ký, ghi rõ họ tên, đóng dấu)", "", 2, "C", false, 0, "")
	d.pdf.SetXY(marginL+half, d.pdf.GetY()+22)
	d.font("B", bodyPt)
	d.pdf.CellFormat(half, 6, d.unit.SignerName, "", 2, "C", false, 0, "")
	d.pdf.Ln(2)
}
