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
	_ = cw.Write([]string{"ma_ho_so", "thu_tuc", "linh_vuc", "tiep_nhan", "han_giai_quyet", "hoan_thanh", "so_ngay_qua_han", "ly_do"})
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
	x := &xlsx{f: excelize.NewFile()}
	defer x.f.Close()
	if err := x.f.SetSheetName("Sheet1", sheetTable); err != nil {
		return err
	}
	var err error
	if x.bold, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	if x.head, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
		Border: []excelize.Border{{Type: "left", Style: 1}, {Type: "right", Style: 1}, {Type: "top", Style: 1}, {Type: "bottom", Style: 1}}}); err != nil {
		return err
	}
	x.table(r)
	for _, sheet := range []func(*Report) error{x.indicators, x.lateFiles} {
		if err := sheet(r); err != nil {
			return err
		}
	}
	return x.f.Write(w)
}

const sheetTable, sheetIndicators, sheetLate = "Báo cáo", "Chỉ số", "Hồ sơ quá hạn"

// xlsx is a workbook being written and its styles.
type xlsx struct {
	f          *excelize.File
	bold, head int
}

func cellName(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }

func (x *xlsx) set(sheet string, col, row int, v any) {
	_ = x.f.SetCellValue(sheet, cellName(col, row), v)
}

// table is the first sheet: the title, a two-line header (groups over
// titles), a row per field and the total as SUM formulas.
func (x *xlsx) table(r *Report) {
	const sheet = sheetTable
	x.set(sheet, 1, 1, r.Title())
	x.set(sheet, 1, 2, r.Unit)
	x.set(sheet, 1, 4, "Lĩnh vực")
	_ = x.f.MergeCell(sheet, cellName(1, 4), cellName(1, 5))
	for i, c := range Columns {
		col := i + 2
		switch {
		case c.Group == "":
			x.set(sheet, col, 4, c.Title)
			_ = x.f.MergeCell(sheet, cellName(col, 4), cellName(col, 5))
			continue
		case i == 0 || Columns[i-1].Group != c.Group: // the group's first column
			end := i
			for end+1 < len(Columns) && Columns[end+1].Group == c.Group {
				end++
			}
			x.set(sheet, col, 4, c.Group)
			_ = x.f.MergeCell(sheet, cellName(col, 4), cellName(end+2, 4))
		}
		x.set(sheet, col, 5, c.Title)
	}
	_ = x.f.SetCellStyle(sheet, cellName(1, 4), cellName(len(Columns)+1, 5), x.head)
	rows := r.Rows()
	for i, row := range rows[:len(rows)-1] {
		x.set(sheet, 1, 6+i, row.Field)
		for j, c := range Columns {
			x.set(sheet, j+2, 6+i, c.Value(row))
		}
	}
	totalRow := 6 + len(rows) - 1
	x.set(sheet, 1, totalRow, TotalLabel)
	for j, c := range Columns {
		col := j + 2
		if totalRow == 6 { // no field: nothing to add up
			x.set(sheet, col, totalRow, c.Value(rows[len(rows)-1]))
			continue
		}
		_ = x.f.SetCellFormula(sheet, cellName(col, totalRow), fmt.Sprintf("SUM(%s:%s)", cellName(col, 6), cellName(col, totalRow-1)))
	}
	_ = x.f.SetCellStyle(sheet, cellName(1, totalRow), cellName(len(Columns)+1, totalRow), x.bold)
	_ = x.f.SetColWidth(sheet, "A", "A", 42)
	lastCol, _ := excelize.ColumnNumberToName(len(Columns) + 1)
	_ = x.f.SetColWidth(sheet, "B", lastCol, 13)
	_ = x.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 5, TopLeftCell: "B6", ActivePane: "bottomRight"})
}

func (x *xlsx) indicators(r *Report) error {
	const sheet = sheetIndicators
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	x.set(sheet, 1, 1, "Chỉ số")
	x.set(sheet, 2, 1, "Giá trị")
	_ = x.f.SetCellStyle(sheet, "A1", "B1", x.bold)
	for i, l := range r.IndicatorLines() {
		x.set(sheet, 1, i+2, l.Name)
		x.set(sheet, 2, i+2, l.Value)
	}
	return x.f.SetColWidth(sheet, "A", "A", 70)
}

func (x *xlsx) lateFiles(r *Report) error {
	const sheet = sheetLate
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	for i, h := range []string{"Mã hồ sơ", "Thủ tục", "Lĩnh vực", "Tiếp nhận", "Hạn giải quyết", "Hoàn thành", "Số ngày quá hạn", "Lý do (văn bản xin lỗi)"} {
		x.set(sheet, i+1, 1, h)
	}
	_ = x.f.SetCellStyle(sheet, "A1", "H1", x.bold)
	for i, l := range r.Late {
		for j, v := range []any{l.Code, l.Procedure, l.Field, date(l.Received), date(l.LegalDue), date(l.Finished), l.DaysLate, l.Reason} {
			x.set(sheet, j+1, i+2, v)
		}
	}
	for col, w := range map[string]float64{"A": 28, "B": 40, "C": 24, "H": 40} {
		_ = x.f.SetColWidth(sheet, col, col, w)
	}
	return x.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}
