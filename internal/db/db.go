// Package db owns the PostgreSQL connection pool, transactions, the embedded
// migrations (goose for our schema, River's own migrator for its queue tables)
// and the mapping of pgx errors to something services can test for.
package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db/dbgen"
)

//go:embed migrations/*.sql
var Migrations embed.FS

// Pool modes (PORTAL_DB_POOL_MODE).
const (
	// PoolSession: every pgx connection is one PostgreSQL session (a direct
	// connection, or a pooler in session mode). pgx prepares and caches
	// named statements.
	PoolSession = "session"
	// PoolTransaction: a pooler in transaction mode (PgBouncer) may hand
	// each transaction a different server connection, so nothing may rely
	// on session state: no named prepared statements, no LISTEN, no
	// session advisory locks.
	PoolTransaction = "transaction"
)

// Open connects a pool in session mode and checks it answers.
func Open(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	return OpenMode(ctx, dsn, PoolSession)
}

// OpenMode connects a pool for the given pool mode and checks it answers.
// The pool's defaults are tuned for a 2-core machine: a handful of
// connections beats many. In transaction mode pgx describes each statement
// once per connection and executes it as an unnamed statement (Parse, Bind,
// Execute in one message batch, which a transaction pooler keeps on one
// server connection): no named prepared statement outlives a transaction.
func OpenMode(ctx context.Context, dsn, mode string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	switch mode {
	case PoolSession, "":
	case PoolTransaction:
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	default:
		return nil, fmt.Errorf("db: unknown pool mode %q", mode)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.AfterConnect = registerTypes
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 5 * time.Second
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return pool, nil
}

// WithTx runs fn inside one transaction and commits when fn returns nil.
// Services own their transactions through this; handlers never see one.
func WithTx(ctx context.Context, pool *pgxpool.Pool, fn func(q *dbgen.Queries, tx pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(dbgen.New(tx), tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// IsNotFound reports whether err is pgx's "no rows".
func IsNotFound(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// IsBadText reports whether PostgreSQL refused a string it cannot store:
// a NUL character (text and jsonb cannot hold U+0000) or bytes that are not
// UTF-8. Input validation rejects these where it knows the field; this is
// the net under the fields it does not know, so such input is a 422, not a
// 500 (FuzzNormalizeAddress found the first one).
func IsBadText(err error) bool {
	var pgErr *pgconn.PgError
	// 22021 character_not_in_repertoire (NUL, invalid UTF-8 in text);
	// 22P05 untranslatable_character (\u0000 in jsonb).
	return errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05")
}

// UniqueViolation returns the violated constraint's name when err is a
// unique-violation (23505), else "".
func UniqueViolation(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName
	}
	return ""
}

// IsUnavailable reports whether err means the database could not be reached
// or went away mid-request (refused, reset, shutting down, starting up,
// out of connections), as opposed to a bad query. It is the one place that
// decides this: services use it to answer 503 + Retry-After, and the error
// mapping in web uses it as a last resort for anything that slipped
// through as an internal error.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	// A connection that could not be made is an outage whatever the
	// server said (too many clients, a database that refuses connections,
	// a server starting up): checked before the error code, which a
	// refused connect also carries.
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 57P01 admin_shutdown (stopped, fast or immediate, under us),
		// 57P02 crash_shutdown (another backend crashed), 57P03
		// cannot_connect_now (starting up, in recovery), class 08
		// connection exceptions, class 53 insufficient resources (too many
		// connections, out of memory or disk).
		switch c := pgErr.Code; {
		case c == "57P01" || c == "57P02" || c == "57P03":
			return true
		case strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53"):
			return true
		}
		return false
	}
	// Failures before anything reached the server (a dead socket found on
	// write, a connection pgx already closed): pgconn marks them safe to
	// retry, which is exactly "the server was not there".
	if pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	// A server that dies while a query is in flight is seen on the read:
	// the socket ends (EOF mid-message) or is reset. pgconn hands back the
	// raw I/O error and closes the connection, so these are transport
	// failures, never query errors. Measured in web/faults: a PostgreSQL
	// killed under load gives "unexpected EOF" and "read: connection reset
	// by peer" on the connections that were busy.
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	// The database did not answer within the deadline pgconn was given.
	return pgconn.Timeout(err)
}
