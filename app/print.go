package app

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

func formTitle(k forms.Kind) string { return counter.FormTitle(k) }

// printForm renders a record's form, records the print in the audit (one
// call to the counter) and sends the file to the printer (or the PDF
// viewer), all off the UI goroutine.
func (u *UI) printForm(r *dossier.Record, k forms.Kind) { u.printEventForm(r, k, "") }

// printEventForm prints the form of one event of several (a supplement
// request but the latest; "" is the latest).
func (u *UI) printEventForm(r *dossier.Record, k forms.Kind, eventID string) {
	u.inBackground(func() (string, string, error) {
		res, err := u.ctr.PrintEventForm(r, k, eventID, "")
		return res.Path, lang.L("print.sent", map[string]any{"Form": formTitle(k), "Code": r.Code}), err
	})
}

// printLedger prints Mẫu 07 for what the records screen shows (its dates,
// status, procedure, due and search filters; this month when no dates are
// given). It says how many files and pages first and asks; it renders off
// the UI goroutine under a progress dialog that can cancel it.
func (u *UI) printLedger(q storage.Query) {
	req := counter.LedgerRequest{From: q.From, Status: q.Status, Procedure: q.Procedure, Text: q.Text, Due: q.Due}
	if !q.To.IsZero() {
		req.To = q.To.AddDate(0, 0, -1) // the query's end is exclusive, the ledger's inclusive
	}
	go func() {
		files, pages, err := u.ctr.LedgerSize(req)
		if err == nil && files > counter.LedgerLimit {
			err = counter.ErrLedgerTooBig
		}
		u.do(func() {
			if err != nil {
				u.showError(errors.New(counter.Explain(err)))
				return
			}
			msg := lang.L("print.ledger_ask", map[string]any{"N": fmtInt(files), "Pages": fmtInt(pages)})
			u.showConfirm(lang.L("records.print_ledger"), msg, func(yes bool) {
				if yes {
					u.renderLedger(req)
				}
			})
		})
	}()
}

// renderLedger renders the ledger under a progress dialog; Cancel drops
// the result (the file is not sent to the printer).
func (u *UI) renderLedger(req counter.LedgerRequest) {
	var finished, cancelled atomic.Bool
	progress := dialog.NewCustom(lang.L("print.ledger_rendering"), lang.L("action.cancel"), widget.NewProgressBarInfinite(), u.win)
	progress.Show()
	u.track(progress, func() {}, progress.Hide) // Esc cancels; Enter does nothing here
	tracked := u.active
	progress.SetOnClosed(func() {
		if u.active == tracked {
			u.active = nil
		}
		if !finished.Load() { // closed by the clerk, not by the end of the work
			cancelled.Store(true)
		}
	})
	u.inBackground(func() (string, string, error) {
		res, err := u.ctr.PrintLedger(req, "")
		finished.Store(true)
		u.do(progress.Hide)
		if cancelled.Load() {
			if err == nil {
				_ = os.Remove(res.Path)
			}
			return "", "", errCancelled
		}
		return res.Path, lang.L("print.ledger_sent", map[string]any{"N": res.Records, "Period": res.Period}), err
	})
}

// errCancelled is a print the clerk cancelled: nothing to say.
var errCancelled = errors.New("app: cancelled")

// inBackground runs a print (render and audit) and sends its file to the
// printer off the UI goroutine, then shows the outcome.
func (u *UI) inBackground(render func() (path, done string, err error)) {
	go func() {
		path, done, err := render()
		if errors.Is(err, errCancelled) {
			return
		}
		if err != nil {
			u.do(func() { u.showError(errors.New(counter.Explain(err))) })
			return
		}
		err = u.ctr.Send(path, u.runPrint)
		u.do(func() {
			if err != nil {
				u.showError(fmt.Errorf("%s\n%s", counter.Explain(err), lang.L("print.kept", map[string]any{"Path": path})))
				return
			}
			if u.status != nil {
				u.status.notify(done)
			}
		})
	}()
}

// choosePrint offers every form that can be printed for a record.
func (u *UI) choosePrint(r *dossier.Record) {
	box := container.NewVBox()
	var dlg dialog.Dialog
	var choices []func()
	add := func(label string, do func()) {
		choices = append(choices, func() { dlg.Hide(); do() })
		if len(choices) <= 9 { // the digit key chooses it
			label = fmt.Sprintf("%d  %s", len(choices), label)
		}
		box.Add(widget.NewButton(label, choices[len(choices)-1]))
	}
	for _, k := range forms.Available(r) {
		if evs := forms.EventsFor(r, k); k == forms.KindSupplement && len(evs) > 1 {
			// each supplement request can be printed again, not only the latest
			for _, ev := range evs {
				add(lang.L("print.supplement_n", map[string]any{"Form": formTitle(k), "At": fmtTime(ev.At)}), func() { u.printEventForm(r, k, ev.ID) })
			}
			continue
		}
		add(formTitle(k), func() { u.printForm(r, k) })
	}
	if len(choices) == 0 {
		return
	}
	dlg = dialog.NewCustom(lang.L("print.choose", map[string]any{"Code": r.Code}), lang.L("action.cancel"), box, u.win)
	dlg.Show()
	// Enter prints the first form (the receipt), a digit the one so
	// numbered, Esc cancels
	u.track(dlg, choices[0], dlg.Hide)
	u.active.digit = func(n int) {
		if n <= len(choices) {
			choices[n-1]()
		}
	}
}

// offerPrint asks, after an action, whether to print the form it produced.
func (u *UI) offerPrint(r *dossier.Record, t dossier.EventType) {
	k, ok := forms.ForEvent(t)
	if !ok {
		return
	}
	u.showConfirm(lang.L("print.offer.title"), lang.L("print.offer", map[string]any{"Form": formTitle(k)}), func(yes bool) {
		if yes {
			u.printForm(r, k)
		}
	})
}
