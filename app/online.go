package app

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// onlineScreen is "Hồ sơ trực tuyến": the files filed online that no
// counter has received yet, oldest first with how long each has waited,
// and the opened file beside them with its attachments and the actions
// the clerk takes on it (receive, ask for a supplement, refuse). It works
// offline on what the last sync pulled.
type onlineScreen struct {
	u       *UI
	tab     *container.TabItem
	items   []counter.OnlineFile
	list    *widget.List
	count   *widget.Label
	detail  *detailView
	current string // the opened file's id
	content fyne.CanvasObject
}

var onlineWeights = []float32{2.6, 2.0, 2.0, 1.9, 1.4}

func newOnlineScreen(u *UI) *onlineScreen {
	s := &onlineScreen{u: u, count: widget.NewLabel("")}
	s.list = widget.NewList(func() int { return len(s.items) }, func() fyne.CanvasObject { return newColumnsRow(onlineWeights) }, s.updateRow)
	s.list.OnSelected = func(i widget.ListItemID) {
		if i < len(s.items) {
			s.current = s.items[i].Record.ID
			s.detail.show(s.items[i].Record)
		}
	}
	s.detail = newDetailView(u)
	keys := []string{"records.col.code", "records.col.owner", "records.col.procedure", "online.col.filed", "online.col.waited"}
	cells := make([]fyne.CanvasObject, len(keys))
	for i, k := range keys {
		l := widget.NewLabelWithStyle(lang.L(k), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		cells[i] = l
	}
	hint := widget.NewLabel(lang.L("online.hint"))
	hint.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(hint, s.count, container.New(&weightedColumns{weights: onlineWeights}, cells...), widget.NewSeparator())
	split := container.NewHSplit(container.NewBorder(top, nil, nil, nil, s.list), s.detail.content)
	split.Offset = 0.6
	s.content = split
	s.tab = container.NewTabItemWithIcon(lang.L("tab.online"), theme.MailComposeIcon(), s.content)
	return s
}

func (s *onlineScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(s.items) {
		return
	}
	f := s.items[i]
	cells := o.(*fyne.Container).Objects
	set := func(j int, text string) { cells[j].(*widget.Label).SetText(text) }
	set(0, f.Record.Code)
	set(1, f.Record.Owner.Name)
	set(2, f.Record.ProcedureName)
	set(3, fmtTime(f.Record.FiledAt))
	waited := fmtWaited(f.Waited)
	if f.Record.Status == dossier.StatusSupplement {
		waited = lang.L("online.waiting_supplement")
	}
	set(4, waited)
}

// reload reads the queue again, keeps the opened file open (or clears it
// when another counter took it) and counts the queue in the tab's name.
func (s *onlineScreen) reload() {
	items, err := s.u.ctr.OnlineQueue()
	if err != nil {
		s.u.showError(errors.New(counter.Explain(err)))
		return
	}
	s.items = items
	s.list.Refresh()
	s.count.SetText(lang.L("online.count", map[string]any{"N": len(items)}))
	s.tab.Text = lang.L("tab.online")
	if len(items) > 0 {
		s.tab.Text = fmt.Sprintf("%s (%d)", lang.L("tab.online"), len(items))
	}
	if s.u.tabs != nil {
		s.u.tabs.Refresh()
	}
	if s.current == "" {
		return
	}
	for i, f := range items {
		if f.Record.ID == s.current {
			s.list.Select(i) // still waiting: it stays open
			return
		}
	}
	s.list.UnselectAll()
	if r, err := s.u.ctr.Get(s.current); err == nil {
		s.detail.show(r) // received here or elsewhere: the clerk sees what became of it
	} else {
		s.current = ""
		s.detail.clear()
	}
}

// fmtWaited says how long a file has waited: minutes, hours, days.
func fmtWaited(d time.Duration) string {
	switch {
	case d < time.Hour:
		return lang.L("online.waited.minutes", map[string]any{"M": max(0, int(d.Minutes()))})
	case d < 24*time.Hour:
		return lang.L("online.waited.hours", map[string]any{"H": int(d.Hours()), "M": int(d.Minutes()) % 60})
	}
	return lang.L("online.waited.days", map[string]any{"D": int(d.Hours()) / 24, "H": int(d.Hours()) % 24})
}

// receiveOnline receives the opened online file at this counter, after
// the clerk confirms the documents are complete; the receipt follows.
func (d *detailView) receiveOnline() {
	r := d.rec
	d.u.showConfirm(lang.L("online.receive.title", map[string]any{"Code": r.Code}), lang.L("online.receive.confirm"), func(ok bool) {
		if !ok {
			return
		}
		got, err := d.u.ctr.ReceiveOnline(r.ID, nil)
		if err != nil {
			d.u.showError(errors.New(counter.Explain(err)))
			return
		}
		d.show(got)
		d.u.changed()
		d.u.showConfirm(lang.L("print.offer.title"), lang.L("print.offer", map[string]any{"Form": formTitle(forms.KindReceipt)}), func(yes bool) {
			if yes {
				d.u.printForm(got, forms.KindReceipt)
			}
		})
	})
}

// attachmentRows lists a record's files filed online, each with what
// opens it: the copy fetched here (offline), or the portal's link.
func (d *detailView) attachmentRows(r *dossier.Record) {
	d.files.RemoveAll()
	for _, a := range r.Attachments {
		name := a.Name
		if a.Size > 0 {
			name += " (" + fmtSize(a.Size) + ")"
		}
		label := widget.NewLabel(name)
		label.Truncation = fyne.TextTruncateEllipsis
		_, err := d.u.ctr.AttachmentFile(a)
		var right fyne.CanvasObject
		switch {
		case err == nil:
			right = widget.NewButtonWithIcon(lang.L("online.open"), theme.FileIcon(), func() {
				if err := d.u.ctr.OpenAttachment(a, d.u.runPrint); err != nil {
					d.u.showError(errors.New(counter.Explain(err)))
				}
			})
		case errors.Is(err, storage.ErrNoCopy) && a.URL != "":
			right = widget.NewLabel(lang.L("online.link_only", map[string]any{"URL": a.URL}))
		default:
			right = widget.NewLabel(lang.L("online.not_fetched"))
		}
		d.files.Add(container.NewBorder(nil, nil, nil, right, label))
	}
	if len(r.Attachments) > 0 {
		d.filesBox.Show()
	} else {
		d.filesBox.Hide()
	}
}

func fmtSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
