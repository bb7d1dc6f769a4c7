package storage

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// The counter's share of the unit's register of outgoing documents: runs
// of numbers the backend gave it for a year (docs/protocol.md, "Letter
// numbers"). A letter (Mẫu 04, 05) takes the next one in the transaction
// that saves its event, offline as well, and keeps it in the event.

var (
	kLetterRuns    = []byte("runs")    // in letters: []LetterRun
	kLetterPending = []byte("pending") // in letters: the request id of a run asked for and not yet answered
)

// LetterRun is a run of register numbers [From, To] for a year; Next is
// the next one to give.
type LetterRun struct {
	Year int `json:"year"`
	From int `json:"from"`
	To   int `json:"to"`
	Next int `json:"next"`
}

func letterRuns(tx *bolt.Tx) []LetterRun {
	var runs []LetterRun
	if v := tx.Bucket(bLetters).Get(kLetterRuns); v != nil {
		_ = json.Unmarshal(v, &runs)
	}
	return runs
}

func putLetterRuns(tx *bolt.Tx, runs []LetterRun) error {
	data, err := json.Marshal(runs)
	if err != nil {
		return err
	}
	return tx.Bucket(bLetters).Put(kLetterRuns, data)
}

// LetterSpare is how many register numbers of the year the counter has
// left to give.
func (s *Store) LetterSpare(year int) int {
	n := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		for _, r := range letterRuns(tx) {
			if r.Year == year {
				n += r.To - r.Next + 1
			}
		}
		return nil
	})
	return n
}

// LetterRequestID is the id of the request for more register numbers: the
// one asked for and not answered yet, or newID's, kept until answered.
func (s *Store) LetterRequestID(newID func() string) (string, error) {
	var id string
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLetters)
		if v := b.Get(kLetterPending); v != nil {
			id = string(v)
			return nil
		}
		id = newID()
		return b.Put(kLetterPending, []byte(id))
	})
	return id, err
}

// AddLetterRun keeps a run the backend gave for the pending request (a
// run already kept is not added twice).
func (s *Store) AddLetterRun(year, from, to int) error {
	if from < 1 || to < from {
		return fmt.Errorf("storage: a run of register numbers %d–%d", from, to)
	}
	return s.update(func(tx *bolt.Tx) error {
		runs := letterRuns(tx)
		if !slices.ContainsFunc(runs, func(r LetterRun) bool { return r.Year == year && r.From == from }) {
			if err := putLetterRuns(tx, append(runs, LetterRun{Year: year, From: from, To: to, Next: from})); err != nil {
				return err
			}
		}
		return tx.Bucket(bLetters).Delete(kLetterPending)
	})
}

// numberLetter gives a letter event the next number of its year's runs,
// with the unit's symbol; the event keeps none when the runs are spent.
func (s *Store) numberLetter(tx *bolt.Tx, e *dossier.Event) error {
	if e.Letter != "" || !dossier.NumberedLetter(e.Type) {
		return nil
	}
	year := e.At.In(dossier.Loc).Year()
	runs := letterRuns(tx)
	for i := range runs {
		r := &runs[i]
		if r.Year != year || r.Next > r.To {
			continue
		}
		e.Letter = fmt.Sprintf("%d/%s", r.Next, letterSymbol(e.Type, s.Settings().LetterSymbol))
		r.Next++
		return putLetterRuns(tx, runs)
	}
	return nil
}

// DefaultLetterSymbol is the issuing body's part of a letter's symbol
// when the settings give none.
const DefaultLetterSymbol = "UBND"

// letterSymbol is a letter's symbol after Decree 30/2020 Phụ lục I: a
// công văn (Mẫu 04) carries the issuing body's abbreviation, a thông báo
// (Mẫu 05) "TB-" before it.
func letterSymbol(t dossier.EventType, body string) string {
	body = strings.TrimSpace(body)
	if body == "" {
		body = DefaultLetterSymbol
	}
	if t == dossier.EvStopped {
		return "TB-" + body
	}
	return body
}
