package db_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/db"
	"portal/internal/testkit"
)

// TestOpenMode_ScanPlans: the direct scan plans of the pool db.OpenMode
// makes (*time.Time, **time.Time, **string, **uuid.UUID) give what pgx's
// own codecs give, value, NULL, infinity and error alike, in both pool
// modes.
func TestOpenMode_ScanPlans(t *testing.T) {
	ctx := context.Background()
	dsn := testkit.DB(t).Config().ConnString()
	plain, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close(ctx)
	id := uuid.New()
	cases := []struct {
		expr string
		dst  func() any
	}{}
	for _, ts := range []string{"'2026-12-08 03:04:05+00'", "'2026-12-08 03:04:05.123456+02'", "'0001-01-01 00:00:00+00'",
		"'1999-12-31 23:59:59.999999+00'", "'294276-12-31 23:59:59+00'", "'infinity'", "'-infinity'", "NULL"} {
		for _, dst := range []func() any{func() any { return new(time.Time) }, func() any { return new(*time.Time) }} {
			cases = append(cases, struct {
				expr string
				dst  func() any
			}{ts + "::timestamptz", dst})
		}
	}
	for _, s := range []string{"''", "'plain'", "'Zoë 東京 😀'", "NULL"} {
		for _, typ := range []string{"text", "varchar"} {
			cases = append(cases, struct {
				expr string
				dst  func() any
			}{s + "::" + typ, func() any { return new(*string) }}, struct {
				expr string
				dst  func() any
			}{s + "::" + typ, func() any { return new(string) }})
		}
	}
	for _, u := range []string{"'" + id.String() + "'", "NULL"} {
		cases = append(cases, struct {
			expr string
			dst  func() any
		}{u + "::uuid", func() any { return new(*uuid.UUID) }})
	}
	deref := func(v any) any {
		rv := reflect.ValueOf(v).Elem()
		for rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv = rv.Elem()
		}
		if rv.Kind() == reflect.Pointer {
			return "<nil>"
		}
		if tm, ok := rv.Interface().(time.Time); ok {
			return tm.UTC().Format(time.RFC3339Nano) + " " + tm.Location().String()
		}
		return fmt.Sprint(rv.Interface())
	}
	for _, mode := range []string{db.PoolSession, db.PoolTransaction} {
		t.Run(mode, func(t *testing.T) {
			pool, err := db.OpenMode(ctx, dsn, mode)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			for _, c := range cases {
				q := "SELECT " + c.expr + " WHERE $1::int = 1" // an argument, as every sqlc query has
				got, want := c.dst(), c.dst()
				gerr := pool.QueryRow(ctx, q, 1).Scan(got)
				werr := plain.QueryRow(ctx, q, 1).Scan(want)
				if (gerr == nil) != (werr == nil) {
					t.Errorf("%s into %T: error %v, pgx's codec %v", c.expr, got, gerr, werr)
					continue
				}
				if gerr == nil && deref(got) != deref(want) {
					t.Errorf("%s into %T: %v, pgx's codec %v", c.expr, got, deref(got), deref(want))
				}
			}
		})
	}
}
