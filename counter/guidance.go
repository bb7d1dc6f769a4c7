package counter

import (
	"io"

	"motcua/account"
	"motcua/dossier"
	"motcua/forms"
)

// Guide records guidance given at the counter before receipt: Mẫu 02 for
// a file to complete, Mẫu 03 for one the unit cannot accept, instead of a
// receipt. It takes no record code and is not counted as received; it is
// audited and synced, and can be printed again.
func (c *Counter) Guide(g dossier.Guidance) (*dossier.Guidance, error) {
	if err := c.require(account.Guide); err != nil {
		return nil, err
	}
	out, err := c.store.Guide(g)
	if err == nil {
		c.Kick()
	}
	return out, err
}

// Guidances lists the guidance given, newest first, up to limit.
func (c *Counter) Guidances(limit int) ([]dossier.Guidance, error) { return c.store.Guidances(limit) }

// PrintGuidance renders the form of guidance to out ("" for the prints
// folder) and records the print in the audit; a second print is a reprint.
func (c *Counter) PrintGuidance(g *dossier.Guidance, out string) (PrintResult, error) {
	if err := c.ready(); err != nil {
		return PrintResult{}, err
	}
	if err := c.mayPrint(account.Print); err != nil {
		return PrintResult{}, err
	}
	k := forms.KindSupplement
	if g.Kind == dossier.GuideRefusal {
		k = forms.KindRefusal
	}
	if out == "" {
		var err error
		if out, err = c.printPath("huong-dan-" + g.ID[len(g.ID)-12:] + "-" + string(k) + ".pdf"); err != nil {
			return PrintResult{}, err
		}
	}
	now := c.now()
	opts := forms.Options{}
	if snap, ok := c.store.FirstPrint(g.ID, string(k)); ok {
		opts.FirstPrinted = snap.At
	}
	return c.writeAudited(&dossier.Record{ID: g.ID}, k, out, func(w io.Writer) error { return forms.RenderGuidance(w, c.unit(), g, now, opts) })
}
