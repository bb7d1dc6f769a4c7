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

	"motcua/counter"
	"motcua/dossier"
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
	body    *fyne.Container
	empty   *widget.Label
	content fyne.CanvasObject
}

func newDetailView(u *UI) *detailView {
	d := &detailView{u: u, title: heading(""), fields: widget.NewForm(), docs: widget.NewLabel(""), history: widget.NewLabel(""),
		actions: container.NewGridWithColumns(3), empty: widget.NewLabel(lang.L("detail.empty"))}
	d.docs.Wrapping = fyne.TextWrapWord
	d.history.Wrapping = fyne.TextWrapWord
	printBtn := widget.NewButtonWithIcon(lang.L("print.button"), theme.DocumentPrintIcon(), func() {
		if d.rec != nil {
			u.choosePrint(d.rec)
		}
	})
	d.body = container.NewVBox(container.NewBorder(nil, nil, nil, printBtn, d.title), d.actions, widget.NewSeparator(), d.fields,
		heading(lang.L("detail.documents")), d.docs, heading(lang.L("detail.history")), d.history)
	d.body.Hide()
	d.content = container.NewVScroll(container.NewPadded(container.NewVBox(d.empty, d.body)))
	return d
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
	add(lang.L("detail.clerk"), lang.L("detail.clerk_value", map[string]any{"Clerk": r.Clerk, "Counter": r.Counter}))
	if !r.FinishedAt.IsZero() {
		add(lang.L("detail.finished"), fmtTime(r.FinishedAt))
	}
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

	d.actions.RemoveAll()
	for _, typ := range dossier.Allowed(r.Status) {
		typ := typ
		d.actions.Add(widget.NewButton(eventLabel(typ), func() { d.act(typ) }))
	}
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

// act asks for what an action needs and applies it through the store.
func (d *detailView) act(typ dossier.EventType) {
	r := d.rec
	ev := d.u.ctr.NewEvent(r, typ)
	var items []*widget.FormItem
	var fill []func() error
	reason := widget.NewMultiLineEntry()
	reason.SetMinRowsVisible(2)
	needReason := func(label string) {
		requiredText(reason)
		items = append(items, widget.NewFormItem(label, reason))
		fill = append(fill, func() error { ev.Reason = strings.TrimSpace(reason.Text); return nil })
	}
	dateEntry := func(label string, def time.Time, withTime bool, set func(time.Time)) {
		e := widget.NewEntry()
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
		items = append(items, widget.NewFormItem(label, e))
		fill = append(fill, func() error {
			t, err := time.ParseInLocation(layout, strings.TrimSpace(e.Text), dossier.Loc)
			if !withTime {
				t = t.Add(17 * time.Hour)
			}
			set(t)
			return err
		})
	}
	amount := func(def int64) {
		e := widget.NewEntry()
		if def > 0 {
			e.SetText(strconv.FormatInt(def, 10))
		}
		e.Validator = positiveInt(1, 1_000_000_000)
		items = append(items, widget.NewFormItem(lang.L("intake.fee"), e))
		fill = append(fill, func() error {
			n, err := strconv.ParseInt(strings.TrimSpace(e.Text), 10, 64)
			ev.Amount = n
			return err
		})
	}
	cal := d.u.ctr.Calendar()
	switch typ {
	case dossier.EvSupplementRequested:
		missing := widget.NewMultiLineEntry()
		missing.SetMinRowsVisible(3)
		missing.SetPlaceHolder(lang.L("action.missing.placeholder"))
		requiredText(missing)
		items = append(items, widget.NewFormItem(lang.L("action.missing"), missing))
		fill = append(fill, func() error {
			for _, l := range strings.Split(missing.Text, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					ev.Missing = append(ev.Missing, l)
				}
			}
			return nil
		})
		items = append(items, widget.NewFormItem(lang.L("action.reason"), reason))
		fill = append(fill, func() error { ev.Reason = strings.TrimSpace(reason.Text); return nil })
		dateEntry(lang.L("action.supplement_deadline"), cal.Add(d.u.now(), 5*dossier.MinutesPerWorkingDay), false, func(t time.Time) { ev.Deadline = t })
	case dossier.EvExtended:
		dateEntry(lang.L("action.new_due"), cal.Add(r.DueAt, 3*dossier.MinutesPerWorkingDay), true, func(t time.Time) { ev.NewDue = t })
		needReason(lang.L("action.reason"))
	case dossier.EvRefused, dossier.EvStopped, dossier.EvWithdrawn:
		needReason(lang.L("action.reason"))
	case dossier.EvNoteAdded:
		needReason(lang.L("action.note"))
	case dossier.EvFeeRequested:
		amount(r.Fee)
	case dossier.EvFeePaid:
		amount(max(0, r.Fee-r.FeePaid))
	case dossier.EvReturned:
		c := r.ContactParty()
		name, id, phone := widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
		name.SetText(c.Name)
		id.SetText(c.IDNumber)
		phone.SetText(c.Phone)
		requiredText(name)
		items = append(items, widget.NewFormItem(lang.L("action.collector"), name), widget.NewFormItem(lang.L("party.id"), id), widget.NewFormItem(lang.L("party.phone"), phone))
		fill = append(fill, func() error {
			ev.Collector = &dossier.Collector{Name: strings.TrimSpace(name.Text), IDNumber: strings.TrimSpace(id.Text), Phone: strings.TrimSpace(phone.Text)}
			return nil
		})
	}
	apply := func() {
		for _, f := range fill {
			if err := f(); err != nil {
				dialog.ShowError(errors.New(counter.Explain(err)), d.u.win)
				return
			}
		}
		d.apply(ev)
	}
	title := eventLabel(typ) + " — " + r.Code
	if len(items) == 0 {
		dialog.ShowConfirm(title, lang.L("action.confirm", map[string]any{"Action": eventLabel(typ)}), func(ok bool) {
			if ok {
				apply()
			}
		}, d.u.win)
		return
	}
	dlg := dialog.NewForm(title, lang.L("action.do"), lang.L("action.cancel"), items, func(ok bool) {
		if ok {
			apply()
		}
	}, d.u.win)
	dlg.Resize(fyne.NewSize(560, 0))
	dlg.Show()
}

// apply saves the event; on success the record, list and status bar follow.
func (d *detailView) apply(ev dossier.Event) {
	r, err := d.u.ctr.Apply(ev)
	if err != nil {
		dialog.ShowError(errors.New(counter.Explain(err)), d.u.win)
		return
	}
	d.show(r)
	d.u.changed()
	d.u.offerPrint(r, ev.Type)
}
