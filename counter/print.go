package counter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// LedgerLimit is the most records one printed ledger (Mẫu 07) holds, for
// the window and motcuactl alike: about 700 landscape pages.
const LedgerLimit = 20_000

// PrintResult is what a print made.
type PrintResult struct {
	Path    string // the PDF
	Reprint bool   // the form had been printed before
	Audited bool   // the print is in the audit (not when the file is read-only)
	Records int    // a ledger's records
	Period  string // a ledger's period, dd/mm/yyyy–dd/mm/yyyy
}

// unit is the forms' issuer, from the settings.
func (c *Counter) unit() forms.Unit {
	set := c.store.Settings()
	return forms.Unit{Parent: set.ParentName, Name: set.UnitName, Code: set.UnitCode, Place: set.Place, LookupURL: set.LookupURL,
		SignerAuthority: set.SignerAuthority, SignerTitle: set.SignerTitle, SignerName: set.SignerName}
}

// PrintsDir is where printed PDFs are kept, beside the data file.
func (c *Counter) PrintsDir() (string, error) {
	dir := filepath.Join(filepath.Dir(c.store.Path()), "prints")
	return dir, os.MkdirAll(dir, 0o700)
}

// FormTitle is a form's name in the language in force.
func FormTitle(k forms.Kind) string { return domain("form."+string(k), k.Title()) }

// PrintForm renders a form of a record to out ("" for the prints folder)
// and records the print in the audit, in one call.
func (c *Counter) PrintForm(r *dossier.Record, k forms.Kind, out string) (PrintResult, error) {
	return c.PrintEventForm(r, k, "", out)
}

// PrintEventForm is PrintForm for one event of several (a supplement
// request but the latest); eventID "" is the latest.
func (c *Counter) PrintEventForm(r *dossier.Record, k forms.Kind, eventID, out string) (PrintResult, error) {
	if err := c.ready(); err != nil {
		return PrintResult{}, err
	}
	if out == "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(r.Code) + "-" + string(k) + ".pdf"
		if eventID != "" {
			name = strings.TrimSuffix(name, ".pdf") + "-" + eventID[len(eventID)-6:] + ".pdf"
		}
		var err error
		if out, err = c.printPath(name); err != nil {
			return PrintResult{}, err
		}
	}
	snap, reprint := c.store.FirstPrint(r.ID, string(k))
	right := account.Print
	if reprint && letters[k] {
		right = account.ReprintLetter
	}
	if err := c.mayPrint(right); err != nil {
		return PrintResult{}, err
	}
	now := c.now()
	shown, opts := r, forms.Options{EventID: eventID}
	if reprint {
		// a reprint shows what was handed over the first time
		opts.FirstPrinted = snap.At
		if forms.ReprintsFixed[k] {
			shown = r.Clone()
			shown.DueAt, shown.LegalDueAt, shown.Fee, shown.FeePaid = snap.DueAt, snap.LegalDueAt, snap.Fee, snap.FeePaid
		}
	}
	return c.writeAudited(r, k, out, func(w io.Writer) error { return forms.RenderWith(w, k, c.unit(), shown, now, opts) })
}

// letters are the forms that are letters to the citizen (Mẫu 02–05):
// printing one again is the supervisor's.
var letters = map[forms.Kind]bool{forms.KindSupplement: true, forms.KindRefusal: true, forms.KindExtension: true, forms.KindStop: true}

// mayPrint says whether the signed-in person may print; a file opened
// read-only (a copy on a read-only medium) prints with no audit and no
// account.
func (c *Counter) mayPrint(right account.Action) error {
	if c.store.ReadOnly() {
		return nil
	}
	return c.require(right)
}

// writeAudited writes a form of a record (or of guidance, by its ID) to
// out, whole or not at all, and records the print in the audit; on a
// read-only file the PDF is made and the print is not in the audit.
func (c *Counter) writeAudited(r *dossier.Record, k forms.Kind, out string, render func(io.Writer) error) (PrintResult, error) {
	if err := writeFile(out, render); err != nil {
		return PrintResult{}, err
	}
	res := PrintResult{Path: out}
	if c.store.ReadOnly() {
		return res, nil
	}
	reprint, err := c.store.LogPrint(c.actor(), r, string(k))
	res.Reprint, res.Audited = reprint, err == nil
	return res, err
}

// LedgerRequest says which files a ledger lists: received in [From, To]
// (dates; a zero From is the earliest receipt the program takes, a zero To
// today), with the records screen's other filters when given.
type LedgerRequest struct {
	From, To  time.Time
	Status    dossier.Status
	Procedure string
	Text      string            // the records screen's search, when set
	Due       storage.DueFilter // its overdue / due today / due soon filter
}

// query is the records query a ledger lists, with its period's dates.
func (c *Counter) ledgerQuery(req LedgerRequest) (storage.Query, time.Time, time.Time, error) {
	now := c.now().In(dossier.Loc)
	from, to := day(req.From), day(req.To)
	if req.From.IsZero() {
		from = day(dossier.EarliestReceipt) // no start date: everything the list shows
	}
	if req.To.IsZero() {
		to = day(now)
	}
	if to.Before(from) {
		return storage.Query{}, from, to, &UsageError{L("print.ledger_dates")}
	}
	if req.Status != 0 && !req.Status.Valid() {
		return storage.Query{}, from, to, &UsageError{L("print.ledger_status")}
	}
	q := storage.Query{From: from, To: to.AddDate(0, 0, 1), Status: req.Status, Procedure: req.Procedure, Text: req.Text, Due: req.Due, Now: c.now()}
	return q, from, to, nil
}

// LedgerSize counts the files a ledger would list (up to LedgerLimit+1)
// and the pages it would take, so that the clerk is asked before a big
// print.
func (c *Counter) LedgerSize(req LedgerRequest) (files, pages int, err error) {
	if err := c.mayPrint(account.Reports); err != nil {
		return 0, 0, err
	}
	q, _, _, err := c.ledgerQuery(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := c.store.Count(q, LedgerLimit+1)
	return n, forms.LedgerPages(n), err
}

// PrintLedger renders Mẫu 07 for a period to out ("" for the prints
// folder) and records the print in the audit. More than LedgerLimit
// records is ErrLedgerTooBig: a shorter period is asked for.
func (c *Counter) PrintLedger(req LedgerRequest, out string) (PrintResult, error) {
	if err := c.ready(); err != nil {
		return PrintResult{}, err
	}
	if err := c.mayPrint(account.Reports); err != nil {
		return PrintResult{}, err
	}
	now := c.now().In(dossier.Loc)
	q, from, to, err := c.ledgerQuery(req)
	if err != nil {
		return PrintResult{}, err
	}
	recs, more, err := c.store.Collect(q, LedgerLimit)
	if err != nil {
		return PrintResult{}, err
	}
	if more {
		return PrintResult{}, ErrLedgerTooBig
	}
	period := from.Format("02/01/2006") + "–" + to.Format("02/01/2006")
	if out == "" {
		if out, err = c.printPath("so-theo-doi-" + from.Format("20060102") + "-" + to.Format("20060102") + ".pdf"); err != nil {
			return PrintResult{}, err
		}
	}
	label := ""
	if req.Status != 0 {
		label = req.Status.Label() // the form is Vietnamese, whatever the UI's language
	}
	err = writeFile(out, func(w io.Writer) error {
		return forms.Ledger(w, c.unit(), recs, forms.LedgerFilter{From: from, To: to, Status: label}, now)
	})
	if err != nil {
		return PrintResult{}, err
	}
	res := PrintResult{Path: out, Records: len(recs), Period: period}
	if c.store.ReadOnly() {
		return res, nil
	}
	err = c.store.LogListPrint(c.actor(), "ledger", period)
	res.Audited = err == nil
	return res, err
}

// Send sends a printed PDF to the printer in the settings (or the PDF
// viewer); run, when not nil, replaces the print command (tests).
func (c *Counter) Send(path string, run func(name string, args ...string) error) error {
	if err := c.mayPrint(account.Print); err != nil {
		return err
	}
	return forms.Printer{Name: c.store.Settings().Printer, Run: run}.Print(path)
}

func (c *Counter) printPath(name string) (string, error) {
	dir, err := c.PrintsDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// writeFile writes a file whole or not at all: to a temporary name, then
// renamed over out.
func writeFile(out string, render func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(out), ".print-*.pdf")
	if err != nil {
		return fmt.Errorf("counter: cannot write %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = render(f); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), out); err != nil {
		return errors.Join(fmt.Errorf("counter: cannot write %s", out), err)
	}
	return nil
}

func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.In(dossier.Loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, dossier.Loc)
}
