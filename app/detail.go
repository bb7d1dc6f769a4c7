package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/account"
	"motcua/counter"
	"motcua/dossier"
	"motcua/forms"
)

// detailView shows one record: every field, its documents, its history,
// and the actions the status machine allows from its status.
type detailView struct {
	u       *UI
	rec     *dossier.Record
	title   *widget.Label
	fields  *widget.Form
	docs    *widget.Label
	history *widget.Label
	actions *fyne.Container
	// files filed online with the record, and their heading
	files, filesBox *fyne.Container
	print           *widget.Button
	body            *fyne.Container
	empty           *widget.Label
	content         fyne.CanvasObject
}

func newDetailView(u *UI) *detailView {
	d := &detailView{u: u, title: heading(""), fields: widget.NewForm(), docs: widget.NewLabel(""), history: widget.NewLabel(""),
		actions: container.NewGridWithColumns(3), empty: widget.NewLabel(lang.L("detail.empty"))}
	d.files = container.NewVBox()
	d.filesBox = container.NewVBox(heading(lang.L("online.files")), d.files)
	d.docs.Wrapping = fyne.TextWrapWord
	d.history.Wrapping = fyne.TextWrapWord
	printBtn := widget.NewButtonWithIcon(lang.L("print.button"), theme.DocumentPrintIcon(), func() {
		if d.rec != nil {
			u.choosePrint(d.rec)
		}
	})
	d.print = printBtn
	d.body = container.NewVBox(container.NewBorder(nil, nil, nil, printBtn, d.title), d.actions, widget.NewSeparator(),
		d.filesBox, d.fields, heading(lang.L("detail.documents")), d.docs, heading(lang.L("detail.history")), d.history)
	d.body.Hide()
	d.content = container.NewVScroll(container.NewPadded(container.NewVBox(d.empty, d.body)))
	return d
}

// clear shows no record.
func (d *detailView) clear() {
	d.rec = nil
	d.body.Hide()
	d.empty.Show()
}

func (d *detailView) show(r *dossier.Record) {
	d.rec = r
	d.empty.Hide()
	d.body.Show()
	d.title.SetText(r.Code + " · " + statusLabel(r.Status))
	d.fields.Items = nil
	add := func(label, value string) {
		if strings.TrimSpace(value) == "" {
			return
		}
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		d.fields.Append(label, v)
	}
	add(lang.L("detail.procedure"), r.ProcedureCode+" — "+r.ProcedureName)
	add(lang.L("intake.summary"), r.Summary)
	if !r.FiledAt.IsZero() {
		filed := fmtTime(r.FiledAt)
		if r.Online() {
			filed += " — " + lang.L("online.waited", map[string]any{"Waited": fmtWaited(d.u.now().Sub(r.FiledAt))})
		}
		add(lang.L("online.filed"), filed)
	}
	add(lang.L("detail.received"), fmtDue(r.ReceivedAt))
	due := fmtDue(r.DueAt)
	if r.Overdue(d.u.now()) {
		due += " — " + lang.L("records.overdue")
	}
	if r.Status == dossier.StatusSupplement {
		due += " — " + lang.L("detail.paused", map[string]any{"Since": fmtTime(r.PausedAt), "Deadline": fmtDate(r.SupplementDeadline)})
	}
	add(lang.L("intake.due"), due)
	add(lang.L("intake.time"), timeLabel(r.Time))
	add(lang.L("detail.owner"), partyText(r.Owner))
	if !r.FilerIsOwner {
		add(lang.L("detail.filer"), partyText(r.Filer))
	}
	add(lang.L("intake.sets"), strconv.Itoa(r.Sets))
	add(lang.L("intake.channel"), channelLabel(r.Channel))
	add(lang.L("intake.delivery"), deliveryLabel(r.Delivery))
	if r.Fee > 0 || r.FeePaid > 0 {
		add(lang.L("intake.fee"), lang.L("detail.fee", map[string]any{"Fee": fmtMoney(r.Fee), "Paid": fmtMoney(r.FeePaid)}))
	}
	add(lang.L("intake.notes"), r.Notes)
	if r.Counter > 0 {
		add(lang.L("detail.clerk"), lang.L("detail.clerk_value", map[string]any{"Clerk": r.Clerk, "Counter": r.Counter}))
	}
	if !r.FinishedAt.IsZero() {
		add(lang.L("detail.finished"), fmtTime(r.FinishedAt))
	}
	add(lang.L("detail.reach"), d.reach(r))
	add(lang.L("detail.portal"), d.portalReach(r))
	if r.Collector != nil {
		add(lang.L("detail.returned"), fmt.Sprintf("%s — %s %s", fmtTime(r.ReturnedAt), r.Collector.Name, r.Collector.IDNumber))
	}
	d.fields.Refresh()

	var docs []string
	for i, l := range r.Documents {
		docs = append(docs, lang.L("detail.doc_line", map[string]any{"N": i + 1, "Name": l.Name, "O": l.Originals, "C": l.Certified, "P": l.Copies}))
	}
	d.docs.SetText(strings.Join(docs, "\n"))
	var hist []string
	for _, e := range r.History {
		hist = append(hist, historyLine(e))
	}
	d.history.SetText(strings.Join(hist, "\n"))
	d.attachmentRows(r)
	d.showActions(r)
	if len(forms.Available(r)) == 0 {
		d.print.Disable() // a file filed online has nothing to print before receipt or a letter
	} else {
		d.print.Enable()
	}
}

// reach says where the record's last change has got to: this counter,
// the others on the office network, the province.
func (d *detailView) reach(r *dossier.Record) string {
	re := d.u.ctr.RecordReach(r)
	has, hasNot := []string{lang.L("detail.reach.here")}, []string(nil)
	for _, n := range re.With {
		has = append(has, lang.L("detail.reach.counter", map[string]any{"N": n}))
	}
	for _, n := range re.Without {
		hasNot = append(hasNot, lang.L("detail.reach.counter", map[string]any{"N": n}))
	}
	switch re.Province {
	case counter.ReachYes:
		has = append(has, lang.L("detail.reach.province"))
	case counter.ReachNo:
		hasNot = append(hasNot, lang.L("detail.reach.province"))
	}
	text := strings.Join(has, ", ")
	if len(hasNot) > 0 {
		text += "; " + lang.L("detail.reach.not", map[string]any{"List": strings.Join(hasNot, ", ")})
	}
	if re.Province == counter.ReachUnknown {
		text += "; " + lang.L("detail.reach.unknown")
	}
	return text
}

// portalReach says whether the national portal has the record, as the
// backend last told ("" when this counter reports to no backend).
func (d *detailView) portalReach(r *dossier.Record) string {
	mark, behind, ok := d.u.ctr.PortalReach(r)
	switch {
	case !ok:
		return ""
	case mark.EventID == "":
		return lang.L("detail.portal.none")
	case behind == 0:
		return lang.L("detail.portal.all", map[string]any{"At": fmtTime(mark.At)})
	}
	step := ""
	for _, e := range r.History {
		if e.ID == mark.EventID {
			step = eventLabel(e.Type)
		}
	}
	return lang.L("detail.portal.behind", map[string]any{"Step": step, "At": fmtTime(mark.At), "N": behind})
}

// showActions offers the actions the status machine allows, in its order.
func (d *detailView) showActions(r *dossier.Record) {
	d.actions.RemoveAll()
	user := d.u.ctr.User()
	for _, typ := range dossier.Allowed(r.Status) {
		if (typ == dossier.EvFeeRequested || typ == dossier.EvFeePaid) && !d.hasFee(r) {
			continue // fee actions only for a procedure with a fee
		}
		if !user.May(account.ForEvent(typ)) {
			continue // the counter would refuse it: a supervisor's action
		}
		b := widget.NewButton(eventLabel(typ), func() { d.act(typ) })
		if endsTheFile[typ] {
			b.Importance = widget.DangerImportance // refusal, stop, withdrawal stand apart
		}
		d.actions.Add(b)
	}
}

// endsTheFile are the actions that end a file without a result; they are
// shown apart and always ask for confirmation (a reason).
var endsTheFile = map[dossier.EventType]bool{dossier.EvRefused: true, dossier.EvStopped: true, dossier.EvWithdrawn: true}

// hasFee says whether fee actions apply: the procedure has a fee, or one
// was asked or paid already.
func (d *detailView) hasFee(r *dossier.Record) bool {
	if r.Fee > 0 || r.FeePaid > 0 {
		return true
	}
	p, ok := d.u.ctr.Catalog().Lookup(r.ProcedureCode)
	return !ok || p.Fee.Kind != dossier.FeeFree
}

func partyText(p dossier.Party) string {
	parts := []string{p.Name}
	if p.Type != dossier.PartyCitizen {
		parts[0] += " (" + partyTypeLabel(p.Type) + ")"
	}
	for _, v := range []string{p.IDNumber, p.TaxCode, p.Address.String(), p.Phone, p.Email} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if b, ok := dossier.ParseDate(p.Birth); ok {
		parts = append(parts, lang.L("detail.born", map[string]any{"Date": b.Format("02/01/2006")}))
	}
	return strings.Join(parts, "\n")
}

func historyLine(e dossier.Event) string {
	line := fmtTime(e.At) + "  " + eventLabel(e.Type) + " — " + e.Actor
	var extra []string
	if e.Reason != "" {
		extra = append(extra, e.Reason)
	}
	if len(e.Missing) > 0 {
		extra = append(extra, strings.Join(e.Missing, "; "))
	}
	if !e.NewDue.IsZero() {
		extra = append(extra, lang.L("detail.due_moved", map[string]any{"Old": fmtTime(e.OldDue), "New": fmtTime(e.NewDue)}))
	}
	if e.Collector != nil {
		extra = append(extra, e.Collector.Name)
	}
	if e.Amount > 0 {
		extra = append(extra, fmtMoney(e.Amount))
	}
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, " · ") + ")"
	}
	return line
}

func requiredText(e *widget.Entry) {
	e.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(lang.X("err.reason.required", "Cần ghi rõ lý do"))
		}
		return nil
	}
}

// actionForm is the dialog of one action: the event it fills in, its
// fields, and what each field writes into the event.
type actionForm struct {
	rec     *dossier.Record
	ev      dossier.Event
	entries []*keyEntry // Esc and Enter are wired to the dialog once it exists
	items   []*widget.FormItem
	fill    []func() error
}

// actionFields adds the fields an action needs, with the counter's
// proposals (counter.NewEvent) as their first values.
var actionFields = map[dossier.EventType]func(f *actionForm){
	dossier.EvSupplementRequested: (*actionForm).supplementFields,
	dossier.EvExtended:            (*actionForm).extensionFields,
	dossier.EvRefused:             (*actionForm).reasonField,
	dossier.EvStopped:             (*actionForm).reasonField,
	dossier.EvWithdrawn:           (*actionForm).reasonField,
	dossier.EvNoteAdded:           (*actionForm).noteField,
	dossier.EvFeeRequested:        (*actionForm).amountField,
	dossier.EvFeePaid:             (*actionForm).amountField,
	dossier.EvReturned:            (*actionForm).collectorFields,
	dossier.EvCorrected:           (*actionForm).correctionFields,
}

func (f *actionForm) add(label string, w fyne.CanvasObject, fill func() error) {
	f.items = append(f.items, widget.NewFormItem(label, w))
	f.fill = append(f.fill, fill)
	if e, ok := w.(*keyEntry); ok {
		f.entries = append(f.entries, e)
	}
}

// entry is a field of the dialog.
func (f *actionForm) entry(multiLine bool) *keyEntry { return newKeyEntry(multiLine) }

func (f *actionForm) text(label string, required bool, set func(string)) {
	e := f.entry(true)
	e.SetMinRowsVisible(2)
	if required {
		requiredText(&e.Entry)
	}
	f.add(label, e, func() error { set(strings.TrimSpace(e.Text)); return nil })
}

func (f *actionForm) reasonField() {
	f.text(lang.L("action.reason"), true, func(v string) { f.ev.Reason = v })
}

func (f *actionForm) noteField() {
	f.text(lang.L("action.note"), true, func(v string) { f.ev.Reason = v })
}

func (f *actionForm) date(label string, def time.Time, withTime bool, set func(time.Time)) {
	e := f.entry(false)
	layout := "02/01/2006"
	if withTime {
		layout = "02/01/2006 15:04"
	}
	e.SetText(def.In(dossier.Loc).Format(layout))
	e.SetPlaceHolder(strings.NewReplacer("02", "dd", "01", "mm", "2006", "yyyy", "15", "hh", "04", "mm").Replace(layout))
	e.Validator = func(s string) error {
		if _, err := time.ParseInLocation(layout, strings.TrimSpace(s), dossier.Loc); err != nil {
			return errors.New(lang.L("error.date"))
		}
		return nil
	}
	f.add(label, e, func() error {
		t, err := time.ParseInLocation(layout, strings.TrimSpace(e.Text), dossier.Loc)
		if !withTime {
			t = t.Add(17 * time.Hour)
		}
		set(t)
		return err
	})
}

func (f *actionForm) supplementFields() {
	missing := f.entry(true)
	missing.SetMinRowsVisible(3)
	missing.SetPlaceHolder(lang.L("action.missing.placeholder"))
	requiredText(&missing.Entry)
	f.add(lang.L("action.missing"), missing, func() error {
		for _, l := range strings.Split(missing.Text, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				f.ev.Missing = append(f.ev.Missing, l)
			}
		}
		return nil
	})
	f.text(lang.L("action.reason"), false, func(v string) { f.ev.Reason = v })
	f.date(lang.L("action.supplement_deadline"), f.ev.Deadline, false, func(t time.Time) { f.ev.Deadline = t })
}

func (f *actionForm) extensionFields() {
	f.date(lang.L("action.new_due"), f.ev.NewDue, true, func(t time.Time) { f.ev.NewDue = t })
	f.reasonField()
	if f.rec.Extensions() > 0 { // a second apology: a supervisor approves it
		f.text(lang.L("action.approval"), true, func(v string) { f.ev.Approval = v })
	}
}

func (f *actionForm) amountField() {
	e := f.entry(false)
	if f.ev.Amount > 0 {
		e.SetText(strconv.FormatInt(f.ev.Amount, 10))
	}
	e.Validator = positiveInt(1, 1_000_000_000)
	f.add(lang.L("intake.fee"), e, func() error {
		n, err := strconv.ParseInt(strings.TrimSpace(e.Text), 10, 64)
		f.ev.Amount = n
		return err
	})
}

// correctionFields offer the owner's details and the summary as they are,
// to put a typing mistake right; codes and times are not among them.
func (f *actionForm) correctionFields() {
	o := f.rec.Owner
	entries := map[string]*keyEntry{}
	for _, k := range []struct{ key, value string }{
		{"party.name", o.Name}, {"party.id", o.IDNumber}, {"party.phone", o.Phone},
		{"party.street", o.Address.Street}, {"party.ward", o.Address.Ward}, {"party.province", o.Address.Province},
		{"intake.summary", f.rec.Summary},
	} {
		e := f.entry(false)
		e.SetText(k.value)
		entries[k.key] = e
		f.add(lang.L(k.key), e, func() error { return nil })
	}
	f.text(lang.L("action.reason"), true, func(v string) {
		f.ev.Reason = v
		p := o
		p.Name, p.IDNumber, p.Phone = entries["party.name"].Text, entries["party.id"].Text, entries["party.phone"].Text
		p.Address.Street, p.Address.Ward, p.Address.Province = entries["party.street"].Text, entries["party.ward"].Text, entries["party.province"].Text
		c := &dossier.Correction{}
		if p != o {
			c.Owner = &p
		}
		if s := strings.TrimSpace(entries["intake.summary"].Text); s != f.rec.Summary {
			c.Summary = &s
		}
		f.ev.Correction = c
	})
}

func (f *actionForm) collectorFields() {
	c := f.ev.Collector
	if c == nil {
		c = &dossier.Collector{}
	}
	name, id, phone := f.entry(false), f.entry(false), f.entry(false)
	name.SetText(c.Name)
	id.SetText(c.IDNumber)
	phone.SetText(c.Phone)
	requiredText(&name.Entry)
	f.add(lang.L("action.collector"), name, func() error { return nil })
	f.add(lang.L("party.id"), id, func() error { return nil })
	f.add(lang.L("party.phone"), phone, func() error {
		f.ev.Collector = &dossier.Collector{Name: strings.TrimSpace(name.Text), IDNumber: strings.TrimSpace(id.Text), Phone: strings.TrimSpace(phone.Text)}
		return nil
	})
}

// act asks for what an action needs (a confirmation when nothing) and
// applies it through the counter.
func (d *detailView) act(typ dossier.EventType) {
	if typ == dossier.EvReceived { // a file filed online (status 1)
		d.receiveOnline()
		return
	}
	r := d.rec
	f := &actionForm{rec: r, ev: d.u.ctr.NewEvent(r, typ)}
	if fields, ok := actionFields[typ]; ok {
		fields(f)
	}
	title := eventLabel(typ) + " — " + r.Code
	if len(f.items) == 0 {
		c := dialog.NewConfirm(title, lang.L("action.confirm", map[string]any{"Action": eventLabel(typ)}), func(ok bool) {
			if ok {
				d.submit(f)
			}
		}, d.u.win)
		c.Show()
		d.u.track(c, c.Confirm, c.Dismiss) // Enter confirms, Esc cancels
		return
	}
	dlg := dialog.NewForm(title, lang.L("action.do"), lang.L("action.cancel"), f.items, func(ok bool) {
		if ok {
			d.submit(f)
		}
	}, d.u.win)
	dlg.Resize(fyne.NewSize(560, 0))
	dlg.Show()
	d.u.keyForm(dlg, f.entries...)
}

// submit fills the event from the dialog's fields and applies it.
func (d *detailView) submit(f *actionForm) {
	for _, fill := range f.fill {
		if err := fill(); err != nil {
			d.u.showError(errors.New(counter.Explain(err)))
			return
		}
	}
	d.apply(f.ev)
}

// apply saves the event; on success the record, list and status bar follow.
func (d *detailView) apply(ev dossier.Event) {
	r, err := d.u.ctr.Apply(ev)
	if err != nil {
		d.u.showError(errors.New(counter.Explain(err)))
		return
	}
	d.show(r)
	d.u.changed()
	d.u.offerPrint(r, ev.Type)
}
