package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/dossier"
)

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("02/01/2006")
}

// Title is the report's title with its period.
func (r *Report) Title() string {
	return fmt.Sprintf("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TỪ NGÀY %s ĐẾN NGÀY %s", date(r.From), date(r.To))
}

// WriteCSV writes the table, the indicators and the late files as CSV
// (UTF-8 with the mark spreadsheet programs read).
func (r *Report) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := []string{"linh_vuc"}
	for _, c := range Columns {
		head = append(head, c.Key)
	}
	_ = cw.Write(head)
	for _, row := range r.Rows() {
		line := []string{row.Field}
		for _, c := range Columns {
			line = append(line, strconv.Itoa(c.Value(row)))
		}
		_ = cw.Write(line)
	}
	_ = cw.Write(nil)
	for _, ind := range r.IndicatorLines() {
		_ = cw.Write([]string{ind.Name, ind.Value})
	}
	_ = cw.Write(nil)
	_ = cw.Write([]string{"ma_ho_so", "thu_tuc", "linh_vuc", "tiep_nhan", "han_giai_quyet", "hoan_thanh", "so_ngay_lam_viec_qua_han", "ly_do"})
	for _, l := range r.Late {
		_ = cw.Write([]string{l.Code, l.Procedure, l.Field, date(l.Received), date(l.LegalDue), date(l.Finished), strconv.Itoa(l.DaysLate), l.Reason})
	}
	cw.Flush()
	return cw.Error()
}

// Line is a named figure.
type Line struct{ Name, Value string }

// IndicatorLines are the indicators as the reports print them.
func (r *Report) IndicatorLines() []Line {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " %" }
	return []Line{
		{"Tỷ lệ hồ sơ giải quyết đúng hạn (trước hạn và đúng hạn / đã giải quyết)", f(r.Indicators.OnTimeRate)},
		{"Tỷ lệ hồ sơ nhận trực tuyến (trực tuyến / nhận trong kỳ)", f(r.Indicators.OnlineShare)},
		{"Tỷ lệ hồ sơ đang giải quyết quá hạn (quá hạn / đang giải quyết)", f(r.Indicators.OverdueShare)},
		{"Số lượt hướng dẫn tại quầy không tiếp nhận (Mẫu 02, 03)", strconv.Itoa(r.Guidance)},
	}
}

// WriteXLSX writes the report as a workbook: the table (numbers in real
// cells, totals as SUM formulas, bold two-line header, frozen), the
// indicators and the late files, one sheet each.
func (r *Report) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const table, ind, late = "Báo cáo", "Chỉ số", "Hồ sơ quá hạn"
	if err := f.SetSheetName("Sheet1", table); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
		Border: []excelize.Border{{Type: "left", Style: 1}, {Type: "right", Style: 1}, {Type: "top", Style: 1}, {Type: "bottom", Style: 1}}})
	if err != nil {
		return err
	}
	cell := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }
	set := func(sheet string, col, row int, v any) { _ = f.SetCellValue(sheet, cell(col, row), v) }

	set(table, 1, 1, r.Title())
	set(table, 1, 2, r.Unit)
	// header: row 4 the groups, row 5 the titles
	set(table, 1, 4, "Lĩnh vực")
	_ = f.MergeCell(table, cell(1, 4), cell(1, 5))
	for i, c := range Columns {
		col := i + 2
		switch {
		case c.Group == "":
			set(table, col, 4, c.Title)
			_ = f.MergeCell(table, cell(col, 4), cell(col, 5))
			continue
		case i == 0 || Columns[i-1].Group != c.Group: // the group's first column
			end := i
			for end+1 < len(Columns) && Columns[end+1].Group == c.Group {
				end++
			}
			set(table, col, 4, c.Group)
			_ = f.MergeCell(table, cell(col, 4), cell(end+2, 4))
		}
		set(table, col, 5, c.Title)
	}
	_ = f.SetCellStyle(table, cell(1, 4), cell(len(Columns)+1, 5), bold)
	rows := r.Rows()
	for i, row := range rows[:len(rows)-1] {
		set(table, 1, 6+i, row.Field)
		for j, c := range Columns {
			set(table, j+2, 6+i, c.Value(row))
		}
	}
	totalRow := 6 + len(rows) - 1
	set(table, 1, totalRow, TotalLabel)
	for j, c := range Columns {
		col := j + 2
		if totalRow == 6 { // no field: nothing to add up
			set(table, col, totalRow, c.Value(rows[len(rows)-1]))
			continue
		}
		_ = f.SetCellFormula(table, cell(col, totalRow), fmt.Sprintf("SUM(%s:%s)", cell(col, 6), cell(col, totalRow-1)))
	}
	boldOnly, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = f.SetCellStyle(table, cell(1, totalRow), cell(len(Columns)+1, totalRow), boldOnly)
	_ = f.SetColWidth(table, "A", "A", 42)
	lastCol, _ := excelize.ColumnNumberToName(len(Columns) + 1)
	_ = f.SetColWidth(table, "B", lastCol, 13)
	_ = f.SetPanes(table, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 5, TopLeftCell: "B6", ActivePane: "bottomRight"})

	if _, err := f.NewSheet(ind); err != nil {
		return err
	}
	set(ind, 1, 1, "Chỉ số")
	set(ind, 2, 1, "Giá trị")
	_ = f.SetCellStyle(ind, "A1", "B1", boldOnly)
	for i, l := range r.IndicatorLines() {
		set(ind, 1, i+2, l.Name)
		set(ind, 2, i+2, l.Value)
	}
	_ = f.SetColWidth(ind, "A", "A", 70)

	if _, err := f.NewSheet(late); err != nil {
		return err
	}
	for i, h := range []string{"Mã hồ sơ", "Thủ tục", "Lĩnh vực", "Tiếp nhận", "Hạn giải quyết", "Hoàn thành", "Số ngày làm việc quá hạn", "Lý do (văn bản xin lỗi)"} {
		set(late, i+1, 1, h)
	}
	_ = f.SetCellStyle(late, "A1", "H1", boldOnly)
	for i, l := range r.Late {
		for j, v := range []any{l.Code, l.Procedure, l.Field, date(l.Received), date(l.LegalDue), date(l.Finished), l.DaysLate, l.Reason} {
			set(late, j+1, i+2, v)
		}
	}
	_ = f.SetColWidth(late, "A", "A", 28)
	_ = f.SetColWidth(late, "B", "B", 40)
	_ = f.SetColWidth(late, "C", "C", 24)
	_ = f.SetColWidth(late, "H", "H", 40)
	_ = f.SetPanes(late, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	return f.Write(w)
}
