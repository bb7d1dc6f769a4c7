// Package app is the Fyne user interface of Một Cửa: the first-run set-up,
// the intake form, the records list with each record's life, settings and
// the status bar. It takes a fyne.App and a counter (package counter, the
// use cases it shares with motcuactl); only main.go creates the Fyne
// application.
package app

import (
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/account"
	"motcua/counter"
	"motcua/dossier"
	mcsync "motcua/sync"
)

// UI is the program's main window and its screens.
type UI struct {
	app    fyne.App
	win    fyne.Window
	ctr    *counter.Counter
	engine *mcsync.Engine // the counter's: its status stream and log
	now    func() time.Time
	// runPrint runs the print command; nil runs it for real (tests record it).
	runPrint func(name string, args ...string) error
	// do runs a UI change from a background goroutine: fyne.Do, which
	// tests replace to serialise with their own UI actions.
	do func(func())

	// active is the dialog Enter and Esc act on while nothing in it has
	// the focus (a confirmation); nil when none is open
	active *keyDialog

	// The screens of who is signed in (their workspace; signin.go).
	tabs     *container.AppTabs
	intake   *intakeScreen
	records  *recordsScreen
	syncView *syncScreen
	overview *overviewScreen
	online   *onlineScreen // nil for a person who does not receive files
	status   *statusBar

	gate       *gate                 // the sign-in screen in view, if any
	spaces     map[string]*workspace // by username
	lastSeen   string                // the idle watch's last fingerprint
	lastActive time.Time
}

// New builds the UI on a window of a; it shows the set-up screen on first
// run and the main screens after. The counter's sync engine, running or
// not, is what the status bar and the sync screen show.
func New(a fyne.App, c *counter.Counter) *UI {
	a.Settings().SetTheme(lightTheme{theme.DefaultTheme()})
	SetLanguage(c.Settings().Language)
	u := &UI{app: a, ctr: c, engine: c.Engine(), now: time.Now, do: fyne.Do, spaces: map[string]*workspace{}}
	u.engine.OnChange(func(st mcsync.Status) { u.do(func() { u.syncChanged(st) }) })
	// events from another counter on the office network: as after a pull
	c.OnLANChange(func() { u.do(u.lanChanged) })
	u.win = a.NewWindow(lang.L("app.title"))
	u.win.Resize(u.startSize())
	u.win.SetOnClosed(u.rememberSize)
	u.win.SetMaster()
	u.build()
	return u
}

// The window opens at the size it was closed at, or one that fits the
// common counter screen (1366×768, less the taskbar and title bar).
var defaultSize = fyne.NewSize(1280, 660)

func (u *UI) startSize() fyne.Size {
	p := u.app.Preferences()
	w, h := float32(p.FloatWithFallback("window.width", 0)), float32(p.FloatWithFallback("window.height", 0))
	if w < 800 || h < 500 || w > 4000 || h > 3000 {
		return defaultSize
	}
	return fyne.NewSize(w, h)
}

// rememberSize keeps the window's size for the next start.
func (u *UI) rememberSize() {
	s := u.win.Canvas().Size()
	u.app.Preferences().SetFloat("window.width", float64(s.Width))
	u.app.Preferences().SetFloat("window.height", float64(s.Height))
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

func (u *UI) build() {
	u.win.SetTitle(lang.L("app.title"))
	u.clearScreens()
	if !u.ctr.Settings().Ready() {
		u.win.SetMainMenu(nil)
		setup := newSetupScreen(u, true)
		u.win.SetContent(setup.content)
		u.win.Canvas().Focus(setup.unitName) // the first field has the cursor
		return
	}
	user := u.ctr.User()
	switch {
	case user == nil && !u.ctr.HasAccounts():
		u.showFirstAdmin()
		return
	case user == nil:
		u.showSignIn(nil)
		return
	case user.MustChange:
		u.showChangePassword()
		return
	}
	ws := u.spaces[user.Username]
	if ws == nil {
		ws = u.newWorkspace(user)
		u.spaces[user.Username] = ws
	}
	u.tabs, u.intake, u.records, u.syncView, u.overview, u.status = ws.tabs, ws.intake, ws.records, ws.syncView, ws.overview, ws.status
	u.online = ws.online
	u.win.SetContent(ws.content)
	for _, o := range ws.overlays { // the dialogs open when the screen was locked
		u.win.Canvas().Overlays().Add(o)
	}
	ws.overlays = nil
	u.win.Canvas().SetOnTypedKey(u.onKey)
	u.win.SetMainMenu(u.menu())
	u.status.refresh()
	u.lastActive = u.now()
	switch {
	case ws.desk && !ws.shown: // a supervisor's first screen is the overview
		u.selectContent(ws.overview.content)
	case u.win.Canvas().Overlays().Top() == nil:
		u.intake.focus()
	}
	ws.shown = true
}

// clearScreens lets go of the screens in view: a person's workspace stays
// in spaces, and what comes next sets its own.
func (u *UI) clearScreens() {
	u.tabs, u.intake, u.records, u.syncView, u.overview, u.status, u.gate, u.online = nil, nil, nil, nil, nil, nil, nil, nil
}

// newWorkspace builds a person's screens, with the tabs their roles use.
func (u *UI) newWorkspace(user *counter.Session) *workspace {
	ws := &workspace{}
	u.status = newStatusBar(u)
	ws.status = u.status
	ws.intake = newIntakeScreen(u)
	u.intake = ws.intake
	ws.records = newRecordsScreen(u)
	u.records = ws.records
	ws.syncView = newSyncScreen(u)
	u.syncView = ws.syncView
	ws.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("tab.intake"), theme.DocumentCreateIcon(), ws.intake.content),
		container.NewTabItemWithIcon(lang.L("tab.records"), theme.ListIcon(), ws.records.content),
		container.NewTabItemWithIcon(lang.L("tab.sync"), theme.ViewRefreshIcon(), ws.syncView.content),
	)
	if user.May(account.Intake) { // files filed online wait for whoever receives files
		ws.online = newOnlineScreen(u)
		ws.tabs.Items = slices.Insert(ws.tabs.Items, 2, ws.online.tab)
		ws.online.reload()
	}
	if user.May(account.Reports) {
		ws.overview = newOverviewScreen(u)
		u.overview = ws.overview
		ws.tabs.Append(container.NewTabItemWithIcon(lang.L("tab.overview"), theme.HomeIcon(), ws.overview.content))
		ws.tabs.Append(container.NewTabItemWithIcon(lang.L("tab.audit"), theme.HistoryIcon(), newAuditScreen(u).content))
	}
	if user.May(account.Accounts) {
		ws.tabs.Append(container.NewTabItemWithIcon(lang.L("tab.accounts"), theme.AccountIcon(), newAccountsScreen(u).content))
	}
	if user.May(account.Settings) || user.May(account.Enroll) {
		ws.tabs.Append(container.NewTabItemWithIcon(lang.L("tab.settings"), theme.SettingsIcon(), newSetupScreen(u, false).content))
	}
	ws.tabs.OnSelected = func(t *container.TabItem) {
		switch {
		case t.Content == ws.records.content:
			ws.records.reload()
		case t.Content == ws.syncView.content:
			ws.syncView.refresh()
		case ws.online != nil && t.Content == ws.online.content:
			ws.online.reload()
		case ws.overview != nil && t.Content == ws.overview.content:
			ws.overview.reload()
		}
	}
	ws.desk = ws.overview != nil && !slices.Contains(user.Roles, dossier.RoleClerk)
	ws.content = container.NewBorder(nil, ws.status.content, nil, nil, ws.tabs)
	return ws
}

var (
	shortcutSave    = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNew     = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutFind    = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutRecords = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutPrint   = &desktop.CustomShortcut{KeyName: fyne.KeyP, Modifier: fyne.KeyModifierShortcutDefault}
)

// menu carries the keyboard shortcuts: main-menu shortcuts fire even while
// an entry has the focus.
func (u *UI) menu() *fyne.MainMenu {
	save := fyne.NewMenuItem(lang.L("action.save"), u.unlessDialog(func() { u.showTab(0); u.intake.save() }))
	save.Shortcut = shortcutSave
	clear := fyne.NewMenuItem(lang.L("action.new_intake"), u.unlessDialog(func() { u.showTab(0); u.intake.reset() }))
	clear.Shortcut = shortcutNew
	find := fyne.NewMenuItem(lang.L("action.find"), u.unlessDialog(func() { u.showTab(1); u.win.Canvas().Focus(u.records.search) }))
	find.Shortcut = shortcutFind
	list := fyne.NewMenuItem(lang.L("tab.records"), u.unlessDialog(func() { u.showTab(1) }))
	printReceipt := fyne.NewMenuItem(lang.L("intake.print_receipt"), u.unlessDialog(u.intake.printLastReceipt))
	printReceipt.Shortcut = shortcutPrint
	list.Shortcut = shortcutRecords
	lock := fyne.NewMenuItem(lang.L("signin.lock"), func() { u.lock() })
	lock.Shortcut = shortcutLock
	return fyne.NewMainMenu(fyne.NewMenu(lang.L("menu.file"), save, clear, printReceipt, fyne.NewMenuItemSeparator(), find, list,
		fyne.NewMenuItemSeparator(), lock))
}

// unlessDialog runs a shortcut's action only when no dialog is open: a
// shortcut never acts behind one.
func (u *UI) unlessDialog(action func()) func() {
	return func() {
		if u.win.Canvas().Overlays().Top() != nil {
			return
		}
		action()
	}
}

// selectContent shows the tab of a screen.
func (u *UI) selectContent(content fyne.CanvasObject) {
	for _, t := range u.tabs.Items {
		if t.Content == content {
			u.tabs.Select(t)
			return
		}
	}
}

func (u *UI) showTab(i int) {
	if u.tabs != nil && u.tabs.SelectedIndex() != i {
		u.tabs.SelectIndex(i)
	}
}

// changed is called after every saved action: the list and status bar
// follow the store.
func (u *UI) changed() {
	if u.status != nil {
		u.status.refresh()
	}
	// only the screen in view is read again; the others reload when shown
	if u.records != nil && u.showing(u.records.content) {
		u.records.reload()
	}
	if u.syncView != nil && u.showing(u.syncView.content) {
		u.syncView.refresh()
	}
	if u.overview != nil && u.showing(u.overview.content) {
		u.overview.reload()
	}
	if u.online != nil {
		u.online.reload() // its count shows in the tab's name
	}
	u.ctr.Kick() // send it now if the network allows
}

// syncChanged follows the engine: status bar, sync screen, and the list
// when pulled records arrived.
func (u *UI) syncChanged(st mcsync.Status) {
	if u.status != nil {
		u.status.applySync(st)
	}
	if u.syncView != nil && u.showing(u.syncView.content) {
		u.syncView.refresh()
	}
	if st.State == mcsync.StateOnline && u.records != nil && u.showing(u.records.content) {
		u.records.reload()
	}
	if st.State == mcsync.StateOnline && u.overview != nil && u.showing(u.overview.content) {
		u.overview.reload() // pulled records change the unit's figures
	}
	if st.State == mcsync.StateOnline && u.online != nil {
		u.online.reload() // a filing pulled, or taken by another counter
	}
}

// lanChanged follows events another counter made, come over the office
// network (whatever the link to the province): the status bar and the
// screen in view show them.
func (u *UI) lanChanged() {
	if u.status != nil {
		u.status.refresh()
	}
	if u.records != nil && u.showing(u.records.content) {
		u.records.reload()
	}
	if u.overview != nil && u.showing(u.overview.content) {
		u.overview.reload()
	}
	if u.online != nil {
		u.online.reload()
	}
}

// showing says whether a tab's content is the one in view.
func (u *UI) showing(content fyne.CanvasObject) bool {
	return u.tabs != nil && u.tabs.Selected() != nil && u.tabs.Selected().Content == content
}

// rebuild redraws everything, after set-up or a language change (every
// person's screens are built again in the new language).
func (u *UI) rebuild() {
	SetLanguage(u.ctr.Settings().Language)
	u.spaces = map[string]*workspace{}
	u.build()
}

// lightTheme keeps Fyne's theme in its light variant: forms on screen look
// like the paper they become.
type lightTheme struct{ fyne.Theme }

func (t lightTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, theme.VariantLight)
}

// Notify tells the clerk something that happened at start (the data
// folder moved): in a dialog, and on the status bar.
func (u *UI) Notify(text string) {
	if u.status != nil {
		u.status.notify(text)
	}
	u.showInfo(lang.L("app.title"), text)
}

// keyDialog is what Enter and Esc do to an open dialog; digit, when set,
// takes the digit keys 1–9 (a list of choices numbered so).
type keyDialog struct {
	confirm, dismiss func()
	digit            func(n int)
}

// track makes Enter confirm and Esc dismiss a dialog while it is open;
// when it closes, the dialog under it (an error over a form) has the keys
// again.
func (u *UI) track(d dialog.Dialog, confirm, dismiss func()) {
	k := &keyDialog{confirm: confirm, dismiss: dismiss}
	under := u.active
	u.active = k
	d.SetOnClosed(func() {
		if u.active == k {
			u.active = under
		}
	})
}

// showError shows what went wrong; Enter or Esc closes it.
func (u *UI) showError(err error) {
	d := dialog.NewError(err, u.win)
	d.Show()
	u.track(d, d.Dismiss, d.Dismiss)
}

// showInfo tells something; Enter or Esc closes it.
func (u *UI) showInfo(title, msg string) {
	d := dialog.NewInformation(title, msg, u.win)
	d.Show()
	u.track(d, d.Dismiss, d.Dismiss)
}

// showConfirm asks a yes/no question; Enter says yes, Esc no.
func (u *UI) showConfirm(title, msg string, fn func(bool)) {
	c := dialog.NewConfirm(title, msg, fn, u.win)
	c.Show()
	u.track(c, c.Confirm, c.Dismiss)
}

// keyForm gives a form dialog the keyboard: Enter in a one-line field
// submits, Esc in any cancels, Enter or Esc with nothing focused does the
// same, and the first field has the cursor.
func (u *UI) keyForm(dlg *dialog.FormDialog, entries ...*keyEntry) {
	u.track(dlg, dlg.Submit, dlg.Dismiss)
	for _, e := range entries {
		e.onEscape = dlg.Dismiss
		if !e.MultiLine {
			e.OnSubmitted = func(string) { dlg.Submit() }
		}
	}
	if len(entries) > 0 {
		u.win.Canvas().Focus(entries[0])
	}
}

// onKey is a key typed with nothing focused: Enter and Esc act on the
// dialog that is open.
func (u *UI) onKey(k *fyne.KeyEvent) {
	u.touch()
	if u.active == nil {
		return
	}
	switch k.Name {
	case fyne.KeyEscape:
		u.active.dismiss()
	case fyne.KeyReturn, fyne.KeyEnter:
		u.active.confirm()
	case fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9:
		if u.active.digit != nil {
			u.active.digit(int(k.Name[0] - '0'))
		}
	}
}

// keyEntry is an entry that gives some keys to what it belongs to: Esc
// closes its dialog, and Up and Down move through the list of choices
// under a search box instead of the text cursor.
type keyEntry struct {
	widget.Entry
	onEscape func()
	onArrow  func(step int)
}

func newKeyEntry(multiLine bool) *keyEntry {
	e := &keyEntry{}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// newListEntry is a one-line search box over a list of choices.
func newListEntry(onArrow func(step int)) *keyEntry {
	e := newKeyEntry(false)
	e.onArrow = onArrow
	return e
}

// TypedKey takes Esc, Up and Down when someone asked for them.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	switch {
	case k.Name == fyne.KeyEscape && e.onEscape != nil:
		e.onEscape()
	case k.Name == fyne.KeyDown && e.onArrow != nil:
		e.onArrow(1)
	case k.Name == fyne.KeyUp && e.onArrow != nil:
		e.onArrow(-1)
	default:
		e.Entry.TypedKey(k)
	}
}
