package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Automatic backups: once a day (and before a migration) the counter
// writes a checked copy of its store to a folder the administrator chose,
// a USB drive or a network share, and keeps the newest few.

// DefaultBackupKeep is how many daily backups are kept when the settings
// do not say.
const DefaultBackupKeep = 14

// BackupStale is the age of the last good backup past which the status
// bar warns.
const BackupStale = 48 * time.Hour

// ErrBackupDirMissing says the backup folder is not there (a USB drive
// not plugged in, a network share not mounted).
var ErrBackupDirMissing = errors.New("không thấy thư mục sao lưu (ổ USB hoặc thư mục mạng chưa được gắn?)")

// BackupState is what the automatic backups did last.
type BackupState struct {
	LastGood  time.Time `json:"last_good,omitzero"`
	LastPath  string    `json:"last_path,omitempty"`
	LastTry   time.Time `json:"last_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Due says whether a daily backup is due at now.
func (b BackupState) Due(now time.Time) bool {
	return b.LastGood.IsZero() || now.Sub(b.LastGood) >= 24*time.Hour
}

// Stale says whether the status bar should warn: no good backup for
// BackupStale.
func (b BackupState) Stale(now time.Time) bool {
	return b.LastGood.IsZero() || now.Sub(b.LastGood) > BackupStale
}

// BackupState reads the state of automatic backups.
func (s *Store) BackupState() BackupState {
	var st BackupState
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kBackup); v != nil {
			_ = json.Unmarshal(v, &st)
		}
		return nil
	})
	return st
}

const backupPrefix = "motcua-"

// AutoBackup writes a checked backup into dir (which must exist), named by
// the time, removes all but the newest keep of them (only files this
// program named), and records the outcome. It returns the new file.
func (s *Store) AutoBackup(dir string, keep int) (string, error) {
	if keep <= 0 {
		keep = DefaultBackupKeep
	}
	now := s.now()
	path, err := s.autoBackup(dir, keep, now)
	st := s.BackupState()
	st.LastTry = now
	if err != nil {
		st.LastError = err.Error()
	} else {
		st.LastGood, st.LastPath, st.LastError = now, path, ""
	}
	data, _ := json.Marshal(st)
	if werr := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kBackup, data) }); err == nil && werr != nil && !s.readOnly {
		err = werr
	}
	return path, err
}

func (s *Store) autoBackup(dir string, keep int, now time.Time) (string, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%w: %s", ErrBackupDirMissing, dir)
	}
	path := filepath.Join(dir, backupPrefix+now.Format("20060102-150405")+".db")
	if err := s.Backup(path); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return path, nil // the backup is made; rotation waits for next time
	}
	var ours []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".db") && len(n) == len("motcua-20060102-150405.db") {
			ours = append(ours, n)
		}
	}
	sort.Strings(ours) // the names sort by time
	for len(ours) > keep {
		_ = os.Remove(filepath.Join(dir, ours[0]))
		ours = ours[1:]
	}
	return path, nil
}
