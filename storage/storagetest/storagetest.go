// Package storagetest opens counter stores for tests of the packages
// above storage (counter, sync, app, motcuactl): a real bbolt file in the
// test's temporary folder with the shipped reference data, checked whole
// with Verify when the test ends.
package storagetest

import (
	"errors"
	"path/filepath"
	"testing"

	bolterrors "go.etcd.io/bbolt/errors"

	"motcua/assets"
	"motcua/storage"
)

// Settings are a ward's counter, ready to take files in.
var Settings = storage.Settings{UnitName: "UBND phường Thuận Hóa", UnitCode: "000.00.12.H57", Place: "Huế", Counter: 2,
	Clerk: "Trần Văn Bình", Language: "vi"}

// Open opens a new store in the test's temporary folder. When the test
// ends the store is verified (every index against the records, the counts
// in meta, the outbox) and closed; a problem fails the test.
func Open(t testing.TB) *storage.Store {
	t.Helper()
	return OpenAt(t, filepath.Join(t.TempDir(), "motcua.db"))
}

// OpenAt is Open for a file at path (new or not).
func OpenAt(t testing.TB, path string) *storage.Store {
	t.Helper()
	s, err := storage.Open(path, storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		Verify(t, s)
		s.Close()
	})
	return s
}

// Ready is Open with Settings saved.
func Ready(t testing.TB) *storage.Store {
	t.Helper()
	s := Open(t)
	if err := s.SaveSettings(Settings); err != nil {
		t.Fatal(err)
	}
	return s
}

// Verify fails the test if the store does not verify. A store the test
// closed itself is not checked again.
func Verify(t testing.TB, s *storage.Store) {
	t.Helper()
	probs, err := s.Verify()
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return
	}
	if err != nil {
		t.Errorf("verify %s: %v", s.Path(), err)
	}
	for _, p := range probs {
		t.Errorf("verify %s: %s", s.Path(), p)
	}
}
