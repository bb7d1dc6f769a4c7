package dossier

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a record may hold. A counter refuses more at intake, and
// the backend refuses it in a push, so nothing too large to sync is ever
// saved (one record of 10 MB used to block its counter's every push).
const (
	MaxNameLen     = 200      // a person's or organisation's name, in characters
	MaxAddressLen  = 300      // one address line
	MaxShortLen    = 100      // ID numbers, phones, e-mail, tax code, dates
	MaxTextLen     = 1000     // summary, a document's name, a reason line
	MaxNotesLen    = 4000     // notes, a reason
	MaxDocuments   = 100      // document rows of a record
	MaxAttachments = 100      // files filed online with a record
	MaxURLLen      = 2000     // a link to a file
	MaxRecordBytes = 64 << 10 // a whole record as stored (its JSON)
	// MaxClockAhead is how far in the future a receipt time may be (the
	// counter's clock and the server's may differ by a little).
	MaxClockAhead = 10 * time.Minute
)

// EarliestReceipt is the earliest receipt time accepted: the wards and
// communes of the two-level local government began work on 1 July 2025
// (Nghị quyết 202/2025/QH15 ngày 12/6/2025), so no unit this program
// serves received a file before it.
var EarliestReceipt = time.Date(2025, 7, 1, 0, 0, 0, 0, Loc)

// ErrTooLarge says a record or event is over the limits.
var ErrTooLarge = fmt.Errorf("%w: hồ sơ vượt quá giới hạn kích thước", ErrBadEvent)

// checkText refuses invalid UTF-8, control characters (NUL included;
// multi-line fields may hold line breaks and tabs) and text longer than
// max characters.
func checkText(field, label, s string, max int, multiline bool) *FieldError {
	if !utf8.ValidString(s) {
		return fieldErr(field, "text.encoding", label+": có ký tự không hợp lệ (sai mã hóa)")
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return fieldErr(field, "text.control", label+": có ký tự điều khiển không được phép")
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fieldErr(field, "text.too_long", fmt.Sprintf("%s: dài %d ký tự, tối đa %d", label, n, max))
	}
	return nil
}

type textCheck struct {
	field, label string
	value        string
	max          int
	multiline    bool
}

func partyTexts(prefix string, p *Party) []textCheck {
	return []textCheck{
		{prefix + ".name", "Họ tên / tên tổ chức", p.Name, MaxNameLen, false},
		{prefix + ".id_number", "Số giấy tờ", p.IDNumber, MaxShortLen, false},
		{prefix + ".tax_code", "Mã số thuế", p.TaxCode, MaxShortLen, false},
		{prefix + ".birth", "Ngày sinh", p.Birth, MaxShortLen, false},
		{prefix + ".address.street", "Địa chỉ", p.Address.Street, MaxAddressLen, false},
		{prefix + ".address.ward", "Phường, xã", p.Address.Ward, MaxAddressLen, false},
		{prefix + ".address.province", "Tỉnh, thành phố", p.Address.Province, MaxAddressLen, false},
		{prefix + ".phone", "Số điện thoại", p.Phone, MaxShortLen, false},
		{prefix + ".email", "Thư điện tử", p.Email, MaxShortLen, false},
	}
}

func runTextChecks(checks []textCheck, errs *ValidationErrors) {
	for _, c := range checks {
		if e := checkText(c.field, c.label, c.value, c.max, c.multiline); e != nil {
			*errs = append(*errs, e)
		}
	}
}

// checkIntakeLimits is the size and character part of Intake.Validate.
func (in *Intake) checkLimits() ValidationErrors {
	var errs ValidationErrors
	checks := append(partyTexts("owner", &in.Owner), partyTexts("filer", &in.Filer)...)
	checks = append(checks,
		textCheck{"summary", "Trích yếu", in.Summary, MaxTextLen, true},
		textCheck{"notes", "Ghi chú", in.Notes, MaxNotesLen, true})
	if len(in.Documents) > MaxDocuments {
		errs = append(errs, fieldErr("documents", "documents.too_many", fmt.Sprintf("Thành phần hồ sơ có %d dòng, tối đa %d", len(in.Documents), MaxDocuments)))
	}
	for i := range in.Documents {
		if i >= MaxDocuments {
			break
		}
		checks = append(checks, textCheck{"documents", "Tên giấy tờ", in.Documents[i].Name, MaxTextLen, false})
	}
	runTextChecks(checks, &errs)
	return errs
}

// CheckReceivedAt refuses a receipt time in the future (beyond a little
// clock difference) or before EarliestReceipt.
func CheckReceivedAt(t, now time.Time) *FieldError {
	switch {
	case t.After(now.Add(MaxClockAhead)):
		return fieldErr("received_at", "received.future", "Thời điểm tiếp nhận ở tương lai; hãy kiểm tra đồng hồ của máy")
	case t.Before(EarliestReceipt):
		return fieldErr("received_at", "received.too_early", "Thời điểm tiếp nhận trước ngày đơn vị bắt đầu hoạt động (01/7/2025)")
	}
	return nil
}

// CheckRecord applies the limits to a whole record as another device sent
// it (the backend checks every record it is pushed, and a counter every
// record it pulls, with the same rules as intake).
func CheckRecord(r *Record) error { return checkRecord(r, -1) }

// checkRecord is CheckRecord; a JSON size at least the record's (an event
// that carries it, already encoded), when known (≥ 0) and within
// MaxRecordBytes, spares encoding the record again.
func checkRecord(r *Record, atLeast int) error {
	var errs ValidationErrors
	checks := append(partyTexts("owner", &r.Owner), partyTexts("filer", &r.Filer)...)
	checks = append(checks,
		textCheck{"code", "Mã hồ sơ", r.Code, MaxShortLen, false},
		textCheck{"procedure", "Thủ tục", r.ProcedureName, MaxTextLen, false},
		textCheck{"procedure_code", "Mã thủ tục", r.ProcedureCode, MaxShortLen, false},
		textCheck{"summary", "Trích yếu", r.Summary, MaxTextLen, true},
		textCheck{"notes", "Ghi chú", r.Notes, MaxNotesLen, true},
		textCheck{"clerk", "Cán bộ tiếp nhận", r.Clerk, MaxNameLen, false})
	if len(r.Documents) > MaxDocuments {
		errs = append(errs, fieldErr("documents", "documents.too_many", fmt.Sprintf("Thành phần hồ sơ có %d dòng, tối đa %d", len(r.Documents), MaxDocuments)))
	} else {
		for _, d := range r.Documents {
			checks = append(checks, textCheck{"documents", "Tên giấy tờ", d.Name, MaxTextLen, false})
		}
	}
	checks = append(checks, attachmentTexts(r.Attachments, &errs)...)
	runTextChecks(checks, &errs)
	if len(errs) > 0 {
		return errs
	}
	if atLeast >= 0 && atLeast <= MaxRecordBytes {
		return nil
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if len(data) > MaxRecordBytes {
		return fmt.Errorf("%w (%d byte, tối đa %d)", ErrTooLarge, len(data), MaxRecordBytes)
	}
	return nil
}

// attachmentTexts lists the checks of files filed online (too many is
// an error of its own).
func attachmentTexts(as []Attachment, errs *ValidationErrors) []textCheck {
	if len(as) > MaxAttachments {
		*errs = append(*errs, fieldErr("attachments", "attachments.too_many", fmt.Sprintf("Hồ sơ có %d tệp đính kèm, tối đa %d", len(as), MaxAttachments)))
		return nil
	}
	var out []textCheck
	for _, a := range as {
		out = append(out,
			textCheck{"attachments", "Tên tệp đính kèm", a.Name, MaxTextLen, false},
			textCheck{"attachments", "Đường dẫn tệp đính kèm", a.URL, MaxURLLen, false},
			textCheck{"attachments", "Loại tệp đính kèm", a.Type, MaxShortLen, false},
			textCheck{"attachments", "Mã băm tệp đính kèm", a.SHA256, MaxShortLen, false})
	}
	return out
}

// CheckEventLimits applies the limits to an event's own text (its record,
// on a received event, goes through CheckRecord).
func CheckEventLimits(e *Event) error { return checkEventLimits(e, -1) }

// CheckEventLimitsSized is CheckEventLimits for an event whose JSON
// encoding is known to take size bytes (the backend hashes each event's
// encoding): the record it carries takes fewer.
func CheckEventLimitsSized(e *Event, size int) error { return checkEventLimits(e, size) }

func checkEventLimits(e *Event, size int) error {
	var errs ValidationErrors
	checks := []textCheck{
		{"actor", "Người thực hiện", e.Actor, MaxNameLen, false},
		{"actor_name", "Người thực hiện", e.ActorName, MaxNameLen, false},
		{"letter", "Số văn bản", e.Letter, MaxShortLen, false},
		{"reason", "Lý do", e.Reason, MaxNotesLen, true},
	}
	if len(e.Missing) > MaxDocuments {
		errs = append(errs, fieldErr("missing", "documents.too_many", "Danh sách giấy tờ cần bổ sung quá dài"))
	}
	checks = append(checks, attachmentTexts(e.Attachments, &errs)...)
	for i, m := range e.Missing {
		if i >= MaxDocuments {
			break
		}
		checks = append(checks, textCheck{"missing", "Giấy tờ cần bổ sung", m, MaxTextLen, false})
	}
	if g := e.Guidance; g != nil {
		checks = append(checks,
			textCheck{"person.name", "Họ tên", g.Person.Name, MaxNameLen, false},
			textCheck{"person.id_number", "Số giấy tờ", g.Person.IDNumber, MaxShortLen, false},
			textCheck{"guidance.reason", "Lý do", g.Reason, MaxNotesLen, true},
			textCheck{"summary", "Nội dung yêu cầu", g.Summary, MaxTextLen, false})
		if len(g.Missing) > MaxDocuments {
			errs = append(errs, fieldErr("missing", "documents.too_many", "Danh sách giấy tờ cần bổ sung quá dài"))
		}
		for i, m := range g.Missing {
			if i < MaxDocuments {
				checks = append(checks, textCheck{"missing", "Giấy tờ cần bổ sung", m, MaxTextLen, false})
			}
		}
	}
	if e.Collector != nil {
		checks = append(checks,
			textCheck{"collector.name", "Người nhận kết quả", e.Collector.Name, MaxNameLen, false},
			textCheck{"collector.id_number", "Số giấy tờ người nhận", e.Collector.IDNumber, MaxShortLen, false},
			textCheck{"collector.phone", "Số điện thoại người nhận", e.Collector.Phone, MaxShortLen, false})
	}
	runTextChecks(checks, &errs)
	if len(errs) > 0 {
		return errs
	}
	if e.Record != nil {
		return checkRecord(e.Record, size)
	}
	return nil
}
