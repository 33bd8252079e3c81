package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db/dbgen"
)

// Batch runs the queries fn makes through its *dbgen.Queries (or raw
// through the DBTX it is also given) in ONE network round trip: a pgx.Batch,
// which PostgreSQL runs in one implicit transaction on one connection, so
// it also holds in transaction pooling behind PgBouncer (docs/design.md
// "Round trips").
//
// fn is called twice. The first call records: every query answers nothing
// (no rows, a QueryRow that scans nothing and no error), and its SQL and
// arguments are queued. The batch is then sent, and the second call gets
// the real answers, in the order the queries were recorded. So fn must make
// the same queries in the same order whatever the answers say: decide from
// the inputs, never from a result. A second call that strays from the
// recording fails with ErrBatchDiverged instead of reading another query's
// answer. Side effects other than the queries and assigning results do not
// belong in fn.
func Batch(ctx context.Context, pool *pgxpool.Pool, fn func(q *dbgen.Queries, raw dbgen.DBTX) error) error {
	rec := &batchRecorder{}
	// The recording's answers are empty; an error it returns says nothing.
	_ = fn(dbgen.New(rec), rec)
	if len(rec.sql) == 0 {
		return nil
	}
	br := pool.SendBatch(ctx, &rec.batch)
	rp := &batchReplayer{br: br, sql: rec.sql}
	err := fn(dbgen.New(rp), rp)
	if err == nil && rp.next != len(rp.sql) {
		err = fmt.Errorf("%w: %d of %d queries read", ErrBatchDiverged, rp.next, len(rp.sql))
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// ErrBatchDiverged is a Batch whose fn did not repeat its recorded queries.
var ErrBatchDiverged = errors.New("db: batch function made different queries on its second call")

// batchRecorder is the first call's DBTX: it queues, and answers nothing.
type batchRecorder struct {
	batch pgx.Batch
	sql   []string
}

func (r *batchRecorder) queue(sql string, args []any) {
	r.batch.Queue(sql, args...)
	r.sql = append(r.sql, sql)
}

func (r *batchRecorder) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	r.queue(sql, args)
	return pgconn.CommandTag{}, nil
}

func (r *batchRecorder) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.queue(sql, args)
	return emptyRows{}, nil
}

func (r *batchRecorder) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	r.queue(sql, args)
	return emptyRow{}
}

// batchReplayer is the second call's DBTX: each query reads the next
// answer of the batch, after checking it is the query that was queued.
type batchReplayer struct {
	br   pgx.BatchResults
	sql  []string
	next int
}

func (r *batchReplayer) take(sql string) error {
	if r.next >= len(r.sql) || r.sql[r.next] != sql {
		return fmt.Errorf("%w: query %d is not the one recorded", ErrBatchDiverged, r.next+1)
	}
	r.next++
	return nil
}

func (r *batchReplayer) Exec(_ context.Context, sql string, _ ...any) (pgconn.CommandTag, error) {
	if err := r.take(sql); err != nil {
		return pgconn.CommandTag{}, err
	}
	return r.br.Exec()
}

func (r *batchReplayer) Query(_ context.Context, sql string, _ ...any) (pgx.Rows, error) {
	if err := r.take(sql); err != nil {
		return nil, err
	}
	return r.br.Query()
}

func (r *batchReplayer) QueryRow(_ context.Context, sql string, _ ...any) pgx.Row {
	if err := r.take(sql); err != nil {
		return errRow{err}
	}
	return r.br.QueryRow()
}

// emptyRows is a result with no rows and no error.
type emptyRows struct{}

func (emptyRows) Close()                                       {}
func (emptyRows) Err() error                                   { return nil }
func (emptyRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (emptyRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (emptyRows) Next() bool                                   { return false }
func (emptyRows) Scan(...any) error                            { return nil }
func (emptyRows) Values() ([]any, error)                       { return nil, nil }
func (emptyRows) RawValues() [][]byte                          { return nil }
func (emptyRows) Conn() *pgx.Conn                              { return nil }
func (emptyRows) TypeMap() *pgtype.Map                         { return nil }

// emptyRow scans nothing and succeeds, so the recording goes on past it.
type emptyRow struct{}

func (emptyRow) Scan(...any) error { return nil }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
