// Package boltfile opens a bbolt file the way both stores of Một Cửa do,
// the counter's (package storage) and the backend's (package server): one
// process at a time, waiting a moment for the lock; mapped with room to
// grow; the map freelist. What each store keeps in the file is its own.
package boltfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked says another process holds the file; each store words it.
var ErrLocked = errors.New("boltfile: another process holds the file")

// Options say how to open a file. Zero Timeout waits one second.
type Options struct {
	Timeout  time.Duration
	NoSync   bool // no fsync per transaction (bulk loading); the caller syncs
	ReadOnly bool
}

// InitialMmapSize maps the file with room to grow: while the file is
// smaller, growing it does not remap, and a remap waits for every reader
// to finish (a commit of a pull stalled 60 ms on one, with a clerk's save
// waiting behind it). It is address space, not memory. On Windows bbolt
// would grow the file itself to the mapping's size, so there it is 0.
var InitialMmapSize = func() int {
	if runtime.GOOS == "windows" {
		return 0
	}
	return 1 << 30
}()

// Open opens (or, for writing, creates with its folder) the file at path.
// A lock not had within the timeout is ErrLocked.
func Open(path string, o Options) (*bolt.DB, error) {
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	mmap := InitialMmapSize
	if o.ReadOnly {
		mmap = 0 // a read-only file cannot grow
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltfile: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, NoSync: o.NoSync, FreelistType: bolt.FreelistMapType,
		InitialMmapSize: mmap, ReadOnly: o.ReadOnly})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrLocked
	}
	return db, err
}

// Clone copies a key or value out of a transaction: bbolt's slices are
// valid only while it lasts.
func Clone(b []byte) []byte { return append([]byte(nil), b...) }

// CopyFile copies a closed file (a backup being restored, a file being
// set aside) and syncs the copy to disk before it returns.
func CopyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Backup writes a consistent copy of db to path while it stays in use (a
// read transaction sees one snapshot): beside path under a temporary name,
// synced, checked by check, and only then renamed into place, so a failed
// or damaged backup leaves no file that looks like one. guard, when not
// nil, runs the read (a store that turns page faults into errors).
func Backup(db *bolt.DB, path string, guard func(func() error) error, check func(string) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".motcua-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	read := func() error {
		return db.View(func(tx *bolt.Tx) error {
			_, err := tx.WriteTo(tmp)
			return err
		})
	}
	if guard != nil {
		err = guard(read)
	} else {
		err = read()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := check(tmp.Name()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
