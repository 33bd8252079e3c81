package testkit

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// QueryLog is a pgx tracer that records every statement sent to PostgreSQL,
// for tests that count round trips. Hand it to a pool's ConnConfig.Tracer
// (webtest.Options.Tracer does).
type QueryLog struct {
	mu  sync.Mutex
	sql []string
}

// TraceQueryStart records the statement.
func (q *QueryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	q.mu.Lock()
	q.sql = append(q.sql, d.SQL)
	q.mu.Unlock()
	return ctx
}

// TraceQueryEnd does nothing.
func (q *QueryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Reset forgets the statements recorded so far.
func (q *QueryLog) Reset() { q.mu.Lock(); q.sql = nil; q.mu.Unlock() }

// Taken returns the statements recorded since the last Reset.
func (q *QueryLog) Taken() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.sql...)
}

// Len is how many statements were recorded since the last Reset.
func (q *QueryLog) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.sql)
}
