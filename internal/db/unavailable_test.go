package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"portal/internal/db"
	"portal/internal/testkit"
)

// The errors a PostgreSQL restart produces (as seen by web/faults) are
// "unavailable" (503), and errors of the query itself are not.
func TestIsUnavailable(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "unix", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	pipe := &net.OpError{Op: "write", Net: "unix", Err: os.NewSyscallError("write", syscall.EPIPE)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"server gone mid-read (EOF)", fmt.Errorf("customer.get: %w", io.ErrUnexpectedEOF), true},
		{"server gone between messages", io.EOF, true},
		{"connection reset", fmt.Errorf("auth.resolve: %w", reset), true},
		{"broken pipe", pipe, true},
		{"conn closed", fmt.Errorf("x: %w", pgconn.ErrConnClosed), true},
		{"no rows", pgx.ErrNoRows, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"query canceled", &pgconn.PgError{Code: "57014"}, false},
		{"client went away", context.Canceled, false},
		{"other", errors.New("boom"), false},
	} {
		if got := db.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// A connect the server refuses with an error code (here: a database that
// does not accept connections) is an outage, not an internal error.
func TestIsUnavailableRefusedConnect(t *testing.T) {
	ctx := context.Background()
	admin := testkit.DB(t) // altered from here: a database cannot refuse its own session
	target := testkit.NewDatabase(t)
	target.Pool.Close()
	ident := pgx.Identifier{target.Name}.Sanitize()
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+ident+` ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = admin.Exec(ctx, `ALTER DATABASE `+ident+` ALLOW_CONNECTIONS true`) }()
	conn, err := pgx.Connect(ctx, target.DSN)
	if err == nil {
		conn.Close(ctx)
		t.Fatal("connected to a database that refuses connections")
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("refused connect carries no server error: %v", err)
	}
	if !db.IsUnavailable(err) {
		t.Fatalf("refused connect (%s) is not unavailable: %v", pgErr.Code, err)
	}
}
