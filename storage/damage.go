package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
)

// A damaged store file (truncated, overwritten pages, emptied) must give a
// message that names the file and says what to do, never a crash: bbolt
// maps the file and trusts its pages, so a truncated file is a SIGBUS and
// a bad page an assertion panic. Open checks the file's size against its
// meta pages before mapping it, and reads that may touch damaged pages run
// with faults turned into panics, recovered at this package's boundary.

// ErrDamaged says the store file is damaged. The error that wraps it is a
// *DamagedError naming the file.
var ErrDamaged = errors.New("tệp dữ liệu bị hỏng")

// DamagedError is a damaged store file and what was found.
type DamagedError struct {
	Path string
	Why  string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("tệp dữ liệu %s bị hỏng (%s). Dữ liệu đã lưu không bị ghi đè. Hãy khôi phục từ bản sao lưu gần nhất: "+
		"đóng chương trình rồi chạy “motcuactl restore TỆP_SAO_LƯU”, hoặc gọi cán bộ quản trị", e.Path, e.Why)
}

func (e *DamagedError) Unwrap() error { return ErrDamaged }

// bbolt's meta page: a 16-byte page header, then magic, version, page
// size, flags, root bucket (pgid, sequence), freelist pgid, high-water
// pgid, txid and an FNV-64a checksum of what comes before it (native byte
// order, little-endian on every platform this program runs on).
const (
	boltMagic      = 0xED0CDAED
	metaOffset     = 16
	metaLen        = 64
	metaChecksumAt = 56
)

type metaInfo struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

func parseMeta(b []byte) (metaInfo, bool) {
	if len(b) < metaOffset+metaLen {
		return metaInfo{}, false
	}
	m := b[metaOffset : metaOffset+metaLen]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != 2 {
		return metaInfo{}, false
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumAt])
	if h.Sum64() != le.Uint64(m[metaChecksumAt:]) {
		return metaInfo{}, false
	}
	return metaInfo{pageSize: le.Uint32(m[8:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// checkFile looks at an existing store file before bbolt maps it: not
// empty, at least one valid meta page, and as long as the newest valid
// meta page says. It returns whether the file exists.
func checkFile(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return true, nil // bbolt's open will say what is wrong (permissions, …)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return true, err
	}
	if fi.Size() == 0 {
		return true, &DamagedError{path, "tệp rỗng, 0 byte"}
	}
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	best, ok := parseMeta(head)
	if ok && best.pageSize >= 512 && best.pageSize <= 1<<16 {
		second := make([]byte, metaOffset+metaLen)
		if _, err := f.ReadAt(second, int64(best.pageSize)); err == nil {
			if m, ok2 := parseMeta(second); ok2 && m.txid > best.txid {
				best = m
			}
		}
	} else {
		// the first meta page is damaged: try the second at the usual sizes
		ok = false
		for _, ps := range []int64{4096, 8192, 16384, 65536} {
			second := make([]byte, metaOffset+metaLen)
			if _, err := f.ReadAt(second, ps); err == nil {
				if m, ok2 := parseMeta(second); ok2 && int64(m.pageSize) == ps {
					best, ok = m, true
					break
				}
			}
		}
	}
	if !ok {
		return true, &DamagedError{path, "không phải tệp dữ liệu Một Cửa, hoặc phần đầu tệp đã bị ghi đè"}
	}
	if need := int64(best.pgid) * int64(best.pageSize); fi.Size() < need {
		return true, &DamagedError{path, fmt.Sprintf("tệp bị cắt ngắn: %d byte, cần ít nhất %d", fi.Size(), need)}
	}
	return true, nil
}

// guard runs fn with memory faults turned into panics, and turns a panic
// (bbolt's assertions on a damaged page, or such a fault) into a
// *DamagedError of the store's file.
func guard(path string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if v := recover(); v != nil {
			slog.Error("damaged page in the store", "file", path, "detail", fmt.Sprint(v)) // bbolt's words, no personal data
			err = &DamagedError{path, "một phần dữ liệu bên trong tệp đã bị ghi đè hoặc mất"}
		}
	}()
	return fn()
}
