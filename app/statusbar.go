package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"motcua/dossier"
	mcsync "motcua/sync"
)

// statusBar shows that the store is healthy, how many events wait to be
// sent to the provincial backend, and who works at which counter.
type statusBar struct {
	u       *UI
	store   *widget.Label
	pending *widget.Label
	who     *widget.Label
	link    *widget.Label // online / offline / syncing, last successful sync
	msg     *widget.Label // the last thing done, e.g. "sent to the printer"
	content fyne.CanvasObject
}

func newStatusBar(u *UI) *statusBar {
	b := &statusBar{u: u, store: widget.NewLabel(""), pending: widget.NewLabel(""), who: widget.NewLabel(""), msg: widget.NewLabel(""), link: widget.NewLabel("")}
	b.who.Alignment = fyne.TextAlignTrailing
	b.msg.Truncation = fyne.TextTruncateEllipsis
	b.msg.Importance = widget.SuccessImportance
	b.content = container.NewBorder(widget.NewSeparator(), nil, container.NewHBox(b.store, widget.NewSeparator(), b.link, widget.NewSeparator(), b.pending, widget.NewSeparator()), b.who, b.msg)
	return b
}

// refresh reads the counts; it is cheap enough to run after every action.
func (b *statusBar) refresh() {
	st, err := b.u.store.Stats()
	if err != nil {
		b.store.SetText(lang.L("status.store_error"))
		b.store.Importance = widget.DangerImportance
		b.store.Refresh()
		return
	}
	b.store.Importance = widget.SuccessImportance
	b.store.SetText(lang.L("status.store_ok", map[string]any{"N": b.u.count(st.Records)}))
	b.pending.SetText(b.queueText(st.Pending, st.Attention, st.Indexing))
	if b.u.engine != nil {
		text, imp := syncStateText(b.u.engine.Status())
		b.link.Importance = imp
		b.link.SetText(text)
	}
	set := b.u.store.Settings()
	b.who.SetText(lang.L("status.who", map[string]any{"Clerk": set.Clerk, "Counter": set.Counter, "Unit": set.UnitName}))
}

// applySync shows the link to the backend.
func (b *statusBar) applySync(st mcsync.Status) {
	text, imp := syncStateText(st)
	if !st.LastSuccess.IsZero() {
		text += " · " + lang.L("status.last_sync", map[string]any{"At": st.LastSuccess.In(dossier.Loc).Format("15:04 02/01")})
	}
	if st.SkewWarning() {
		text += " · " + lang.L("status.clock_skew")
		imp = widget.DangerImportance
	}
	b.link.Importance = imp
	b.link.SetText(text)
	b.pending.SetText(b.queueText(st.Pending, st.Attention, st.Indexing))
	if st.Records > 0 { // records arrive with a pull
		b.store.SetText(lang.L("status.store_ok", map[string]any{"N": b.u.count(st.Records)}))
	}
}

// queueText says what waits: events to send, refusals to look at, and
// pulled records not yet findable by name, ID number and phone.
func (b *statusBar) queueText(pending, attention, indexing int) string {
	text := lang.L("status.pending", map[string]any{"N": b.u.count(pending)})
	if attention > 0 {
		text += " · " + lang.L("status.attention", map[string]any{"N": b.u.count(attention)})
	}
	if indexing > 0 {
		text += " · " + lang.L("status.indexing", map[string]any{"N": b.u.count(indexing)})
	}
	return text
}

// count writes a number with its thousands grouped: 60.000 in
// Vietnamese, 60,000 in English.
func (u *UI) count(n int) string {
	s := dossier.Thousands(int64(n))
	if u.store.Settings().Language == "en" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// notify shows what was just done.
func (b *statusBar) notify(text string) { b.msg.SetText(text) }

// tick refreshes the bar (and the intake's live appointment) every 30 s.
func (u *UI) tick(stop <-chan struct{}) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			u.do(func() {
				if u.status != nil {
					u.status.refresh()
				}
				if u.intake != nil {
					u.intake.updateDue()
				}
			})
		}
	}
}

// Start begins the background refresh; close stop to end it.
func (u *UI) Start(stop <-chan struct{}) { go u.tick(stop) }
