package report

// Column is one column of the report's table: its group, its title, and
// its figure in a row. The screen, the PDF, the XLSX and the CSV all lay
// the table out from this one list.
type Column struct {
	Group string // the header above, "" for none
	Title string
	Key   string // the CSV's column name
	Value func(Row) int
}

// Columns follow Biểu II.06a/VPCP/KSTT (README "Reports"), with the files
// ended without a result after them, so that the row adds up.
var Columns = []Column{
	{"Số hồ sơ nhận giải quyết", "Tổng số", "tong_nhan", func(r Row) int { return r.Received }},
	{"Số hồ sơ nhận giải quyết", "Trực tuyến", "truc_tuyen", func(r Row) int { return r.Online }},
	{"Số hồ sơ nhận giải quyết", "Trực tiếp, bưu chính", "truc_tiep_buu_chinh", func(r Row) int { return r.InPerson }},
	{"Số hồ sơ nhận giải quyết", "Kỳ trước chuyển qua", "ky_truoc", func(r Row) int { return r.Carried }},
	{"Số hồ sơ đã giải quyết", "Tổng số", "tong_da_giai_quyet", func(r Row) int { return r.Settled }},
	{"Số hồ sơ đã giải quyết", "Trước hạn", "truoc_han", func(r Row) int { return r.Early }},
	{"Số hồ sơ đã giải quyết", "Đúng hạn", "dung_han", func(r Row) int { return r.OnTime }},
	{"Số hồ sơ đã giải quyết", "Quá hạn", "qua_han", func(r Row) int { return r.Late }},
	{"Số hồ sơ đang giải quyết", "Tổng số", "tong_dang_giai_quyet", func(r Row) int { return r.InProgress }},
	{"Số hồ sơ đang giải quyết", "Trong hạn", "trong_han", func(r Row) int { return r.WithinTime }},
	{"Số hồ sơ đang giải quyết", "Quá hạn", "dang_qua_han", func(r Row) int { return r.Overdue }},
	{"", "Dừng, rút, không tiếp nhận", "dung_rut_tu_choi", func(r Row) int { return r.Ended }},
}

// TotalLabel names the unit's total row.
const TotalLabel = "Tổng cộng"

// Rows are the report's rows as laid out: each field, then the total.
func (r *Report) Rows() []Row {
	t := r.Total
	t.Field = TotalLabel
	return append(append([]Row(nil), r.Fields...), t)
}
