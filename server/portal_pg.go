package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

func (p *pgPush) queuePortal(it PortalItem) error {
	if it.Unit != p.unit {
		return errOtherUnit
	}
	data, err := json.Marshal(it)
	if err != nil {
		return err
	}
	p.rows.portalUnits = append(p.rows.portalUnits, it.Unit)
	p.rows.portalIDs, p.rows.portalData = append(p.rows.portalIDs, it.EventID), append(p.rows.portalData, string(data))
	return nil
}

func pgMetaJSON(ctx context.Context, q querier, key string, v any) error {
	var data string
	err := q.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&data)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(data), v)
}

func pgPutMetaJSON(ctx context.Context, q querier, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, string(data))
	return err
}

// PortalConfig is the DVCQG configuration (zero when none was set).
func (s *PgStore) PortalConfig() (PortalConfig, error) {
	var c PortalConfig
	return c, pgMetaJSON(context.Background(), s.pool, "portal_config", &c)
}

// SetPortalConfig keeps the DVCQG configuration.
func (s *PgStore) SetPortalConfig(c PortalConfig) error {
	c, err := withKeptPassword(c, s.PortalConfig)
	if err != nil {
		return err
	}
	return pgPutMetaJSON(context.Background(), s.pool, "portal_config", c)
}

// PortalPending is the oldest items waiting.
func (s *PgStore) PortalPending(after uint64, limit int) ([]PortalItem, error) {
	rows, err := s.pool.Query(context.Background(), "SELECT seq, item::text FROM portal_outbox WHERE seq > $1 ORDER BY seq LIMIT $2", int64(after), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PortalItem
	for rows.Next() {
		var seq int64
		var data string
		if err := rows.Scan(&seq, &data); err != nil {
			return nil, err
		}
		var it PortalItem
		if err := json.Unmarshal([]byte(data), &it); err != nil {
			return nil, err
		}
		it.Seq = uint64(seq)
		out = append(out, it)
	}
	return out, rows.Err()
}

// PortalSent removes sent items.
func (s *PgStore) PortalSent(seqs ...uint64) error {
	ids := make([]int64, len(seqs))
	for i, q := range seqs {
		ids[i] = int64(q)
	}
	_, err := s.pool.Exec(context.Background(), "DELETE FROM portal_outbox WHERE seq = ANY($1)", ids)
	return err
}

// PortalRefuse moves an item to the attention list.
func (s *PgStore) PortalRefuse(seq uint64, reason string, at time.Time) error {
	ctx := context.Background()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO portal_refused (seq, unit, item, reason, refused_at)
			SELECT seq, unit, item, $2, $3 FROM portal_outbox WHERE seq = $1 ON CONFLICT (seq) DO NOTHING`, int64(seq), reason, at)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM portal_outbox WHERE seq = $1", int64(seq))
		return err
	})
}

// PortalNote keeps the last success (err nil) or error.
func (s *PgStore) PortalNote(at time.Time, err error) error {
	ctx := context.Background()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, e := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('portal_last'))"); e != nil {
			return e
		}
		var last portalLast
		if e := pgMetaJSON(ctx, tx, "portal_last", &last); e != nil {
			return e
		}
		last.note(at, err)
		return pgPutMetaJSON(ctx, tx, "portal_last", last)
	})
}

// PortalStatus says what waits, what was refused, and when it last went.
func (s *PgStore) PortalStatus() (PortalStatus, error) {
	ctx := context.Background()
	cfg, err := s.PortalConfig()
	if err != nil {
		return PortalStatus{}, err
	}
	st := PortalStatus{Configured: cfg.Validate() == nil}
	if err := s.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM portal_outbox), (SELECT count(*) FROM portal_refused)").Scan(&st.Pending, &st.RefusedN); err != nil {
		return st, err
	}
	rows, err := s.pool.Query(ctx, "SELECT item::text, reason, refused_at FROM portal_refused ORDER BY seq DESC LIMIT $1", portalRefusedShown)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var data string
		var it PortalItem
		if err := rows.Scan(&data, &it.Refused, &it.RefusedAt); err != nil {
			return st, err
		}
		reason, at := it.Refused, it.RefusedAt
		if err := json.Unmarshal([]byte(data), &it); err != nil {
			return st, err
		}
		it.Refused, it.RefusedAt = reason, at
		st.Refused = append(st.Refused, it)
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	var last portalLast
	if err := pgMetaJSON(ctx, s.pool, "portal_last", &last); err != nil {
		return st, err
	}
	last.into(&st)
	return st, nil
}

// PortalLease lets one process of those on the database send to DVCQG:
// it holds a session lock on a connection of its own until release; a
// process that dies lets go with its connection, and another takes over.
func (s *PgStore) PortalLease(ctx context.Context) (release func(), ok bool, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext('motcua_portal'))").Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, err
	}
	return func() {
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('motcua_portal'))")
		conn.Release()
	}, true, nil
}

// PortalLease: one process has the bbolt file, so it always may send.
func (s *BoltStore) PortalLease(context.Context) (func(), bool, error) { return func() {}, true, nil }

// PortalReported puts marks in the unit's log, each once, taking the
// unit's row as a push does (the log's order is commit order).
func (s *PgStore) PortalReported(unit string, marks []PortalMark) error {
	ctx := context.Background()
	now := s.now()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := newPgUnit(ctx, tx, unit)
		if err != nil {
			return err
		}
		for _, m := range marks {
			if err := portalReported(t, unit, m, now); err != nil {
				return err
			}
		}
		return t.finish()
	})
}
