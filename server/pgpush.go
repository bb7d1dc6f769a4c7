package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"motcua/dossier"
	"motcua/sync/wire"
)

// pgPush is a push's transaction on PostgreSQL with its round trips cut
// down: what the batch's events will read (their verdicts, records,
// codes, the unit's accounts and log position) is read in a few queries
// at the start, and what they write is queued and sent in one pipelined
// batch at the end. The unit's row is locked throughout (newPgPush), so
// nothing read can change meanwhile; a read the start did not foresee
// first sends what is queued, then asks the database. The register of
// letters and the device's state are never queued: they are read and
// written directly (pgTx).
type pgPush struct {
	pgTx
	tx       pgx.Tx
	unit     string
	last     int64 // the unit's last log sequence, as this push moves it
	results  map[string]*eventResult
	records  map[string]*dossier.Record // by id, the unit's
	codes    map[string]string          // code → record id, the unit's
	accounts map[string]*dossier.Account
	queue    pgx.Batch // single writes, in order
	rows     pgRows    // the rows of a batch's events, written a table at a time
	st       wire.State
	dev      string // the device whose state st holds
	etag     string // the reference data's
}

// pgRows is what a push's events write, kept until a flush sends each
// table's rows in one statement (unnest of arrays): one statement a table
// instead of one a row is most of what PostgreSQL spends on a push.
type pgRows struct {
	evIDs, evHashes, evStatus, evReasons []string
	evSeqs                               []int64
	recOrder                             []string // ids of records to write, first write first
	recData                              map[string]*dossier.Record
	logSeqs                              []int64
	logIDs, logData                      []string
	portalIDs, portalData                []string
}

func (r *pgRows) empty() bool {
	return len(r.evIDs) == 0 && len(r.recOrder) == 0 && len(r.logIDs) == 0 && len(r.portalIDs) == 0
}

// queue adds the statements that write the rows to b, and forgets them.
// A record written twice in a push is written once, as it was left.
func (r *pgRows) queue(b *pgx.Batch, unit string) error {
	if len(r.evIDs) > 0 {
		b.Queue(`INSERT INTO events (event_id, hash, status, seq, reason)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])`,
			r.evIDs, r.evHashes, r.evStatus, r.evSeqs, r.evReasons)
	}
	if len(r.recOrder) > 0 {
		ids, codes, data := make([]string, len(r.recOrder)), make([]string, len(r.recOrder)), make([]string, len(r.recOrder))
		for i, id := range r.recOrder {
			rec := r.recData[id]
			enc, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			ids[i], codes[i], data[i] = id, rec.Code, string(enc)
		}
		b.Queue(`INSERT INTO records (unit, id, code, data)
			SELECT $1, i, c, d::json FROM unnest($2::text[], $3::text[], $4::text[]) AS t(i, c, d)
			ON CONFLICT (unit, id) DO UPDATE SET data = excluded.data`, unit, ids, codes, data)
	}
	if len(r.logIDs) > 0 {
		b.Queue(`INSERT INTO log (unit, seq, event_id, event)
			SELECT $1, s, i, e::json FROM unnest($2::bigint[], $3::text[], $4::text[]) AS t(s, i, e)`, unit, r.logSeqs, r.logIDs, r.logData)
	}
	if len(r.portalIDs) > 0 {
		// the outbox's serial numbers follow the events' order
		b.Queue(`INSERT INTO portal_outbox (unit, event_id, item)
			SELECT $1, i, d::json FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(i, d, n) ORDER BY n`, unit, r.portalIDs, r.portalData)
	}
	*r = pgRows{}
	return nil
}

// newPgPush takes the unit's row and reads ahead for the events, in one
// round trip: the row first (its lock held to the commit), then the
// verdicts once given to the events, the records they name or whose codes
// they take, the unit's accounts, the store's generation, the device's
// state (dev: its principal; none for an administrator's change) and the
// reference data's etag.
func newPgPush(ctx context.Context, tx pgx.Tx, unit string, events []dossier.Event, dev *Principal) (*pgPush, error) {
	p := &pgPush{pgTx: pgTx{ctx: ctx, q: tx}, tx: tx, unit: unit, results: map[string]*eventResult{},
		records: map[string]*dossier.Record{}, codes: map[string]string{}, accounts: map[string]*dossier.Account{}}
	ids, recIDs, codes := make([]string, 0, len(events)), make([]string, 0, len(events)), []string{}
	for _, e := range events {
		ids = append(ids, e.ID)
		recIDs = append(recIDs, e.RecordID)
		if (e.Type == dossier.EvReceived || e.Type == dossier.EvFiled) && e.Record != nil {
			codes = append(codes, e.Record.Code)
		}
	}
	for _, id := range ids {
		p.results[id] = nil // known absent unless found
	}
	for _, id := range recIDs {
		p.records[id] = nil
	}
	for _, c := range codes {
		p.codes[c] = ""
	}
	var b pgx.Batch
	b.Queue(`INSERT INTO unit_log (unit, last) VALUES ($1, 0)
		ON CONFLICT (unit) DO UPDATE SET last = unit_log.last RETURNING last`, unit).QueryRow(func(r pgx.Row) error { return r.Scan(&p.last) })
	if len(ids) > 0 {
		b.Queue("SELECT event_id, hash, status, seq, reason FROM events WHERE event_id = ANY($1)", ids).Query(p.readResults)
		b.Queue("SELECT id, code, data::text FROM records WHERE unit = $1 AND (id = ANY($2) OR code = ANY($3))", unit, recIDs, codes).Query(p.readRecords)
	}
	b.Queue("SELECT username, data::text FROM accounts WHERE unit = $1", unit).Query(p.readAccounts)
	b.Queue("SELECT value FROM meta WHERE key = 'generation'").QueryRow(func(r pgx.Row) error { return r.Scan(&p.st.Generation) })
	if dev != nil && dev.Kind == KindDevice {
		p.dev = dev.DeviceID
		b.Queue("SELECT high FROM devices WHERE device_id = $1", dev.DeviceID).QueryRow(func(r pgx.Row) error {
			var high int64
			if err := r.Scan(&high); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			p.st.DeviceHigh = uint64(high)
			return nil
		})
	}
	b.Queue("SELECT etag FROM reference WHERE id = 1").QueryRow(func(r pgx.Row) error { return r.Scan(&p.etag) })
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, err
	}
	return p, nil
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

// readRecords reads the unit's records the events name, and those that
// hold the codes of the records they create.
func (p *pgPush) readRecords(rows pgx.Rows) error {
	for rows.Next() {
		var id, code, data string
		if err := rows.Scan(&id, &code, &data); err != nil {
			return err
		}
		var r dossier.Record
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return err
		}
		p.records[id], p.codes[code] = &r, id
	}
	return rows.Err()
}

// readAccounts reads the unit's accounts (a unit has tens of them).
func (p *pgPush) readAccounts(rows pgx.Rows) error {
	for rows.Next() {
		var name, data string
		if err := rows.Scan(&name, &data); err != nil {
			return err
		}
		var a dossier.Account
		if err := json.Unmarshal([]byte(data), &a); err != nil {
			return err
		}
		p.accounts[name] = &a
	}
	return rows.Err()
}

// state is the store's generation and the device's high, as read ahead.
func (p *pgPush) state(pr Principal) (wire.State, error) {
	if pr.Kind != KindDevice {
		return wire.State{Generation: p.st.Generation}, nil
	}
	if pr.DeviceID != p.dev {
		return p.pgTx.state(pr)
	}
	return p.st, nil
}

// setDeviceHigh and keepAuditHead go with the push's writes.
func (p *pgPush) setDeviceHigh(deviceID string, high uint64) error {
	p.queue.Queue(`INSERT INTO devices (device_id, high) VALUES ($1, $2)
		ON CONFLICT (device_id) DO UPDATE SET high = excluded.high`, deviceID, int64(high))
	return nil
}

func (p *pgPush) keepAuditHead(deviceID string, h auditHead) error {
	p.queue.Queue(`INSERT INTO devices (device_id, audit_seq, audit_hash) VALUES ($1, $2, $3)
		ON CONFLICT (device_id) DO UPDATE SET audit_seq = excluded.audit_seq, audit_hash = excluded.audit_hash`, deviceID, int64(h.Seq), h.Hash)
	return nil
}

// flush sends the queued writes, in order, in one round trip.
func (p *pgPush) flush() error {
	if p.queue.Len() == 0 && p.rows.empty() {
		return nil
	}
	if err := p.rows.queue(&p.queue, p.unit); err != nil {
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

// finish writes the unit's new log position and sends what is queued.
func (p *pgPush) finish() error {
	p.queue.Queue("UPDATE unit_log SET last = $2 WHERE unit = $1", p.unit, p.last)
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
	if r, ok := p.records[id]; ok {
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
	kept := r.Clone()
	p.records[r.ID] = kept
	if isNew {
		p.codes[r.Code] = r.ID
	}
	if p.rows.recData == nil {
		p.rows.recData = map[string]*dossier.Record{}
	}
	if _, ok := p.rows.recData[r.ID]; !ok {
		p.rows.recOrder = append(p.rows.recOrder, r.ID)
	}
	p.rows.recData[r.ID] = kept // the rules change only their own copies (record)
	return nil
}

func (p *pgPush) codeHolder(unit, code string) (string, error) {
	if unit != p.unit {
		return "", errOtherUnit
	}
	if id, ok := p.codes[code]; ok {
		return id, nil
	}
	if err := p.flush(); err != nil {
		return "", err
	}
	return p.pgTx.codeHolder(unit, code)
}

func (p *pgPush) appendLog(unit string, e dossier.Event) (uint64, error) {
	if unit != p.unit {
		return 0, errOtherUnit
	}
	data, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	p.last++
	p.rows.logSeqs, p.rows.logIDs, p.rows.logData = append(p.rows.logSeqs, p.last), append(p.rows.logIDs, e.ID), append(p.rows.logData, string(data))
	return uint64(p.last), nil
}

func (p *pgPush) hasAccounts(unit string) (bool, error) {
	if unit != p.unit {
		return false, errOtherUnit
	}
	return len(p.accounts) > 0, nil
}

func (p *pgPush) account(unit, username string) (*dossier.Account, error) {
	if unit != p.unit {
		return nil, errOtherUnit
	}
	a := p.accounts[username]
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
	p.accounts[a.Username] = c
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
