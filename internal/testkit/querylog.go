package testkit

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// QueryLog is a pgx tracer that records every round trip to PostgreSQL,
// for tests that count them: one entry per statement sent alone, and one
// entry per batch (pgx.Batch, db.Batch), its statements joined under a
// "-- batch of N" line. Hand it to a pool's ConnConfig.Tracer
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

// TraceBatchStart records the whole batch as one round trip.
func (q *QueryLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	parts := make([]string, 0, len(d.Batch.QueuedQueries))
	for _, qq := range d.Batch.QueuedQueries {
		parts = append(parts, qq.SQL)
	}
	q.mu.Lock()
	q.sql = append(q.sql, fmt.Sprintf("-- batch of %d\n%s", len(parts), strings.Join(parts, "\n-- next in batch\n")))
	q.mu.Unlock()
	return ctx
}

// TraceBatchQuery does nothing.
func (q *QueryLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd does nothing.
func (q *QueryLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

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
