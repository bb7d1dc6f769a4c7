// Package forms renders the official one-stop forms (Circular 03/2025/TT-VPCP
// set: Mẫu 01–07), the result hand-over slip and the fee receipt as A4 PDF
// with an embedded Times-metric serif that covers Vietnamese, and prints them.
package forms

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"motcua/dossier"
)

// Kind names a printable form.
type Kind string

// The forms the counter prints.
const (
	KindReceipt    Kind = "receipt"    // Mẫu 01
	KindSupplement Kind = "supplement" // Mẫu 02
	KindRefusal    Kind = "refusal"    // Mẫu 03
	KindExtension  Kind = "extension"  // Mẫu 04
	KindStop       Kind = "stop"       // Mẫu 05
	KindControl    Kind = "control"    // Mẫu 06
	KindLedger     Kind = "ledger"     // Mẫu 07
	KindHandOver   Kind = "handover"   // giấy biên nhận trả kết quả
	KindFee        Kind = "fee"        // biên lai thu phí, lệ phí
)

// Title is the Vietnamese name of a form.
func (k Kind) Title() string {
	switch k {
	case KindReceipt:
		return "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
	case KindSupplement:
		return "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"
	case KindRefusal:
		return "Phiếu từ chối tiếp nhận giải quyết hồ sơ"
	case KindExtension:
		return "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"
	case KindStop:
		return "Thông báo dừng giải quyết hồ sơ"
	case KindControl:
		return "Phiếu kiểm soát quá trình giải quyết hồ sơ"
	case KindLedger:
		return "Sổ theo dõi hồ sơ"
	case KindHandOver:
		return "Giấy biên nhận trả kết quả"
	case KindFee:
		return "Biên lai thu phí, lệ phí"
	}
	return string(k)
}

// eventFor says which event a form is about (empty: the record itself).
var eventFor = map[Kind]dossier.EventType{
	KindSupplement: dossier.EvSupplementRequested,
	KindRefusal:    dossier.EvRefused,
	KindExtension:  dossier.EvExtended,
	KindStop:       dossier.EvStopped,
	KindHandOver:   dossier.EvReturned,
}

// ForEvent is the form an action produces, if any.
func ForEvent(t dossier.EventType) (Kind, bool) {
	for k, e := range eventFor {
		if e == t {
			return k, true
		}
	}
	if t == dossier.EvFeePaid {
		return KindFee, true
	}
	return "", false
}

// Available lists the forms that can be printed for a record now.
func Available(r *dossier.Record) []Kind {
	var out []Kind
	if !r.ReceivedAt.IsZero() { // a file filed online is received first
		out = append(out, KindReceipt, KindControl)
	}
	for _, k := range []Kind{KindSupplement, KindRefusal, KindExtension, KindStop, KindHandOver} {
		if _, ok := lastEvent(r, eventFor[k]); ok {
			out = append(out, k)
		}
	}
	if r.FeePaid > 0 {
		out = append(out, KindFee)
	}
	return out
}

func lastEvent(r *dossier.Record, t dossier.EventType) (dossier.Event, bool) {
	for i := len(r.History) - 1; i >= 0; i-- {
		if r.History[i].Type == t {
			return r.History[i], true
		}
	}
	return dossier.Event{}, false
}

// eventByID is the event of a type with that ID.
func eventByID(r *dossier.Record, t dossier.EventType, id string) (dossier.Event, bool) {
	for _, e := range r.History {
		if e.Type == t && e.ID == id {
			return e, true
		}
	}
	return dossier.Event{}, false
}

// EventsFor lists the events an event form can print, oldest first (a
// record may have had several supplement requests).
func EventsFor(r *dossier.Record, k Kind) []dossier.Event {
	et, ok := eventFor[k]
	if !ok {
		return nil
	}
	var out []dossier.Event
	for _, e := range r.History {
		if e.Type == et {
			out = append(out, e)
		}
	}
	return out
}

// ErrNotApplicable says a record has no event for the form asked.
type ErrNotApplicable struct {
	Kind Kind
	Code string
}

func (e *ErrNotApplicable) Error() string {
	return fmt.Sprintf("hồ sơ %s chưa có nội dung để in “%s”", e.Code, e.Kind.Title())
}

// Render writes the form of a record as PDF. now is the print time (used
// by forms that are not tied to an event).
func Render(w io.Writer, k Kind, u Unit, r *dossier.Record, now time.Time) error {
	return RenderWith(w, k, u, r, now, Options{})
}

// Options are how a form is printed beyond its record.
type Options struct {
	// FirstPrinted, when set, makes this a reprint: each page says "Bản in
	// lại" with the reprint time (now) and when the original was printed.
	// The caller passes the record as it was printed then (appointment and
	// fee), so that the reprint reproduces what was handed over.
	FirstPrinted time.Time
	// EventID picks the event an event form prints (one of several
	// supplement requests); empty: the latest.
	EventID string
}

// ReprintsFixed are the forms whose reprint shows what the first print
// showed (the appointment and fee handed over), not the record's later
// changes: those appear only on the forms that announce them.
var ReprintsFixed = map[Kind]bool{KindReceipt: true, KindHandOver: true, KindControl: true}

// eventForm draws the form of an event of the record: the one with id,
// or the latest.
func (d *doc) eventForm(k Kind, et dossier.EventType, r *dossier.Record, id string) error {
	ev, found := lastEvent(r, et)
	if id != "" {
		ev, found = eventByID(r, et, id)
	}
	if !found {
		return &ErrNotApplicable{k, r.Code}
	}
	switch k {
	case KindSupplement:
		d.supplement(r, ev)
	case KindRefusal:
		d.refusal(r, ev)
	case KindExtension:
		d.extension(r, ev)
	case KindStop:
		d.stop(r, ev)
	case KindHandOver:
		d.handOver(r, ev)
	}
	return nil
}

// recordForm draws a form of the record as a whole.
func (d *doc) recordForm(k Kind, r *dossier.Record, now time.Time) error {
	if (k == KindReceipt || k == KindControl) && r.ReceivedAt.IsZero() {
		return &ErrNotApplicable{k, r.Code} // filed online, not received yet
	}
	switch k {
	case KindReceipt:
		return d.receipt(r)
	case KindControl:
		d.control(r)
	case KindFee:
		if r.FeePaid <= 0 {
			return &ErrNotApplicable{k, r.Code}
		}
		d.fee(r, now)
	default:
		return fmt.Errorf("forms: unknown form %q", k)
	}
	return nil
}

// RenderWith is Render with options.
func RenderWith(w io.Writer, k Kind, u Unit, r *dossier.Record, now time.Time, o Options) error {
	d := newDoc(u, "P")
	if !o.FirstPrinted.IsZero() {
		d.reprint = "Bản in lại lúc " + now.In(dossier.Loc).Format("15:04 02/01/2006") +
			" (bản gốc in lúc " + o.FirstPrinted.In(dossier.Loc).Format("15:04 02/01/2006") + ")"
	}
	var err error
	if et, ok := eventFor[k]; ok {
		err = d.eventForm(k, et, r, o.EventID)
	} else {
		err = d.recordForm(k, r, now)
	}
	if err != nil {
		return err
	}
	return d.output(w)
}

func partyLabel(p dossier.Party) string {
	if p.Type == dossier.PartyCitizen || p.Type == 0 {
		return "Ông/Bà:"
	}
	return "Tổ chức:"
}

func idLabel(p dossier.Party) string {
	if p.Type == dossier.PartyBusiness {
		return "Mã số thuế:"
	}
	return "Số CCCD/Hộ chiếu:"
}

func idValue(p dossier.Party) string {
	if p.Type == dossier.PartyBusiness && p.TaxCode != "" {
		return p.TaxCode
	}
	return p.IDNumber
}

func (d *doc) party(p dossier.Party) {
	d.field(partyLabel(p), p.Name)
	d.field(idLabel(p), orDots(idValue(p)))
	d.field("Địa chỉ:", orDots(p.Address.String()))
	d.field("Điện thoại:", orDots(p.Phone)+"     Thư điện tử: "+orDots(p.Email))
}

func orDots(s string) string {
	if strings.TrimSpace(s) == "" {
		return "……………"
	}
	return s
}

func seqOf(code string) string {
	if p, ok := dossier.ParseCode(code); ok {
		return strconv.Itoa(p.Counter*1000 + p.N)
	}
	return code
}

// receipt is Mẫu 01, in two copies: one kept, one for the citizen.
func (d *doc) receipt(r *dossier.Record) error {
	for _, copyName := range []string{"Liên: Lưu", "Liên: Giao khách hàng"} {
		d.pdf.AddPage()
		d.copyLabel(copyName)
		d.header(r.ReceivedAt, r.Code)
		d.title("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: "+r.Code)
		d.field("Quyển số:", fmt.Sprintf("%d     Số thứ tự: %s", r.ReceivedAt.In(dossier.Loc).Year(), seqOf(r.Code)))
		d.text(d.unit.Name+" tiếp nhận hồ sơ của:", "", bodyPt, "L")
		d.party(r.Owner)
		if !r.FilerIsOwner {
			d.text("Người nộp hồ sơ:", "B", bodyPt, "L")
			d.party(r.Filer)
		}
		d.field("Nội dung yêu cầu giải quyết:", r.Summary)
		d.field("Thủ tục:", r.ProcedureCode+" — "+r.ProcedureName)
		d.text("1. Thành phần hồ sơ và số lượng mỗi loại giấy tờ gồm:", "", bodyPt, "L")
		rows := make([][]string, 0, len(r.Documents))
		for _, l := range r.Documents {
			if !l.Received() { // only what was handed in is on the receipt
				continue
			}
			rows = append(rows, []string{strconv.Itoa(len(rows) + 1), l.Name, strconv.Itoa(l.Originals), strconv.Itoa(l.Certified), strconv.Itoa(l.Copies)})
		}
		d.table([]column{{"STT", 1, "C"}, {"Thành phần hồ sơ", 9, "L"}, {"Bản chính", 2, "C"}, {"Bản chứng thực", 2.4, "C"}, {"Bản photo", 2, "C"}}, rows, 11)
		itemsY := d.pdf.GetY()
		if itemsY+32 > d.pageH-marginB {
			d.pdf.AddPage()
			itemsY = d.pdf.GetY()
		}
		d.reserve = 30 // the QR code's column
		d.field("2. Số lượng hồ sơ:", fmt.Sprintf("%02d (bộ)", r.Sets))
		d.field("3. Thời gian giải quyết hồ sơ theo quy định là:", r.Time.String())
		d.field("4. Thời gian nhận hồ sơ:", clock(r.ReceivedAt))
		d.field("5. Thời gian trả kết quả giải quyết hồ sơ:", clock(r.DueAt))
		d.field("6. Nơi nhận kết quả:", r.Delivery.Label())
		d.field("7. Hình thức nộp:", r.Channel.Label())
		if r.Fee > 0 {
			d.field("8. Phí, lệ phí:", money(r.Fee))
		}
		d.reserve = 0
		// The QR code sits at the right of items 2–8, whose lines wrap short of it.
		if err := d.qr(QRContent(d.unit, r.Code), d.pageW-marginR-27, itemsY+1, 27); err != nil {
			return err
		}
		note := "Tra cứu tình trạng hồ sơ: quét mã QR hoặc cung cấp mã hồ sơ " + r.Code + "."
		if strings.Contains(d.unit.LookupURL, "{code}") {
			note += " Địa chỉ tra cứu: " + QRContent(d.unit, r.Code)
		}
		d.pdf.SetY(max(d.pdf.GetY(), itemsY+29))
		d.text(note, "I", 10.5, "L")
		d.signatures(signer{role: "NGƯỜI NỘP HỒ SƠ", name: r.ContactParty().Name}, signer{role: "NGƯỜI TIẾP NHẬN HỒ SƠ", name: r.Clerk})
	}
	return nil
}

func money(v int64) string { return dossier.Thousands(v) + " đồng" }

func (d *doc) recordIntro(r *dossier.Record) {
	switch {
	case r.Code == "": // guidance before receipt: nothing was received
		d.text(fmt.Sprintf("Ngày %s, %s đã xem xét hồ sơ của:", day(r.ReceivedAt), d.unit.Name), "", bodyPt, "J")
	case r.ReceivedAt.IsZero(): // filed online, not received: examined on the day of the letter
		d.text(fmt.Sprintf("Ngày %s, %s đã xem xét hồ sơ nộp trực tuyến ngày %s của:", day(d.date), d.unit.Name, day(r.FiledAt)), "", bodyPt, "J")
	default:
		d.text(fmt.Sprintf("Ngày %s, %s tiếp nhận hồ sơ của:", day(r.ReceivedAt), d.unit.Name), "", bodyPt, "J")
	}
	d.field(partyLabel(r.Owner), r.Owner.Name)
	d.field("Địa chỉ:", orDots(r.Owner.Address.String()))
	if r.Code != "" {
		d.field("Mã hồ sơ:", r.Code)
	}
	d.field("Thủ tục:", r.ProcedureCode+" — "+r.ProcedureName)
	if r.Summary != "" {
		d.field("Nội dung yêu cầu giải quyết:", r.Summary)
	}
}

// RenderGuidance writes the form of guidance given before receipt: Mẫu 02
// for a file to complete, Mẫu 03 for one the unit cannot accept. It has no
// record code: nothing was received.
func RenderGuidance(w io.Writer, u Unit, g *dossier.Guidance, now time.Time, o Options) error {
	r := &dossier.Record{ID: g.ID, Owner: g.Person, ProcedureCode: g.ProcedureCode, ProcedureName: g.ProcedureName,
		Summary: g.Summary, ReceivedAt: g.At}
	ev := dossier.Event{ID: g.ID, Type: dossier.EvSupplementRequested, Actor: g.Actor, ActorName: g.ActorName, At: g.At, Missing: g.Missing, Reason: g.Reason}
	k := KindSupplement
	if g.Kind == dossier.GuideRefusal {
		ev.Type, k = dossier.EvRefused, KindRefusal
	}
	r.History = []dossier.Event{ev}
	return RenderWith(w, k, u, r, now, o)
}

// supplement is Mẫu 02.
func (d *doc) supplement(r *dossier.Record, ev dossier.Event) {
	d.pdf.AddPage()
	d.date = ev.At
	d.header(ev.At, r.Code)
	d.title("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ")
	d.recordIntro(r)
	d.text("Sau khi xem xét, hồ sơ cần bổ sung, hoàn thiện những nội dung sau:", "", bodyPt, "J")
	rows := make([][]string, 0, len(ev.Missing))
	for i, m := range ev.Missing {
		rows = append(rows, []string{strconv.Itoa(i + 1), m})
	}
	if len(rows) == 0 {
		rows = append(rows, []string{"1", ev.Reason})
	}
	d.table([]column{{"STT", 1, "C"}, {"Giấy tờ, nội dung cần bổ sung, hoàn thiện", 12, "L"}}, rows, 11)
	if ev.Reason != "" && len(ev.Missing) > 0 {
		d.field("Lý do:", ev.Reason)
	}
	if !ev.Deadline.IsZero() {
		d.field("Thời hạn bổ sung:", "trước ngày "+day(ev.Deadline))
	}
	d.text("Thời gian giải quyết hồ sơ tạm dừng từ ngày yêu cầu bổ sung và được tính tiếp khi nhận đủ hồ sơ bổ sung.", "I", bodyPt-1, "J")
	d.text(fmt.Sprintf("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ %s, %s để được hướng dẫn.", ev.Who(), d.unit.Name), "", bodyPt, "J")
	d.signatures(signer{role: "NGƯỜI HƯỚNG DẪN", name: ev.Who()})
}

// refusal is Mẫu 03.
func (d *doc) refusal(r *dossier.Record, ev dossier.Event) {
	d.pdf.AddPage()
	d.date = ev.At
	d.header(ev.At, r.Code)
	d.title("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
	d.recordIntro(r)
	d.text("Qua nghiên cứu, xem xét hồ sơ và đối chiếu với các quy định hiện hành, "+d.unit.Name+" từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:", "", bodyPt, "J")
	d.text(ev.Reason, "B", bodyPt, "L")
	d.text("Xin thông báo để Ông/Bà được biết và thực hiện./.", "", bodyPt, "L")
	d.signatures(signer{role: "NGƯỜI TIẾP NHẬN HỒ SƠ", name: ev.Who()})
}

// extension is Mẫu 04.
func (d *doc) extension(r *dossier.Record, ev dossier.Event) {
	d.pdf.AddPage()
	d.header(ev.At, letterNo(ev))
	d.title("VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ")
	d.kinhGui(r)
	d.recordIntro(r)
	d.field("Thời hạn trả kết quả đã hẹn:", clock(ev.OldDue))
	d.text("Tuy nhiên, đến nay chưa giải quyết xong hồ sơ của Ông/Bà. Lý do:", "", bodyPt, "J")
	d.text(ev.Reason, "B", bodyPt, "L")
	d.text(d.unit.Name+" xin lỗi Ông/Bà vì sự chậm trễ này và đề nghị gia hạn thời gian trả kết quả đến:", "", bodyPt, "J")
	d.field("Thời hạn trả kết quả mới:", clock(ev.NewDue))
	d.text("Rất mong nhận được sự thông cảm của Ông/Bà./.", "", bodyPt, "L")
	d.letterEnd(addressee(r))
}

// letterNo is a letter's number and symbol from the unit's register of
// outgoing documents, kept in its event; a letter written while the
// counter had no number of the register left leaves the place for the
// office to write them when it is signed.
func letterNo(ev dossier.Event) string {
	if ev.Letter != "" {
		return ev.Letter
	}
	return "……/……"
}

// addressee is who a letter is sent to: the filer, or the owner.
func addressee(r *dossier.Record) string {
	p := r.ContactParty()
	if p.Type == dossier.PartyCitizen || p.Type == 0 {
		return "Ông/Bà " + p.Name
	}
	return p.Name
}

// kinhGui is the letter's "Kính gửi" line.
func (d *doc) kinhGui(r *dossier.Record) {
	d.font("", bodyPt)
	d.pdf.CellFormat(d.bodyW, lineH+1, "Kính gửi: "+addressee(r), "", 1, "C", false, 0, "")
	d.pdf.Ln(1)
}

// stop is Mẫu 05.
func (d *doc) stop(r *dossier.Record, ev dossier.Event) {
	d.pdf.AddPage()
	d.header(ev.At, letterNo(ev))
	d.title("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ")
	d.kinhGui(r)
	d.recordIntro(r)
	d.text(fmt.Sprintf("%s thông báo dừng giải quyết hồ sơ nêu trên kể từ %s.", d.unit.Name, clock(ev.At)), "", bodyPt, "J")
	d.text("Lý do:", "", bodyPt, "L")
	d.text(ev.Reason, "B", bodyPt, "L")
	d.text("Xin thông báo để Ông/Bà được biết./.", "", bodyPt, "L")
	d.letterEnd(addressee(r))
}

// control is Mẫu 06: the slip that travels with the file, one row per
// hand-over, with blank rows for the steps still to come.
func (d *doc) control(r *dossier.Record) {
	d.pdf.AddPage()
	d.header(r.ReceivedAt, r.Code)
	d.title("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ")
	d.field("Mã hồ sơ:", r.Code)
	d.field("Chủ hồ sơ:", r.Owner.Name)
	d.field("Thủ tục:", r.ProcedureCode+" — "+r.ProcedureName)
	d.field("Thời gian nhận hồ sơ:", clock(r.ReceivedAt))
	d.field("Thời gian trả kết quả:", clock(r.DueAt))
	var rows [][]string
	for _, e := range r.History {
		if e.Type == dossier.EvNoteAdded {
			continue
		}
		result := ""
		if e.Type == dossier.EvResultReady || e.Type == dossier.EvReturned {
			result = punctuality(e.At, r.LegalDue()) // against the legal deadline, not an extended appointment
		}
		note := e.Type.Label()
		if e.Reason != "" {
			note += ": " + e.Reason
		}
		rows = append(rows, []string{"Bộ phận Một cửa — " + e.Who(), clock(e.At), result, note})
	}
	for len(rows) < 8 {
		rows = append(rows, []string{"\n\n", "", "", ""})
	}
	d.table([]column{{"Tên cơ quan, người giao/nhận", 4, "L"}, {"Thời gian giao, nhận hồ sơ", 3.2, "L"}, {"Kết quả giải quyết (trước/đúng/quá hạn)", 2.6, "C"}, {"Ghi chú", 3.6, "L"}}, rows, 10.5)
}

func punctuality(done, due time.Time) string {
	return dossier.PunctualityLabels[dossier.PunctualityOf(done, due)]
}

// handOver is the result hand-over slip. A prepared slip (ev zero: the
// result is ready and not yet collected) leaves the time, the person
// handing it over and the collector blank, and says the fee still due.
func (d *doc) handOver(r *dossier.Record, ev dossier.Event) {
	d.pdf.AddPage()
	d.header(ev.At, r.Code)
	d.title("GIẤY BIÊN NHẬN TRẢ KẾT QUẢ")
	d.field("Mã hồ sơ:", r.Code)
	d.field("Thủ tục:", r.ProcedureCode+" — "+r.ProcedureName)
	d.field("Chủ hồ sơ:", r.Owner.Name)
	d.field("Thời gian hẹn trả:", clock(r.DueAt))
	d.field("Thời gian trả kết quả:", blankClock(ev.At))
	returner := ev.Who()
	if ev.At.IsZero() {
		returner = ""
	}
	d.field("Người trả kết quả:", orDots(returner)+", "+d.unit.Name)
	c := ev.Collector
	if c == nil {
		c = &dossier.Collector{}
	}
	d.field("Người nhận kết quả:", orDots(c.Name))
	d.field("Số CCCD/Hộ chiếu:", orDots(c.IDNumber))
	d.field("Điện thoại:", orDots(c.Phone))
	if due := r.Fee - r.FeePaid; ev.At.IsZero() && due > 0 {
		d.field("Phí, lệ phí còn phải nộp:", money(due))
	}
	d.text("Người nhận đã kiểm tra và nhận đủ kết quả giải quyết hồ sơ nêu trên.", "", bodyPt, "J")
	d.signatures(signer{role: "NGƯỜI NHẬN KẾT QUẢ", name: c.Name}, signer{role: "NGƯỜI TRẢ KẾT QUẢ", name: returner})
}

// blankClock is clock, with a blank to fill in by hand for no time.
func blankClock(t time.Time) string {
	if t.IsZero() {
		return "……giờ……phút, ngày……/……/………"
	}
	return clock(t)
}

// ErrNotWaiting says a prepared hand-over slip was asked for a file whose
// result is not waiting to be collected.
type ErrNotWaiting struct{ Code string }

func (e *ErrNotWaiting) Error() string {
	return fmt.Sprintf("hồ sơ %s không có kết quả đang chờ trả", e.Code)
}

// HandOvers writes prepared hand-over slips, one page each, for files
// whose result waits to be collected (status 9): the day's returns
// printed ahead, filled in by hand as each is collected.
func HandOvers(w io.Writer, u Unit, recs []*dossier.Record) error {
	if len(recs) == 0 {
		return errors.New("forms: no file to print")
	}
	d := newDoc(u, "P")
	for _, r := range recs {
		if r.Status != dossier.StatusDone {
			return &ErrNotWaiting{r.Code}
		}
		d.handOver(r, dossier.Event{})
	}
	return d.output(w)
}

// fee is the fee receipt, in three copies.
func (d *doc) fee(r *dossier.Record, now time.Time) {
	payer := r.ContactParty()
	at := now
	if ev, ok := lastEvent(r, dossier.EvFeePaid); ok {
		at = ev.At
	}
	for _, copyName := range []string{"Liên 1: Lưu", "Liên 2: Giao người nộp tiền", "Liên 3: Nội bộ"} {
		d.pdf.AddPage()
		d.copyLabel(copyName)
		d.header(at, r.Code)
		d.title("BIÊN LAI THU PHÍ, LỆ PHÍ", "(Giấy xác nhận đã thu tiền của Bộ phận Một cửa; không thay biên lai theo mẫu của cơ quan thuế, biên lai đó có mẫu số, ký hiệu và số biên lai)")
		d.field("Tên người nộp:", payer.Name)
		d.field("Địa chỉ:", orDots(payer.Address.String()))
		d.field("Nội dung thu:", "Phí, lệ phí "+r.ProcedureName+" (hồ sơ "+r.Code+")")
		d.field("Số tiền:", money(r.FeePaid))
		d.field("Viết bằng chữ:", AmountInWords(r.FeePaid))
		d.field("Hình thức thanh toán:", "Tiền mặt")
		d.signatures(signer{role: "NGƯỜI NỘP TIỀN", name: payer.Name}, signer{role: "NGƯỜI THU TIỀN", name: r.Clerk})
	}
}

// LedgerFilter describes the ledger's selection, printed in its heading.
type LedgerFilter struct {
	From, To time.Time // received in [From, To]
	Status   string    // the status filter's label, empty for all
}

// Ledger is Mẫu 07: the follow-up book of files for a period, many pages,
// the column header repeated on each and "Trang x/y" at the foot.
func Ledger(w io.Writer, u Unit, recs []*dossier.Record, f LedgerFilter, now time.Time) error {
	d := newListDoc(u) // ten columns: the book is landscape
	d.header(now, "")
	period := "từ ngày " + day(f.From) + " đến ngày " + day(f.To)
	sub := []string{period}
	if f.Status != "" {
		sub = append(sub, "Trạng thái: "+f.Status)
	}
	sub = append(sub, fmt.Sprintf("Tổng số: %d hồ sơ", len(recs)))
	d.title("SỔ THEO DÕI HỒ SƠ", sub...)
	rows := make([][]string, 0, len(recs))
	for i, r := range recs {
		returned := day(r.ReturnedAt)
		if r.Collector != nil {
			returned += "\n" + r.Collector.Name
		}
		contact := r.Owner.Address.String()
		if r.Owner.Phone != "" {
			contact += "\n" + r.Owner.Phone
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), r.Code, r.Summary, strconv.Itoa(r.Sets), r.Owner.Name, contact,
			day(r.ReceivedAt), day(r.DueAt), returned, r.Status.Label()})
	}
	d.table([]column{{"STT", 1, "C"}, {"Mã hồ sơ", 5.3, "L"}, {"Trích yếu", 4.4, "L"}, {"Số bộ", 1.1, "C"}, {"Chủ hồ sơ", 3.4, "L"},
		{"Địa chỉ, số điện thoại", 4.3, "L"}, {"Ngày nhận", 2.1, "C"}, {"Ngày hẹn trả", 2.1, "C"}, {"Ngày trả, người nhận", 3.2, "L"}, {"Trạng thái", 2.8, "L"}}, rows, 9)
	d.signatures(signer{role: "NGƯỜI LẬP SỔ"}, signer{role: "LÃNH ĐẠO ĐƠN VỊ", note: "(Ký, ghi rõ họ tên, đóng dấu)"})
	return d.output(w)
}

// ledgerRowsPerPage is how many rows of typical length a ledger page
// holds at the least (measured: 300 rows of the test ledger, with long
// names and addresses, took 61 pages); shorter rows take fewer.
const ledgerRowsPerPage = 5

// LedgerPages estimates the pages of a ledger of n files, to tell the
// clerk before printing.
func LedgerPages(n int) int { return n/ledgerRowsPerPage + 1 }
