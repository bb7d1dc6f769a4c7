package forms

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"motcua/dossier"
	"motcua/report"

	"github.com/go-pdf/fpdf"
)

// Report renders the periodic report (package report): A4 landscape with
// the national header, the table of Biểu II.06a/VPCP/KSTT by field with
// the unit's total, the indicators, the late files with their reasons,
// and the signer block.
func Report(w io.Writer, u Unit, rep *report.Report, now time.Time, figs ...Figure) error {
	d := newListDoc(u)
	d.header(now, "")
	d.title("BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
		"Kỳ báo cáo: từ ngày "+day(rep.From)+" đến ngày "+day(rep.To),
		"(theo các cột của Biểu II.06a/VPCP/KSTT)")
	cols := []column{{"STT", 0.8, "C"}, {"Lĩnh vực", 5, "L"}}
	for _, c := range report.Columns {
		title := c.Title
		if c.Group != "" {
			title = c.Group + ": " + c.Title
		}
		cols = append(cols, column{title, 1.6, "R"})
	}
	rows := rep.Rows()
	cells := make([][]string, 0, len(rows))
	for i, r := range rows {
		no := strconv.Itoa(i + 1)
		if i == len(rows)-1 {
			no = ""
		}
		line := []string{no, r.Field}
		for _, c := range report.Columns {
			line = append(line, strconv.Itoa(c.Value(r)))
		}
		cells = append(cells, line)
	}
	d.table(cols, cells, 9)

	d.text("Chỉ số trong kỳ", "B", 11, "L")
	var ind [][]string
	for _, l := range rep.IndicatorLines() {
		ind = append(ind, []string{l.Name, l.Value})
	}
	d.table([]column{{"Chỉ số", 8, "L"}, {"Giá trị", 1.5, "R"}}, ind, 10)

	d.text(fmt.Sprintf("Hồ sơ giải quyết quá hạn hoặc còn quá hạn cuối kỳ: %d", len(rep.Late)), "B", 11, "L")
	if len(rep.Late) > 0 {
		var late [][]string
		for i, l := range rep.Late {
			late = append(late, []string{strconv.Itoa(i + 1), l.Code, l.Procedure, day(l.LegalDue), orDots(day(l.Finished)), strconv.Itoa(l.DaysLate), l.Reason})
		}
		d.table([]column{{"STT", 0.8, "C"}, {"Mã hồ sơ", 4.6, "L"}, {"Thủ tục", 5, "L"}, {"Hạn giải quyết", 2, "C"}, {"Hoàn thành", 2, "C"},
			{"Số ngày quá hạn", 2, "C"}, {"Lý do (văn bản xin lỗi)", 5, "L"}}, late, 9)
	}
	d.signatures(signer{role: "NGƯỜI LẬP BÁO CÁO"}, signer{role: "LÃNH ĐẠO ĐƠN VỊ", note: "(Ký, ghi rõ họ tên, đóng dấu)", name: u.SignerName})
	if len(figs) > 0 {
		d.figures(figs)
	}
	return d.output(w)
}

// Figure is a chart printed with a report: a PNG, named for the PDF.
type Figure struct {
	Name string
	PNG  []byte
}

// figures puts the charts on a page of their own, one above the other,
// as wide as the text.
func (d *doc) figures(figs []Figure) {
	d.pdf.AddPage()
	d.text("Biểu đồ", "B", 11, "L")
	for _, f := range figs {
		opt := fpdf.ImageOptions{ImageType: "PNG", ReadDpi: true}
		info := d.pdf.RegisterImageOptionsReader(f.Name, opt, bytes.NewReader(f.PNG))
		if info == nil || d.pdf.Err() {
			return // the report stands without its charts
		}
		w := d.bodyW * 0.8
		h := w * info.Height() / info.Width()
		if d.pdf.GetY()+h > d.pageH-marginB-8 {
			d.pdf.AddPage()
		}
		d.pdf.ImageOptions(f.Name, marginL+(d.bodyW-w)/2, d.pdf.GetY(), w, h, false, opt, 0, "")
		d.pdf.SetY(d.pdf.GetY() + h + 4)
	}
}

// OverdueRow is a line of the overdue board.
type OverdueRow struct {
	Record   *dossier.Record
	DaysLate int
}

// OverdueList renders the overdue board as a list (A4 landscape): every
// open file past its legal deadline, most late first, with the clerk and
// its current step.
func OverdueList(w io.Writer, u Unit, rows []OverdueRow, now time.Time) error {
	d := newListDoc(u)
	d.header(now, "")
	d.title("DANH SÁCH HỒ SƠ QUÁ HẠN GIẢI QUYẾT", "Đến "+clock(now), fmt.Sprintf("Tổng số: %d hồ sơ", len(rows)))
	cells := make([][]string, 0, len(rows))
	for i, o := range rows {
		r := o.Record
		cells = append(cells, []string{strconv.Itoa(i + 1), r.Code, r.ProcedureName, r.Owner.Name, r.Clerk, day(r.LegalDue()),
			strconv.Itoa(o.DaysLate), r.Status.Label()})
	}
	d.table([]column{{"STT", 0.8, "C"}, {"Mã hồ sơ", 4.6, "L"}, {"Thủ tục", 5, "L"}, {"Chủ hồ sơ", 3.4, "L"}, {"Cán bộ tiếp nhận", 3, "L"},
		{"Hạn giải quyết", 2, "C"}, {"Số ngày quá hạn", 1.6, "C"}, {"Bước hiện tại", 2.6, "L"}}, cells, 9)
	d.signatures(signer{role: "NGƯỜI LẬP DANH SÁCH"}, signer{role: "LÃNH ĐẠO ĐƠN VỊ", note: "(Ký, ghi rõ họ tên)", name: u.SignerName})
	return d.output(w)
}
