package counter

import (
	"errors"
	"sync"
	"time"

	"motcua/dossier"
	"motcua/report"
	"motcua/storage"
)

// desk keeps the files the supervisor's overview counts, so that its
// refresh after a save reads the records written since, not a year of
// files. A file counts for this week's and today's figures unless it
// finished or ended before the week began; the lists also want the
// results waiting to be collected, and the returns count those handed
// back this week. Everything else of the year is read only on the first
// count of a day (or after more changes than the store remembers).
type desk struct {
	mu    sync.Mutex
	store *storage.Store // the store counted (a restore opens another)
	day   time.Time      // the day counted
	stamp uint64         // the store's changes read so far
	files map[string]*deskFile
}

type deskFile struct {
	f report.File
	r *dossier.Record // read when first wanted
}

// wanted says whether the overview of a day in the week from monday can
// need f.
func wanted(f report.File, monday time.Time) bool {
	closed := !f.Finished.IsZero() && f.Finished.Before(monday) || !f.Ended.IsZero() && f.Ended.Before(monday)
	return !closed || f.Status == dossier.StatusDone || !f.Returned.Before(monday)
}

// each calls fn with every file received in the overview's year that it
// can need, as of now.
func (d *desk) each(s *storage.Store, now time.Time, fn func(report.File, func() (*dossier.Record, error)) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.catchUp(s, now); err != nil {
		return err
	}
	since := now.Add(-OverviewLookback)
	end := dossier.Midnight(now).AddDate(0, 0, 1)
	for id, df := range d.files {
		if df.f.Received.Before(since) || !df.f.Received.Before(end) {
			continue
		}
		full := func() (*dossier.Record, error) {
			if df.r == nil {
				r, err := s.Get(id)
				if err != nil {
					return nil, err
				}
				df.r = r
			}
			return df.r, nil
		}
		if err := fn(df.f, full); err != nil {
			return err
		}
	}
	return nil
}

// catchUp reads the records written since the last count, or the year's
// files again on a new day, another store, or a gap in the changes.
func (d *desk) catchUp(s *storage.Store, now time.Time) error {
	day, monday := dossier.Midnight(now), weekStart(now)
	ids, stamp, complete := s.ChangedSince(d.stamp)
	if complete && d.files != nil && d.store == s && d.day.Equal(day) {
		for _, id := range ids {
			r, err := s.Get(id)
			if errors.Is(err, storage.ErrNotFound) {
				delete(d.files, id)
				continue
			}
			if err != nil {
				return err
			}
			if f := report.FileOf(r); wanted(f, monday) {
				d.files[id] = &deskFile{f: f, r: r}
			} else {
				delete(d.files, id)
			}
		}
		d.stamp = stamp
		return nil
	}
	_, stamp, _ = s.ChangedSince(^uint64(0)) // what is written during the pass is read again next time
	files := map[string]*deskFile{}
	err := s.EachFileOf(now.Add(-OverviewLookback), day.AddDate(0, 0, 1), func(id string, f report.File, _ func() (*dossier.Record, error)) error {
		if wanted(f, monday) {
			files[id] = &deskFile{f: f}
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.store, d.day, d.stamp, d.files = s, day, stamp, files
	return nil
}
