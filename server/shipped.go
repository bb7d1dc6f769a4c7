package server

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
	"motcua/sync/wire"
)

// kShipped (in meta) names the versions of the shipped calendar and
// catalogue last put in the store.
var kShipped = []byte("reference_shipped")

// refreshShipped replaces a calendar or catalogue that is still the one an
// older release shipped by the one this release ships, so that counters
// receive the correction with their next pull (the reference tag changes);
// one an administrator set (motcua-server reference) is kept.
func refreshShipped(tx *bolt.Tx, catalog, calendar []byte) error {
	meta := tx.Bucket(bMeta)
	var ref wire.Reference
	if err := json.Unmarshal(meta.Get(kReference), &ref); err != nil {
		return err
	}
	cat, cal, mark, replace, err := shippedUpdate(ref, meta.Get(kShipped), catalog, calendar)
	if err != nil {
		return err
	}
	if replace {
		if err := putReference(tx, cat, cal); err != nil {
			return err
		}
	}
	return meta.Put(kShipped, mark)
}

// shippedUpdate is what refreshShipped decides, for any store: the
// reference to keep (replace says it changed) and the new mark of the
// shipped versions in it.
func shippedUpdate(ref wire.Reference, markData, catalog, calendar []byte) (cat, cal, newMark []byte, replace bool, err error) {
	mark := struct{ Calendar, Catalog string }{dossier.LegacyReferenceVersion, dossier.LegacyReferenceVersion}
	if markData != nil {
		if err := json.Unmarshal(markData, &mark); err != nil {
			return nil, nil, nil, false, err
		}
	}
	cat, cal = []byte(ref.Catalog), []byte(ref.Calendar)
	if v := dossier.DocVersion(cal); v == mark.Calendar && v != dossier.DocVersion(calendar) {
		cal, replace = calendar, true
	}
	if v := dossier.DocVersion(cat); v == mark.Catalog && v != dossier.DocVersion(catalog) {
		cat, replace = catalog, true
	}
	if dossier.DocVersion(cal) == dossier.DocVersion(calendar) {
		mark.Calendar = dossier.DocVersion(calendar)
	}
	if dossier.DocVersion(cat) == dossier.DocVersion(catalog) {
		mark.Catalog = dossier.DocVersion(catalog)
	}
	newMark, _ = json.Marshal(mark)
	return cat, cal, newMark, replace, nil
}
