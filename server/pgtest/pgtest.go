// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server named by MOTCUA_TEST_PG (`make test` starts a throwaway
// cluster and sets it: scripts/with-pg.sh). A test that needs PostgreSQL
// fails without it: it never skips.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the server's address, a postgres:// URL of a role that may
// create databases.
const Env = "MOTCUA_TEST_PG"

// DB creates an empty database for the test, dropped at its end, and
// returns its URL.
func DB(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(Env)
	if admin == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts a throwaway PostgreSQL cluster (scripts/with-pg.sh), or point it at a server", Env)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "motcua_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, admin); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// StoreEnv chooses the store of the backend's test suites: "postgres"
// runs them on PostgreSQL (make test runs them on both stores).
const StoreEnv = "MOTCUA_TEST_STORE"

// Postgres says whether the backend's tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(StoreEnv) == "postgres" }

// Backend is the -db of a test's backend: a fresh database when the tests
// run on PostgreSQL, "" (the bbolt store in its directory) otherwise.
func Backend(t testing.TB) string {
	if !Postgres() {
		return ""
	}
	return DB(t)
}
