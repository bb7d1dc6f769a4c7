package dossier

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// PartyType is the kind of applicant.
type PartyType int

// Applicant types of the national portal.
const (
	PartyCitizen  PartyType = 1 // công dân
	PartyBusiness PartyType = 2 // doanh nghiệp
	PartyState    PartyType = 3 // cơ quan nhà nước
	PartyOther    PartyType = 4 // tổ chức khác
)

// Label is the Vietnamese name.
func (p PartyType) Label() string {
	switch p {
	case PartyCitizen:
		return "Công dân"
	case PartyBusiness:
		return "Doanh nghiệp"
	case PartyState:
		return "Cơ quan nhà nước"
	case PartyOther:
		return "Tổ chức khác"
	}
	return ""
}

// Channel is how a file reached the counter.
type Channel int

// Channels.
const (
	ChannelInPerson Channel = 1
	ChannelOnline   Channel = 2
	ChannelPost     Channel = 3 // public post (BCCI)
)

// Label is the Vietnamese name.
func (c Channel) Label() string {
	switch c {
	case ChannelInPerson:
		return "Trực tiếp"
	case ChannelOnline:
		return "Trực tuyến"
	case ChannelPost:
		return "Dịch vụ bưu chính công ích"
	}
	return ""
}

// Delivery is where the result is collected.
type Delivery int

// Deliveries.
const (
	DeliveryCounter Delivery = 1
	DeliveryPost    Delivery = 2
)

// Label is the Vietnamese name.
func (d Delivery) Label() string {
	if d == DeliveryPost {
		return "Trả qua dịch vụ bưu chính"
	}
	return "Tại Bộ phận Một cửa"
}

// Address has the two levels in force since 1 July 2025.
type Address struct {
	Street   string `json:"street,omitempty"` // house number, street, hamlet
	Ward     string `json:"ward,omitempty"`   // phường / xã / đặc khu
	Province string `json:"province,omitempty"`
}

func (a Address) String() string {
	var parts []string
	for _, p := range []string{a.Street, a.Ward, a.Province} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Party is an applicant: the owner of a file or the person filing it.
type Party struct {
	Type     PartyType `json:"type"`
	Name     string    `json:"name"`
	IDNumber string    `json:"id_number,omitempty"`
	TaxCode  string    `json:"tax_code,omitempty"`
	Birth    string    `json:"birth,omitempty"` // YYYY-MM-DD
	Sex      Sex       `json:"sex,omitempty"`
	Address  Address   `json:"address"`
	Phone    string    `json:"phone,omitempty"`
	Email    string    `json:"email,omitempty"`
}

// DocumentLine is one received document with its counts.
type DocumentLine struct {
	Name      string `json:"name"`
	Originals int    `json:"originals"`
	Certified int    `json:"certified"`
	Copies    int    `json:"copies"`
}

// Attachment is a file filed online with a record: its name, where the
// portal keeps it, and its SHA-256 and size when the backend holds a copy
// (the counters fetch it from there, and open it offline).
type Attachment struct {
	Name   string `json:"name"`
	URL    string `json:"url,omitempty"`
	Type   string `json:"type,omitempty"` // media type, "application/pdf"
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// Collector is who took the result away.
type Collector struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Record is one file (hồ sơ) and the state its events led to.
type Record struct {
	ID            string         `json:"id"` // UUIDv7, made at the counter
	Code          string         `json:"code"`
	Version       int            `json:"version"` // number of events applied
	UnitCode      string         `json:"unit_code"`
	Counter       int            `json:"counter"`
	ProcedureCode string         `json:"procedure_code"`
	ProcedureName string         `json:"procedure_name"`
	Time          ProcessingTime `json:"time"`
	Summary       string         `json:"summary,omitempty"` // trích yếu
	Owner         Party          `json:"owner"`
	FilerIsOwner  bool           `json:"filer_is_owner"`
	Filer         Party          `json:"filer"`
	Documents     []DocumentLine `json:"documents"`
	Sets          int            `json:"sets"`
	Channel       Channel        `json:"channel"`
	Delivery      Delivery       `json:"delivery"`
	Notes         string         `json:"notes,omitempty"`
	Clerk         string         `json:"clerk"`
	Fee           int64          `json:"fee,omitempty"`
	FeePaid       int64          `json:"fee_paid,omitempty"`

	// FiledAt is when a file filed online reached the portal; such a file
	// keeps the portal's code as Code, and is received (ReceivedAt, the
	// appointment) only when a clerk has checked it.
	FiledAt     time.Time    `json:"filed_at,omitzero"`
	Attachments []Attachment `json:"attachments,omitempty"`

	ReceivedAt time.Time `json:"received_at"`
	// DueAt is the appointment promised to the citizen: an apology and
	// extension (Mẫu 04) moves it. LegalDueAt is the legal deadline: only a
	// pause (supplement, payment) moves it, and early / on time / late is
	// counted against it (LegalDue).
	DueAt      time.Time `json:"due_at"`
	LegalDueAt time.Time `json:"legal_due_at,omitzero"`
	Status     Status    `json:"status"`

	PrevStatus         Status     `json:"prev_status,omitempty"` // to return to after a pause
	PausedAt           time.Time  `json:"paused_at,omitzero"`
	SupplementDeadline time.Time  `json:"supplement_deadline,omitzero"`
	FinishedAt         time.Time  `json:"finished_at,omitzero"`
	ReturnedAt         time.Time  `json:"returned_at,omitzero"`
	Collector          *Collector `json:"collector,omitempty"`

	History []Event `json:"history"`
}

// Event is one change to a record. Its ID (UUIDv7) is the idempotency key
// for sync; BaseVersion is the record version it was made against.
type Event struct {
	ID       string    `json:"id"`
	RecordID string    `json:"record_id"`
	Type     EventType `json:"type"`
	Actor    string    `json:"actor"`
	// ActorName is the actor's full name, for paper (Actor is the account's
	// username; older events carry the name in Actor and none here).
	ActorName   string    `json:"actor_name,omitempty"`
	At          time.Time `json:"at"` // device time
	BaseVersion int       `json:"base_version"`
	// HLC is the event's hybrid logical clock, in Unix nanoseconds: the
	// device's clock, or just past every event of the record the device
	// held when it made it. With the id it orders a record's events the
	// same way on every counter while the province is away (FoldOrder).
	HLC int64 `json:"hlc,omitempty"`

	Reason    string     `json:"reason,omitempty"`
	Deadline  time.Time  `json:"deadline,omitzero"` // supplement deadline
	Missing   []string   `json:"missing,omitempty"` // what a supplement request asks for
	OldDue    time.Time  `json:"old_due,omitzero"`
	NewDue    time.Time  `json:"new_due,omitzero"`
	Amount    int64      `json:"amount,omitempty"`
	Collector *Collector `json:"collector,omitempty"`
	PausedMin int        `json:"paused_minutes,omitempty"`
	// NewLegalDue is the legal deadline after a pause ends, so that every
	// copy of the record agrees whatever its calendar.
	NewLegalDue time.Time `json:"new_legal_due,omitzero"`
	// Approval is who approved a second extension, and why: a clerk alone
	// extends a file once.
	Approval string    `json:"approval,omitempty"`
	Record   *Record   `json:"record,omitempty"`   // the intake, on received
	Guidance *Guidance `json:"guidance,omitempty"` // on guided (guidance.go)
	// Correction is a typing mistake put right (on corrected): the new
	// values, and the old ones they replaced.
	Correction *Correction `json:"correction,omitempty"`
	// Account is a change to an account (on account).
	Account *AccountChange `json:"account,omitempty"`
	// Letter is the number and symbol of the letter the event sends the
	// citizen (Mẫu 04 on extended, Mẫu 05 on stopped) from the unit's
	// register of outgoing documents, "15/UBND"; empty when the counter
	// had no number of the register left (the office writes it by hand).
	Letter string `json:"letter,omitempty"`
	// Attachments are files a citizen filed online to supplement a file
	// (on supplement_received from the portal).
	Attachments []Attachment `json:"attachments,omitempty"`
	// Reported is, on reported, the id of the record's last event the
	// national portal has.
	Reported string `json:"reported,omitempty"`
	// After is the record's last event when this one was made: the
	// backend takes this one only once it has that one (an event made at
	// another counter, that may reach it later by another way).
	After string `json:"after,omitempty"`
}

// NumberedLetter says whether an event sends a letter that takes a number
// of the unit's register of outgoing documents.
func NumberedLetter(t EventType) bool { return t == EvExtended || t == EvStopped }

// Who is the name to print for the event's actor.
func (e *Event) Who() string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return e.Actor
}

// Correction puts right what was typed wrong in a record: the owner, the
// filer, the request's summary or the documents. Codes and times cannot be
// corrected. Apply fills in the old values.
type Correction struct {
	Owner     *Party         `json:"owner,omitempty"`
	Filer     *Party         `json:"filer,omitempty"`
	Summary   *string        `json:"summary,omitempty"`
	Documents []DocumentLine `json:"documents,omitempty"`

	OldOwner     *Party         `json:"old_owner,omitempty"`
	OldFiler     *Party         `json:"old_filer,omitempty"`
	OldSummary   *string        `json:"old_summary,omitempty"`
	OldDocuments []DocumentLine `json:"old_documents,omitempty"`
}

// NewEventID makes a time-ordered UUIDv7.
func NewEventID() string { return uuid.Must(uuid.NewV7()).String() }

// Overdue says whether an open file's appointment has passed at now. A file
// waiting for a supplement has its clock paused and is not overdue.
func (r *Record) Overdue(now time.Time) bool {
	return r.Status.Open() && !r.Paused() && !r.DueAt.IsZero() && now.After(r.DueAt)
}

// Paused says whether the file's clock is stopped: waiting for a
// supplement or for the citizen's payment.
func (r *Record) Paused() bool {
	return r.Status == StatusSupplement || (r.Status == StatusFinancial && !r.PausedAt.IsZero())
}

// LegalDue is the legal deadline. A record from before it was kept apart
// takes the appointment its first extension replaced (pauses after that
// extension are not counted), or its appointment when never extended.
func (r *Record) LegalDue() time.Time {
	if !r.LegalDueAt.IsZero() {
		return r.LegalDueAt
	}
	for _, e := range r.History {
		if e.Type == EvExtended && !e.OldDue.IsZero() {
			return e.OldDue
		}
	}
	return r.DueAt
}

// Extensions counts the apologies and extensions a file has had.
func (r *Record) Extensions() int {
	n := 0
	for _, e := range r.History {
		if e.Type == EvExtended {
			n++
		}
	}
	return n
}

// Punctuality classifies a settled file: early, on time (same calendar
// date) or late against the legal deadline, as the Biểu II.06a report
// counts: an apology moves the appointment, not the deadline.
func (r *Record) Punctuality() string {
	if !r.Status.Finished() || r.FinishedAt.IsZero() {
		return ""
	}
	return PunctualityOf(r.FinishedAt, r.LegalDue())
}

// PunctualityLabels word Punctuality in Vietnamese, as forms and exports
// print it.
var PunctualityLabels = map[string]string{"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}

// PunctualityOf is "early", "on_time" or "late": the date a file was
// settled against its legal deadline's date.
func PunctualityOf(finished, legalDue time.Time) string {
	f, d := Midnight(finished), Midnight(legalDue)
	switch {
	case f.Before(d):
		return "early"
	case f.Equal(d):
		return "on_time"
	}
	return "late"
}

// HasEvent says whether an event is in the record's history.
func (r *Record) HasEvent(id string) bool {
	for i := len(r.History) - 1; i >= 0; i-- {
		if r.History[i].ID == id {
			return true
		}
	}
	return false
}

// LastEventID is the id of the record's last event ("" for none).
func (r *Record) LastEventID() string {
	if len(r.History) == 0 {
		return ""
	}
	return r.History[len(r.History)-1].ID
}

// Clone returns a deep copy.
func (r *Record) Clone() *Record {
	c := *r
	c.Documents = append([]DocumentLine(nil), r.Documents...)
	c.History = append([]Event(nil), r.History...)
	c.Attachments = append([]Attachment(nil), r.Attachments...)
	if r.Collector != nil {
		col := *r.Collector
		c.Collector = &col
	}
	return &c
}

// Apply runs event e through the status machine against r and, when it is
// allowed, changes r. cal moves the due date when a paused clock restarts.
// On error r is unchanged.
func Apply(r *Record, e Event, cal *Calendar) error {
	if e.ID == "" || e.Type == "" || e.At.IsZero() {
		return fmt.Errorf("%w: thiếu mã, loại hoặc thời điểm", ErrBadEvent)
	}
	if e.BaseVersion != r.Version {
		return ErrVersion
	}
	if r.Version == 0 {
		if e.Type != EvReceived && e.Type != EvFiled {
			return &TransitionError{Event: e.Type, From: r.Status}
		}
		if e.Record == nil {
			return fmt.Errorf("%w: sự kiện tiếp nhận không có hồ sơ", ErrBadEvent)
		}
		*r = *e.Record.Clone()
		r.History = nil
		r.Status = StatusReceived
		if e.Type == EvFiled {
			r.Status, r.ReceivedAt, r.DueAt, r.LegalDueAt = StatusRegistered, time.Time{}, time.Time{}, time.Time{}
		} else if r.LegalDueAt.IsZero() {
			r.LegalDueAt = r.DueAt
		}
		r.Version = 1
		ev := e
		ev.Record = nil
		r.History = append(r.History, ev)
		return nil
	}
	if !CanApply(r.Status, e.Type) {
		return &TransitionError{Event: e.Type, From: r.Status}
	}
	next := r.Clone()
	at := e.At.In(Loc)
	switch e.Type {
	case EvReceived:
		if err := receiveFiled(next, e); err != nil {
			return err
		}
		next.Status = StatusReceived
		e.Record = nil
	case EvSupplementRequested:
		next.PrevStatus, next.PausedAt, next.SupplementDeadline = r.Status, at, e.Deadline
	case EvSupplementReceived:
		if r.PrevStatus == StatusRegistered {
			// not received yet: no clock ran, none moves
			next.PausedAt = time.Time{}
		} else {
			e = resume(r, next, e, cal, at)
		}
		next.Attachments = append(next.Attachments, e.Attachments...)
		next.Status, next.PrevStatus, next.SupplementDeadline = r.PrevStatus, 0, time.Time{}
	case EvFeeRequested:
		if e.Amount <= 0 {
			return fieldErr("amount", "amount.positive", "Số tiền phải lớn hơn 0")
		}
		// waiting for the citizen's payment stops the clock, as a
		// supplement request does
		next.PrevStatus, next.PausedAt = r.Status, at
		next.Fee = e.Amount
	case EvFeePaid:
		if e.Amount <= 0 {
			return fieldErr("amount", "amount.positive", "Số tiền phải lớn hơn 0")
		}
		next.FeePaid += e.Amount
		if r.Status == StatusFinancial {
			if !r.PausedAt.IsZero() {
				e = resume(r, next, e, cal, at)
			}
			next.Status, next.PrevStatus = r.PrevStatus, 0
		}
	case EvExtended:
		if err := checkExtension(r, e, at); err != nil {
			return err
		}
		e.OldDue = r.DueAt
		next.DueAt = e.NewDue // the appointment; the legal deadline stays
	case EvRefused, EvStopped, EvWithdrawn:
		if strings.TrimSpace(e.Reason) == "" {
			return fieldErr("reason", "reason.required", "Cần ghi rõ lý do")
		}
	case EvCorrected:
		c, err := correct(r, next, e)
		if err != nil {
			return err
		}
		e.Correction = c
	case EvResultReady:
		next.FinishedAt = at
	case EvReturned:
		if e.Collector == nil || strings.TrimSpace(e.Collector.Name) == "" {
			return fieldErr("collector", "collector.required", "Cần ghi họ tên người nhận kết quả")
		}
		col := *e.Collector
		next.Collector, next.ReturnedAt = &col, at
	}
	if s, ok := target[e.Type]; ok {
		next.Status = s
	}
	if e.Type == EvSupplementRequested && len(e.Missing) == 0 && strings.TrimSpace(e.Reason) == "" {
		return fieldErr("missing", "supplement.missing", "Cần ghi rõ giấy tờ cần bổ sung")
	}
	next.Version++
	next.History = append(next.History, e)
	*r = *next
	return nil
}

// receiveFiled receives a file filed online (status 1) at a counter: the
// event's record carries the receipt (counter, clerk, time, appointment,
// the documents as checked); the portal's code and the filing stay.
func receiveFiled(next *Record, e Event) error {
	in := e.Record
	switch {
	case in == nil:
		return fmt.Errorf("%w: sự kiện tiếp nhận không có hồ sơ", ErrBadEvent)
	case in.ReceivedAt.IsZero() || in.DueAt.IsZero() || in.Counter < 1:
		return fmt.Errorf("%w: thiếu quầy, thời điểm tiếp nhận hoặc ngày hẹn trả", ErrBadEvent)
	case in.Code != "" && in.Code != next.Code:
		return fmt.Errorf("%w: mã hồ sơ khác mã của hồ sơ nộp trực tuyến", ErrBadEvent)
	}
	next.Counter, next.Clerk, next.Time = in.Counter, in.Clerk, in.Time
	next.ReceivedAt, next.DueAt, next.LegalDueAt = in.ReceivedAt, in.DueAt, in.LegalDueAt
	if next.LegalDueAt.IsZero() {
		next.LegalDueAt = next.DueAt
	}
	if in.Documents != nil {
		next.Documents, next.Sets = append([]DocumentLine(nil), in.Documents...), in.Sets
	}
	if in.Fee > 0 {
		next.Fee = in.Fee
	}
	return nil
}

// resume restarts a paused clock at at: the appointment and the legal
// deadline move by the working time the file waited. A replica applying
// an event made elsewhere keeps what its author computed, so that every
// copy agrees whatever the calendar.
func resume(r, next *Record, e Event, cal *Calendar, at time.Time) Event {
	paused := cal.Between(r.PausedAt, at)
	next.DueAt = cal.Add(r.DueAt, paused)
	next.LegalDueAt = cal.Add(r.LegalDue(), paused)
	if !e.NewDue.IsZero() {
		next.DueAt = e.NewDue
	}
	if !e.NewLegalDue.IsZero() {
		next.LegalDueAt = e.NewLegalDue
	}
	next.PausedAt = time.Time{}
	e.PausedMin, e.OldDue, e.NewDue, e.NewLegalDue = paused, r.DueAt, next.DueAt, next.LegalDueAt
	return e
}

// checkExtension is the rule of an apology and extension (Mẫu 04): a later
// appointment, a reason, made before the appointment it replaces has
// passed, and a second one only with a supervisor's approval.
func checkExtension(r *Record, e Event, at time.Time) error {
	switch {
	case !e.NewDue.After(r.DueAt):
		return fieldErr("new_due", "extend.not_later", "Ngày hẹn mới phải sau ngày hẹn cũ")
	case strings.TrimSpace(e.Reason) == "":
		return fieldErr("reason", "reason.required", "Cần ghi rõ lý do")
	case at.After(r.DueAt):
		return fieldErr("new_due", "extend.too_late", "Chỉ được xin lỗi và hẹn lại trước khi hết thời hạn hẹn trả; hồ sơ này đã quá hạn")
	case r.Extensions() > 0 && strings.TrimSpace(e.Approval) == "":
		return fieldErr("approval", "extend.second", "Hẹn lại lần thứ hai cần ý kiến phê duyệt của lãnh đạo (ghi người phê duyệt và lý do)")
	}
	return nil
}

// correct applies a correction to next and returns it with the old values.
func correct(r, next *Record, e Event) (*Correction, error) {
	c := e.Correction
	if c == nil || (c.Owner == nil && c.Filer == nil && c.Summary == nil && c.Documents == nil) {
		return nil, fieldErr("correction", "correction.empty", "Chưa có thông tin nào được sửa")
	}
	if strings.TrimSpace(e.Reason) == "" {
		return nil, fieldErr("reason", "reason.required", "Cần ghi rõ lý do")
	}
	out := *c
	var errs ValidationErrors
	if c.Owner != nil {
		p := *c.Owner
		validateParty("owner", &p, r.ReceivedAt, &errs)
		old := r.Owner
		out.Owner, out.OldOwner, next.Owner = &p, &old, p
	}
	if c.Filer != nil {
		p := *c.Filer
		validateParty("filer", &p, r.ReceivedAt, &errs)
		old := r.Filer
		out.Filer, out.OldFiler, next.Filer = &p, &old, p
	}
	if c.Summary != nil {
		s, old := strings.TrimSpace(*c.Summary), r.Summary
		out.Summary, out.OldSummary, next.Summary = &s, &old, s
	}
	if c.Documents != nil {
		out.OldDocuments, next.Documents = append([]DocumentLine(nil), r.Documents...), append([]DocumentLine(nil), c.Documents...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := CheckRecord(next); err != nil {
		return nil, err
	}
	return &out, nil
}
