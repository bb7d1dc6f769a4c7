package forms

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"motcua/report"
)

// Report renders the periodic report (package report): A4 landscape with
// the national header, the table of Biểu II.06a/VPCP/KSTT by field with
// the unit's total, the indicators, the late files with their reasons,
// and the signer block.
func Report(w io.Writer, u Unit, rep *report.Report, now time.Time) error {
	d := newDoc(u, "L")
	d.pdf.AliasNbPages("{nb}")
	d.pdf.SetFooterFunc(func() {
		d.pdf.SetY(-12)
		d.font("I", 9)
		d.pdf.CellFormat(d.bodyW, 5, fmt.Sprintf("Trang %d/{nb}", d.pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	d.pdf.AddPage()
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
	return d.output(w)
}
