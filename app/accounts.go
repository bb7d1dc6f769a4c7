package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
	"motcua/storage"
)

// accountsScreen is the admin's list of the unit's accounts, with adding
// a person, a new initial password, disabling and roles.
type accountsScreen struct {
	u       *UI
	list    *fyne.Container
	content fyne.CanvasObject
}

func newAccountsScreen(u *UI) *accountsScreen {
	s := &accountsScreen{u: u, list: container.NewVBox()}
	add := widget.NewButtonWithIcon(lang.L("account.add"), theme.ContentAddIcon(), s.add)
	add.Importance = widget.HighImportance
	note := widget.NewLabel(lang.L("account.note"))
	note.Wrapping = fyne.TextWrapWord
	s.content = container.NewBorder(container.NewVBox(container.NewHBox(add), note), nil, nil, nil, container.NewVScroll(s.list))
	s.reload()
	return s
}

func roleNames(rs []dossier.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = lang.L("role." + string(r))
	}
	return strings.Join(names, ", ")
}

func (s *accountsScreen) reload() {
	s.list.RemoveAll()
	as, err := s.u.ctr.Accounts()
	if err != nil {
		s.list.Add(widget.NewLabel(counter.Explain(err)))
		return
	}
	for _, a := range as {
		state := lang.L("account.active")
		switch {
		case a.Disabled:
			state = lang.L("account.disabled")
		case a.MustChange:
			state = lang.L("account.must_change")
		}
		label := widget.NewLabel(fmt.Sprintf("%s (%s) · %s · %s", a.Name, a.Username, roleNames(a.Roles), state))
		label.Truncation = fyne.TextTruncateEllipsis
		reset := widget.NewButton(lang.L("account.reset"), func() { s.reset(a.Username) })
		roles := widget.NewButton(lang.L("account.roles"), func() { s.roles(a) })
		op, text := dossier.OpDisable, lang.L("account.disable")
		if a.Disabled {
			op, text = dossier.OpEnable, lang.L("account.enable")
		}
		toggle := widget.NewButton(text, func() { s.change(a.Username, op, nil, "") })
		if op == dossier.OpDisable {
			toggle.Importance = widget.DangerImportance
		}
		s.list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(reset, roles, toggle), label))
	}
}

func (s *accountsScreen) change(username string, op dossier.AccountOp, roles []dossier.Role, pw string) bool {
	if _, err := s.u.ctr.ChangeAccount(username, op, roles, pw); err != nil {
		s.u.showError(errors.New(counter.Explain(err)))
		return false
	}
	s.reload()
	s.u.changed()
	return true
}

// roleChecks are a check box per role.
func roleChecks(have []dossier.Role) (*widget.CheckGroup, func() []dossier.Role) {
	labels := map[string]dossier.Role{}
	var opts, sel []string
	for _, r := range dossier.Roles {
		l := lang.L("role." + string(r))
		labels[l] = r
		opts = append(opts, l)
		if slices.Contains(have, r) {
			sel = append(sel, l)
		}
	}
	g := widget.NewCheckGroup(opts, nil)
	g.SetSelected(sel)
	return g, func() []dossier.Role {
		var out []dossier.Role
		for _, l := range g.Selected {
			out = append(out, labels[l])
		}
		return out
	}
}

func (s *accountsScreen) add() {
	user, name, pw := newKeyEntry(false), newKeyEntry(false), newKeyEntry(false)
	checks, chosen := roleChecks([]dossier.Role{dossier.RoleClerk})
	items := []*widget.FormItem{widget.NewFormItem(lang.L("account.name"), name), widget.NewFormItem(lang.L("account.username"), user),
		widget.NewFormItem(lang.L("account.roles"), checks), widget.NewFormItem(lang.L("account.initial_password"), pw)}
	d := dialog.NewForm(lang.L("account.add"), lang.L("action.save"), lang.L("action.cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		if _, err := s.u.ctr.AddAccount(user.Text, name.Text, chosen(), pw.Text); err != nil {
			s.u.showError(errors.New(counter.Explain(err)))
			return
		}
		s.reload()
		s.u.changed()
	}, s.u.win)
	d.Resize(fyne.NewSize(560, 360))
	d.Show()
	s.u.keyForm(d, name, user, pw)
}

func (s *accountsScreen) reset(username string) {
	pw := newKeyEntry(false)
	items := []*widget.FormItem{widget.NewFormItem(lang.L("account.initial_password"), pw)}
	d := dialog.NewForm(lang.L("account.reset_title", map[string]any{"User": username}), lang.L("action.save"), lang.L("action.cancel"), items, func(ok bool) {
		if ok {
			s.change(username, dossier.OpReset, nil, pw.Text)
		}
	}, s.u.win)
	d.Resize(fyne.NewSize(480, 200))
	d.Show()
	s.u.keyForm(d, pw)
}

func (s *accountsScreen) roles(a dossier.Account) {
	checks, chosen := roleChecks(a.Roles)
	d := dialog.NewForm(lang.L("account.roles_title", map[string]any{"User": a.Username}), lang.L("action.save"), lang.L("action.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("account.roles"), checks)}, func(ok bool) {
			if ok {
				s.change(a.Username, dossier.OpRoles, chosen(), "")
			}
		}, s.u.win)
	d.Show()
	s.u.keyForm(d)
}

// auditScreen is the supervisor's view of the audit: by person, action,
// date and record, newest first, with an export to CSV.
type auditScreen struct {
	u                              *UI
	person, action, record, period *keyEntry
	lines                          *widget.Label
	content                        fyne.CanvasObject
	shown                          []storage.AuditEntry
}

func newAuditScreen(u *UI) *auditScreen {
	s := &auditScreen{u: u, person: newKeyEntry(false), action: newKeyEntry(false), record: newKeyEntry(false), period: newKeyEntry(false),
		lines: widget.NewLabel("")}
	s.person.SetPlaceHolder(lang.L("audit.person"))
	s.action.SetPlaceHolder(lang.L("audit.action"))
	s.record.SetPlaceHolder(lang.L("audit.record"))
	s.period.SetPlaceHolder(lang.L("audit.period"))
	for _, e := range []*keyEntry{s.person, s.action, s.record, s.period} {
		e.OnSubmitted = func(string) { s.reload() }
	}
	s.lines.TextStyle.Monospace = true
	find := widget.NewButtonWithIcon(lang.L("audit.find"), theme.SearchIcon(), s.reload)
	export := widget.NewButtonWithIcon(lang.L("audit.export"), theme.DocumentSaveIcon(), s.export)
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(find, export), container.NewGridWithColumns(4, s.person, s.action, s.record, s.period))
	s.content = container.NewBorder(bar, nil, nil, nil, container.NewScroll(s.lines))
	s.reload()
	return s
}

// filter reads the boxes; the period is "dd/mm/yyyy" or "dd/mm/yyyy-dd/mm/yyyy".
func (s *auditScreen) filter() (storage.AuditFilter, error) {
	f := storage.AuditFilter{Person: strings.TrimSpace(s.person.Text), Action: strings.TrimSpace(s.action.Text), Record: strings.TrimSpace(s.record.Text)}
	p := strings.TrimSpace(s.period.Text)
	if p == "" {
		return f, nil
	}
	from, to, _ := strings.Cut(p, "-")
	if to == "" {
		to = from
	}
	a, err1 := time.ParseInLocation("02/01/2006", strings.TrimSpace(from), dossier.Loc)
	b, err2 := time.ParseInLocation("02/01/2006", strings.TrimSpace(to), dossier.Loc)
	if err1 != nil || err2 != nil {
		return f, errors.New(lang.L("audit.bad_period"))
	}
	f.From, f.To = a, b.AddDate(0, 0, 1)
	return f, nil
}

func (s *auditScreen) reload() {
	f, err := s.filter()
	if err == nil {
		s.shown, err = s.u.ctr.AuditWhere(f, 500)
	}
	if err != nil {
		s.lines.SetText(counter.Explain(err))
		return
	}
	var b strings.Builder
	for _, a := range s.shown {
		fmt.Fprintf(&b, "%s  %-12s %-22s %s %s\n", a.At.In(dossier.Loc).Format("02/01/2006 15:04:05"), a.Actor, a.Action, a.Code, a.Detail)
	}
	if len(s.shown) == 0 {
		b.WriteString(lang.L("audit.none"))
	}
	s.lines.SetText(b.String())
}

// export writes what the filter finds to a CSV file in the prints folder.
func (s *auditScreen) export() {
	f, err := s.filter()
	dir := ""
	if err == nil {
		dir, err = s.u.ctr.PrintsDir()
	}
	if err == nil {
		path := filepath.Join(dir, "nhat-ky-"+s.u.now().Format("20060102-150405")+".csv")
		if _, err = s.u.ctr.ExportAudit(path, f, 100_000); err == nil {
			s.u.status.notify(lang.L("audit.exported", map[string]any{"Path": path}))
			return
		}
	}
	s.u.showError(errors.New(counter.Explain(err)))
}
