// Package account holds what signing in needs beside the domain types
// (dossier.Account): password hashing with argon2id, the password rules,
// the growing wait after wrong passwords, and the matrix of which role may
// do what. The counter and the backend both decide with it.
package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. A hash carries the ones it was made with,
// so verifying never depends on the current setting.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// Cost is what new hashes use: 32 MiB, 8 passes, 2 lanes: 150–350 ms on a
// 2-core counter PC, also for the first sign-in after the program starts,
// when the memory is new to the process (BenchmarkHash measures the
// steady cost; 64 MiB cost a fresh process twice as much, page faults
// included). Tests of other
// layers lower it with Cheap, so a test run signs in many times quickly;
// the stored hash says which costs made it.
var Cost = Params{Memory: 32 * 1024, Time: 8, Threads: 2}

// Cheap is for tests only.
var Cheap = Params{Memory: 64, Time: 1, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinLength is the shortest password accepted, in characters.
	MinLength = 8
	// MaxLength bounds what is hashed (a pasted book is no password).
	MaxLength = 128
)

// Hash makes the PHC-form argon2id hash of a password with Cost.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := Cost
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash says a stored hash is not one this package made.
var ErrBadHash = errors.New("account: stored password hash is malformed")

// Check says whether password matches the hash, in constant time.
func Check(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, ErrBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > 1<<21 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return false, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// PasswordError says why a new password is refused; Key names the
// sentence (translations "password.<Key>").
type PasswordError struct{ Key string }

func (e *PasswordError) Error() string { return "account: password refused: " + e.Key }

// CheckNew applies the rules to a new password for username: at least
// MinLength characters, not one of the commonest passwords, not the
// username.
func CheckNew(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinLength:
		return &PasswordError{Key: "short"}
	case n > MaxLength:
		return &PasswordError{Key: "long"}
	case strings.EqualFold(password, username) || strings.Contains(strings.ToLower(password), strings.ToLower(username)) && len(username) >= 4:
		return &PasswordError{Key: "username"}
	case common[strings.ToLower(password)]:
		return &PasswordError{Key: "common"}
	}
	return nil
}

// Tries is what a counter remembers of wrong passwords for one username.
type Tries struct {
	Failed int       `json:"failed"` // in a row
	Last   time.Time `json:"last"`
}

// FreeTries is how many wrong passwords in a row cost nothing.
const FreeTries = 5

// Wait is how long after t.Last the next try must wait: nothing for the
// first FreeTries wrong passwords, then 2 s, doubling each time, up to
// 15 minutes.
func (t Tries) Wait() time.Duration {
	if t.Failed < FreeTries {
		return 0
	}
	d := 2 * time.Second << min(t.Failed-FreeTries, 10)
	return min(d, 15*time.Minute)
}

// Remaining is how long a try at now still has to wait: never more than
// Wait, even when the clock was put back since the last wrong password.
func (t Tries) Remaining(now time.Time) time.Duration {
	w := t.Wait()
	if w == 0 {
		return 0
	}
	return min(w, max(0, t.Last.Add(w).Sub(now)))
}
