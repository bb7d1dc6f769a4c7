package counter

import (
	"cmp"
	"errors"
	"slices"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// OnlineFile is a file filed online waiting at the counter, with how long
// it has waited since it was filed.
type OnlineFile struct {
	Record *dossier.Record
	Waited time.Duration
}

// OnlineQueue lists the files filed online that no counter has received
// yet (status 1, or a supplement asked for before receipt), oldest first.
func (c *Counter) OnlineQueue() ([]OnlineFile, error) {
	recs, err := c.store.OnlineRecords()
	if err != nil {
		return nil, err
	}
	now := c.now()
	out := make([]OnlineFile, len(recs))
	for i, r := range recs {
		out[i] = OnlineFile{Record: r, Waited: now.Sub(r.FiledAt)}
	}
	slices.SortFunc(out, func(a, b OnlineFile) int {
		return cmp.Or(a.Record.FiledAt.Compare(b.Record.FiledAt), cmp.Compare(a.Record.Code, b.Record.Code))
	})
	return out, nil
}

// ReceiveOnline receives a file filed online at this counter now (the
// clerk has checked it against the procedure's documents; docs as
// checked, nil: as filed). Another counter may have received it first:
// the backend then keeps that receipt and this counter is told at its
// next sync, under Cần xử lý.
func (c *Counter) ReceiveOnline(id string, docs []dossier.DocumentLine) (*dossier.Record, error) {
	if err := c.require(account.Intake); err != nil {
		return nil, err
	}
	r, err := c.store.ReceiveOnline(id, docs)
	if err == nil {
		c.Kick()
	}
	return r, err
}

// AttachmentFile is where an attachment of an online file is kept here:
// storage.ErrNoCopy when the backend holds no copy (only the portal's
// link), ErrNotFetched when it is not fetched yet.
func (c *Counter) AttachmentFile(a dossier.Attachment) (string, error) {
	p, err := c.store.AttachmentPath(a)
	if err != nil {
		return "", err
	}
	if !c.store.HasAttachment(a) {
		return "", ErrNotFetched
	}
	return p, nil
}

// ErrNotFetched says an attachment is not here yet: it comes with the
// next sync that reaches the backend.
var ErrNotFetched = errors.New("tệp chưa được tải về từ máy chủ; tệp sẽ được tải ở lần đồng bộ tới")

// OpenAttachment opens an attachment in the system's viewer, offline;
// run, when not nil, replaces the viewer's command (tests).
func (c *Counter) OpenAttachment(a dossier.Attachment, run func(name string, args ...string) error) error {
	p, err := c.AttachmentFile(a)
	if err != nil {
		return err
	}
	return forms.Printer{Run: run}.Print(p)
}

// PortalReach says how far the national portal (DVCQG) has a record, as
// the backend last told: ok is false when this counter reports to no
// backend; behind counts the record's events DVCQG does not have yet.
func (c *Counter) PortalReach(r *dossier.Record) (mark storage.PortalMark, behind int, ok bool) {
	st, err := c.store.SyncState()
	if err != nil || !st.Enrolled() {
		return mark, 0, false
	}
	mark, behind = c.store.PortalReach(r)
	return mark, behind, true
}
