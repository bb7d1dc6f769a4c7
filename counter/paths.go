package counter

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"motcua/storage"
)

// DataDir is the folder of the counter's data in the user's data
// directory: %LocalAppData%\MotCua on Windows (never Roaming, which follows
// the user's profile across the domain), $XDG_DATA_HOME/motcua
// (~/.local/share/motcua) on Linux, ~/Library/Application Support/motcua
// on macOS.
func DataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "MotCua"), nil
		}
		d, err := os.UserCacheDir() // %LocalAppData% too
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "MotCua"), nil
	case "darwin", "ios":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "motcua"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "motcua"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "motcua"), nil
}

// oldDataDir is where earlier versions kept the data: the configuration
// directory (Roaming on Windows).
func oldDataDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "motcua"), nil
}

// Move is the data folder moved from the old place at this start.
type Move struct{ From, To string }

// dataPath is the data file for dir; for the default folder, a data file
// in the old place (and its prints and backups beside it) is moved to the
// new one first, unless another program holds it open.
func dataPath(dir string) (string, *Move, error) {
	if dir != "" {
		return filepath.Join(dir, "motcua.db"), nil, nil
	}
	newDir, err := DataDir()
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(newDir, "motcua.db")
	oldDir, err := oldDataDir()
	if err != nil || oldDir == newDir {
		return path, nil, nil
	}
	mv, err := moveData(oldDir, newDir)
	return path, mv, err
}

func moveData(oldDir, newDir string) (*Move, error) {
	oldFile := filepath.Join(oldDir, "motcua.db")
	if _, err := os.Stat(oldFile); err != nil {
		return nil, nil // nothing in the old place
	}
	if _, err := os.Stat(filepath.Join(newDir, "motcua.db")); err == nil {
		return nil, nil // already in the new place: the old file is left alone
	}
	// the lock says no other program of ours has the old file open
	s, err := storage.Open(oldFile, storage.Options{ReadOnly: true})
	if errors.Is(err, storage.ErrLocked) {
		return nil, err
	}
	if err == nil {
		s.Close()
	}
	if err := os.MkdirAll(filepath.Dir(newDir), 0o700); err != nil {
		return nil, fmt.Errorf("counter: moving the data to %s: %w", newDir, err)
	}
	if err := os.Remove(newDir); err == nil || errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(oldDir, newDir); err != nil {
			return nil, fmt.Errorf("counter: moving the data from %s to %s: %w", oldDir, newDir, err)
		}
		return &Move{From: oldDir, To: newDir}, nil
	}
	// the new folder has something in it already (not a data file): move
	// the old folder's entries one by one, never over one that is there
	entries, err := os.ReadDir(oldDir)
	if err != nil {
		return nil, fmt.Errorf("counter: moving the data from %s: %w", oldDir, err)
	}
	for _, e := range entries {
		to := filepath.Join(newDir, e.Name())
		if _, err := os.Lstat(to); err == nil {
			continue // left in the old place
		}
		if err := os.Rename(filepath.Join(oldDir, e.Name()), to); err != nil {
			return nil, fmt.Errorf("counter: moving %s to %s: %w", e.Name(), newDir, err)
		}
	}
	_ = os.Remove(oldDir) // gone if it is empty now
	return &Move{From: oldDir, To: newDir}, nil
}
