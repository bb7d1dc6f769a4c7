package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"motcua/sync/wire"
)

// ErrNotEmpty says a migration's target database holds a backend already.
var ErrNotEmpty = errors.New("cơ sở dữ liệu PostgreSQL đích đã có dữ liệu của máy chủ; chỉ chép vào một cơ sở dữ liệu mới")

// TableCount is how many rows a migration wrote to a table (and found
// there after).
type TableCount struct {
	Table string
	Rows  int
}

// MigrateBolt copies a bbolt store into an empty PostgreSQL store, in one
// transaction, and checks that every table holds as many rows as their
// buckets had. The store keeps its generation, the counters' tokens still
// work, and their pull cursors stay good: the bbolt log's sequence is one
// for all units, so every unit's log goes on after its last sequence, and
// the checks of the places where a unit has no event are kept
// (legacy_checks).
func MigrateBolt(ctx context.Context, from *BoltStore, to *PgStore) ([]TableCount, error) {
	var tables []pgTable
	err := from.db.View(func(tx *bolt.Tx) error {
		var err error
		tables, err = boltTables(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var counts []TableCount
	err = pgx.BeginFunc(ctx, to.pool, func(tx pgx.Tx) error {
		var used bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM principals) OR EXISTS (SELECT 1 FROM log) OR EXISTS (SELECT 1 FROM events)").Scan(&used); err != nil {
			return err
		}
		if used {
			return ErrNotEmpty
		}
		for _, t := range tables {
			if t.replace {
				if _, err := tx.Exec(ctx, "DELETE FROM "+t.name); err != nil {
					return err
				}
			}
			n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows))
			if err != nil {
				return fmt.Errorf("server: copying %s: %w", t.name, err)
			}
			var have int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+t.name).Scan(&have); err != nil {
				return err
			}
			if int(n) != len(t.rows) || have != len(t.rows) {
				return fmt.Errorf("server: %s: %d rows read, %d copied, %d there", t.name, len(t.rows), n, have)
			}
			counts = append(counts, TableCount{Table: t.name, Rows: have})
		}
		// the outbox's next items come after the copied ones
		_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('portal_outbox', 'seq'),
			GREATEST((SELECT max(seq) FROM portal_outbox), (SELECT max(seq) FROM portal_refused), 1))`)
		return err
	})
	if err != nil {
		return nil, err
	}
	// statistics of the copied tables at once: the servers' first plans
	// are then made for tables of this size, not for the empty ones
	if _, err := to.pool.Exec(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	_, err = to.calendar(ctx, to.pool) // the copied reference's calendar
	return counts, err
}

// pgTable is a table's rows as read from the bbolt store; replace clears
// what a new database was given (its own identity and reference data).
type pgTable struct {
	name    string
	cols    []string
	rows    [][]any
	replace bool
}

// splitUnit splits a unit·rest key.
func splitUnit(k []byte) (string, string) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return "", string(k)
	}
	return string(k[:i]), string(k[i+1:])
}

func u64(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// boltTables reads every bucket of the bbolt store as the rows of its
// table.
func boltTables(tx *bolt.Tx) ([]pgTable, error) {
	meta := tx.Bucket(bMeta)
	var ref wire.Reference
	if err := json.Unmarshal(meta.Get(kReference), &ref); err != nil {
		return nil, fmt.Errorf("server: the bbolt store's reference data: %w", err)
	}
	metaRows := [][]any{{"generation", string(meta.Get(kGeneration))}}
	if v := meta.Get(kShipped); v != nil {
		metaRows = append(metaRows, []any{"reference_shipped", string(v)})
	}
	for key, v := range map[string][]byte{"portal_config": meta.Get(kPortalConfig), "portal_last": meta.Get(kPortalLast), "lan_authority": meta.Get(kLANAuthority)} {
		if v != nil {
			metaRows = append(metaRows, []any{key, string(v)})
		}
	}
	out := []pgTable{
		{name: "meta", cols: []string{"key", "value"}, rows: metaRows, replace: true},
		{name: "reference", cols: []string{"id", "etag", "catalog", "calendar"}, rows: [][]any{{1, ref.ETag, []byte(ref.Catalog), []byte(ref.Calendar)}}, replace: true},
	}
	r := &boltRows{units: map[string]bool{}, devices: map[string][]any{}}
	for _, s := range r.steps() {
		b := tx.Bucket(s.bucket)
		if b == nil { // a bucket an older store never had
			continue
		}
		if err := b.ForEach(s.read); err != nil {
			return nil, fmt.Errorf("server: reading %s: %w", s.bucket, err)
		}
	}
	// every unit's log goes on after the bbolt log's last sequence: a
	// counter's cursor may stand anywhere up to it
	last := int64(tx.Bucket(bLog).Sequence())
	var unitRows, deviceRows [][]any
	for u := range r.units {
		unitRows = append(unitRows, []any{u, last})
	}
	for _, d := range r.devices {
		deviceRows = append(deviceRows, d)
	}
	return append(out,
		pgTable{name: "enroll_codes", cols: []string{"code_hash", "unit", "counter", "used", "install", "device"}, rows: r.codes},
		pgTable{name: "principals", cols: []string{"token_hash", "kind", "device_id", "unit", "counter", "revoked"}, rows: r.principals},
		pgTable{name: "devices", cols: []string{"device_id", "high", "audit_seq", "audit_hash"}, rows: deviceRows},
		pgTable{name: "unit_log", cols: []string{"unit", "last"}, rows: unitRows},
		pgTable{name: "log", cols: []string{"unit", "seq", "event_id", "event"}, rows: r.logRows},
		pgTable{name: "legacy_checks", cols: []string{"seq", "value"}, rows: r.checks},
		pgTable{name: "events", cols: []string{"event_id", "hash", "status", "seq", "reason"}, rows: r.events},
		pgTable{name: "records", cols: []string{"unit", "id", "code", "data"}, rows: r.records},
		pgTable{name: "accounts", cols: []string{"unit", "username", "data"}, rows: r.accounts},
		pgTable{name: "guidance", cols: []string{"unit", "id", "data"}, rows: r.guidance},
		pgTable{name: "letter_next", cols: []string{"unit", "year", "next"}, rows: r.letterNext},
		pgTable{name: "letter_requests", cols: []string{"device_id", "request_id", "year", "first", "last"}, rows: r.letterReq},
		pgTable{name: "letter_used", cols: []string{"unit", "year", "letter", "event_id"}, rows: r.letterUsed},
		pgTable{name: "portal_outbox", cols: []string{"seq", "unit", "event_id", "item"}, rows: r.portal},
		pgTable{name: "portal_refused", cols: []string{"seq", "unit", "item", "reason", "refused_at"}, rows: r.portalNo},
		pgTable{name: "files", cols: []string{"unit", "sha256", "data"}, rows: r.files},
		pgTable{name: "lan_keys", cols: []string{"device_id", "pub"}, rows: r.lanKeys},
	), nil
}

// boltRows gathers the rows of the tables from the buckets.
type boltRows struct {
	units                                                 map[string]bool
	devices                                               map[string][]any
	codes, principals, events, logRows, checks, records   [][]any
	accounts, guidance, letterNext, letterReq, letterUsed [][]any
	portal, portalNo, files, lanKeys                      [][]any
}

type bucketStep struct {
	bucket []byte
	read   func(k, v []byte) error
}

func (r *boltRows) steps() []bucketStep {
	return []bucketStep{{bCodes, r.code}, {bPrincipals, r.principal}, {bDeviceHigh, r.deviceHigh}, {bAuditHeads, r.auditHead},
		{bEvents, r.event}, {bLog, r.log}, {bSeqCheck, r.check}, {bRecords, r.record},
		{bAccounts, r.unitData(&r.accounts)}, {bGuidance, r.unitData(&r.guidance)},
		{bLetterNext, r.letterNextRow}, {bLetterReq, r.letterRequest}, {bLetterUsed, r.letterUsedRow},
		{bPortal, r.portalItem}, {bPortalNo, r.portalRefused}, {bFiles, r.file}, {bLANKeys, r.lanKey}}
}

// portalItem and portalRefused keep what DVCQG has yet to hear, and what
// it refused, with their order.
func (r *boltRows) portalItem(k, v []byte) error {
	var it PortalItem
	if err := json.Unmarshal(v, &it); err != nil {
		return err
	}
	r.portal = append(r.portal, []any{u64(k), it.Unit, it.EventID, string(v)})
	return nil
}

func (r *boltRows) portalRefused(k, v []byte) error {
	var it PortalItem
	if err := json.Unmarshal(v, &it); err != nil {
		return err
	}
	r.portalNo = append(r.portalNo, []any{u64(k), it.Unit, string(v), it.Refused, it.RefusedAt})
	return nil
}

func (r *boltRows) device(id string) []any {
	if r.devices[id] == nil {
		r.devices[id] = []any{id, int64(0), int64(0), ""}
	}
	return r.devices[id]
}

func (r *boltRows) code(k, v []byte) error {
	var ec enrollCode
	if err := json.Unmarshal(v, &ec); err != nil {
		return err
	}
	r.codes = append(r.codes, []any{string(k), ec.Unit, ec.Counter, ec.Used, ec.Install, ec.Device})
	return nil
}

func (r *boltRows) principal(k, v []byte) error {
	var p Principal
	if err := json.Unmarshal(v, &p); err != nil {
		return err
	}
	var dev *string
	if p.DeviceID != "" {
		dev = &p.DeviceID
	}
	r.units[p.Unit] = true
	r.principals = append(r.principals, []any{string(k), string(p.Kind), dev, p.Unit, p.Counter, p.Revoked})
	return nil
}

func (r *boltRows) deviceHigh(k, v []byte) error {
	r.device(string(k))[1] = u64(v)
	return nil
}

func (r *boltRows) auditHead(k, v []byte) error {
	var h auditHead
	if err := json.Unmarshal(v, &h); err != nil {
		return err
	}
	d := r.device(string(k))
	d[2], d[3] = int64(h.Seq), h.Hash
	return nil
}

func (r *boltRows) event(k, v []byte) error {
	var e eventResult
	if err := json.Unmarshal(v, &e); err != nil {
		return err
	}
	r.events = append(r.events, []any{string(k), e.Hash, e.Status, int64(e.Seq), e.Reason})
	return nil
}

func (r *boltRows) log(k, v []byte) error {
	unit, _ := splitUnit(k)
	var e struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(v, &e); err != nil {
		return err
	}
	r.units[unit] = true
	r.logRows = append(r.logRows, []any{unit, u64(k[len(unit)+1:]), e.ID, string(v)})
	return nil
}

func (r *boltRows) check(k, v []byte) error {
	r.checks = append(r.checks, []any{u64(k), string(v)})
	return nil
}

func (r *boltRows) record(k, v []byte) error {
	unit, id := splitUnit(k)
	var rec struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return err
	}
	r.units[unit] = true
	r.records = append(r.records, []any{unit, id, rec.Code, string(v)})
	return nil
}

// unitData reads unit·key → JSON buckets into rows of (unit, key, data).
func (r *boltRows) unitData(rows *[][]any) func(k, v []byte) error {
	return func(k, v []byte) error {
		unit, key := splitUnit(k)
		*rows = append(*rows, []any{unit, key, string(v)})
		return nil
	}
}

// file keeps a file filed online, as bytes.
func (r *boltRows) file(k, v []byte) error {
	unit, sha := splitUnit(k)
	r.files = append(r.files, []any{unit, sha, clone(v)})
	return nil
}

// lanKey keeps a device's key for the office network.
func (r *boltRows) lanKey(k, v []byte) error {
	r.lanKeys = append(r.lanKeys, []any{string(k), clone(v)})
	return nil
}

func (r *boltRows) letterNextRow(k, v []byte) error {
	unit, year := splitUnit(k)
	y, err := strconv.Atoi(year)
	r.letterNext = append(r.letterNext, []any{unit, y, u64(v)})
	return err
}

func (r *boltRows) letterRequest(k, v []byte) error {
	dev, req := splitUnit(k)
	var b wire.LetterBlock
	if err := json.Unmarshal(v, &b); err != nil {
		return err
	}
	r.letterReq = append(r.letterReq, []any{dev, req, b.Year, int64(b.From), int64(b.To)})
	return nil
}

func (r *boltRows) letterUsedRow(k, v []byte) error {
	unit, rest := splitUnit(k)
	year, letter := splitUnit([]byte(rest))
	y, err := strconv.Atoi(year)
	r.letterUsed = append(r.letterUsed, []any{unit, y, letter, string(v)})
	return err
}
