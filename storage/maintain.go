package storage

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"motcua/dossier"
	"motcua/internal/boltfile"
)

// Backup writes a consistent copy of the store to path while the program
// keeps running (a read transaction sees one snapshot). The copy is written
// beside path, checked in full (CheckBackup), and only then renamed into
// place: a failed or damaged backup leaves no file that looks like one.
func (s *Store) Backup(path string) error {
	return classify(boltfile.Backup(s.db, path, func(read func() error) error { return guard(s.path, read) }, CheckBackup))
}

// ErrBadBackup says a file is not a sound backup of a counter's store.
var ErrBadBackup = errors.New("bản sao lưu không dùng được")

// CheckBackup opens a backup read-only and checks it as Verify does: every
// page, and (for a file of this version's schema) every index against the
// records. A damaged copy is refused. A file of an older schema is checked
// page by page; opening it upgrades it.
func CheckBackup(path string) error {
	b, err := Open(path, Options{ReadOnly: true})
	if errors.Is(err, ErrOldSchema) {
		return checkPages(path)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadBackup, err)
	}
	defer b.Close()
	probs, err := b.Verify()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadBackup, err)
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %d lỗi, ví dụ %s", ErrBadBackup, len(probs), probs[0])
	}
	return nil
}

// checkPages checks a file's bbolt structure only.
func checkPages(path string) error {
	if _, err := checkFile(path); err != nil {
		return fmt.Errorf("%w: %w", ErrBadBackup, err)
	}
	return guard(path, func() error {
		db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadBackup, err)
		}
		defer db.Close()
		return db.View(func(tx *bolt.Tx) error {
			var first error
			for err := range tx.Check() { // read to the end: the checker waits on each send
				if first == nil {
					first = fmt.Errorf("%w: %w", ErrBadBackup, err)
				}
			}
			return first
		})
	})
}

// Problem is one inconsistency Verify found.
type Problem struct {
	Where, What string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// Verify checks the bbolt file's page structure and that every index agrees
// with the records: each record has all of its index entries, and each
// entry points at a record that has it.
func (s *Store) Verify() (probs []Problem, err error) {
	err = guard(s.path, func() error { probs, err = s.verify(); return err })
	return probs, err
}

func (s *Store) verify() ([]Problem, error) {
	var probs []Problem
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			probs = append(probs, Problem{"bbolt", err.Error()})
		}
		if b := checkAudit(tx); b != nil {
			probs = append(probs, Problem{"audit", b.Error()})
		}
		want := map[string]map[string]bool{}
		for _, name := range indexBuckets {
			want[string(name)] = map[string]bool{}
		}
		err := tx.Bucket(bRecords).ForEach(func(k, v []byte) error {
			r, err := decodeRecord(v)
			if err != nil {
				probs = append(probs, Problem{"records/" + string(k), "cannot decode: " + err.Error()})
				return nil
			}
			if r.ID != string(k) {
				probs = append(probs, Problem{"records/" + string(k), "id does not match key"})
			}
			all := indexKeys(r)
			// a record in the backlog may have some of its party entries
			// written, or none
			owed := tx.Bucket(bIdxBacklog).Get(k)
			for name, keys := range all {
				for _, ik := range keys {
					want[name][string(ik)] = true
					got := tx.Bucket([]byte(name)).Get(ik)
					switch {
					case owed != nil && partyIndex(name) >= 0:
					case got == nil && !bucketHasKey(tx.Bucket([]byte(name)), ik):
						probs = append(probs, Problem{name, fmt.Sprintf("missing entry for record %s", r.Code)})
					case name == string(bIdxCode) && string(got) != r.ID:
						probs = append(probs, Problem{name, fmt.Sprintf("code %s points at another record", r.Code)})
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		_ = tx.Bucket(bIdxBacklog).ForEach(func(k, _ []byte) error {
			if tx.Bucket(bRecords).Get(k) == nil {
				probs = append(probs, Problem{string(bIdxBacklog), fmt.Sprintf("entry for a missing record %s", k)})
			}
			return nil
		})
		probs = append(probs, s.checkFolds(tx)...)
		if v := tx.Bucket(bMeta).Get(kRecordN); len(v) != 8 || int(be64(v)) != tx.Bucket(bRecords).Stats().KeyN {
			probs = append(probs, Problem{"meta", "record count does not match the records"})
		}
		if n, err := countPending(tx); err != nil || n != getCount(tx, kPendingN) {
			probs = append(probs, Problem{"meta", "outbox count does not match the outbox"})
		}
		for _, name := range indexBuckets {
			n := 0
			_ = tx.Bucket(name).ForEach(func(k, _ []byte) error {
				if !want[string(name)][string(k)] {
					n++
				}
				return nil
			})
			if n > 0 {
				probs = append(probs, Problem{string(name), fmt.Sprintf("%d entries without a matching record", n)})
			}
		}
		return nil
	})
	return probs, err
}

func bucketHasKey(b *bolt.Bucket, k []byte) bool {
	kk, _ := b.Cursor().Seek(k)
	return bytes.Equal(kk, k)
}

// Stats are counts for the status bar and the admin tool.
type Stats struct {
	Records   int
	Pending   int // outbox entries not yet acknowledged
	Attention int
	Indexing  int // pulled records not yet findable by name, ID number and phone
	FileBytes int64
}

// Stats counts records and outbox entries; the counts are kept in meta,
// so this is cheap enough for every refresh of the status bar.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		st.Records = getCount(tx, kRecordN)
		st.Pending = getCount(tx, kPendingN)
		st.FileBytes = tx.Size()
		if b := tx.Bucket(bAttention); b != nil {
			st.Attention = b.Stats().KeyN // a short list
		}
		if b := tx.Bucket(bIdxBacklog); b != nil {
			st.Indexing = b.Stats().KeyN // at most a drain's batch and a page
		}
		return nil
	})
	return st, err
}

// Audit lists audit entries, newest first, up to limit.
func (s *Store) Audit(limit int) ([]AuditEntry, error) { return s.AuditWhere(AuditFilter{}, limit) }

// ExportCSV writes every record as one CSV row, in receipt order.
func (s *Store) ExportCSV(w io.Writer) (n int, err error) {
	err = guard(s.path, func() error { n, err = s.exportCSV(w); return err })
	return n, err
}

func (s *Store) exportCSV(w io.Writer) (int, error) {
	// a UTF-8 byte-order mark: Excel on Windows reads Vietnamese right
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"ma_ho_so", "ma_thu_tuc", "thu_tuc", "chu_ho_so", "so_giay_to", "dien_thoai", "dia_chi",
		"kenh", "so_bo", "tiep_nhan", "hen_tra", "trang_thai", "ten_trang_thai", "hoan_thanh", "tra_ket_qua", "can_bo",
		"han_giai_quyet", "ket_qua"})
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bRecords)
		return tx.Bucket(bIdxReceived).ForEach(func(k, _ []byte) error {
			r, err := decodeRecord(recs.Get(k[len(k)-idLen:]))
			if err != nil {
				return err
			}
			n++
			return cw.Write([]string{r.Code, r.ProcedureCode, r.ProcedureName, r.Owner.Name, r.Owner.IDNumber, r.Owner.Phone,
				r.Owner.Address.String(), r.Channel.Label(), strconv.Itoa(r.Sets), fmtTime(r.ReceivedAt), fmtTime(r.DueAt),
				strconv.Itoa(int(r.Status)), r.Status.Label(), fmtTime(r.FinishedAt), fmtTime(r.ReturnedAt), r.Clerk,
				fmtTime(r.LegalDue()), dossier.PunctualityLabels[r.Punctuality()]})
		})
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("2006-01-02 15:04")
}

// Restore replaces the store file at path (the program closed) with a
// checked backup. The replaced file, if any, is kept beside it (its name
// is returned). The restored counter then re-syncs safely: its pull cursor
// goes back to 0 (what it lost comes back from the backend, known events
// skipped by id), and its outbox, as it was in the backup, is sent again
// (the backend dedupes by event id).
func Restore(path, backup string) (aside string, err error) {
	if err := CheckBackup(backup); err != nil {
		return "", err
	}
	if _, serr := os.Stat(path); serr == nil {
		// the program must be closed (a damaged file may not open: fine)
		var cur *bolt.DB
		err := guard(path, func() (err error) {
			cur, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
			return err
		})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return "", ErrLocked
		}
		if cur != nil {
			cur.Close()
		}
		aside = fmt.Sprintf("%s.replaced-%s", path, time.Now().Format("20060102-150405"))
		if err := boltfile.CopyFile(path, aside); err != nil {
			return "", classify(err)
		}
	}
	tmp := path + ".restoring"
	if err := boltfile.CopyFile(backup, tmp); err != nil {
		os.Remove(tmp)
		return aside, classify(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return aside, classify(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		return aside, err
	}
	defer s.Close()
	err = s.update(func(tx *bolt.Tx) error {
		if err := updateSyncState(tx, func(st *SyncState) {
			st.Cursor, st.CursorCheck, st.Acked, st.Generation = 0, "", 0, ""
			st.Restored = s.now()
		}); err != nil {
			return err
		}
		return s.audit(tx, AuditEntry{Actor: "motcuactl", Action: "restore", Detail: filepath.Base(backup)})
	})
	return aside, err
}
