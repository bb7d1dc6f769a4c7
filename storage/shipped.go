package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

const legacyShipped = dossier.LegacyReferenceVersion

type shipped struct {
	Calendar string `json:"calendar,omitempty"`
	Catalog  string `json:"catalog,omitempty"`
}

var docVersion = dossier.DocVersion

// refreshShipped replaces a calendar or catalogue that is still the one an
// older release shipped by the one this release ships (a holiday announced,
// a fact corrected); one an administrator imported or a backend sent is
// kept. A replacement is in the audit.
// It runs in the transaction that opens the file for writing (migrate).
func (s *Store) refreshShipped(tx *bolt.Tx, opts Options) error {
	if opts.DefaultCalendar == nil && opts.DefaultCatalog == nil {
		return nil
	}
	meta := tx.Bucket(bMeta)
	mark := shipped{Calendar: legacyShipped, Catalog: legacyShipped}
	if v := meta.Get(kShipped); v != nil {
		if err := json.Unmarshal(v, &mark); err != nil {
			return fmt.Errorf("storage: shipped-data marker: %w", err)
		}
	}
	changed := false
	for _, d := range []struct {
		bucket []byte
		def    []byte
		was    *string
		action string
		parse  func([]byte) error
	}{
		{bCalendar, opts.DefaultCalendar, &mark.Calendar, "calendar_update", func(b []byte) error { _, err := dossier.ParseCalendar(b); return err }},
		{bCatalog, opts.DefaultCatalog, &mark.Catalog, "catalog_update", func(b []byte) error { _, err := dossier.ParseCatalog(b); return err }},
	} {
		if d.def == nil {
			continue
		}
		stored, def := docVersion(tx.Bucket(d.bucket).Get(kCurrent)), docVersion(d.def)
		switch {
		case stored == def:
			changed = changed || *d.was != def
			*d.was = def
		case stored == *d.was: // still ours, from an older release
			if err := d.parse(d.def); err != nil {
				return err
			}
			if err := tx.Bucket(d.bucket).Put(kCurrent, d.def); err != nil {
				return err
			}
			if err := s.audit(tx, AuditEntry{Actor: "motcua", Action: d.action, Detail: stored + " → " + def}); err != nil {
				return err
			}
			*d.was, changed = def, true
		}
	}
	if !changed && meta.Get(kShipped) != nil {
		return nil
	}
	data, _ := json.Marshal(mark)
	return meta.Put(kShipped, data)
}
