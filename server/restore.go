package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"motcua/internal/boltfile"

	bolt "go.etcd.io/bbolt"
)

// StoreFile is the bbolt store's file in a data directory.
func StoreFile(dir string) string { return filepath.Join(dir, "motcua-server.db") }

// ErrBadBackup says a backup file is damaged or is not a backend's store.
var ErrBadBackup = errors.New("tệp sao lưu bị hỏng hoặc không phải dữ liệu của máy chủ Một Cửa")

// Backup writes a consistent copy of the store to path while it keeps
// serving, checks the copy page by page, and only then puts it in place.
func (s *BoltStore) Backup(path string) error {
	return boltfile.Backup(s.db, path, nil, CheckBackup)
}

// CheckBackup opens a backup read-only and checks every page and that it
// holds a backend's buckets.
func CheckBackup(path string) (err error) {
	defer func() {
		if v := recover(); v != nil { // bbolt panics on some damaged pages
			err = fmt.Errorf("%w: %v", ErrBadBackup, v)
		}
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%w: tệp rỗng", ErrBadBackup)
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadBackup, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // read to the end: the checker waits on each send
			if first == nil {
				first = fmt.Errorf("%w: %v", ErrBadBackup, err)
			}
		}
		if first != nil {
			return first
		}
		if tx.Bucket(bMeta) == nil || tx.Bucket(bMeta).Get(kReference) == nil || tx.Bucket(bLog) == nil {
			return fmt.Errorf("%w: thiếu dữ liệu của máy chủ", ErrBadBackup)
		}
		return nil
	})
}

// Restore replaces the store in dir (the server stopped) with a checked
// backup. The replaced file is kept beside it, and the restored store
// gets a new generation, so every counter learns that the backend went
// back in time: each re-sends what the backend no longer holds and pulls
// the unit again (docs/protocol.md, "Restores"). It returns where the
// replaced file was kept and the new generation.
func Restore(dir, backup string, defaultCatalog, defaultCalendar []byte) (aside, generation string, err error) {
	if Serving(dir) {
		return "", "", fmt.Errorf("máy chủ đang chạy; hãy dừng máy chủ trước khi khôi phục")
	}
	if err := CheckBackup(backup); err != nil {
		return "", "", err
	}
	path := StoreFile(dir)
	tmp := path + ".restoring"
	if err := boltfile.CopyFile(backup, tmp); err != nil {
		return "", "", err
	}
	defer os.Remove(tmp)
	// take the lock of the store in place, so a server starting meanwhile
	// waits or fails rather than serving the old file
	cur, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("không mở được dữ liệu hiện tại của máy chủ: %w", err)
	}
	if cur != nil {
		aside = fmt.Sprintf("%s.replaced-%s", path, time.Now().Format("20060102-150405"))
		if err := boltfile.CopyFile(path, aside); err != nil {
			cur.Close()
			return "", "", err
		}
		cur.Close()
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", "", err
	}
	st, err := OpenBolt(dir, defaultCatalog, defaultCalendar)
	if err != nil {
		return aside, "", err
	}
	defer st.Close()
	if err := st.db.Update(newGeneration); err != nil {
		return aside, "", err
	}
	return aside, st.Generation(), nil
}
