package server

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"motcua/dossier"
	"motcua/sync/wire"
)

// PgStore is the Store on PostgreSQL, for a province: several server
// processes may serve the same database at once, and nothing any of them
// keeps in memory is needed for correctness (the calendar it applies
// events with is read again when the reference data's tag changes).
//
// Every push to a unit first locks the unit's row of unit_log and holds it
// to its commit: the pushes of a unit are serial, as on the bbolt store,
// and the unit's log is numbered in commit order, so a pull never sees a
// sequence before the smaller ones are visible (docs/protocol.md, "Pull
// order"). Pushes to different units run side by side.
type PgStore struct {
	pool    *pgxpool.Pool
	queue   *pgQueue // pushes on their way to a committer (pggroup.go)
	workers sync.WaitGroup
	ref     atomic.Pointer[pgRef] // the calendar applied, with its tag
	now     func() time.Time
}

type pgRef struct {
	etag string
	cal  *dossier.Calendar
}

//go:embed pgschema/*.sql
var pgSchema embed.FS

// pgMigrations are the schema's steps, in order: file i brings the schema
// from version i to i+1.
func pgMigrations() ([]string, error) {
	names, err := fs.Glob(pgSchema, "pgschema/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		data, err := pgSchema.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[i] = string(data)
	}
	return out, nil
}

// PgSchemaVersion is the schema this build writes.
func PgSchemaVersion() int {
	m, _ := pgMigrations()
	return len(m)
}

// IsPostgres says whether a -db value names a PostgreSQL database.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenPg connects to the database at url, brings its schema up to date
// (one process at a time, under an advisory lock) and, on first use, puts
// in the reference data.
func OpenPg(ctx context.Context, url string, defaultCatalog, defaultCalendar []byte) (*PgStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("server: database address: %w", err)
	}
	// every statement planned for its values: a prepared statement's
	// generic plan, made once for a connection's life, may be made while a
	// table is small and scan it whole ever after (auto_explain showed a
	// push's read-ahead filtering all of a unit's records for 20 keys);
	// the address may say otherwise
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// the committers hold a connection each for a transaction: requests
	// (a token to check, a pull) must find others free meanwhile, or every
	// request waits for a commit; the address may say otherwise
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, pgPoolConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &PgStore{pool: pool, now: time.Now, queue: newPgQueue()}
	if err := s.migrate(ctx, defaultCatalog, defaultCalendar); err != nil {
		pool.Close()
		return nil, err
	}
	if _, err := s.calendar(ctx, s.pool); err != nil {
		pool.Close()
		return nil, err
	}
	for range pgCommitters {
		s.workers.Go(s.commit)
	}
	return s, nil
}

// pgMigrateLock is the advisory lock key that serialises migrations
// ("motcua" in ASCII).
const pgMigrateLock = 0x6d6f74637561

func (s *PgStore) migrate(ctx context.Context, catalog, calendar []byte) error {
	steps, err := pgMigrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(pgMigrateLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL, applied timestamptz NOT NULL DEFAULT now())"); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
			return err
		}
		if have > len(steps) {
			return ErrNewerSchema
		}
		for i := have; i < len(steps); i++ {
			if _, err := tx.Exec(ctx, steps[i]); err != nil {
				return fmt.Errorf("server: schema %d→%d: %w", i, i+1, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version) VALUES ($1)", i+1); err != nil {
				return err
			}
		}
		if have == 0 { // a new store: its identity and reference data
			ref, err := makeReference(catalog, calendar, "")
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ('generation', $1)", newGenerationText()); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO reference (id, etag, catalog, calendar) VALUES (1, $1, $2, $3)", ref.ETag, []byte(ref.Catalog), []byte(ref.Calendar)); err != nil {
				return err
			}
		}
		return s.refreshShipped(ctx, tx, catalog, calendar)
	})
}

// refreshShipped is the bbolt store's refreshShipped (shipped.go).
func (s *PgStore) refreshShipped(ctx context.Context, tx pgx.Tx, catalog, calendar []byte) error {
	ref, err := pgReference(ctx, tx)
	if err != nil {
		return err
	}
	var mark []byte
	err = tx.QueryRow(ctx, "SELECT value FROM meta WHERE key = 'reference_shipped'").Scan(&mark)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	cat, cal, newMark, replace, err := shippedUpdate(ref, mark, catalog, calendar)
	if err != nil {
		return err
	}
	if replace {
		if err := pgPutReference(ctx, tx, cat, cal); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ('reference_shipped', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", string(newMark))
	return err
}

// Close closes the connections.
func (s *PgStore) Close() error {
	s.queue.close()
	s.workers.Wait()
	s.pool.Close()
	return nil
}

// querier is a pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// calendar is the calendar events are applied with: the one in the
// database, read again when its tag is not the one this process has.
func (s *PgStore) calendar(ctx context.Context, q querier) (*dossier.Calendar, error) {
	var etag string
	if err := q.QueryRow(ctx, "SELECT etag FROM reference WHERE id = 1").Scan(&etag); err != nil {
		return nil, err
	}
	return s.calendarOf(ctx, q, etag)
}

// calendarOf is the calendar of the reference data with that etag: the
// one parsed before, or read and parsed now.
func (s *PgStore) calendarOf(ctx context.Context, q querier, etag string) (*dossier.Calendar, error) {
	if r := s.ref.Load(); r != nil && r.etag == etag {
		return r.cal, nil
	}
	var raw []byte
	if err := q.QueryRow(ctx, "SELECT calendar FROM reference WHERE id = 1").Scan(&raw); err != nil {
		return nil, err
	}
	cal, err := dossier.ParseCalendar(raw)
	if err != nil {
		return nil, fmt.Errorf("server: stored calendar: %w", err)
	}
	s.ref.Store(&pgRef{etag: etag, cal: cal})
	return cal, nil
}

func pgReference(ctx context.Context, q querier) (wire.Reference, error) {
	var ref wire.Reference
	var cat, cal []byte
	if err := q.QueryRow(ctx, "SELECT etag, catalog, calendar, lookup_url FROM reference WHERE id = 1").Scan(&ref.ETag, &cat, &cal, &ref.LookupURL); err != nil {
		return ref, err
	}
	ref.Catalog, ref.Calendar = cat, cal
	return ref, nil
}

// pgPutReference replaces the catalogue and calendar, keeping the lookup
// address.
func pgPutReference(ctx context.Context, q querier, catalog, calendar []byte) error {
	old, err := pgReference(ctx, q)
	if err != nil {
		return err
	}
	return pgPutReferenceWith(ctx, q, catalog, calendar, old.LookupURL)
}

func pgPutReferenceWith(ctx context.Context, q querier, catalog, calendar []byte, lookup string) error {
	ref, err := makeReference(catalog, calendar, lookup)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, "UPDATE reference SET etag = $1, catalog = $2, calendar = $3, lookup_url = $4 WHERE id = 1",
		ref.ETag, []byte(ref.Catalog), []byte(ref.Calendar), ref.LookupURL)
	return err
}

// SetLookupURL sets the lookup page's address given to counters.
func (s *PgStore) SetLookupURL(u string) error {
	ctx := context.Background()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ref, err := pgReference(ctx, tx)
		if err != nil {
			return err
		}
		return pgPutReferenceWith(ctx, tx, ref.Catalog, ref.Calendar, u)
	})
}

// Reference is the catalogue and calendar distributed to counters.
func (s *PgStore) Reference() (wire.Reference, error) {
	return pgReference(context.Background(), s.pool)
}

// SetReference replaces the reference data (validated); every process
// applies the new calendar from its next push.
func (s *PgStore) SetReference(catalog, calendar []byte) error {
	return pgPutReference(context.Background(), s.pool, catalog, calendar)
}

// Generation is the store's identity.
func (s *PgStore) Generation() string {
	var g string
	_ = s.pool.QueryRow(context.Background(), "SELECT value FROM meta WHERE key = 'generation'").Scan(&g)
	return g
}

// Backup is pg_dump's: a database is backed up by its own tools
// (docs/deploy.md).
func (s *PgStore) Backup(string) error { return ErrPgBackup }

// ErrPgBackup says a PostgreSQL store is not backed up by motcua-server.
var ErrPgBackup = errors.New("dữ liệu trên PostgreSQL được sao lưu bằng pg_dump hoặc sao lưu liên tục (PITR) của PostgreSQL, không bằng motcua-server backup")

// NewEnrollCode makes a one-time code for a counter of a unit.
func (s *PgStore) NewEnrollCode(unit string, counter int) (string, error) {
	if err := checkCounter(unit, counter); err != nil {
		return "", err
	}
	code := NewEnrollCodeText()
	ctx := context.Background()
	return code, pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if dev, err := pgActiveDevice(ctx, tx, unit, counter); err != nil {
			return err
		} else if dev != "" {
			return fmt.Errorf("%w (%s)", ErrCounterTaken, dev)
		}
		_, err := tx.Exec(ctx, "INSERT INTO enroll_codes (code_hash, unit, counter) VALUES ($1, $2, $3)", string(hashToken(code)), unit, counter)
		return err
	})
}

func pgActiveDevice(ctx context.Context, q querier, unit string, counter int) (string, error) {
	var id string
	err := q.QueryRow(ctx, "SELECT device_id FROM principals WHERE kind = 'device' AND unit = $1 AND counter = $2 AND NOT revoked", unit, counter).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// DeviceFor is the active device of a unit's counter, "" when none.
func (s *PgStore) DeviceFor(unit string, counter int) string {
	id, _ := pgActiveDevice(context.Background(), s.pool, unit, counter)
	return id
}

// Enroll spends a code and creates the device and its token (as
// BoltStore.Enroll).
func (s *PgStore) Enroll(req wire.EnrollRequest) (wire.EnrollResponse, error) {
	var resp wire.EnrollResponse
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		key := string(hashToken(normalizeCode(req.Code)))
		var ec enrollCode
		err := tx.QueryRow(ctx, "SELECT unit, counter, used, install, device FROM enroll_codes WHERE code_hash = $1 FOR UPDATE", key).
			Scan(&ec.Unit, &ec.Counter, &ec.Used, &ec.Install, &ec.Device)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadCode
		}
		if err != nil {
			return err
		}
		if err := pgSpend(ctx, tx, key, ec, req.InstallID, &resp); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO principals (token_hash, kind, device_id, unit, counter) VALUES ($1, 'device', $2, $3, $4)",
			string(hashToken(resp.Token)), resp.DeviceID, ec.Unit, ec.Counter)
		if isUnique(err, "principals_one_per_counter") { // another code of the counter was spent meanwhile
			return ErrCounterTaken
		}
		return err
	})
	if err == nil {
		resp.State, err = s.State(Principal{Kind: KindDevice, DeviceID: resp.DeviceID})
	}
	return resp, err
}

// pgSpend spends an enrollment code for a new device, or again for the
// installation that spent it (its answer was lost): the same device, its
// old token deleted.
func pgSpend(ctx context.Context, tx pgx.Tx, key string, ec enrollCode, install string, resp *wire.EnrollResponse) error {
	retry := ec.Used && install != "" && ec.Install == install && ec.Device != ""
	if ec.Used && !retry {
		return ErrBadCode
	}
	*resp = wire.EnrollResponse{DeviceID: "dev-" + randomToken(9), UnitCode: ec.Unit, CounterNo: ec.Counter, Token: randomToken(32)}
	if retry {
		tag, err := tx.Exec(ctx, "DELETE FROM principals WHERE device_id = $1 AND kind = 'device' AND NOT revoked", ec.Device)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return ErrBadCode
		}
		resp.DeviceID = ec.Device
	} else if dev, err := pgActiveDevice(ctx, tx, ec.Unit, ec.Counter); err != nil {
		return err
	} else if dev != "" {
		return ErrCounterTaken // the code stays unused: revoke the old device, then enroll
	}
	_, err := tx.Exec(ctx, "UPDATE enroll_codes SET used = true, install = $2, device = $3 WHERE code_hash = $1", key, install, resp.DeviceID)
	return err
}

// isUnique says whether err is a unique violation of the named constraint.
func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

// NewToken makes a token for the processing side of a unit
// (KindOfficer) or for a portal that files online for it (KindPortal).
func (s *PgStore) NewToken(kind PrincipalKind, unit string) (string, error) {
	if e := dossier.ValidateUnitCode(unit); e != nil {
		return "", e
	}
	if !ValidServiceKind(kind) {
		return "", ErrTokenKind
	}
	tok := randomToken(32)
	_, err := s.pool.Exec(context.Background(), "INSERT INTO principals (token_hash, kind, unit) VALUES ($1, $2, $3)", string(hashToken(tok)), string(kind), unit)
	return tok, err
}

// Authenticate finds the principal of a token.
func (s *PgStore) Authenticate(token string) (Principal, error) {
	var p Principal
	var kind string
	var dev *string
	err := s.pool.QueryRow(context.Background(), "SELECT kind, device_id, unit, counter, revoked FROM principals WHERE token_hash = $1", string(hashToken(token))).
		Scan(&kind, &dev, &p.Unit, &p.Counter, &p.Revoked)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && p.Revoked {
		return Principal{}, ErrUnauthorized
	}
	if err != nil {
		return Principal{}, err
	}
	p.Kind = PrincipalKind(kind)
	if dev != nil {
		p.DeviceID = *dev
	}
	return p, nil
}

// Revoke stops a device's token from working.
func (s *PgStore) Revoke(deviceID string) error {
	tag, err := s.pool.Exec(context.Background(), "UPDATE principals SET revoked = true WHERE device_id = $1 AND kind = 'device'", deviceID)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// State is the store's generation and what it holds of p's events.
func (s *PgStore) State(p Principal) (wire.State, error) {
	return pgTx{ctx: context.Background(), q: s.pool}.state(p)
}

// Push applies a batch in one transaction, in order (pushBatch), holding
// the unit's log row from the start: the pushes of a unit are serial.
// Pushes that arrive while others are being committed are committed
// together (pgGroup).
func (s *PgStore) Push(p Principal, req wire.PushRequest) (wire.PushResponse, error) {
	c := &pgCall{p: p, req: req, hashes: eventHashes(req.Events), done: make(chan struct{})}
	if !s.queue.add(c) {
		return wire.PushResponse{}, errPgClosed
	}
	<-c.done
	return c.resp, c.err
}

// SetAccountDisabled disables or enables an account of a unit from the
// backend (setAccountDisabled).
func (s *PgStore) SetAccountDisabled(unit, username string, disabled bool) error {
	ctx := context.Background()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := newPgUnit(ctx, tx, unit)
		if err != nil {
			return err
		}
		if err := setAccountDisabled(t, unit, username, disabled, s.now()); err != nil {
			return err
		}
		return t.finish()
	})
}

// Pull returns the unit's events after the cursor, in order (as
// BoltStore.Pull), read in one snapshot: the unit's last sequence and its
// events after the cursor are of the same moment, and every sequence up
// to that last one is committed (newPgPush), so the page has no gap.
func (s *PgStore) Pull(p Principal, after uint64, check string, limit int) (wire.RawPullResponse, error) {
	resp := wire.RawPullResponse{Next: after, Events: []wire.RawPulledEvent{}}
	if limit <= 0 || limit > wire.MaxPullLimit {
		limit = wire.MaxPullLimit
	}
	ctx := context.Background()
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		last, err := pgCursor(ctx, tx, p.Unit, after, check)
		if err != nil {
			return err
		}
		if err := pgPage(ctx, tx, p.Unit, after, limit, &resp); err != nil {
			return err
		}
		if !resp.More {
			resp.Next = max(resp.Next, last)
		}
		if resp.Next > 0 {
			if resp.NextCheck, err = pgCheckAt(ctx, tx, p.Unit, resp.Next); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, "SELECT etag FROM reference WHERE id = 1").Scan(&resp.ReferenceTag); err != nil {
			return err
		}
		resp.State, err = pgTx{ctx: ctx, q: tx}.state(p)
		return err
	})
	return resp, err
}

// pgCursor is the unit's last sequence, after checking that the store
// issued the cursor (ErrGone when not).
func pgCursor(ctx context.Context, q querier, unit string, after uint64, check string) (uint64, error) {
	var last int64
	err := q.QueryRow(ctx, "SELECT last FROM unit_log WHERE unit = $1", unit).Scan(&last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, err
	}
	if after > uint64(last) {
		return 0, ErrGone
	}
	if after > 0 && check != "" {
		have, err := pgCheckAt(ctx, q, unit, after)
		if err != nil {
			return 0, err
		}
		if have != check {
			return 0, ErrGone
		}
	}
	return uint64(last), nil
}

// pgPage reads the unit's events after the cursor into resp: at most
// limit of them and about wire.MaxPageBytes.
func pgPage(ctx context.Context, q querier, unit string, after uint64, limit int, resp *wire.RawPullResponse) error {
	rows, err := q.Query(ctx, "SELECT seq, event::text FROM log WHERE unit = $1 AND seq > $2 ORDER BY seq LIMIT $3", unit, int64(after), limit+1)
	if err != nil {
		return err
	}
	defer rows.Close()
	size := 0
	for rows.Next() {
		var seq int64
		var ev string
		if err := rows.Scan(&seq, &ev); err != nil {
			return err
		}
		if len(resp.Events) == limit || (len(resp.Events) > 0 && size+len(ev) > wire.MaxPageBytes) {
			resp.More = true
			break
		}
		size += len(ev)
		resp.Events = append(resp.Events, wire.RawPulledEvent{Seq: uint64(seq), Event: json.RawMessage(ev)})
		resp.Next = uint64(seq)
	}
	return rows.Err()
}

// pgCheckAt is the cursor check of a place in a unit's log: of its event
// there, or of a copied bbolt log's event there ("" when none).
func pgCheckAt(ctx context.Context, q querier, unit string, seq uint64) (string, error) {
	var id string
	err := q.QueryRow(ctx, "SELECT event_id FROM log WHERE unit = $1 AND seq = $2", unit, int64(seq)).Scan(&id)
	if err == nil {
		return wire.CursorCheck(id), nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	var v string
	err = q.QueryRow(ctx, "SELECT value FROM legacy_checks WHERE seq = $1", int64(seq)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// RecordByCode finds a unit's record by its code (nil, nil: none).
func (s *PgStore) RecordByCode(unit, code string) (*dossier.Record, error) {
	return one[dossier.Record](pgTx{ctx: context.Background(), q: s.pool}, "SELECT data::text FROM records WHERE unit = $1 AND code = $2", unit, code)
}

// Record is a unit's record by its id (nil, nil: none).
func (s *PgStore) Record(unit, id string) (*dossier.Record, error) {
	return one[dossier.Record](pgTx{ctx: context.Background(), q: s.pool}, "SELECT data::text FROM records WHERE unit = $1 AND id = $2", unit, id)
}

// PutFile keeps a file filed online for a unit, by its SHA-256.
func (s *PgStore) PutFile(unit string, data []byte) (string, error) {
	sha := fileSHA(data)
	_, err := s.pool.Exec(context.Background(), "INSERT INTO files (unit, sha256, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", unit, sha, data)
	return sha, err
}

// File gives back a unit's file by its SHA-256.
func (s *PgStore) File(unit, sha string) ([]byte, error) {
	var out []byte
	err := s.pool.QueryRow(context.Background(), "SELECT data FROM files WHERE unit = $1 AND sha256 = $2", unit, sha).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return out, err
}

// Export calls fn for every record of a unit ("" for all units).
func (s *PgStore) Export(unit string, fn func(*dossier.Record) error) error {
	return pgEach(s.pool, "records", "id", unit, fn)
}

// Accounts calls fn for a unit's accounts ("" for all units).
func (s *PgStore) Accounts(unit string, fn func(*dossier.Account) error) error {
	return pgEach(s.pool, "accounts", "username", unit, fn)
}

// Guidance calls fn for the guidance given at a unit's counters ("" for
// all units), oldest first.
func (s *PgStore) Guidance(unit string, fn func(*dossier.Guidance) error) error {
	return pgEach(s.pool, "guidance", "id", unit, fn)
}

// pgEach decodes the data of a table's rows of a unit ("" for all), in
// key order, as the bbolt store's buckets are read.
func pgEach[T any](pool *pgxpool.Pool, table, key, unit string, fn func(*T) error) error {
	ctx := context.Background()
	rows, err := pool.Query(ctx, "SELECT data::text FROM "+table+" WHERE $1 = '' OR unit = $1 ORDER BY unit COLLATE \"C\", "+key+" COLLATE \"C\"", unit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return err
		}
		var x T
		if err := json.Unmarshal([]byte(data), &x); err != nil {
			return err
		}
		if err := fn(&x); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditHead is the head of a device's audit chain as it last said.
func (s *PgStore) AuditHead(deviceID string) (seq uint64, hash string, err error) {
	var q int64
	err = s.pool.QueryRow(context.Background(), "SELECT audit_seq, audit_hash FROM devices WHERE device_id = $1", deviceID).Scan(&q, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", nil
	}
	return uint64(q), hash, err
}

// ReserveLetters gives a device the next run of numbers of its unit's
// register for a year; the same request id again gets the same run.
func (s *PgStore) ReserveLetters(p Principal, req wire.LetterRequest) (wire.LetterBlock, error) {
	b := wire.LetterBlock{Year: req.Year}
	if err := checkLetterRequest(p, req); err != nil {
		return b, err
	}
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// the register's row first: two requests of the unit wait in turn
		var next int64
		err := tx.QueryRow(ctx, `INSERT INTO letter_next (unit, year, next) VALUES ($1, $2, 1)
			ON CONFLICT (unit, year) DO UPDATE SET next = letter_next.next RETURNING next`, p.Unit, req.Year).Scan(&next)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, "SELECT first, last FROM letter_requests WHERE device_id = $1 AND request_id = $2", p.DeviceID, req.ID).Scan(&b.From, &b.To)
		if err == nil {
			return nil // asked before: the same run
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		b.From, b.To = int(next), int(next)+req.Count-1
		if _, err := tx.Exec(ctx, "UPDATE letter_next SET next = $3 WHERE unit = $1 AND year = $2", p.Unit, req.Year, b.To+1); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO letter_requests (device_id, request_id, year, first, last) VALUES ($1, $2, $3, $4, $5)", p.DeviceID, req.ID, req.Year, b.From, b.To)
		return err
	})
	return b, err
}

// pgTx reads and writes directly, in a transaction or on the pool: what a
// push (pgPush) did not read ahead, the device's state, and single reads.
type pgTx struct {
	ctx context.Context
	q   querier
}

func (t pgTx) result(id string) (*eventResult, error) {
	var r eventResult
	var seq int64
	err := t.q.QueryRow(t.ctx, "SELECT hash, status, seq, reason FROM events WHERE event_id = $1", id).Scan(&r.Hash, &r.Status, &seq, &r.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	r.Seq = uint64(seq)
	return &r, err
}

// one reads one row's JSON data into a T (nil: no row).
func one[T any](t pgTx, sql string, args ...any) (*T, error) {
	var data string
	err := t.q.QueryRow(t.ctx, sql, args...).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var x T
	if err := json.Unmarshal([]byte(data), &x); err != nil {
		return nil, err
	}
	return &x, nil
}

func (t pgTx) record(unit, id string) (*dossier.Record, error) {
	return one[dossier.Record](t, "SELECT data::text FROM records WHERE unit = $1 AND id = $2", unit, id)
}

func (t pgTx) codeHolder(unit, code string) (string, error) {
	var id string
	err := t.q.QueryRow(t.ctx, "SELECT id FROM records WHERE unit = $1 AND code = $2", unit, code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (t pgTx) letterHolder(unit string, year int, letter string) (string, error) {
	var id string
	err := t.q.QueryRow(t.ctx, "SELECT event_id FROM letter_used WHERE unit = $1 AND year = $2 AND letter = $3", unit, year, letter).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (t pgTx) keepLetter(unit string, year int, letter, eventID string) error {
	_, err := t.q.Exec(t.ctx, `INSERT INTO letter_used (unit, year, letter, event_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (unit, year, letter) DO UPDATE SET event_id = excluded.event_id`, unit, year, letter, eventID)
	return err
}

func (t pgTx) state(p Principal) (wire.State, error) {
	var st wire.State
	if err := t.q.QueryRow(t.ctx, "SELECT value FROM meta WHERE key = 'generation'").Scan(&st.Generation); err != nil {
		return st, err
	}
	if p.Kind != KindDevice {
		return st, nil
	}
	var high int64
	err := t.q.QueryRow(t.ctx, "SELECT high FROM devices WHERE device_id = $1", p.DeviceID).Scan(&high)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return st, err
	}
	st.DeviceHigh = uint64(high)
	return st, nil
}

// Backend is a store with all that motcua-server and its admin commands
// use of it: the bbolt store or the PostgreSQL one.
type Backend interface {
	Store
	Admin
	PortalStore
	LANStore
	DeviceFor(unit string, counter int) string
	Accounts(unit string, fn func(*dossier.Account) error) error
	Guidance(unit string, fn func(*dossier.Guidance) error) error
	AuditHead(deviceID string) (seq uint64, hash string, err error)
}

var (
	_ Backend     = (*BoltStore)(nil)
	_ Backend     = (*PgStore)(nil)
	_ PortalStore = (*BoltStore)(nil)
	_ PortalStore = (*PgStore)(nil)
)

// Open opens the backend's store: the PostgreSQL database db names (a
// postgres:// URL), or with db empty the bbolt store in dir.
func Open(db, dir string, defaultCatalog, defaultCalendar []byte) (Backend, error) {
	if db == "" {
		return OpenBolt(dir, defaultCatalog, defaultCalendar)
	}
	if !IsPostgres(db) {
		return nil, fmt.Errorf("server: -db takes a postgres:// address, not %q", db)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return OpenPg(ctx, db, defaultCatalog, defaultCalendar)
}
