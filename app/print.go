package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// unit is the forms' issuer, from the settings.
func (u *UI) unit() forms.Unit {
	set := u.store.Settings()
	return forms.Unit{Name: set.UnitName, Code: set.UnitCode, Place: set.Place, LookupURL: set.LookupURL}
}

// printsDir is where printed PDFs are kept, beside the data file.
func (u *UI) printsDir() (string, error) {
	dir := filepath.Join(filepath.Dir(u.store.Path()), "prints")
	return dir, os.MkdirAll(dir, 0o700)
}

func formTitle(k forms.Kind) string { return domainText("form."+string(k), k.Title()) }

// printForm renders a record's form to a file, records the print in the
// audit and sends the file to the printer (or the PDF viewer).
func (u *UI) printForm(r *dossier.Record, k forms.Kind) {
	err := u.writeAndSend(strings.NewReplacer("/", "_", " ", "_").Replace(r.Code)+"-"+string(k)+".pdf", func(f *os.File) error {
		return forms.Render(f, k, u.unit(), r, u.now())
	}, func() error {
		_, err := u.store.LogPrint(u.store.Settings().Clerk, r, string(k))
		return err
	}, lang.L("print.sent", map[string]any{"Form": formTitle(k), "Code": r.Code}))
	if err != nil {
		dialog.ShowError(errors.New(humanize(err)), u.win)
	}
}

// writeAndSend writes a PDF, logs it, then prints it off the UI thread.
func (u *UI) writeAndSend(name string, render func(*os.File) error, log func() error, done string) error {
	dir, err := u.printsDir()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := log(); err != nil {
		return err
	}
	p := forms.Printer{Name: u.store.Settings().Printer, Run: u.runPrint}
	go func() {
		err := p.Print(path)
		u.do(func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("%s\n%s", err.Error(), lang.L("print.kept", map[string]any{"Path": path})), u.win)
				return
			}
			if u.status != nil {
				u.status.notify(done)
			}
		})
	}()
	return nil
}

// choosePrint offers every form that can be printed for a record.
func (u *UI) choosePrint(r *dossier.Record) {
	box := container.NewVBox()
	var dlg dialog.Dialog
	for _, k := range forms.Available(r) {
		k := k
		box.Add(widget.NewButton(formTitle(k), func() {
			dlg.Hide()
			u.printForm(r, k)
		}))
	}
	dlg = dialog.NewCustom(lang.L("print.choose", map[string]any{"Code": r.Code}), lang.L("action.cancel"), box, u.win)
	dlg.Show()
}

// offerPrint asks, after an action, whether to print the form it produced.
func (u *UI) offerPrint(r *dossier.Record, t dossier.EventType) {
	k, ok := forms.ForEvent(t)
	if !ok {
		return
	}
	dialog.ShowConfirm(lang.L("print.offer.title"), lang.L("print.offer", map[string]any{"Form": formTitle(k)}), func(yes bool) {
		if yes {
			u.printForm(r, k)
		}
	}, u.win)
}

// printLedger prints Mẫu 07 for the records screen's filter (this month
// when no dates are given).
func (u *UI) printLedger(q storage.Query) {
	now := u.now().In(dossier.Loc)
	from, to := q.From, q.To
	if from.IsZero() {
		from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, dossier.Loc)
	}
	if to.IsZero() {
		to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, dossier.Loc).AddDate(0, 0, 1)
	}
	const limit = 20_000
	recs, more, err := u.store.Collect(storage.Query{From: from, To: to, Status: q.Status, Procedure: q.Procedure}, limit)
	if err == nil && more {
		err = errors.New(lang.L("print.ledger_too_big", map[string]any{"N": fmtInt(limit)}))
	}
	if err != nil {
		dialog.ShowError(errors.New(humanize(err)), u.win)
		return
	}
	status := ""
	if q.Status != 0 {
		status = q.Status.Label()
	}
	last := to.AddDate(0, 0, -1)
	detail := from.Format("02/01/2006") + "–" + last.Format("02/01/2006")
	err = u.writeAndSend("so-theo-doi-"+from.Format("20060102")+"-"+last.Format("20060102")+".pdf", func(f *os.File) error {
		return forms.Ledger(f, u.unit(), recs, forms.LedgerFilter{From: from, To: last, Status: status}, u.now())
	}, func() error {
		return u.store.LogLedgerPrint(u.store.Settings().Clerk, detail)
	}, lang.L("print.ledger_sent", map[string]any{"N": len(recs), "Period": detail}))
	if err != nil {
		dialog.ShowError(errors.New(humanize(err)), u.win)
	}
}
