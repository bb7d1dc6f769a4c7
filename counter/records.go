package counter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/storage"
)

// Intake receives a file: validates it, gives it its code and appointment
// date and saves it with its outbox and audit entries in one transaction.
func (c *Counter) Intake(in dossier.Intake) (*dossier.Record, error) {
	if err := c.require(account.Intake); err != nil {
		return nil, err
	}
	r, err := c.store.Intake(in)
	if err == nil {
		c.Kick() // send it now if the network allows
		c.mu.Lock()
		if c.usage != nil {
			c.usage[r.ProcedureCode]++
		}
		c.mu.Unlock()
	}
	return r, err
}

// IntakeMany receives several files in one transaction (scripts, load
// tests), each with its own events.
func (c *Counter) IntakeMany(ins []dossier.Intake) error {
	if err := c.require(account.Intake); err != nil {
		return err
	}
	_, err := c.store.IntakeMany(ins, storage.BatchOptions{})
	if err == nil {
		c.Kick()
	}
	return err
}

// IntakeJSON is Intake of a JSON document (docs/intake.md); a field it
// does not know is refused, so that a typo is not silently dropped.
func (c *Counter) IntakeJSON(data []byte) (*dossier.Record, error) {
	var in dossier.Intake
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, &UsageError{L("error.intake_json", map[string]any{"Detail": err.Error()})}
	}
	return c.Intake(in)
}

// NewEvent starts an action on a record, with what it proposes filled in:
// a supplement's deadline five working days from now, an extension's new
// appointment three working days after the current one.
func (c *Counter) NewEvent(r *dossier.Record, typ dossier.EventType) dossier.Event {
	ev := c.store.NewEvent(r, typ)
	cal := c.store.Calendar()
	switch typ {
	case dossier.EvSupplementRequested:
		ev.Deadline = cal.Add(c.now(), 5*dossier.MinutesPerWorkingDay)
	case dossier.EvExtended:
		ev.NewDue = cal.Add(r.DueAt, 3*dossier.MinutesPerWorkingDay)
	case dossier.EvFeeRequested:
		ev.Amount = r.Fee
	case dossier.EvFeePaid:
		ev.Amount = max(0, r.Fee-r.FeePaid)
	case dossier.EvReturned:
		p := r.ContactParty()
		ev.Collector = &dossier.Collector{Name: p.Name, IDNumber: p.IDNumber, Phone: p.Phone}
	}
	return ev
}

// Apply saves an action on a record (checked against the status machine
// and the record's version) and returns the record after it.
func (c *Counter) Apply(ev dossier.Event) (*dossier.Record, error) {
	if err := c.require(account.ForEvent(ev.Type)); err != nil {
		return nil, err
	}
	u := c.User() // the event is by who is signed in, whatever it says
	ev.Actor, ev.ActorName = u.Username, u.Name
	r, err := c.store.Apply(ev)
	if err == nil {
		c.Kick()
	}
	return r, err
}

// Get reads a record by id.
func (c *Counter) Get(id string) (*dossier.Record, error) { return c.store.Get(id) }

// GetByCode reads a record by its code; ErrNoRecord (a *CodeError) when
// there is none.
func (c *Counter) GetByCode(code string) (*dossier.Record, error) {
	r, err := c.store.GetByCode(code)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &CodeError{ErrNoRecord, code}
	}
	return r, err
}

// Page is one page of the records a query finds, newest first, and the
// cursor of the next page.
func (c *Counter) Page(q storage.Query, after storage.Cursor, limit int) ([]*dossier.Record, storage.Cursor, error) {
	return c.store.Page(q, after, limit)
}

// Count counts what a query finds, up to max.
func (c *Counter) Count(q storage.Query, max int) (int, error) { return c.store.Count(q, max) }

// DueRequest asks for an appointment date.
type DueRequest struct {
	Procedure string    // the procedure's code
	Received  time.Time // when the file is received
	Alt       bool      // the procedure's alternative time (e.g. when checks are needed)
}

// DueAnswer is an appointment date and what it was computed from.
type DueAnswer struct {
	Due       time.Time
	Procedure dossier.Procedure
	Time      dossier.ProcessingTime
	// Unconfirmed are the days off between receipt and appointment that
	// are not yet confirmed: the appointment may move when they are.
	Unconfirmed []dossier.SpecialDay
}

// Due computes an appointment date with the calendar in force.
func (c *Counter) Due(req DueRequest) (DueAnswer, error) {
	p, ok := c.store.Catalog().Lookup(req.Procedure)
	if !ok {
		return DueAnswer{}, &CodeError{ErrUnknownProcedure, req.Procedure}
	}
	in := dossier.Intake{UseAltTime: req.Alt}
	pt := in.TimeFor(p)
	cal := c.store.Calendar()
	due := cal.Due(pt, p.Cutoff15, req.Received)
	return DueAnswer{Due: due, Procedure: p, Time: pt, Unconfirmed: cal.Unconfirmed(req.Received, due)}, nil
}

// UnconfirmedDays names unconfirmed days off as a clerk reads them:
// "Tết Nguyên đán (dự kiến) 04/02/2027, …"; "" when there are none.
func UnconfirmedDays(days []dossier.SpecialDay) string {
	var names []string
	for _, d := range days {
		t, _ := time.ParseInLocation("2006-01-02", d.Date, dossier.Loc)
		names = append(names, d.Name+" "+t.Format("02/01/2006"))
	}
	return strings.Join(names, ", ")
}

// UnconfirmedNote is the warning to show beside an appointment computed
// across unconfirmed days off; "" when there are none.
func UnconfirmedNote(days []dossier.SpecialDay) string {
	if len(days) == 0 {
		return ""
	}
	return L("due.unconfirmed", map[string]any{"Days": UnconfirmedDays(days)})
}

// DueText is the appointment as motcuactl due prints it.
func (a DueAnswer) String() string {
	cutoff := ""
	if a.Procedure.Cutoff15 {
		cutoff = L("due.cutoff15")
	}
	return fmt.Sprintf("%s — %s; %s: %s%s", a.Procedure.Code, a.Procedure.Name, L("due.time"), a.Time, cutoff)
}

// ActionRequest is an action on a record named by its code, as a script
// or motcuactl gives it. Zero fields take the counter's proposals
// (NewEvent): a supplement's deadline, an extension's new appointment, the
// fee due, the filer as collector.
type ActionRequest struct {
	Code       string
	Event      dossier.EventType
	Reason     string
	Missing    []string
	Deadline   time.Time
	NewDue     time.Time
	Amount     int64
	Collector  *dossier.Collector
	Approval   string
	Correction *dossier.Correction // on corrected: the new values
}

// Act performs an action on a record by its code, through the same path as
// the record screen: the status machine, the record's version, the outbox
// and the audit.
func (c *Counter) Act(req ActionRequest) (*dossier.Record, error) {
	if !slices.Contains(dossier.AllEventTypes(), req.Event) {
		return nil, &UsageError{L("error.unknown_event", map[string]any{"Event": string(req.Event)})}
	}
	r, err := c.GetByCode(req.Code)
	if err != nil {
		return nil, err
	}
	ev := c.NewEvent(r, req.Event)
	ev.Reason, ev.Missing, ev.Approval, ev.Correction = req.Reason, req.Missing, req.Approval, req.Correction
	if !req.Deadline.IsZero() {
		ev.Deadline = req.Deadline
	}
	if !req.NewDue.IsZero() {
		ev.NewDue = req.NewDue
	}
	if req.Amount != 0 {
		ev.Amount = req.Amount
	}
	if req.Collector != nil {
		ev.Collector = req.Collector
	}
	return c.Apply(ev)
}

// ProcedureUsage counts the files of each procedure received in the last
// 90 days (up to 500 each): the procedure box lists the most used first.
// It is computed once and kept up to date by Intake.
func (c *Counter) ProcedureUsage() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.usage == nil {
		var codes []string
		for _, p := range c.store.Catalog().Procedures {
			codes = append(codes, p.Code)
		}
		// from the index alone: this runs as the intake screen is built
		usage, err := c.store.ProcedureUse(codes, c.now().AddDate(0, 0, -90), 500)
		if err != nil {
			return map[string]int{} // no ranking by use this time; the catalogue order stands
		}
		c.usage = usage
	}
	return maps.Clone(c.usage) // a copy: Intake counts on while the caller ranks
}
