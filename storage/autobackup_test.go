package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"motcua/dossier"
)

func TestAutoBackupRotationAndRestore(t *testing.T) {
	s := newTestStore(t)
	s.Intake(intake("Nguyễn Văn An", "046090001234", ""))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not ours"), 0o600)
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, dossier.Loc)
	var last string
	for i := 0; i < 5; i++ {
		s.now = func() time.Time { return day.AddDate(0, 0, i) }
		if !s.BackupState().Due(s.now()) {
			t.Fatalf("day %d: not due", i)
		}
		p, err := s.AutoBackup(dir, 3)
		if err != nil {
			t.Fatal(err)
		}
		last = p
	}
	files, _ := filepath.Glob(filepath.Join(dir, "motcua-*.db"))
	if len(files) != 3 || files[2] != last {
		t.Fatalf("kept %v", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal("rotation removed a file it did not make")
	}
	for _, f := range files {
		if err := CheckBackup(f); err != nil {
			t.Fatal(err)
		}
	}
	st := s.BackupState()
	if st.LastPath != last || st.Stale(day.AddDate(0, 0, 5)) || !st.Stale(day.AddDate(0, 0, 7)) {
		t.Fatalf("%+v", st)
	}
	// the folder is gone (a USB drive pulled out): a clear error, recorded
	_, err := s.AutoBackup(filepath.Join(dir, "gone"), 3)
	if !errors.Is(err, ErrBackupDirMissing) || s.BackupState().LastError == "" || s.BackupState().LastPath != last {
		t.Fatalf("%v %+v", err, s.BackupState())
	}
	// restore the newest backup into another place: it opens, verifies,
	// and will pull again from the start
	s.UpdateSyncState(func(ss *SyncState) { ss.Cursor = 99 })
	target := filepath.Join(t.TempDir(), "motcua.db")
	if _, err := Restore(target, last); err != nil {
		t.Fatal(err)
	}
	r, err := Open(target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st, _ := r.Stats(); st.Records != 1 {
		t.Fatalf("%+v", st)
	}
	if ss, _ := r.SyncState(); ss.Cursor != 0 || ss.Restored.IsZero() {
		t.Fatalf("%+v", ss)
	}
}
