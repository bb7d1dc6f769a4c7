package counter

import (
	"context"
	"errors"
	"fmt"
	"os"

	"motcua/account"
	"motcua/dossier"
	"motcua/storage"
	mcsync "motcua/sync"
)

// ImportError is a calendar or catalogue that does not validate: the one
// in force is kept.
type ImportError struct {
	What string // "calendar" or "catalog"
	Err  error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("counter: the %s is not valid, the one in force is kept: %v", e.What, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// ImportCalendar replaces the working calendar and holiday table.
func (c *Counter) ImportCalendar(doc []byte) (*dossier.Calendar, error) {
	if err := c.require(account.Reference); err != nil {
		return nil, err
	}
	cal, err := c.store.SetCalendar(doc, c.actor())
	if err != nil && !isStoreError(err) {
		return nil, &ImportError{"calendar", err}
	}
	return cal, err
}

// ImportCatalog replaces the procedure catalogue.
func (c *Counter) ImportCatalog(doc []byte) (*dossier.Catalog, error) {
	if err := c.require(account.Reference); err != nil {
		return nil, err
	}
	cat, err := c.store.SetCatalog(doc, c.actor())
	if err != nil && !isStoreError(err) {
		return nil, &ImportError{"catalog", err}
	}
	return cat, err
}

func isStoreError(err error) bool {
	return errors.Is(err, storage.ErrDiskFull) || errors.Is(err, storage.ErrReadOnlyFile) || errors.Is(err, storage.ErrDamaged)
}

// Backup writes a consistent copy of the data file to path and checks it
// whole.
func (c *Counter) Backup(path string) error {
	if err := c.require(account.Backup); err != nil {
		return err
	}
	return c.store.Backup(path)
}

// BackupIfDue makes the daily backup into the settings' backup folder when
// one is set and due; "" when none was made.
func (c *Counter) BackupIfDue() (string, error) {
	set := c.store.Settings()
	if set.BackupDir == "" || c.store.ReadOnly() || !c.store.BackupState().Due(c.now()) {
		return "", nil
	}
	return c.store.AutoBackup(set.BackupDir, set.BackupKeep)
}

// Verify checks the file and every index against the records; it returns
// the problems found and the number of records.
func (c *Counter) Verify() ([]storage.Problem, int, error) {
	probs, err := c.store.Verify()
	if err != nil {
		return nil, 0, err
	}
	st, err := c.store.Stats()
	return probs, st.Records, err
}

// ExportCSV writes every record to a CSV file; it returns how many.
func (c *Counter) ExportCSV(path string) (n int, err error) {
	if err := c.require(account.Reports); err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err = c.store.ExportCSV(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// Restore puts a backup in place of the data file of dir (the program
// closed); the file it replaces is kept aside and its name returned.
func Restore(dir, backup string) (aside string, err error) {
	path, err := Path(dir)
	if err != nil {
		return "", err
	}
	return storage.Restore(path, backup)
}

// Seed adds n demonstration records (for trials and benchmarks).
func (c *Counter) Seed(n int, seed uint64, progress func(done int)) error {
	if err := c.ready(); err != nil {
		return err
	}
	if err := c.requireOrSetUp(account.Devices); err != nil {
		return err
	}
	if err := c.store.Seed(n, seed, progress); err != nil {
		return err
	}
	return c.store.Sync()
}

// Enroll exchanges a one-time enrollment code with the backend at url.
func (c *Counter) Enroll(ctx context.Context, url, code string) error {
	if err := c.requireOrSetUp(account.Enroll); err != nil {
		return err
	}
	return c.Engine().Enroll(ctx, url, code)
}

// SyncOnce runs one round of sending and receiving now.
func (c *Counter) SyncOnce(ctx context.Context) (mcsync.Summary, error) {
	// anyone signed in (the engine syncs by itself anyway); before the
	// unit has accounts, the first sync is what brings them
	if c.User() == nil && c.store.HasAccounts() {
		return mcsync.Summary{}, ErrNotSignedIn
	}
	return c.Engine().SyncOnce(ctx)
}

// SyncState is the link to the backend as stored.
func (c *Counter) SyncState() (storage.SyncState, error) { return c.store.SyncState() }

// Outbox lists what waits to be sent, up to limit entries.
func (c *Counter) Outbox(limit int) ([]storage.OutboxEntry, error) { return c.store.Outbox(limit) }

// Attention lists what the backend refused and needs a person.
func (c *Counter) Attention() ([]storage.Attention, error) { return c.store.Attention() }

// DismissAttention takes an item off the attention list (seen).
func (c *Counter) DismissAttention(seq uint64) error {
	if err := c.require(account.Devices); err != nil {
		return err
	}
	return c.store.DismissAttention(seq, c.actor())
}

// Audit lists the newest audit entries (who did what, by record code),
// up to limit.
func (c *Counter) Audit(limit int) ([]storage.AuditEntry, error) {
	if err := c.require(account.Reports); err != nil {
		return nil, err
	}
	return c.store.Audit(limit)
}
