package dossier

import (
	"strings"
	"time"
)

// Intake is what the clerk fills in when receiving a file. The GUI form and
// `motcuactl intake FILE.json` both build one and go through Validate and
// NewRecord, so both follow the same rules.
type Intake struct {
	ProcedureCode string         `json:"procedure_code"`
	UseAltTime    bool           `json:"use_alt_time,omitempty"`
	Summary       string         `json:"summary,omitempty"`
	Owner         Party          `json:"owner"`
	FilerIsOwner  bool           `json:"filer_is_owner"`
	Filer         Party          `json:"filer,omitzero"`
	Documents     []DocumentLine `json:"documents,omitempty"` // empty: the procedure's list
	Sets          int            `json:"sets,omitempty"`
	Channel       Channel        `json:"channel,omitempty"`
	Delivery      Delivery       `json:"delivery,omitempty"`
	Fee           int64          `json:"fee,omitempty"`
	Notes         string         `json:"notes,omitempty"`
	ReceivedAt    time.Time      `json:"received_at,omitzero"` // zero: now
}

func validateParty(prefix string, p *Party, on time.Time, errs *ValidationErrors) {
	add := func(e *FieldError) {
		if e != nil {
			e.Field = prefix + "." + e.Field
			*errs = append(*errs, e)
		}
	}
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	if p.Type < PartyCitizen || p.Type > PartyOther {
		add(fieldErr("type", "party.type", "Chưa chọn loại đối tượng (công dân, doanh nghiệp, cơ quan, tổ chức)"))
	}
	if p.Name == "" {
		add(fieldErr("name", "name.required", "Chưa nhập họ tên / tên tổ chức"))
	}
	if LooksLikeIDCardQR(p.Name) || LooksLikeIDCardQR(p.Address.Street) {
		add(fieldErr("name", "name.qr", "Nội dung mã QR của thẻ căn cước bị nhập vào ô họ tên hoặc địa chỉ: hãy quét lại vào ô số giấy tờ"))
	}
	birth, e := normalizeBirth(p)
	add(e)
	p.IDNumber = NormalizeID(p.IDNumber)
	switch p.Type {
	case PartyCitizen:
		_, e := ValidateIDNumberOn(p.IDNumber, birth, p.Sex, on)
		add(e)
	case PartyBusiness:
		p.TaxCode = strings.TrimSpace(p.TaxCode)
		add(ValidateTaxCode(p.TaxCode))
	}
	if p.Type != PartyCitizen && p.IDNumber != "" {
		_, e := ValidateIDNumberOn(p.IDNumber, time.Time{}, SexUnknown, on)
		add(e)
	}
	if p.Phone != "" {
		if e := ValidatePhone(p.Phone); e != nil {
			add(e)
		} else {
			p.Phone = CanonicalPhone(p.Phone)
		}
	}
	if p.Email = strings.TrimSpace(p.Email); p.Email != "" {
		add(ValidateEmail(p.Email))
	}
}

// normalizeBirth reads the birth date (stored as YYYY-MM-DD); zero when
// none or not valid.
func normalizeBirth(p *Party) (time.Time, *FieldError) {
	if p.Birth == "" {
		return time.Time{}, nil
	}
	b, ok := ParseDate(p.Birth)
	switch {
	case !ok:
		return time.Time{}, fieldErr("birth", "birth.invalid", "Ngày sinh không hợp lệ (dd/mm/yyyy)")
	case b.After(time.Now()):
		return time.Time{}, fieldErr("birth", "birth.future", "Ngày sinh không thể ở tương lai")
	}
	p.Birth = b.Format("2006-01-02")
	return b, nil
}

// Validate checks the intake against the catalogue and normalises it (trims
// names, normalises phones and dates). It returns every problem at once.
func (in *Intake) Validate(cat *Catalog) ValidationErrors {
	errs := in.checkLimits()
	if _, ok := cat.Lookup(in.ProcedureCode); !ok {
		errs = append(errs, fieldErr("procedure", "procedure.unknown", "Chưa chọn thủ tục hành chính có trong danh mục"))
	}
	on := in.ReceivedAt
	if on.IsZero() {
		on = time.Now()
	}
	validateParty("owner", &in.Owner, on, &errs)
	if !in.FilerIsOwner {
		validateParty("filer", &in.Filer, on, &errs)
	}
	if in.Sets == 0 {
		in.Sets = 1
	}
	if in.Sets < 0 || in.Sets > 100 {
		errs = append(errs, fieldErr("sets", "sets.range", "Số bộ hồ sơ phải từ 1 đến 100"))
	}
	if in.Channel == 0 {
		in.Channel = ChannelInPerson
	}
	if in.Channel < ChannelInPerson || in.Channel > ChannelPost {
		errs = append(errs, fieldErr("channel", "channel.invalid", "Hình thức nộp không hợp lệ"))
	}
	if in.Delivery == 0 {
		in.Delivery = DeliveryCounter
	}
	if in.Delivery != DeliveryCounter && in.Delivery != DeliveryPost {
		errs = append(errs, fieldErr("delivery", "delivery.invalid", "Nơi trả kết quả không hợp lệ"))
	}
	if in.Fee < 0 {
		errs = append(errs, fieldErr("fee", "fee.negative", "Phí, lệ phí không thể âm"))
	}
	for i := range in.Documents {
		d := &in.Documents[i]
		d.Name = strings.TrimSpace(d.Name)
		if d.Name == "" || d.Originals < 0 || d.Certified < 0 || d.Copies < 0 || d.Originals+d.Certified+d.Copies > 999 {
			errs = append(errs, fieldErr("documents", "documents.invalid", "Thành phần hồ sơ phải có tên và số lượng không âm"))
			break
		}
	}
	return errs
}

// DocumentsFor is the procedure's checklist as document lines. An
// optional document (an authorisation letter, meeting minutes) starts at
// zero: the clerk counts it in only when the citizen brings it.
func DocumentsFor(p Procedure) []DocumentLine {
	out := make([]DocumentLine, 0, len(p.Documents))
	for _, d := range p.Documents {
		l := DocumentLine{Name: d.Name, Originals: d.Originals, Certified: d.Certified, Copies: d.Copies}
		if d.Optional {
			l.Originals, l.Certified, l.Copies = 0, 0, 0
		}
		out = append(out, l)
	}
	return out
}

// Received says whether any copy of the document was handed in.
func (d DocumentLine) Received() bool { return d.Originals+d.Certified+d.Copies > 0 }

// TimeFor is the processing time an intake uses.
func (in *Intake) TimeFor(p Procedure) ProcessingTime {
	if in.UseAltTime && p.AltTime != nil {
		return *p.AltTime
	}
	return p.Time
}

// Counter identifies where an intake happens.
type Counter struct {
	UnitCode string
	Number   int
	Clerk    string // the clerk's full name, on paper
	ClerkID  string // the clerk's username ("" before accounts: Clerk is the actor)
}

// actor is who events are by: the username, and the name when it is not
// the same.
func (c Counter) actor() (id, name string) {
	if c.ClerkID == "" {
		return c.Clerk, ""
	}
	return c.ClerkID, c.Clerk
}

// NewReceivedEvent validates an intake and builds the record (without its
// code, which storage assigns in the same transaction) and its received
// event. received is the time of receipt.
func NewReceivedEvent(in Intake, cat *Catalog, cal *Calendar, ctr Counter, received time.Time) (Event, error) {
	if errs := in.Validate(cat); len(errs) > 0 {
		return Event{}, errs
	}
	p, _ := cat.Lookup(in.ProcedureCode)
	if in.Documents == nil {
		in.Documents = DocumentsFor(p)
	}
	if in.FilerIsOwner {
		in.Filer = Party{}
	}
	received = received.In(Loc).Truncate(time.Second)
	pt := in.TimeFor(p)
	summary := strings.TrimSpace(in.Summary)
	if summary == "" {
		summary = p.Name
	}
	fee := in.Fee
	if fee == 0 && (p.Fee.Kind == FeeFixed || p.Fee.Kind == FeeProvince) {
		fee = p.Fee.Amount
	}
	r := &Record{
		ID: NewEventID(), UnitCode: ctr.UnitCode, Counter: ctr.Number, Clerk: ctr.Clerk,
		ProcedureCode: p.Code, ProcedureName: p.Name, Time: pt, Summary: summary,
		Owner: in.Owner, FilerIsOwner: in.FilerIsOwner, Filer: in.Filer,
		Documents: in.Documents, Sets: in.Sets, Channel: in.Channel, Delivery: in.Delivery,
		Notes: strings.TrimSpace(in.Notes), Fee: fee,
		ReceivedAt: received, DueAt: cal.Due(pt, p.Cutoff15, received),
	}
	if err := CheckRecord(r); err != nil {
		return Event{}, err
	}
	id, name := ctr.actor()
	return Event{ID: NewEventID(), RecordID: r.ID, Type: EvReceived, Actor: id, ActorName: name, At: received, Record: r}, nil
}

// ContactParty is who to call about a file: the filer when there is one.
func (r *Record) ContactParty() Party {
	if r.FilerIsOwner {
		return r.Owner
	}
	return r.Filer
}
