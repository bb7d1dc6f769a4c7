package app

import (
	"context"
	"fmt"
	"image/color"
	"reflect"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/account"
	"motcua/counter"
)

// workspace is one person's screens. A shift change keeps the screens of
// the person who leaves, with a half-filled intake form and the dialogs
// they had open, until they sign in again: nobody else sees them.
type workspace struct {
	tabs     *container.AppTabs
	intake   *intakeScreen
	records  *recordsScreen
	syncView *syncScreen
	overview *overviewScreen // nil for a person without the reports right
	online   *onlineScreen   // nil for a person who does not receive files
	status   *statusBar
	content  fyne.CanvasObject
	overlays []fyne.CanvasObject // dialogs open when the screen was locked
	desk     bool                // a supervisor who is no clerk: the overview comes first
	shown    bool                // shown once already
}

// shortcutLock locks the screen (Ctrl+L opens the records list).
var shortcutLock = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}

// DefaultIdleLock is how long the counter may stay untouched before the
// screen locks itself, when the settings say nothing.
const DefaultIdleLock = 10 * time.Minute

// gate is the screen in front of the work: the unit's first admin, the
// sign-in, or a password to change.
type gate struct {
	u       *UI
	fields  []*keyEntry
	errText *widget.Label
}

func (u *UI) newGate() *gate {
	g := &gate{u: u, errText: widget.NewLabel("")}
	g.errText.Importance = widget.DangerImportance
	g.errText.Wrapping = fyne.TextWrapWord
	return g
}

// field is an entry of the gate; Enter moves to the next one, and on the
// last submits.
func (g *gate) field(password bool, submit func()) *keyEntry {
	e := newKeyEntry(false)
	e.Password = password
	i := len(g.fields)
	g.fields = append(g.fields, e)
	e.OnSubmitted = func(string) {
		if i+1 < len(g.fields) {
			g.u.win.Canvas().Focus(g.fields[i+1])
			return
		}
		submit()
	}
	return e
}

func (g *gate) fail(err error) {
	g.errText.SetText(counter.Explain(err))
}

// show puts the gate's form on the window, with no menu (shortcuts act on
// nothing behind it) and the first empty field focused.
func (g *gate) show(title, intro string, form *widget.Form, extra ...fyne.CanvasObject) {
	u := g.u
	u.gate = g
	u.win.SetMainMenu(nil)
	u.win.Canvas().SetOnTypedKey(nil)
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(intro)
	text.Wrapping = fyne.TextWrapWord
	unit := widget.NewLabel(u.ctr.Settings().UnitName)
	box := container.NewVBox(append([]fyne.CanvasObject{heading, unit, text, form, g.errText}, extra...)...)
	width := canvas.NewRectangle(color.Transparent) // the card is 520 wide, whatever its text
	width.SetMinSize(fyne.NewSize(520, 0))
	u.win.SetContent(container.NewCenter(container.NewStack(width, container.NewPadded(box))))
	for _, f := range g.fields {
		if f.Text == "" {
			u.win.Canvas().Focus(f)
			return
		}
	}
}

// showFirstAdmin asks, after the unit's set-up, for the unit's first
// admin; or, for a counter joining a unit that has accounts, for its
// enrollment with the backend, which brings them.
func (u *UI) showFirstAdmin() {
	g := u.newGate()
	var name, user, pw, pw2 *keyEntry
	submit := func() {
		if pw.Text != pw2.Text {
			g.errText.SetText(lang.L("signin.mismatch"))
			return
		}
		if _, err := u.ctr.CreateFirstAdmin(user.Text, name.Text, pw.Text); err != nil {
			g.fail(err)
			return
		}
		u.build()
	}
	name, user, pw, pw2 = g.field(false, submit), g.field(false, submit), g.field(true, submit), g.field(true, submit)
	name.SetText(u.ctr.Settings().Clerk)
	form := widget.NewForm(widget.NewFormItem(lang.L("account.name"), name), widget.NewFormItem(lang.L("account.username"), user),
		widget.NewFormItem(lang.L("account.password"), pw), widget.NewFormItem(lang.L("account.password_again"), pw2))
	create := widget.NewButtonWithIcon(lang.L("signin.create_admin"), theme.AccountIcon(), submit)
	create.Importance = widget.HighImportance
	join := widget.NewLabel(lang.L("signin.join_unit"))
	join.Wrapping = fyne.TextWrapWord
	g.show(lang.L("signin.first_admin"), lang.L("signin.first_admin_intro", map[string]any{"N": account.MinLength}), form,
		create, widget.NewSeparator(), join, u.connectionForm())
}

// joinedUnit follows the enrollment of a counter with no account yet: one
// sync brings the unit's accounts, and the sign-in screen follows.
func (u *UI) joinedUnit(status *widget.Label) {
	status.SetText(lang.L("signin.fetching_accounts"))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, err := u.ctr.SyncOnce(ctx)
		u.do(func() {
			if err != nil {
				status.SetText(counter.Explain(err))
				return
			}
			if !u.ctr.HasAccounts() {
				status.SetText(lang.L("signin.unit_has_none"))
				return
			}
			u.build()
		})
	}()
}

// showSignIn is the sign-in screen; locked names who locked it, whose
// screens wait behind it.
func (u *UI) showSignIn(locked *counter.Session) {
	g := u.newGate()
	var user, pw *keyEntry
	submit := func() {
		s, err := u.ctr.SignIn(user.Text, pw.Text)
		pw.SetText("")
		if err != nil {
			g.fail(err)
			u.win.Canvas().Focus(pw)
			return
		}
		u.build()
		if locked != nil && s.Username != locked.Username && u.status != nil {
			u.status.notify(lang.L("signin.shift_change", map[string]any{"Name": s.Name}))
		}
	}
	user, pw = g.field(false, submit), g.field(true, submit)
	intro, title := lang.L("signin.intro"), lang.L("signin.title")
	if locked != nil {
		title = lang.L("signin.lock_title")
		user.SetText(locked.Username)
		intro = lang.L("signin.locked", map[string]any{"Name": locked.Name})
	}
	form := widget.NewForm(widget.NewFormItem(lang.L("account.username"), user), widget.NewFormItem(lang.L("account.password"), pw))
	go1 := widget.NewButtonWithIcon(lang.L("signin.go"), theme.LoginIcon(), submit)
	go1.Importance = widget.HighImportance
	g.show(title, intro, form, go1)
}

// showChangePassword makes the person signed in with a password given by
// an admin choose their own.
func (u *UI) showChangePassword() {
	g := u.newGate()
	var old, pw, pw2 *keyEntry
	submit := func() {
		if pw.Text != pw2.Text {
			g.errText.SetText(lang.L("signin.mismatch"))
			return
		}
		if err := u.ctr.ChangePassword(old.Text, pw.Text); err != nil {
			g.fail(err)
			return
		}
		u.build()
	}
	old, pw, pw2 = g.field(true, submit), g.field(true, submit), g.field(true, submit)
	form := widget.NewForm(widget.NewFormItem(lang.L("account.current_password"), old),
		widget.NewFormItem(lang.L("account.new_password"), pw), widget.NewFormItem(lang.L("account.password_again"), pw2))
	ok := widget.NewButtonWithIcon(lang.L("signin.change"), theme.ConfirmIcon(), submit)
	ok.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("signin.other_person"), func() { u.ctr.SignOut(false); u.build() })
	g.show(lang.L("signin.change_title"), lang.L("signin.change_intro", map[string]any{"Name": u.ctr.User().Name, "N": account.MinLength}),
		form, container.NewHBox(ok, cancel))
}

// lock hides the work behind the sign-in screen: the session ends, open
// dialogs are put away with the person's screens, and nothing typed is
// lost. The audit says "lock" whether a person or the idle watch locked.
func (u *UI) lock() {
	s := u.ctr.User()
	if s == nil {
		return
	}
	if ws := u.spaces[s.Username]; ws != nil {
		ov := u.win.Canvas().Overlays()
		ws.overlays = ov.List()
		for _, o := range ws.overlays {
			ov.Remove(o)
		}
	}
	u.active = nil
	u.ctr.SignOut(true)
	u.clearScreens()
	u.showSignIn(s)
}

// idleLimit is how long the counter may stay untouched before it locks.
func (u *UI) idleLimit() time.Duration {
	if m := u.ctr.Settings().LockMinutes; m > 0 {
		return time.Duration(m) * time.Minute
	}
	return DefaultIdleLock
}

// checkIdle runs every few seconds: anything the person did since the
// last look (a key, text typed, focus moved, a dialog, a tab) counts as
// activity; a counter left untouched for idleLimit locks.
func (u *UI) checkIdle() {
	if u.ctr.User() == nil {
		return
	}
	now := u.now()
	if fp := u.fingerprint(); fp != u.lastSeen {
		u.lastSeen, u.lastActive = fp, now
		return
	}
	if now.Sub(u.lastActive) >= u.idleLimit() {
		u.lock()
	}
}

// touch notes activity the fingerprint would not show.
func (u *UI) touch() { u.lastActive = u.now() }

// fingerprint sums up what a person changes by working: the focused
// field and its text, the dialogs open, the tab in view.
func (u *UI) fingerprint() string {
	c := u.win.Canvas()
	var b strings.Builder
	if f := c.Focused(); f != nil {
		fmt.Fprintf(&b, "%p", f)
		// every entry of ours embeds widget.Entry: its Text is promoted
		if v := reflect.ValueOf(f); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			if t := v.Elem().FieldByName("Text"); t.IsValid() && t.Kind() == reflect.String {
				b.WriteString(t.String())
			}
		}
	}
	fmt.Fprintf(&b, "|%d", len(c.Overlays().List()))
	if u.tabs != nil {
		fmt.Fprintf(&b, "|%d", u.tabs.SelectedIndex())
	}
	return b.String()
}

// StartIdleWatch looks for activity every 5 seconds while the program
// runs, and locks the screen after the settings' idle time.
//
// It also makes the intake form follow the focus: every 100 ms it looks
// whether Tab moved the focus out of view (Fyne tells no one when focus
// moves), and scrolls.
func (u *UI) StartIdleWatch() {
	u.lastActive = u.now()
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for n := 1; ; n++ {
			<-t.C
			u.do(u.followFocus)
			if n%50 == 0 {
				u.do(u.checkIdle)
			}
		}
	}()
}

// followFocus keeps the focused field of the intake form in view.
func (u *UI) followFocus() {
	if u.intake != nil && u.showing(u.intake.content) {
		u.intake.follow()
	}
}
