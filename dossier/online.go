package dossier

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Filing is a file filed online on a portal (the province's or the
// national one), as the portal hands it to the backend. The portal's code
// (MaHoSo) stays the record's code for its whole life: the citizen and
// DVCQG know the file by it.
type Filing struct {
	Code          string       `json:"code"`
	ProcedureCode string       `json:"procedure_code"`
	FiledAt       time.Time    `json:"filed_at"`
	Summary       string       `json:"summary,omitempty"`
	Owner         Party        `json:"owner"`
	FilerIsOwner  bool         `json:"filer_is_owner"`
	Filer         Party        `json:"filer,omitzero"`
	Delivery      Delivery     `json:"delivery,omitempty"`
	Notes         string       `json:"notes,omitempty"`
	Attachments   []Attachment `json:"attachments,omitempty"`
}

// PortalActor is who filed events are by: the citizen, through a portal.
const (
	PortalActor     = "cong-dvc"
	PortalActorName = "Cổng Dịch vụ công"
)

// filingSpace makes the ids of filed records and their events from the
// unit and the portal's code, so that the same filing posted twice is the
// same event, deduplicated like any other.
var filingSpace = uuid.MustParse("6f0c8f3e-6b1a-4c55-9a57-1d1c2f9e0a11")

// FilingIDs are the record id and the filed event's id of a unit's
// filing with the portal's code.
func FilingIDs(unit, code string) (recordID, eventID string) {
	return uuid.NewSHA1(filingSpace, []byte("record\x00"+unit+"\x00"+code)).String(),
		uuid.NewSHA1(filingSpace, []byte("filed\x00"+unit+"\x00"+code)).String()
}

// SupplementID is the id of the event by which a citizen supplements an
// online file: the same supplement posted twice is one event.
func SupplementID(recordID string, n int, digest string) string {
	return uuid.NewSHA1(filingSpace, fmt.Appendf(nil, "supplement\x00%s\x00%d\x00%s", recordID, n, digest)).String()
}

// ReportedID is the id of the event that says the national portal has a
// record up to event eventID: the same news twice is one event.
func ReportedID(eventID string) string {
	return uuid.NewSHA1(filingSpace, []byte("reported\x00"+eventID)).String()
}

// ValidatePortalCode checks a portal's record code: 1–100 printable
// characters without spaces.
func ValidatePortalCode(code string) *FieldError {
	if code == "" || len([]rune(code)) > MaxShortLen {
		return fieldErr("code", "code.portal", "Mã hồ sơ của cổng dịch vụ công phải có từ 1 đến 100 ký tự")
	}
	for _, r := range code {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fieldErr("code", "code.portal", "Mã hồ sơ của cổng dịch vụ công không được có khoảng trắng hay ký tự điều khiển")
		}
	}
	return nil
}

// NewFiledEvent checks a filing and makes the record it files (status 1,
// Mới đăng ký, channel online) and its filed event. now bounds the filing
// time.
func NewFiledEvent(f Filing, unit string, cat *Catalog, now time.Time) (Event, error) {
	var errs ValidationErrors
	if e := ValidatePortalCode(f.Code); e != nil {
		errs = append(errs, e)
	}
	p, ok := cat.Lookup(f.ProcedureCode)
	if !ok {
		errs = append(errs, fieldErr("procedure_code", "procedure.unknown", "Thủ tục "+f.ProcedureCode+" không có trong danh mục"))
	}
	filed := f.FiledAt.In(Loc).Truncate(time.Second)
	if f.FiledAt.IsZero() || filed.Before(EarliestReceipt) || filed.After(now.Add(MaxClockAhead)) {
		errs = append(errs, fieldErr("filed_at", "filed_at.range", "Thời điểm nộp hồ sơ không hợp lệ"))
	}
	validateParty("owner", &f.Owner, filed, &errs)
	if !f.FilerIsOwner {
		validateParty("filer", &f.Filer, filed, &errs)
	} else {
		f.Filer = Party{}
	}
	if f.Delivery == 0 {
		f.Delivery = DeliveryCounter
	}
	if len(errs) > 0 {
		return Event{}, errs
	}
	summary := strings.TrimSpace(f.Summary)
	if summary == "" {
		summary = p.Name
	}
	recID, evID := FilingIDs(unit, f.Code)
	r := &Record{
		ID: recID, Code: f.Code, UnitCode: unit, ProcedureCode: p.Code, ProcedureName: p.Name, Time: p.Time,
		Summary: summary, Owner: f.Owner, FilerIsOwner: f.FilerIsOwner, Filer: f.Filer,
		Documents: DocumentsFor(p), Sets: 1, Channel: ChannelOnline, Delivery: f.Delivery,
		Notes: strings.TrimSpace(f.Notes), FiledAt: filed, Attachments: f.Attachments, Status: StatusRegistered,
	}
	if err := CheckRecord(r); err != nil {
		return Event{}, err
	}
	return Event{ID: evID, RecordID: recID, Type: EvFiled, Actor: PortalActor, ActorName: PortalActorName, At: filed, Record: r}, nil
}

// Online says whether a record is a file filed online that no counter has
// received yet (status 1, or a supplement asked for before receipt).
func (r *Record) Online() bool {
	return !r.FiledAt.IsZero() && r.ReceivedAt.IsZero() &&
		(r.Status == StatusRegistered || r.Status == StatusSupplement && r.PrevStatus == StatusRegistered)
}

// NewOnlineReceipt receives a file filed online at a counter: the
// appointment is computed from the time of receipt by the rules in force
// (the procedure's time, the 15:00 rule, the calendar). docs are the
// documents as the clerk checked them (nil: the record's list).
func NewOnlineReceipt(r *Record, cat *Catalog, cal *Calendar, ctr Counter, at time.Time, docs []DocumentLine) (Event, error) {
	if r.Status != StatusRegistered || r.FiledAt.IsZero() {
		return Event{}, &TransitionError{Event: EvReceived, From: r.Status}
	}
	p, ok := cat.Lookup(r.ProcedureCode)
	if !ok {
		return Event{}, fieldErr("procedure_code", "procedure.unknown", "Thủ tục "+r.ProcedureCode+" không có trong danh mục")
	}
	at = at.In(Loc).Truncate(time.Second)
	in := r.Clone()
	in.History = nil
	in.Counter, in.Clerk, in.Time, in.ReceivedAt = ctr.Number, ctr.Clerk, p.Time, at
	in.DueAt = cal.Due(p.Time, p.Cutoff15, at)
	in.LegalDueAt = in.DueAt
	if docs != nil {
		in.Documents = docs
	}
	if in.Fee == 0 && (p.Fee.Kind == FeeFixed || p.Fee.Kind == FeeProvince) {
		in.Fee = p.Fee.Amount
	}
	if err := CheckRecord(in); err != nil {
		return Event{}, err
	}
	id, name := ctr.actor()
	return Event{ID: NewEventID(), RecordID: r.ID, Type: EvReceived, Actor: id, ActorName: name, At: at,
		BaseVersion: r.Version, Record: in, After: r.LastEventID()}, nil
}
