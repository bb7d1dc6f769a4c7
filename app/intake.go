package app

import (
	"errors"
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// intakeScreen is "Tiếp nhận hồ sơ": the form a clerk fills while the
// citizen waits, with the appointment shown live and Ctrl+S to save.
type intakeScreen struct {
	u *UI

	search     *keyEntry
	matches    []dossier.Procedure
	highlight  int // the match Enter takes; arrow keys move it
	matchList  *widget.List
	listBox    *fyne.Container
	procedure  *dossier.Procedure
	procLabel  *widget.Label
	altTime    *widget.Check
	owner      *partyForm
	filerSame  *widget.Check
	filer      *partyForm
	filerBox   *fyne.Container
	docs       *docEditor
	sets       *widget.Entry
	channel    *widget.Select
	delivery   *widget.Select
	fee        *widget.Entry
	summary    *widget.Entry
	notes      *widget.Entry
	due        *widget.Label
	dueDetail  *widget.Label
	lastSaved  *widget.Label
	openLast   *widget.Button
	printLast  *widget.Button
	saveButton *widget.Button
	lastCode   string

	scroll    *container.Scroll
	lastFocus fyne.Focusable // what follow last saw focused
	content   fyne.CanvasObject
}

func newIntakeScreen(u *UI) *intakeScreen {
	s := &intakeScreen{u: u}
	s.search = newListEntry(s.moveHighlight)
	s.search.SetPlaceHolder(lang.L("intake.search.placeholder"))
	s.search.OnChanged = s.onSearch
	s.search.OnSubmitted = func(string) {
		if s.highlight < len(s.matches) {
			s.choose(s.matches[s.highlight])
		}
	}
	s.matchList = widget.NewList(func() int { return len(s.matches) },
		func() fyne.CanvasObject { return widget.NewLabel("1.000000 — …") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			p := s.matches[i]
			l := o.(*widget.Label)
			l.TextStyle.Bold = i == s.highlight
			if i == s.highlight {
				l.Importance = widget.HighImportance
				l.SetText("▶ " + p.Code + " — " + p.Name)
				return
			}
			l.Importance = widget.MediumImportance
			l.SetText(p.Code + " — " + p.Name)
		})
	s.matchList.OnSelected = func(i widget.ListItemID) {
		if i < len(s.matches) {
			s.choose(s.matches[i])
		}
		s.matchList.UnselectAll()
	}
	s.procLabel = widget.NewLabel(lang.L("intake.no_procedure"))
	s.procLabel.Wrapping = fyne.TextWrapWord
	s.altTime = widget.NewCheck("", func(bool) { s.updateDue() })
	s.altTime.Hide()

	defaults := func() (string, string) { set := u.ctr.Settings(); return set.Ward, set.Province }
	s.owner = newPartyForm(nil, defaults)
	s.filer = newPartyForm(nil, defaults)
	s.owner.reset()
	s.filer.reset()
	s.owner.onIDComplete = func(id string) { s.offerReturning(s.owner, id) }
	s.filer.onIDComplete = func(id string) { s.offerReturning(s.filer, id) }
	s.filerSame = widget.NewCheck(lang.L("intake.filer_is_owner"), func(same bool) {
		if same {
			s.filerBox.Hide()
		} else {
			s.filerBox.Show()
		}
	})
	s.filerBox = container.NewVBox(widget.NewLabelWithStyle(lang.L("intake.section.filer"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.filer.content)
	s.filerSame.SetChecked(true)

	s.docs = newDocEditor()
	s.sets = widget.NewEntry()
	s.sets.SetText("1")
	s.sets.Validator = positiveInt(1, 100)
	var channels []string
	for _, c := range []dossier.Channel{dossier.ChannelInPerson, dossier.ChannelOnline, dossier.ChannelPost} {
		channels = append(channels, channelLabel(c))
	}
	s.channel = widget.NewSelect(channels, nil)
	s.channel.SetSelectedIndex(0)
	s.delivery = widget.NewSelect([]string{deliveryLabel(dossier.DeliveryCounter), deliveryLabel(dossier.DeliveryPost)}, nil)
	s.delivery.SetSelectedIndex(0)
	s.fee = widget.NewEntry()
	s.fee.SetPlaceHolder("0")
	s.fee.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return positiveInt(0, 1_000_000_000)(strings.ReplaceAll(v, ".", ""))
	}
	s.summary = widget.NewEntry()
	s.summary.SetPlaceHolder(lang.L("intake.summary.placeholder"))
	s.notes = widget.NewMultiLineEntry()
	s.notes.SetMinRowsVisible(2)

	other := widget.NewForm(
		widget.NewFormItem(lang.L("intake.summary"), s.summary),
		widget.NewFormItem(lang.L("intake.sets"), s.sets),
		widget.NewFormItem(lang.L("intake.channel"), s.channel),
		widget.NewFormItem(lang.L("intake.delivery"), s.delivery),
		widget.NewFormItem(lang.L("intake.fee"), s.fee),
		widget.NewFormItem(lang.L("intake.notes"), s.notes),
	)
	s.listBox = container.NewStack(minHeight(150), s.matchList)
	// where there is width (a wide screen), the form takes two columns:
	// the procedure and the person at left, the rest at right
	form := container.New(&twoColumns{wideAt: 1500},
		container.NewVBox(
			heading(lang.L("intake.section.procedure")),
			s.search, s.listBox, s.procLabel, s.altTime,
			heading(lang.L("intake.section.owner")), s.owner.content),
		container.NewVBox(
			s.filerSame, s.filerBox,
			heading(lang.L("intake.section.documents")), s.docs.content,
			heading(lang.L("intake.section.other")), other),
	)

	s.due = widget.NewLabelWithStyle("—", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.due.Importance = widget.HighImportance
	s.due.Wrapping = fyne.TextWrapWord
	s.dueDetail = widget.NewLabel("")
	s.dueDetail.Wrapping = fyne.TextWrapWord
	s.saveButton = widget.NewButtonWithIcon(lang.L("intake.save"), theme.DocumentSaveIcon(), s.save)
	s.saveButton.Importance = widget.HighImportance
	clear := widget.NewButtonWithIcon(lang.L("action.new_intake"), theme.ContentClearIcon(), s.reset)
	s.lastSaved = widget.NewLabel("")
	s.lastSaved.Wrapping = fyne.TextWrapWord
	s.lastSaved.TextStyle.Bold = true // black on white, bold: readable at a glance (the green was under 3:1)
	s.openLast = widget.NewButtonWithIcon(lang.L("intake.open_last"), theme.FolderOpenIcon(), func() {
		if s.lastCode != "" {
			u.records.openCode(s.lastCode)
		}
	})
	s.openLast.Hide()
	s.printLast = widget.NewButtonWithIcon(lang.L("intake.print_receipt")+" (Ctrl+P)", theme.DocumentPrintIcon(), s.printLastReceipt)
	s.printLast.Hide()
	guide02 := widget.NewButtonWithIcon(lang.L("guide.supplement"), theme.InfoIcon(), func() { s.guide(dossier.GuideSupplement) })
	guide03 := widget.NewButtonWithIcon(lang.L("guide.refusal"), theme.CancelIcon(), func() { s.guide(dossier.GuideRefusal) })
	guide03.Importance = widget.DangerImportance
	panel := container.NewVBox(
		heading(lang.L("intake.due")), s.due, s.dueDetail,
		widget.NewSeparator(), s.saveButton, clear,
		widget.NewSeparator(), widget.NewLabel(lang.L("guide.intro")), guide02, guide03,
		widget.NewSeparator(), s.lastSaved, s.printLast, s.openLast,
	)
	side := container.NewStack(minWidth(300), container.NewPadded(panel))
	s.scroll = container.NewVScroll(container.NewPadded(form))
	s.content = container.NewBorder(nil, nil, nil, side, s.scroll)
	s.onSearch("")
	s.updateDue()
	return s
}

func heading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func minHeight(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return r
}

func minWidth(w float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 0))
	return r
}

func positiveInt(lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return errors.New(lang.L("error.number_range", map[string]any{"Lo": lo, "Hi": hi}))
		}
		return nil
	}
}

func (s *intakeScreen) focus() { s.u.win.Canvas().Focus(s.search) }

// onSearch ranks the catalogue for what is typed (the counter's most used
// procedures first when nothing is) and shows the list again.
func (s *intakeScreen) onSearch(q string) {
	s.matches = s.u.ctr.Catalog().Rank(q, s.u.ctr.ProcedureUsage())
	s.highlight = 0
	s.listBox.Show()
	s.matchList.Refresh()
	s.matchList.ScrollToTop()
}

// moveHighlight moves the match Enter takes, from the search box's arrow keys.
func (s *intakeScreen) moveHighlight(step int) {
	if len(s.matches) == 0 {
		return
	}
	s.listBox.Show()
	s.highlight = min(max(s.highlight+step, 0), len(s.matches)-1)
	s.matchList.Refresh()
	s.matchList.ScrollTo(s.highlight)
}

func (s *intakeScreen) choose(p dossier.Procedure) {
	s.procedure = &p
	fee := feeText(p.Fee)
	cut := ""
	if p.Cutoff15 {
		cut = " " + lang.L("intake.cutoff")
	}
	s.procLabel.SetText(fmt.Sprintf("%s — %s\n%s: %s%s · %s: %s · %s", p.Code, p.Name, lang.L("intake.time"), timeLabel(p.Time), cut,
		lang.L("intake.fee"), fee, p.Field))
	s.procLabel.Importance = widget.HighImportance
	s.procLabel.Refresh()
	if p.AltTime != nil {
		s.altTime.Text = lang.L("intake.alt_time", map[string]any{"Label": p.AltLabel})
		s.altTime.SetChecked(false)
		s.altTime.Show()
		s.altTime.Refresh()
	} else {
		s.altTime.SetChecked(false)
		s.altTime.Hide()
	}
	s.docs.set(dossier.DocumentsFor(p))
	s.fee.SetText("")
	if p.Fee.Kind == dossier.FeeFixed || (p.Fee.Kind == dossier.FeeProvince && p.Fee.Amount > 0) {
		s.fee.SetText(strconv.FormatInt(p.Fee.Amount, 10))
	}
	s.updateDue()
	s.listBox.Hide() // chosen: the list closes until the search changes
	s.u.win.Canvas().Focus(s.owner.idNumber)
}

func feeText(f dossier.FeeRule) string {
	switch f.Kind {
	case dossier.FeeFree:
		return lang.L("fee.free")
	case dossier.FeeFixed:
		return fmtMoney(f.Amount)
	case dossier.FeePerPage:
		return f.Note
	case dossier.FeeProvince:
		return lang.L("fee.province")
	}
	return lang.L("fee.unknown")
}

// updateDue recomputes the appointment for a file received now.
func (s *intakeScreen) updateDue() {
	if s.procedure == nil {
		s.due.SetText("—")
		s.dueDetail.SetText(lang.L("intake.due.pick"))
		return
	}
	now := s.u.now()
	a, err := s.u.ctr.Due(counter.DueRequest{Procedure: s.procedure.Code, Received: now, Alt: s.altTime.Checked})
	if err != nil {
		s.due.SetText("—")
		s.dueDetail.SetText(counter.Explain(err))
		return
	}
	s.due.SetText(fmtDue(a.Due))
	detail := lang.L("intake.due.detail", map[string]any{"Time": timeLabel(a.Time), "Now": fmtTime(now)})
	s.dueDetail.Importance = widget.MediumImportance
	if note := counter.UnconfirmedNote(a.Unconfirmed); note != "" {
		detail += "\n" + note
		s.dueDetail.Importance = widget.WarningImportance
	}
	s.dueDetail.SetText(detail)
}

// intakeValue reads the whole form.
func (s *intakeScreen) intakeValue() (dossier.Intake, error) {
	in := dossier.Intake{UseAltTime: s.altTime.Checked, Summary: strings.TrimSpace(s.summary.Text),
		Owner: s.owner.party(), FilerIsOwner: s.filerSame.Checked, Notes: s.notes.Text,
		Channel: dossier.Channel(s.channel.SelectedIndex() + 1), Delivery: dossier.Delivery(s.delivery.SelectedIndex() + 1),
		ReceivedAt: s.u.now()}
	if s.procedure != nil {
		in.ProcedureCode = s.procedure.Code
	}
	if !in.FilerIsOwner {
		in.Filer = s.filer.party()
	}
	var err error
	if in.Sets, err = strconv.Atoi(strings.TrimSpace(s.sets.Text)); err != nil {
		return in, &dossier.FieldError{Field: "sets", Key: "sets.range", Msg: "Số bộ hồ sơ phải từ 1 đến 100"}
	}
	if f := strings.ReplaceAll(strings.TrimSpace(s.fee.Text), ".", ""); f != "" {
		if in.Fee, err = strconv.ParseInt(f, 10, 64); err != nil {
			return in, &dossier.FieldError{Field: "fee", Key: "fee.negative", Msg: "Phí, lệ phí không hợp lệ"}
		}
	}
	if in.Documents, err = s.docs.lines(); err != nil {
		return in, err
	}
	return in, nil
}

// save stores the file; on success the form clears for the next citizen.
func (s *intakeScreen) save() {
	in, err := s.intakeValue()
	if err == nil {
		if dup := s.sameToday(in); dup != "" {
			s.u.showConfirm(lang.L("intake.duplicate.title"), lang.L("intake.duplicate", map[string]any{"Code": dup}), func(yes bool) {
				if yes {
					s.saveIntake(in)
				}
			})
			return
		}
		s.saveIntake(in)
		return
	}
	s.u.showError(errors.New(counter.Explain(err)))
}

// sameToday is the code of a file of the same person and procedure
// received today, "" when there is none.
func (s *intakeScreen) sameToday(in dossier.Intake) string {
	id := dossier.NormalizeID(in.Owner.IDNumber)
	if id == "" {
		return ""
	}
	recs, _, err := s.u.ctr.Page(storage.Query{Text: id}, nil, 20)
	if err != nil {
		return ""
	}
	today := s.u.now().In(dossier.Loc).Format("20060102")
	for _, r := range recs {
		if r.ProcedureCode == in.ProcedureCode && r.Owner.IDNumber == id && r.ReceivedAt.In(dossier.Loc).Format("20060102") == today {
			return r.Code
		}
	}
	return ""
}

// saveIntake saves a checked intake.
func (s *intakeScreen) saveIntake(in dossier.Intake) {
	r, err := s.u.ctr.Intake(in)
	if err != nil {
		s.u.showError(errors.New(counter.Explain(err)))
		return
	}
	s.lastCode = r.Code
	s.lastSaved.SetText(lang.L("intake.saved", map[string]any{"Code": r.Code, "Due": fmtDue(r.DueAt), "Name": r.Owner.Name}))
	s.openLast.Show()
	s.printLast.Show()
	s.reset()
	s.u.changed()
	if days := s.u.ctr.Calendar().Unconfirmed(r.ReceivedAt, r.DueAt); len(days) > 0 {
		warning := lang.L("status.unconfirmed_due", map[string]any{"Code": r.Code, "Days": counter.UnconfirmedDays(days)})
		s.lastSaved.SetText(s.lastSaved.Text + "\n" + warning)
		if s.u.status != nil {
			s.u.status.warn(warning)
		}
	}
	if s.u.ctr.Settings().AutoPrint {
		s.u.printForm(r, forms.KindReceipt)
	}
}

// offerReturning looks up a personal ID typed into an empty person: when
// the citizen has a file already, it offers to fill the name, birth date,
// address and phone from the newest one.
func (s *intakeScreen) offerReturning(p *partyForm, id string) {
	if strings.TrimSpace(p.name.Text) != "" {
		return // being filled already (a QR scan, the clerk)
	}
	go func() {
		recs, _, err := s.u.ctr.Page(storage.Query{Text: id}, nil, 1)
		if err != nil || len(recs) == 0 {
			return
		}
		last := recs[0].Owner
		if last.IDNumber != id && !recs[0].FilerIsOwner && recs[0].Filer.IDNumber == id {
			last = recs[0].Filer
		}
		if last.IDNumber != id {
			return
		}
		s.u.do(func() {
			if strings.TrimSpace(p.name.Text) != "" || dossier.NormalizeID(p.idNumber.Text) != id {
				return
			}
			msg := lang.L("intake.returning", map[string]any{"Name": last.Name, "Code": recs[0].Code})
			s.u.showConfirm(lang.L("intake.returning.title"), msg, func(yes bool) {
				if yes {
					p.fill(last)
				}
			})
		})
	}()
}

// guide gives guidance instead of a receipt: the person and procedure on
// the form, with what is missing (Mẫu 02) or why the unit cannot take the
// file (Mẫu 03). Nothing is received and no code is taken; the form
// prints, and the intake form clears for the next citizen.
func (s *intakeScreen) guide(kind dossier.GuidanceKind) {
	text := newKeyEntry(true)
	text.SetMinRowsVisible(4)
	requiredText(&text.Entry)
	label, title := lang.L("action.missing"), lang.L("guide.supplement")
	if kind == dossier.GuideRefusal {
		label, title = lang.L("action.reason"), lang.L("guide.refusal")
	}
	g := dossier.Guidance{Kind: kind, Person: s.owner.party(), Summary: strings.TrimSpace(s.summary.Text)}
	if s.procedure != nil {
		g.ProcedureCode = s.procedure.Code
	}
	dlg := dialog.NewForm(title, lang.L("action.do"), lang.L("action.cancel"), []*widget.FormItem{widget.NewFormItem(label, text)}, func(ok bool) {
		if !ok {
			return
		}
		if kind == dossier.GuideRefusal {
			g.Reason = text.Text
		} else {
			g.Missing = strings.Split(text.Text, "\n")
		}
		saved, err := s.u.ctr.Guide(g)
		if err != nil {
			s.u.showError(errors.New(counter.Explain(err)))
			return
		}
		s.lastSaved.SetText(lang.L("guide.saved", map[string]any{"Name": saved.Person.Name}))
		s.reset()
		s.u.changed()
		s.u.inBackground(func() (string, string, error) {
			res, err := s.u.ctr.PrintGuidance(saved, "")
			return res.Path, lang.L("guide.printed", map[string]any{"Name": saved.Person.Name}), err
		})
	}, s.u.win)
	dlg.Resize(fyne.NewSize(560, 0))
	dlg.Show()
	s.u.keyForm(dlg, text)
}

// printLastReceipt prints the receipt of the file just saved (Ctrl+P).
func (s *intakeScreen) printLastReceipt() {
	if s.lastCode == "" {
		return
	}
	if r, err := s.u.ctr.GetByCode(s.lastCode); err == nil {
		s.u.printForm(r, forms.KindReceipt)
	}
}

// reset clears the form for the next citizen.
func (s *intakeScreen) reset() {
	s.procedure = nil
	s.search.SetText("")
	s.procLabel.SetText(lang.L("intake.no_procedure"))
	s.procLabel.Importance = widget.MediumImportance
	s.procLabel.Refresh()
	s.altTime.SetChecked(false)
	s.altTime.Hide()
	s.owner.reset()
	s.filer.reset()
	s.filerSame.SetChecked(true)
	s.docs.set(nil)
	s.sets.SetText("1")
	s.channel.SetSelectedIndex(0)
	s.delivery.SetSelectedIndex(0)
	s.fee.SetText("")
	s.summary.SetText("")
	s.notes.SetText("")
	s.updateDue()
	s.scroll.ScrollToTop()
	s.focus()
}

// follow scrolls the form so that the field with the focus shows, after
// Tab moved it below the fold (or Shift+Tab above it).
func (s *intakeScreen) follow() {
	f := s.u.win.Canvas().Focused()
	if f == s.lastFocus {
		return
	}
	s.lastFocus = f
	obj, ok := f.(fyne.CanvasObject)
	if !ok {
		return
	}
	d := s.u.app.Driver()
	at, content, sc := d.AbsolutePositionForObject(obj), d.AbsolutePositionForObject(s.scroll.Content), d.AbsolutePositionForObject(s.scroll)
	y := at.Y - content.Y
	h, view, off, margin := obj.Size().Height, s.scroll.Size().Height, s.scroll.Offset.Y, 4*theme.Padding()
	if at.X < sc.X || at.X >= sc.X+s.scroll.Size().Width || y < 0 || y > s.scroll.Content.Size().Height {
		return // not a field of the form (the procedure list, the side panel)
	}
	switch {
	case y < off:
		s.scroll.ScrollToOffset(fyne.NewPos(0, max(0, y-margin)))
	case y+h > off+view:
		s.scroll.ScrollToOffset(fyne.NewPos(0, y+h-view+margin))
	}
}

// docEditor is the documents checklist: one row per document with the
// counts of originals, certified copies and photocopies, all editable.
type docEditor struct {
	rows    []*docRow
	box     *fyne.Container
	content fyne.CanvasObject
}

type docRow struct {
	name, originals, certified, copies *widget.Entry
	row                                fyne.CanvasObject
}

func newDocEditor() *docEditor {
	d := &docEditor{box: container.NewVBox()}
	header := docGrid(widget.NewLabel(lang.L("doc.name")), widget.NewLabel(lang.L("doc.originals")),
		widget.NewLabel(lang.L("doc.certified")), widget.NewLabel(lang.L("doc.copies")), widget.NewLabel(""))
	add := widget.NewButtonWithIcon(lang.L("doc.add"), theme.ContentAddIcon(), func() { d.add(dossier.DocumentLine{Originals: 1}) })
	d.content = container.NewVBox(header, d.box, container.NewHBox(add))
	return d
}

func docGrid(name, a, b, c, del fyne.CanvasObject) fyne.CanvasObject {
	counts := container.NewGridWithColumns(3, a, b, c)
	right := container.NewHBox(container.NewStack(minWidth(270), counts), container.NewStack(minWidth(40), del))
	return container.NewBorder(nil, nil, nil, right, name)
}

func countEntry(n int) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(strconv.Itoa(n))
	e.Validator = positiveInt(0, 99)
	return e
}

func (d *docEditor) add(l dossier.DocumentLine) {
	r := &docRow{name: widget.NewEntry(), originals: countEntry(l.Originals), certified: countEntry(l.Certified), copies: countEntry(l.Copies)}
	r.name.SetText(l.Name)
	r.name.SetPlaceHolder(lang.L("doc.name.placeholder"))
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
	r.row = docGrid(r.name, r.originals, r.certified, r.copies, del)
	del.OnTapped = func() { d.remove(r) }
	d.rows = append(d.rows, r)
	d.box.Add(r.row)
}

func (d *docEditor) remove(r *docRow) {
	for i, x := range d.rows {
		if x == r {
			d.rows = append(d.rows[:i], d.rows[i+1:]...)
			break
		}
	}
	d.box.Remove(r.row)
}

func (d *docEditor) set(lines []dossier.DocumentLine) {
	d.rows = nil
	d.box.RemoveAll()
	for _, l := range lines {
		d.add(l)
	}
}

func (d *docEditor) lines() ([]dossier.DocumentLine, error) {
	out := []dossier.DocumentLine{}
	bad := &dossier.FieldError{Field: "documents", Key: "documents.invalid", Msg: "Thành phần hồ sơ phải có tên và số lượng không âm"}
	for _, r := range d.rows {
		if strings.TrimSpace(r.name.Text) == "" && r.originals.Text+r.certified.Text+r.copies.Text == "000" {
			continue // an empty added row
		}
		var counts [3]int
		for i, e := range []*widget.Entry{r.originals, r.certified, r.copies} {
			n, err := strconv.Atoi(strings.TrimSpace(e.Text))
			if err != nil || n < 0 {
				return nil, bad
			}
			counts[i] = n
		}
		out = append(out, dossier.DocumentLine{Name: strings.TrimSpace(r.name.Text), Originals: counts[0], Certified: counts[1], Copies: counts[2]})
	}
	return out, nil
}

// twoColumns lays two parts side by side, half the width each, when the
// width is at least wideAt; below it, one above the other. Its minimum
// size follows the width it was last laid out at, so a scroll around it
// ends where the taller column does.
type twoColumns struct {
	wideAt float32
	wide   bool
}

func (l *twoColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.wide = size.Width >= l.wideAt
	if len(objs) != 2 {
		return
	}
	a, b := objs[0], objs[1]
	if l.wide {
		gap := theme.Padding() * 4
		w := (size.Width - gap) / 2
		a.Move(fyne.NewPos(0, 0))
		a.Resize(fyne.NewSize(w, a.MinSize().Height))
		b.Move(fyne.NewPos(w+gap, 0))
		b.Resize(fyne.NewSize(w, b.MinSize().Height))
		return
	}
	ah := a.MinSize().Height
	a.Move(fyne.NewPos(0, 0))
	a.Resize(fyne.NewSize(size.Width, ah))
	b.Move(fyne.NewPos(0, ah+theme.Padding()))
	b.Resize(fyne.NewSize(size.Width, b.MinSize().Height))
}

func (l *twoColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) != 2 {
		return fyne.Size{}
	}
	a, b := objs[0].MinSize(), objs[1].MinSize()
	if l.wide {
		return fyne.NewSize(max(a.Width, b.Width), max(a.Height, b.Height))
	}
	return fyne.NewSize(max(a.Width, b.Width), a.Height+theme.Padding()+b.Height)
}
