package app

import (
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
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
	backup  *widget.Label // when the last good automatic backup was made
	msg     *widget.Label // the last thing done, e.g. "sent to the printer"
	content fyne.CanvasObject
}

func newStatusBar(u *UI) *statusBar {
	b := &statusBar{u: u, store: widget.NewLabel(""), pending: widget.NewLabel(""), who: widget.NewLabel(""), msg: widget.NewLabel(""), link: widget.NewLabel(""), backup: widget.NewLabel("")}
	b.who.Alignment = fyne.TextAlignTrailing
	b.msg.Truncation = fyne.TextTruncateEllipsis
	b.msg.Importance = widget.SuccessImportance
	// the lock is an icon only: the bar fits 1366 px (the menu and
	// Ctrl+Shift+L say it in words)
	lock := widget.NewButtonWithIcon("", theme.VisibilityOffIcon(), func() { u.lock() })
	lock.Importance = widget.LowImportance
	b.content = container.NewBorder(widget.NewSeparator(), nil, container.NewHBox(b.store, widget.NewSeparator(), b.link, widget.NewSeparator(), b.pending, widget.NewSeparator(), b.backup, widget.NewSeparator()),
		container.NewHBox(b.who, lock), b.msg)
	return b
}

// refresh reads the counts; it is cheap enough to run after every action.
func (b *statusBar) refresh() {
	st, err := b.u.ctr.Status()
	if err != nil {
		b.store.SetText(lang.L("status.store_error"))
		b.store.Importance = widget.DangerImportance
		b.store.Refresh()
		return
	}
	b.store.Importance = widget.SuccessImportance
	b.store.SetText(lang.L("status.store_ok", map[string]any{"N": b.u.count(st.Records)}))
	b.pending.SetText(b.queueText(st.Pending, st.Attention, st.Indexing))
	b.applyLink(b.u.engine.Status())
	b.backupText(st)
	set := b.u.ctr.Settings()
	name := set.Clerk
	if s := b.u.ctr.User(); s != nil {
		name = s.Name
	}
	b.who.SetText(lang.L("status.who", map[string]any{"Clerk": name, "Counter": set.Counter, "Unit": set.UnitName}))
}

// applySync shows the link to the backend.
func (b *statusBar) applySync(st mcsync.Status) {
	b.applyLink(st)
	b.pending.SetText(b.queueText(st.Pending, st.Attention, st.Indexing))
	if st.Records > 0 { // records arrive with a pull
		b.store.SetText(lang.L("status.store_ok", map[string]any{"N": b.u.count(st.Records)}))
	}
}

// applyLink shows the link to the province, in short (the sync screen
// says it whole), and the office network beside it.
func (b *statusBar) applyLink(st mcsync.Status) {
	_, imp := syncStateText(st)
	text := lang.L("status.province", map[string]any{"State": lang.L("status.link." + string(st.State))})
	if !st.LastSuccess.IsZero() && st.State == mcsync.StateOffline {
		// since when the province is out of reach (the time today, else the day)
		at := st.LastSuccess.In(dossier.Loc)
		since := at.Format("02/01")
		if dossier.Midnight(at).Equal(dossier.Midnight(b.u.now())) {
			since = at.Format("15:04")
		}
		text += " " + lang.L("status.last_sync", map[string]any{"At": since})
	}
	if st.SkewWarning() {
		text += " · " + lang.L("status.clock_skew")
		imp = widget.DangerImportance
	}
	if lan := b.lanText(); lan != "" {
		text += " · " + lan
	}
	b.link.Importance = imp
	b.link.SetText(text)
}

// lanText says how many of the unit's other counters this one reaches on
// the office network ("" while it is not on it).
func (b *statusBar) lanText() string {
	n, on := b.u.ctr.LANStatus()
	if !on {
		return ""
	}
	return lang.L("status.lan", map[string]any{"N": n})
}

// backupText says when the last good automatic backup was made, and warns
// when there is none for two days or the folder is missing.
func (b *statusBar) backupText(sum counter.Summary) {
	text, imp := "", widget.MediumImportance
	at := sum.Backup.LastGood.In(dossier.Loc).Format("15:04 02/01")
	switch {
	case sum.BackupDir == "":
		text, imp = lang.L("status.backup_off"), widget.WarningImportance
	case !dirExists(sum.BackupDir):
		text, imp = lang.L("status.backup_missing"), widget.DangerImportance
	case sum.Backup.LastGood.IsZero():
		text, imp = lang.L("status.backup_never"), widget.WarningImportance
	case sum.BackupStale:
		text, imp = lang.L("status.backup_stale", map[string]any{"At": at}), widget.DangerImportance
	default:
		text = lang.L("status.backup_ok", map[string]any{"At": at})
	}
	b.backup.Importance = imp
	b.backup.SetText(text)
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// backups makes the daily automatic backup when it is due, off the UI
// goroutine: a minute after start, then every ten minutes it looks.
func (u *UI) backups(stop <-chan struct{}) {
	wait := time.Minute
	for {
		select {
		case <-stop:
			return
		case <-time.After(wait):
		}
		wait = 10 * time.Minute
		u.backupIfDue()
	}
}

// backupIfDue makes the automatic backup if one is due, and shows the
// outcome. Safe from any goroutine.
func (u *UI) backupIfDue() {
	path, err := u.ctr.BackupIfDue()
	if path == "" && err == nil {
		return // none due
	}
	if err != nil {
		slog.Warn("automatic backup failed", "err", err) // a path and bbolt's words: no personal data
	}
	u.do(func() {
		if u.status == nil {
			return
		}
		u.status.refresh()
		if err == nil {
			u.status.notify(lang.L("status.backup_done", map[string]any{"Path": path}))
		}
	})
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
	if u.ctr.Settings().Language == "en" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// notify shows what was just done.
func (b *statusBar) notify(text string) {
	b.msg.Importance = widget.SuccessImportance
	b.msg.SetText(text)
}

// warn shows what the clerk should know about what was just done.
func (b *statusBar) warn(text string) {
	b.msg.Importance = widget.WarningImportance
	b.msg.SetText(text)
}

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
func (u *UI) Start(stop <-chan struct{}) {
	go u.tick(stop)
	go u.backups(stop)
}
