package storage

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// DueFilter narrows the list to files by their appointment.
type DueFilter int

// Due filters. They apply to open files whose clock runs (a file waiting for
// a supplement is paused and never matches).
const (
	DueAny     DueFilter = iota
	DueOverdue           // appointment passed
	DueToday             // appointment today, not yet passed
	DueSoon              // appointment within the next 2 working days
)

// Query selects records for the list. Zero fields do not filter.
type Query struct {
	Text      string         // code, ID number, phone or name (folded)
	Status    dossier.Status // 0: any
	Procedure string
	From, To  time.Time // received in [From, To)
	Due       DueFilter
	Now       time.Time // for Due; zero means now
}

// Cursor is an opaque position in a query's results.
type Cursor []byte

const idLen = 36

// Page returns up to limit records of the query after the cursor (nil for
// the first page) and the cursor of the next page (nil when there is none).
// Lists are newest first; due filters list the earliest appointment first.
func (s *Store) Page(q Query, after Cursor, limit int) ([]*dossier.Record, Cursor, error) {
	if q.Now.IsZero() {
		q.Now = s.now()
	}
	var (
		out  []*dossier.Record
		next Cursor
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		src := s.source(tx, q, after)
		recs := tx.Bucket(bRecords)
		for len(out) < limit {
			id, pos, ok := src()
			if !ok {
				return nil
			}
			v := recs.Get(id)
			if v == nil {
				continue
			}
			r, err := decodeRecord(v)
			if err != nil {
				return err
			}
			if s.match(q, r) {
				out = append(out, r)
			}
			next = Cursor(clone(pos))
		}
		// Is there anything after the page?
		if _, _, ok := src(); !ok {
			next = nil
		}
		return nil
	})
	if len(out) < limit {
		next = nil
	}
	return out, next, err
}

// Count counts the query's records, stopping at max (then it returns max).
func (s *Store) Count(q Query, max int) (int, error) {
	if q.Text == "" && q.Status == 0 && q.Procedure == "" && q.From.IsZero() && q.To.IsZero() && q.Due == DueAny {
		st, err := s.Stats() // every record: the count is kept in meta
		return min(st.Records, max), err
	}
	n := 0
	var cur Cursor
	for n < max {
		page, next, err := s.Page(q, cur, min(500, max-n))
		if err != nil {
			return n, err
		}
		n += len(page)
		if next == nil {
			break
		}
		cur = next
	}
	return n, nil
}

func (s *Store) dueRange(q Query) (lo, hi time.Time) {
	now := q.Now.In(dossier.Loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, dossier.Loc)
	switch q.Due {
	case DueOverdue:
		return time.Unix(1, 0), now
	case DueToday:
		return now, today.AddDate(0, 0, 1)
	default: // DueSoon
		cal := s.Calendar()
		return now, cal.Add(now, 2*dossier.MinutesPerWorkingDay).Add(time.Second)
	}
}

func (s *Store) match(q Query, r *dossier.Record) bool {
	if q.Status != 0 && r.Status != q.Status {
		return false
	}
	if q.Procedure != "" && r.ProcedureCode != q.Procedure {
		return false
	}
	if !q.From.IsZero() && r.ReceivedAt.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !r.ReceivedAt.Before(q.To) {
		return false
	}
	if q.Due != DueAny {
		if !r.Status.Open() || r.Status == dossier.StatusSupplement {
			return false
		}
		lo, hi := s.dueRange(q)
		if r.DueAt.Before(lo) || !r.DueAt.Before(hi) {
			return false
		}
	}
	return true
}

// shortCodeRE is (the start of) a record's code without its unit: the
// day, a dash, and the number of the day, or its first digits.
var shortCodeRE = regexp.MustCompile(`^\d{6}-\d{0,5}$`)

// LooksLikeShortCode says whether a search is (the start of) a record's
// code as the records list shows it, without the unit: "260310-2001".
func LooksLikeShortCode(text string) bool { return shortCodeRE.MatchString(strings.TrimSpace(text)) }

// looksLikePortalCode says whether a search is (the start of) a code the
// national portal gave a file filed online: one word (no spaces) with a
// digit and a dot or dash, which a name never is. Numbers (ID, phone) are
// told apart before.
func looksLikePortalCode(text string) bool {
	return text != "" && !strings.ContainsFunc(text, unicode.IsSpace) &&
		strings.ContainsAny(text, "0123456789") && strings.ContainsAny(text, ".-")
}

// source picks the index that drives a query: text, then due, status,
// procedure, and the received-time index. It returns an iterator of
// (record id, cursor position).
func (s *Store) source(tx *bolt.Tx, q Query, after Cursor) func() ([]byte, []byte, bool) {
	if text := strings.TrimSpace(q.Text); text != "" {
		return s.textSource(tx, text, after)
	}
	recvLo, recvHi := bound(q.From), bound(q.To)
	switch {
	case q.Due != DueAny:
		lo, hi := s.dueRange(q)
		var prefixes [][]byte
		for _, st := range []dossier.Status{dossier.StatusRegistered, dossier.StatusReceived, dossier.StatusProcessing, dossier.StatusFinancial} {
			if q.Status == 0 || q.Status == st {
				prefixes = append(prefixes, []byte{byte(st)})
			}
		}
		return merged(tx.Bucket(bIdxStatusDue), prefixes, unix8(lo), unix8(hi), false, after)
	case q.Status != 0:
		return merged(tx.Bucket(bIdxStatusRcv), [][]byte{{byte(q.Status)}}, recvLo, recvHi, true, after)
	case q.Procedure != "":
		return merged(tx.Bucket(bIdxProcRecv), [][]byte{join([]byte(q.Procedure), sep)}, recvLo, recvHi, true, after)
	default:
		return merged(tx.Bucket(bIdxReceived), [][]byte{nil}, recvLo, recvHi, true, after)
	}
}

// textSource is source for a search's text: a code (or a scanned lookup
// link), an ID number, tax code or phone, a national portal's code, else
// a name.
func (s *Store) textSource(tx *bolt.Tx, text string, after Cursor) func() ([]byte, []byte, bool) {
	if code := dossier.FindCode(text); code != "" {
		text = code // a scanned lookup link: the code it carries
	} else if LooksLikeShortCode(text) {
		// the code as the records list shows it, without the unit's
		// prefix that every record of the unit shares: "260310-2001"
		text = s.Settings().UnitCode + "-" + text
	}
	switch {
	case dossier.LooksLikeCode(text):
		return codeScan(tx.Bucket(bIdxCode), []byte(text), after)
	case isNumberQuery(text):
		return exactIDs(tx, text, after)
	case looksLikePortalCode(text):
		// (the start of) a national portal's code, "G22.99.12-261128-0042",
		// as typed, else in capitals as the portal gives them
		codes := tx.Bucket(bIdxCode)
		if k, _ := codes.Cursor().Seek([]byte(text)); !bytes.HasPrefix(k, []byte(text)) {
			text = strings.ToUpper(text)
		}
		return codeScan(codes, []byte(text), after)
	default:
		return nameJoin(tx.Bucket(bIdxName), dossier.NameTokens(text), after)
	}
}

func bound(t time.Time) []byte {
	if t.IsZero() {
		return nil
	}
	return unix8(t)
}

func isNumberQuery(s string) bool {
	p := strings.ToUpper(dossier.NormalizePhone(s))
	if len(p) >= 9 && (strings.Trim(p, "+0123456789-") == "") {
		return true
	}
	_, err := dossier.ValidateIDNumber(p, time.Time{}, dossier.SexUnknown)
	return err == nil
}

// exactIDs finds records by ID number, tax code or phone; a few records at
// most share one, so they are collected and listed newest first.
func exactIDs(tx *bolt.Tx, text string, after Cursor) func() ([]byte, []byte, bool) {
	norm := strings.ToUpper(dossier.NormalizePhone(text))
	seen := map[string]bool{}
	var ids []string
	collect := func(b *bolt.Bucket, key string) {
		prefix := join([]byte(key), sep)
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id := string(k[len(prefix):])
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	collect(tx.Bucket(bIdxIDNum), strings.TrimSpace(strings.ToUpper(text)))
	collect(tx.Bucket(bIdxIDNum), norm)
	collect(tx.Bucket(bIdxPhone), dossier.CanonicalPhone(norm))
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	i := 0
	if after != nil {
		i = sort.Search(len(ids), func(j int) bool { return ids[j] < string(after) })
	}
	return func() ([]byte, []byte, bool) {
		if i >= len(ids) {
			return nil, nil, false
		}
		id := []byte(ids[i])
		i++
		return id, id, true
	}
}

// codeScan lists records whose code starts with prefix, highest code first.
func codeScan(b *bolt.Bucket, prefix []byte, after Cursor) func() ([]byte, []byte, bool) {
	c := b.Cursor()
	var k, v []byte
	started := false
	return func() ([]byte, []byte, bool) {
		if !started {
			started = true
			if after != nil {
				k, v = seekBefore(c, after)
			} else {
				k, v = seekBefore(c, prefixEnd(prefix))
			}
		} else {
			k, v = c.Prev()
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return nil, nil, false
		}
		return v, k, true
	}
}

// seekBefore positions c at the last key < target (target nil: the last key).
func seekBefore(c *bolt.Cursor, target []byte) ([]byte, []byte) {
	if target == nil {
		return c.Last()
	}
	k, _ := c.Seek(target)
	if k == nil {
		return c.Last()
	}
	return c.Prev()
}

// prefixEnd is the smallest key greater than every key with the prefix, or
// nil when there is none.
func prefixEnd(p []byte) []byte {
	end := clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// merged scans keys prefix+suffix of one index for several prefixes at once,
// in suffix order (descending or ascending), with suffix in [lo, hi). The
// suffix ends with the record id. The cursor is the last suffix returned.
func merged(b *bolt.Bucket, prefixes [][]byte, lo, hi []byte, desc bool, after Cursor) func() ([]byte, []byte, bool) {
	type sub struct {
		c      *bolt.Cursor
		prefix []byte
		suffix []byte
	}
	subs := make([]*sub, len(prefixes))
	valid := func(sb *sub, k []byte) []byte {
		if k == nil || !bytes.HasPrefix(k, sb.prefix) {
			return nil
		}
		suf := k[len(sb.prefix):]
		if len(suf) < idLen || (lo != nil && bytes.Compare(suf, lo) < 0) || (hi != nil && bytes.Compare(suf, hi) >= 0) {
			return nil
		}
		return suf
	}
	for i, p := range prefixes {
		sb := &sub{c: b.Cursor(), prefix: p}
		subs[i] = sb
		var k []byte
		if desc {
			target := prefixEnd(p)
			if hi != nil {
				target = join(p, hi)
			}
			if after != nil && (hi == nil || bytes.Compare(after, hi) < 0) {
				target = join(p, after)
			}
			k, _ = seekBefore(sb.c, target)
		} else {
			target := join(p, lo)
			if after != nil && bytes.Compare(after, lo) >= 0 {
				target = join(p, after)
			}
			k, _ = sb.c.Seek(target)
			if after != nil && k != nil && bytes.Equal(k, join(p, after)) {
				k, _ = sb.c.Next()
			}
		}
		sb.suffix = valid(sb, k)
	}
	return func() ([]byte, []byte, bool) {
		var best *sub
		for _, sb := range subs {
			if sb.suffix == nil {
				continue
			}
			if best == nil || (desc && bytes.Compare(sb.suffix, best.suffix) > 0) || (!desc && bytes.Compare(sb.suffix, best.suffix) < 0) {
				best = sb
			}
		}
		if best == nil {
			return nil, nil, false
		}
		suf := best.suffix
		var k []byte
		if desc {
			k, _ = best.c.Prev()
		} else {
			k, _ = best.c.Next()
		}
		best.suffix = valid(best, k)
		return suf[len(suf)-idLen:], suf, true
	}
}

// nameJoin intersects the id lists of several name tokens by leapfrogging
// cursors downward, newest id (UUIDv7) first. Each cursor moves with a few
// cheap Prev steps before it falls back to a Seek, so the work is bounded
// by the rarest token's list and stays sequential where lists are dense.
func nameJoin(b *bolt.Bucket, tokens []string, after Cursor) func() ([]byte, []byte, bool) {
	type tok struct {
		c      *bolt.Cursor
		prefix []byte
		id     []byte // current id, nil when exhausted
	}
	toks := make([]*tok, len(tokens))
	for i, t := range tokens {
		toks[i] = &tok{c: b.Cursor(), prefix: join([]byte(t), sep)}
	}
	idOf := func(t *tok, k []byte) []byte {
		if k == nil || !bytes.HasPrefix(k, t.prefix) {
			return nil
		}
		return k[len(t.prefix):]
	}
	// seekDown positions t at its largest id <= target (< when strict);
	// target nil means no bound.
	seekDown := func(t *tok, target []byte, strict bool) {
		var k []byte
		if target == nil {
			k, _ = seekBefore(t.c, prefixEnd(t.prefix))
		} else {
			full := join(t.prefix, target)
			k, _ = t.c.Seek(full)
			if k == nil || strict || !bytes.Equal(k, full) {
				k, _ = seekBefore(t.c, full)
			}
		}
		t.id = idOf(t, k)
	}
	// down moves t (already at or above target) to its largest id <= target.
	down := func(t *tok, target []byte) {
		for step := 0; t.id != nil && bytes.Compare(t.id, target) > 0; step++ {
			if step == 8 {
				seekDown(t, target, false)
				return
			}
			k, _ := t.c.Prev()
			t.id = idOf(t, k)
		}
	}
	started := false
	return func() ([]byte, []byte, bool) {
		if len(toks) == 0 {
			return nil, nil, false
		}
		if !started {
			started = true
			for _, t := range toks {
				seekDown(t, after, after != nil)
			}
		} else if toks[0].id != nil {
			k, _ := toks[0].c.Prev() // past the id returned last
			toks[0].id = idOf(toks[0], k)
		}
		for {
			cand := toks[0].id
			if cand == nil {
				return nil, nil, false
			}
			agree := true
			for _, t := range toks[1:] {
				down(t, cand)
				if t.id == nil {
					toks[0].id = nil
					return nil, nil, false
				}
				if !bytes.Equal(t.id, cand) {
					down(toks[0], t.id) // t.id < cand: leap
					agree = false
					break
				}
			}
			if agree {
				id := clone(cand)
				return id, id, true
			}
		}
	}
}

// Collect returns up to max records of the query, oldest first (for the
// ledger), and whether more were left out.
func (s *Store) Collect(q Query, max int) ([]*dossier.Record, bool, error) {
	var out []*dossier.Record
	var cur Cursor
	for {
		page, next, err := s.Page(q, cur, min(1000, max+1-len(out)))
		if err != nil {
			return nil, false, err
		}
		out = append(out, page...)
		if next == nil || len(out) > max {
			break
		}
		cur = next
	}
	more := len(out) > max
	if more {
		out = out[:max]
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, more, nil
}

// ProcedureUse counts, for each procedure code, the records received from
// from on, up to max each, from the procedure index alone (no record is
// read): the procedure box ranks the counter's most used first.
func (s *Store) ProcedureUse(codes []string, from time.Time, max int) (map[string]int, error) {
	out := make(map[string]int, len(codes))
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bIdxProcRecv).Cursor()
		for _, code := range codes {
			prefix := join([]byte(code), sep)
			n := 0
			for k, _ := c.Seek(join(prefix, unix8(from))); k != nil && bytes.HasPrefix(k, prefix) && n < max; k, _ = c.Next() {
				n++
			}
			if n > 0 {
				out[code] = n
			}
		}
		return nil
	})
	return out, err
}

// EachGuidance calls fn for the guidance given at the unit's counters.
func (s *Store) EachGuidance(fn func(*dossier.Guidance) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bGuidance).ForEach(func(_, v []byte) error {
			var g dossier.Guidance
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			return fn(&g)
		})
	})
}
