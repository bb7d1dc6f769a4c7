package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"motcua/assets"
	"motcua/dossier"
	"motcua/storage"
	"motcua/sync/wire"
)

// history gives the PostgreSQL store a province's earlier years before
// the run: o.history records with their intake's verdict and log entry,
// in o.historyUnits units of their own (the rest of the province), then
// vacuums and analyses the tables as a database in service would have
// been. The run then writes into tables and indexes of a province's size,
// and autovacuum's thresholds (a fifth of a table's rows) stand as far
// apart as they would: a run on empty tables measures autovacuum going
// over them again and again as they grow from nothing.
//
// The rows are written straight into the tables, each a copy of a real
// intake made on a counter's store (its record and its event as the
// backend keeps them), under its own id and code.
func history(o options, work string) error {
	if o.db == "" || o.history == 0 {
		return nil
	}
	start := time.Now()
	rec, ev, err := historyTemplate(work)
	if err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, o.db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	units := make([]string, o.historyUnits)
	for i := range units {
		units[i] = unitCode(o.units + i)
	}
	// row i (from 0) is the (i / units + 1)-th of unit i % units
	const rows = `SELECT i, ($1::text[])[i % cardinality($1::text[]) + 1] AS u,
		i / cardinality($1::text[]) + 1 AS s, 'hist-' || i AS id, 'H' || i AS code, 'hist-ev-' || i AS ev
		FROM generate_series(0, $2::bigint - 1) AS i`
	// each copy's text: the template with its own id, code, event and unit
	const copyOf = `replace(replace(replace(replace($3, '@ID@', id), '@CODE@', u || '-' || code), '@EV@', ev), '@UNIT@', u)::json`
	steps := []struct {
		sql  string
		args []any
	}{
		{"SET synchronous_commit = off", nil},
		{`INSERT INTO records (unit, id, code, data) SELECT u, id, u || '-' || code, ` + copyOf + ` FROM (` + rows + `) r`,
			[]any{units, o.history, rec}},
		{`INSERT INTO log (unit, seq, event_id, event) SELECT u, s, ev, ` + copyOf + ` FROM (` + rows + `) r`,
			[]any{units, o.history, ev}},
		{`INSERT INTO events (event_id, hash, status, seq)
			SELECT ev, encode(sha256(convert_to(ev, 'UTF8')), 'hex'), $3, s FROM (` + rows + `) r`,
			[]any{units, o.history, wire.Accepted}},
		{`INSERT INTO unit_log (unit, last) SELECT u, max(s) FROM (` + rows + `) r GROUP BY u`, []any{units, o.history}},
	}
	for _, step := range steps {
		if _, err := conn.Exec(ctx, step.sql, step.args...); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	loaded := time.Since(start)
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) records, log, events, unit_log"); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	fmt.Printf("history: %d earlier records in %d other units, written in %.0f s, vacuumed and analysed in %.0f s\n",
		o.history, o.historyUnits, loaded.Seconds(), (time.Since(start) - loaded).Seconds())
	return nil
}

// historyTemplate is a real intake's record and event, as JSON with
// @ID@, @CODE@, @EV@ and @UNIT@ standing for the record's id, its code,
// the event's id and the unit's code.
func historyTemplate(work string) (rec, ev string, err error) {
	st, err := storage.Open(filepath.Join(work, "template.db"), storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar, NoSync: true})
	if err != nil {
		return "", "", err
	}
	defer os.Remove(filepath.Join(work, "template.db"))
	defer st.Close()
	if err := st.SaveSettings(storage.Settings{UnitName: "UBND phường Thuận Hóa", UnitCode: unitCode(0), Place: "Huế", Counter: 1, Clerk: "Cán bộ", Language: "vi"}); err != nil {
		return "", "", err
	}
	r, err := st.Intake(dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(rand.New(rand.NewPCG(1, 1))), FilerIsOwner: true})
	if err != nil {
		return "", "", err
	}
	out, err := st.OutgoingAfter(0, 1, 0)
	if err != nil || len(out) != 1 {
		return "", "", errors.Join(err, errors.New("history: no intake to copy"))
	}
	data, err := json.Marshal(r)
	if err != nil {
		return "", "", err
	}
	// the code holds the unit's: the code is put first, to be replaced whole
	placeholders := strings.NewReplacer(r.ID, "@ID@", r.Code, "@CODE@", out[0].ID, "@EV@", unitCode(0), "@UNIT@")
	return placeholders.Replace(string(data)), placeholders.Replace(string(out[0].Event)), nil
}

// walStats is what PostgreSQL has written to its write-ahead log so far,
// and the checkpoints it has begun (pg_stat_wal, pg_stat_bgwriter).
type walStats struct{ fpi, bytes, checkpoints int64 }

func readWAL(db string) (walStats, error) {
	var w walStats
	if db == "" {
		return w, nil
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return w, err
	}
	defer conn.Close(ctx)
	// the bytes from the log's position (exact); the full-page images
	// from the statistics, which the backends report about every second
	err = conn.QueryRow(ctx, `SELECT wal_fpi, (pg_current_wal_insert_lsn() - '0/0')::bigint,
		(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) FROM pg_stat_wal`).Scan(&w.fpi, &w.bytes, &w.checkpoints)
	return w, err
}

// report says what the log took a pushed event, between two readings.
func (w walStats) report(before walStats, events int) string {
	return fmt.Sprintf("write-ahead log %.1f KB a pushed event (%.2f full-page images a pushed event), %d checkpoints begun",
		float64(w.bytes-before.bytes)/1024/float64(events), float64(w.fpi-before.fpi)/float64(events), w.checkpoints-before.checkpoints)
}
