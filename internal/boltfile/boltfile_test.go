package boltfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "folder", "x.db") // the folders are made
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(path, Options{Timeout: 100 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}

func TestReadOnlyOpenAndCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("b"))
		return b.Put([]byte("k"), []byte("v"))
	})
	db.Close()
	cp := filepath.Join(dir, "copy.db")
	if err := CopyFile(path, cp); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(cp)
	if !bytes.Equal(a, b) {
		t.Fatal("the copy differs")
	}
	ro, err := Open(cp, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ro.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("b")).Get([]byte("k")); string(Clone(v)) != "v" {
			t.Fatalf("read %q", v)
		}
		return nil
	})
	if _, err := Open(filepath.Join(dir, "none.db"), Options{ReadOnly: true}); err == nil {
		t.Fatal("a missing file opened read-only")
	}
}
