package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"motcua/dossier"
	"motcua/sync/wire"
)

// pgPush is the transaction of one push, or of several pushes committed
// together (pggroup.go), on PostgreSQL with its round trips cut down: what
// the batches' events will read (their verdicts, records, codes, the
// units' accounts and log positions, the devices' states) is read in a
// few queries at the start, and what they write is queued and sent in one
// pipelined batch at the end. The units' rows are locked throughout
// (newPgPush), so nothing read can change meanwhile; a read the start did
// not foresee first sends what is queued, then asks the database. The
// register of letters is never queued: it is read and written directly
// (pgTx).
type pgPush struct {
	pgTx
	tx       pgx.Tx
	unit     string           // the unit of the push being applied (use)
	last     map[string]int64 // each locked unit's last log sequence, as the pushes move it
	results  map[string]*eventResult
	records  map[pgKey]*dossier.Record
	codes    map[pgKey]string // code → record id
	accounts map[string]map[string]*dossier.Account
	highs    map[string]uint64 // the devices read ahead: what the store holds of their events
	highDevs []string          // the devices whose high moved, written when the transaction finishes
	audits   map[string]auditHead
	queue    pgx.Batch // single writes, in order
	rows     pgRows    // the rows of the batches' events, written a table at a time
	gen      string    // the store's generation
	etag     string    // the reference data's
}

// pgKey is a record's id or code within its unit.
type pgKey struct{ unit, key string }

// pgLoad is what one push asks of the transaction: its unit, its events
// and its principal (nil: an administrator's change, no device).
type pgLoad struct {
	unit   string
	events []dossier.Event
	dev    *Principal
}

// pgRows is what a push's events write, kept until a flush sends each
// table's rows in one statement (unnest of arrays): one statement a table
// instead of one a row is most of what PostgreSQL spends on a push.
type pgRows struct {
	evIDs, evHashes, evStatus, evReasons []string
	evSeqs                               []int64
	recOrder                             []pgKey // records to write, first write first
	recData                              map[pgKey]*dossier.Record
	logUnits, logIDs, logData            []string
	logSeqs                              []int64
	portalUnits, portalIDs, portalData   []string
}

func (r *pgRows) empty() bool {
	return len(r.evIDs) == 0 && len(r.recOrder) == 0 && len(r.logIDs) == 0 && len(r.portalIDs) == 0
}

// queue adds the statements that write the rows to b, and forgets them.
// A record written twice is written once, as it was left.
func (r *pgRows) queue(b *pgx.Batch) error {
	if len(r.evIDs) > 0 {
		b.Queue(`INSERT INTO events (event_id, hash, status, seq, reason)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])`,
			r.evIDs, r.evHashes, r.evStatus, r.evSeqs, r.evReasons)
	}
	if len(r.recOrder) > 0 {
		n := len(r.recOrder)
		units, ids, codes, data := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, k := range r.recOrder {
			rec := r.recData[k]
			enc, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			units[i], ids[i], codes[i], data[i] = k.unit, k.key, rec.Code, string(enc)
		}
		b.Queue(`INSERT INTO records (unit, id, code, data)
			SELECT u, i, c, d::json FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(u, i, c, d)
			ON CONFLICT (unit, id) DO UPDATE SET data = excluded.data`, units, ids, codes, data)
	}
	if len(r.logIDs) > 0 {
		b.Queue(`INSERT INTO log (unit, seq, event_id, event)
			SELECT u, s, i, e::json FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS t(u, s, i, e)`,
			r.logUnits, r.logSeqs, r.logIDs, r.logData)
	}
	if len(r.portalIDs) > 0 {
		// the outbox's serial numbers follow the events' order
		b.Queue(`INSERT INTO portal_outbox (unit, event_id, item)
			SELECT u, i, d::json FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(u, i, d, n) ORDER BY n`,
			r.portalUnits, r.portalIDs, r.portalData)
	}
	*r = pgRows{}
	return nil
}

// newPgPush takes the rows of the pushes' units, in the units' order (two
// transactions that each lock several units take them in the same order,
// so neither waits for the other in a circle), and reads ahead for the
// events, in one round trip: the verdicts once given to the events, the
// records they name or whose codes they take, the units' accounts, the
// store's generation, the devices' states and the reference data's etag.
func newPgPush(ctx context.Context, tx pgx.Tx, loads ...pgLoad) (*pgPush, error) {
	p := &pgPush{pgTx: pgTx{ctx: ctx, q: tx}, tx: tx, last: map[string]int64{}, results: map[string]*eventResult{},
		records: map[pgKey]*dossier.Record{}, codes: map[pgKey]string{}, accounts: map[string]map[string]*dossier.Account{},
		highs: map[string]uint64{}}
	var units, ids, recUnits, recIDs, codeUnits, codes, devs []string
	for _, l := range loads {
		if _, ok := p.accounts[l.unit]; !ok {
			p.accounts[l.unit] = map[string]*dossier.Account{}
			units = append(units, l.unit)
		}
		if l.dev != nil && l.dev.Kind == KindDevice {
			devs = append(devs, l.dev.DeviceID)
			p.highs[l.dev.DeviceID] = 0 // none held unless found
		}
		for _, e := range l.events {
			ids = append(ids, e.ID)
			p.results[e.ID] = nil // known absent unless found
			k := pgKey{l.unit, e.RecordID}
			if _, ok := p.records[k]; !ok {
				p.records[k] = nil
				recUnits, recIDs = append(recUnits, l.unit), append(recIDs, e.RecordID)
			}
			if (e.Type == dossier.EvReceived || e.Type == dossier.EvFiled) && e.Record != nil {
				p.codes[pgKey{l.unit, e.Record.Code}] = ""
				codeUnits, codes = append(codeUnits, l.unit), append(codes, e.Record.Code)
			}
		}
	}
	var b pgx.Batch
	b.Queue(`INSERT INTO unit_log (unit, last) SELECT u, 0 FROM unnest($1::text[]) AS u ORDER BY u
		ON CONFLICT (unit) DO UPDATE SET last = unit_log.last RETURNING unit, last`, units).Query(readInts(p.last))
	if len(ids) > 0 {
		b.Queue("SELECT event_id, hash, status, seq, reason FROM events WHERE event_id = ANY($1)", ids).Query(p.readResults)
		b.Queue(`SELECT r.unit, r.id, r.code, r.data::text FROM unnest($1::text[], $2::text[]) AS k(u, i)
			JOIN records r ON r.unit = k.u AND r.id = k.i
			UNION ALL
			SELECT r.unit, r.id, r.code, r.data::text FROM unnest($3::text[], $4::text[]) AS k(u, c)
			JOIN records r ON r.unit = k.u AND r.code = k.c`, recUnits, recIDs, codeUnits, codes).Query(p.readRecords)
	}
	b.Queue("SELECT unit, username, data::text FROM accounts WHERE unit = ANY($1)", units).Query(p.readAccounts)
	b.Queue("SELECT value FROM meta WHERE key = 'generation'").QueryRow(func(r pgx.Row) error { return r.Scan(&p.gen) })
	if len(devs) > 0 {
		b.Queue("SELECT device_id, high FROM devices WHERE device_id = ANY($1)", devs).Query(readInts(p.highs))
	}
	b.Queue("SELECT etag FROM reference WHERE id = 1").QueryRow(func(r pgx.Row) error { return r.Scan(&p.etag) })
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, err
	}
	if len(p.last) != len(units) {
		return nil, fmt.Errorf("server: %d units' log rows taken of %d", len(p.last), len(units))
	}
	return p, nil
}

// newPgUnit takes one unit's row for a change that is not a device's
// push (an administrator's, a portal's marks), as a push does.
func newPgUnit(ctx context.Context, tx pgx.Tx, unit string) (*pgPush, error) {
	p, err := newPgPush(ctx, tx, pgLoad{unit: unit})
	if err != nil {
		return nil, err
	}
	return p, p.use(unit)
}

// use makes the pushes' rules speak of a unit's data, until the next use.
func (p *pgPush) use(unit string) error {
	if _, ok := p.last[unit]; !ok {
		return errOtherUnit // its row was never taken
	}
	p.unit = unit
	return nil
}

// readInts reads rows of a key and a number into m.
func readInts[V int64 | uint64](m map[string]V) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		for rows.Next() {
			var key string
			var n int64
			if err := rows.Scan(&key, &n); err != nil {
				return err
			}
			m[key] = V(n)
		}
		return rows.Err()
	}
}

func (p *pgPush) readResults(rows pgx.Rows) error {
	for rows.Next() {
		var r eventResult
		var id string
		var seq int64
		if err := rows.Scan(&id, &r.Hash, &r.Status, &seq, &r.Reason); err != nil {
			return err
		}
		r.Seq = uint64(seq)
		p.results[id] = &r
	}
	return rows.Err()
}

// readRecords reads the records the events name, and those that hold the
// codes of the records they create.
func (p *pgPush) readRecords(rows pgx.Rows) error {
	for rows.Next() {
		var unit, id, code, data string
		if err := rows.Scan(&unit, &id, &code, &data); err != nil {
			return err
		}
		var r dossier.Record
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return err
		}
		p.records[pgKey{unit, id}], p.codes[pgKey{unit, code}] = &r, id
	}
	return rows.Err()
}

// readAccounts reads the units' accounts (a unit has tens of them).
func (p *pgPush) readAccounts(rows pgx.Rows) error {
	for rows.Next() {
		var unit, name, data string
		if err := rows.Scan(&unit, &name, &data); err != nil {
			return err
		}
		var a dossier.Account
		if err := json.Unmarshal([]byte(data), &a); err != nil {
			return err
		}
		p.accounts[unit][name] = &a
	}
	return rows.Err()
}

// state is the store's generation and the device's high, as read ahead
// and as the pushes before moved it.
func (p *pgPush) state(pr Principal) (wire.State, error) {
	if pr.Kind != KindDevice {
		return wire.State{Generation: p.gen}, nil
	}
	high, ok := p.highs[pr.DeviceID]
	if !ok {
		return p.pgTx.state(pr)
	}
	return wire.State{Generation: p.gen, DeviceHigh: high}, nil
}

// setDeviceHigh and keepAuditHead are written when the transaction
// finishes, each device's last once (nothing in a push reads them back
// from the database: highs are read ahead and kept in p.highs).
func (p *pgPush) setDeviceHigh(deviceID string, high uint64) error {
	p.highs[deviceID] = high
	if !slices.Contains(p.highDevs, deviceID) {
		p.highDevs = append(p.highDevs, deviceID)
	}
	return nil
}

func (p *pgPush) keepAuditHead(deviceID string, h auditHead) error {
	if p.audits == nil {
		p.audits = map[string]auditHead{}
	}
	p.audits[deviceID] = h
	return nil
}

// queueDevices adds the statements that write the devices' highs and
// audit heads.
func (p *pgPush) queueDevices() {
	if n := len(p.highDevs); n > 0 {
		highs := make([]int64, n)
		for i, d := range p.highDevs {
			highs[i] = int64(p.highs[d])
		}
		p.queue.Queue(`INSERT INTO devices (device_id, high) SELECT * FROM unnest($1::text[], $2::bigint[])
			ON CONFLICT (device_id) DO UPDATE SET high = excluded.high`, p.highDevs, highs)
	}
	if len(p.audits) > 0 {
		var devs, hashes []string
		var seqs []int64
		for _, d := range slices.Sorted(maps.Keys(p.audits)) {
			h := p.audits[d]
			devs, seqs, hashes = append(devs, d), append(seqs, int64(h.Seq)), append(hashes, h.Hash)
		}
		p.queue.Queue(`INSERT INTO devices (device_id, audit_seq, audit_hash) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
			ON CONFLICT (device_id) DO UPDATE SET audit_seq = excluded.audit_seq, audit_hash = excluded.audit_hash`, devs, seqs, hashes)
	}
	p.highDevs, p.audits = nil, nil
}

// flush sends the queued writes, in order, in one round trip.
func (p *pgPush) flush() error {
	if p.queue.Len() == 0 && p.rows.empty() {
		return nil
	}
	if err := p.rows.queue(&p.queue); err != nil {
		return err
	}
	b := p.queue // the results are read from it as they come
	p.queue = pgx.Batch{}
	n := b.Len()
	res := p.tx.SendBatch(p.ctx, &b)
	for i := 0; i < n; i++ {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return fmt.Errorf("server: queued write %d of %d: %w", i+1, n, err)
		}
	}
	return res.Close()
}

// finish writes the units' new log positions and sends what is queued.
func (p *pgPush) finish() error {
	units := slices.Sorted(maps.Keys(p.last))
	lasts := make([]int64, len(units))
	for i, u := range units {
		lasts[i] = p.last[u]
	}
	p.queue.Queue(`UPDATE unit_log SET last = t.l FROM unnest($1::text[], $2::bigint[]) AS t(u, l)
		WHERE unit_log.unit = t.u`, units, lasts)
	p.queueDevices()
	return p.flush()
}

// errOtherUnit says a push transaction was asked about another unit's
// data, which the rules never do.
var errOtherUnit = errors.New("server: a push read another unit's data")

func (p *pgPush) result(id string) (*eventResult, error) {
	if r, ok := p.results[id]; ok {
		return r, nil
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.pgTx.result(id)
}

func (p *pgPush) keepResult(id string, r eventResult) error {
	p.results[id] = &r
	p.rows.evIDs, p.rows.evHashes = append(p.rows.evIDs, id), append(p.rows.evHashes, r.Hash)
	p.rows.evStatus, p.rows.evSeqs = append(p.rows.evStatus, r.Status), append(p.rows.evSeqs, int64(r.Seq))
	p.rows.evReasons = append(p.rows.evReasons, r.Reason)
	return nil
}

func (p *pgPush) record(unit, id string) (*dossier.Record, error) {
	if unit != p.unit {
		return nil, errOtherUnit
	}
	if r, ok := p.records[pgKey{unit, id}]; ok {
		if r == nil {
			return nil, nil
		}
		return r.Clone(), nil // the rules change their copy
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.pgTx.record(unit, id)
}

func (p *pgPush) putRecord(unit string, r *dossier.Record, isNew bool) error {
	if unit != p.unit {
		return errOtherUnit
	}
	k := pgKey{unit, r.ID}
	kept := r.Clone()
	p.records[k] = kept
	if isNew {
		p.codes[pgKey{unit, r.Code}] = r.ID
	}
	if p.rows.recData == nil {
		p.rows.recData = map[pgKey]*dossier.Record{}
	}
	if _, ok := p.rows.recData[k]; !ok {
		p.rows.recOrder = append(p.rows.recOrder, k)
	}
	p.rows.recData[k] = kept // the rules change only their own copies (record)
	return nil
}

func (p *pgPush) codeHolder(unit, code string) (string, error) {
	if unit != p.unit {
		return "", errOtherUnit
	}
	if id, ok := p.codes[pgKey{unit, code}]; ok {
		return id, nil
	}
	if err := p.flush(); err != nil {
		return "", err
	}
	return p.pgTx.codeHolder(unit, code)
}

func (p *pgPush) appendLog(unit string, e dossier.Event, enc []byte) (uint64, error) {
	if unit != p.unit {
		return 0, errOtherUnit
	}
	seq := p.last[unit] + 1
	p.last[unit] = seq
	p.rows.logUnits, p.rows.logSeqs = append(p.rows.logUnits, unit), append(p.rows.logSeqs, seq)
	p.rows.logIDs, p.rows.logData = append(p.rows.logIDs, e.ID), append(p.rows.logData, string(enc))
	return uint64(seq), nil
}

func (p *pgPush) hasAccounts(unit string) (bool, error) {
	if unit != p.unit {
		return false, errOtherUnit
	}
	return len(p.accounts[unit]) > 0, nil
}

func (p *pgPush) account(unit, username string) (*dossier.Account, error) {
	if unit != p.unit {
		return nil, errOtherUnit
	}
	a := p.accounts[unit][username]
	if a == nil {
		return nil, nil
	}
	return cloneAccount(a)
}

func (p *pgPush) putAccount(unit string, a *dossier.Account) error {
	if unit != p.unit {
		return errOtherUnit
	}
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	c, err := cloneAccount(a)
	if err != nil {
		return err
	}
	p.accounts[unit][a.Username] = c
	p.queue.Queue(`INSERT INTO accounts (unit, username, data) VALUES ($1, $2, $3)
		ON CONFLICT (unit, username) DO UPDATE SET data = excluded.data`, unit, a.Username, string(data))
	return nil
}

func (p *pgPush) putGuidance(unit string, g *dossier.Guidance) error {
	if unit != p.unit {
		return errOtherUnit
	}
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	p.queue.Queue(`INSERT INTO guidance (unit, id, data) VALUES ($1, $2, $3)
		ON CONFLICT (unit, id) DO UPDATE SET data = excluded.data`, unit, g.ID, string(data))
	return nil
}

var _ pushTx = (*pgPush)(nil)

// cloneAccount is a deep copy of an account (its stamps are a map).
func cloneAccount(a *dossier.Account) (*dossier.Account, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var c dossier.Account
	return &c, json.Unmarshal(data, &c)
}
