package dossier

import (
	"strings"
	"time"
)

// EvGuided is guidance given at the counter before a file is received:
// a file that is incomplete gets Mẫu 02 and one the unit cannot accept
// gets Mẫu 03, instead of a receipt. It takes no record code and is not
// counted as received; the event carries the Guidance, and its RecordID
// is the guidance's own ID. It is outside the status machine.
const EvGuided EventType = "guided"

// GuidanceKind says which form the guidance was.
type GuidanceKind string

// Kinds of guidance.
const (
	GuideSupplement GuidanceKind = "supplement" // Mẫu 02: what to bring
	GuideRefusal    GuidanceKind = "refusal"    // Mẫu 03: why the unit cannot take the file
)

// Guidance is one person guided at the counter, with what they were told.
type Guidance struct {
	ID            string       `json:"id"`
	Kind          GuidanceKind `json:"kind"`
	At            time.Time    `json:"at"`
	Actor         string       `json:"actor"`
	ActorName     string       `json:"actor_name,omitempty"`
	UnitCode      string       `json:"unit_code"`
	Counter       int          `json:"counter"`
	ProcedureCode string       `json:"procedure_code"`
	ProcedureName string       `json:"procedure_name"`
	Person        Party        `json:"person"`
	Summary       string       `json:"summary,omitempty"`
	Missing       []string     `json:"missing,omitempty"`
	Reason        string       `json:"reason,omitempty"`
}

// NewGuidance validates guidance for a procedure of the catalogue and
// gives it its ID: the person's name, what is missing (Mẫu 02) or why the
// file is refused (Mẫu 03).
func NewGuidance(g Guidance, cat *Catalog, ctr Counter, at time.Time) (Guidance, error) {
	var errs ValidationErrors
	p, ok := cat.Lookup(g.ProcedureCode)
	if !ok {
		errs = append(errs, fieldErr("procedure", "procedure.unknown", "Chưa chọn thủ tục hành chính có trong danh mục"))
	}
	g.Person.Name = strings.Join(strings.Fields(g.Person.Name), " ")
	if g.Person.Name == "" {
		errs = append(errs, fieldErr("person.name", "name.required", "Chưa nhập họ tên / tên tổ chức"))
	}
	g.Person.IDNumber = NormalizeID(g.Person.IDNumber)
	var missing []string
	for _, m := range g.Missing {
		if m = strings.TrimSpace(m); m != "" {
			missing = append(missing, m)
		}
	}
	g.Missing, g.Reason = missing, strings.TrimSpace(g.Reason)
	switch {
	case g.Kind == GuideSupplement && len(g.Missing) == 0:
		errs = append(errs, fieldErr("missing", "supplement.missing", "Cần ghi rõ giấy tờ cần bổ sung"))
	case g.Kind == GuideRefusal && g.Reason == "":
		errs = append(errs, fieldErr("reason", "reason.required", "Cần ghi rõ lý do"))
	case g.Kind != GuideSupplement && g.Kind != GuideRefusal:
		errs = append(errs, fieldErr("kind", "guidance.kind", "Chỉ hướng dẫn bổ sung (Mẫu 02) hoặc từ chối tiếp nhận (Mẫu 03)"))
	}
	if len(errs) > 0 {
		return g, errs
	}
	g.ID, g.At = NewEventID(), at.In(Loc).Truncate(time.Second)
	g.Actor, g.ActorName = ctr.actor()
	g.UnitCode, g.Counter, g.ProcedureName = ctr.UnitCode, ctr.Number, p.Name
	e := g.Event()
	if err := CheckEventLimits(&e); err != nil {
		return g, err
	}
	return g, nil
}

// Event is the guidance as the event that carries it to the backend.
func (g Guidance) Event() Event {
	c := g
	return Event{ID: g.ID, RecordID: g.ID, Type: EvGuided, Actor: g.Actor, ActorName: g.ActorName, At: g.At, Guidance: &c}
}
