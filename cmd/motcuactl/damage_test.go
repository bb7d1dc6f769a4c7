package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// storeWithRecords is a set-up data directory holding a few records.
func storeWithRecords(t *testing.T) (dir, code string) {
	dir = setUp(t)
	for i := 0; i < 30; i++ {
		c, out, e := ctl(t, dir, "intake", "../../docs/intake-example.json")
		if c != 0 {
			t.Fatalf("intake: %s", e)
		}
		code = strings.TrimSpace(out)
	}
	return dir, code
}

// every command a support person would try on a damaged file
func everyCommand(dir, code string) [][]string {
	out := filepath.Join(dir, "out")
	return [][]string{
		{"status"}, {"status", "-json"}, {"verify"}, {"export", "-csv", out + ".csv"}, {"backup", out + ".bak"},
		{"print", "-form", "receipt", "-code", code, "-o", out + ".pdf"},
		{"print", "-form", "ledger", "-from", "01/01/2026", "-to", "31/12/2026", "-o", out + "-ledger.pdf"},
		{"intake", "../../docs/intake-example.json"}, {"due", "-procedure", "1.001193", "-received", "2026-02-13 16:05"},
		{"sync"}, {"calendar", "show"},
	}
}

func TestDamagedFileIsAMessage(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"truncated": func(t *testing.T, path string) {
			// below what the file's pages need (bbolt grows the file ahead
			// of its pages: cutting that off harms nothing)
			db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			var used int64
			db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
			db.Close()
			if err := os.Truncate(path, used*2/3); err != nil {
				t.Fatal(err)
			}
		},
		"empty": func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
		"meta-overwritten": func(t *testing.T, path string) {
			overwrite(t, path, 0, 8192)
		},
		"pages-overwritten": func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			overwrite(t, path, 2*4096, fi.Size()/2-2*4096)
		},
	}
	bin := buildCtl(t)
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir, code := storeWithRecords(t)
			path := filepath.Join(dir, "motcua.db")
			damage(t, path)
			for _, args := range everyCommand(dir, code) {
				// each command in a process of its own, as an operator runs
				// them: a SIGBUS or a panic ends that process, and shows
				c, e := ctlProcess(t, bin, dir, args...)
				if strings.Contains(e, "goroutine ") || (c != 0 && c != 1) {
					t.Fatalf("%v: a crash, not a message: %s", args, e)
				}
				if c == 0 {
					if name == "truncated" || name == "empty" || name == "meta-overwritten" {
						t.Fatalf("%v succeeded on a %s file", args, name)
					}
					continue // a command that never reads a damaged page may work
				}
				if c != 1 {
					t.Fatalf("%v: exit %d: %s", args, c, e)
				}
				if args[0] != "sync" && !strings.Contains(e, "bị hỏng") && !strings.Contains(e, "lỗi") {
					t.Fatalf("%v: %q does not say the file is damaged", args, e)
				}
				if strings.Contains(e, "bị hỏng") && (!strings.Contains(e, path) || !strings.Contains(e, "bản sao lưu")) {
					t.Fatalf("%v: %q does not name the file or what to do", args, e)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "out.bak")); err == nil {
				t.Fatal("a backup of a damaged file was made")
			}
			if name == "pages-overwritten" {
				if c, _, _ := ctl(t, dir, "verify"); c != 1 {
					t.Fatal("verify passed a file with overwritten pages")
				}
			}
		})
	}
}

// buildCtl builds motcuactl for the tests that run it as a process.
func buildCtl(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "motcuactl")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v %s", err, out)
	}
	return bin
}

// ctlProcess runs motcuactl; the exit status is -1 when a signal ended it.
func ctlProcess(t *testing.T, bin, dir string, args ...string) (int, string) {
	t.Helper()
	var errb strings.Builder
	cmd := exec.Command(bin, append([]string{"-data", dir, "-user", "binh"}, args...)...)
	cmd.Stderr = &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), errb.String()
	}
	t.Fatal(err)
	return 0, ""
}

func overwrite(t *testing.T, path string, at, n int64) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("\xde\xad\xbe\xef", int(n/4)+1))[:n]
	if _, err := f.WriteAt(junk, at); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// An empty file is damaged, not a new store; the user may start afresh on
// purpose only by removing it.
func TestEmptyFileNotSilentlyNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "motcua.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, e := anon(t, dir, setupArgs...)
	if c != 1 || !strings.Contains(e, "tệp rỗng") {
		t.Fatalf("%d %s", c, e)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatal("the empty file was turned into a store")
	}
}

// A read-only medium: status, verify, export, backup and printing work;
// a write says so in Vietnamese.
func TestReadOnlyMedium(t *testing.T) {
	dir, code := storeWithRecords(t)
	outDir := t.TempDir()
	ro := readOnly(t, dir)
	for _, args := range [][]string{
		{"status"}, {"verify"}, {"export", "-csv", filepath.Join(outDir, "x.csv")}, {"backup", filepath.Join(outDir, "x.bak")},
		{"print", "-form", "receipt", "-code", code, "-o", filepath.Join(outDir, "x.pdf")},
	} {
		if c, o, e := ctl(t, ro, args...); c != 0 {
			t.Fatalf("%v on a read-only medium: %d %s %s", args, c, o, e)
		}
	}
	c, _, e := ctl(t, ro, "intake", "../../docs/intake-example.json")
	if c != 1 || !strings.Contains(e, "Không có quyền ghi") {
		t.Fatalf("a write on a read-only medium: %d %q", c, e)
	}
	if c, o, _ := ctl(t, outDir, "-data", outDir, "status"); c == 0 && strings.Contains(o, "Hồ sơ: 30") {
		t.Fatal("status of an empty directory")
	}
}

// readOnly makes dir read-only: a read-only bind mount as root (file
// permissions do not stop root), file modes otherwise.
func readOnly(t *testing.T, dir string) string {
	if os.Getuid() != 0 {
		os.Chmod(filepath.Join(dir, "motcua.db"), 0o444)
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return dir
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "--bind", dir, mnt).CombinedOutput(); err != nil {
		t.Fatalf("bind mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("read-only remount: %v %s", err, out)
	}
	return mnt
}

// motcuactl restore: a checked backup replaces the file, the old one is
// kept, the restored counter will pull again from the start.
func TestRestoreFromBackup(t *testing.T) {
	dir, _ := storeWithRecords(t)
	bak := filepath.Join(t.TempDir(), "b.db")
	if c, o, e := ctl(t, dir, "backup", bak); c != 0 || !strings.Contains(o, "kiểm tra") {
		t.Fatalf("%d %s %s", c, o, e)
	}
	for i := 0; i < 3; i++ {
		ctl(t, dir, "intake", "../../docs/intake-example.json")
	}
	// a damaged "backup" is refused and nothing changes
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("x", 9000)), 0o600)
	if c, _, e := ctl(t, dir, "restore", junk); c != 1 || !strings.Contains(e, "bản sao lưu không dùng được") {
		t.Fatalf("junk restore: %d %s", c, e)
	}
	if _, o, _ := ctl(t, dir, "status"); !strings.Contains(o, "Hồ sơ: 33") {
		t.Fatalf("after a refused restore: %s", o)
	}
	c, o, e := ctl(t, dir, "restore", bak)
	if c != 0 || !strings.Contains(o, "giữ lại tại") {
		t.Fatalf("%d %s %s", c, o, e)
	}
	if _, o, _ := ctl(t, dir, "status"); !strings.Contains(o, "Hồ sơ: 30") || !strings.Contains(o, "Khôi phục từ bản sao lưu") {
		t.Fatalf("after restore: %s", o)
	}
	if c, _, e := ctl(t, dir, "verify"); c != 0 {
		t.Fatal(e)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "motcua.db.replaced-*"))
	if len(matches) != 1 {
		t.Fatalf("replaced file kept: %v", matches)
	}
}
