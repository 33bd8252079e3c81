package db_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"portal/internal/db"
	"portal/internal/testkit"
)

// TestOpenMode_RawJSON: jsonb (and json, left to pgx's codec) read into a
// json.RawMessage through the pool db.OpenMode makes (copied bytes, no
// json.Unmarshal) give exactly what pgx's own codec gives, NULL included, in
// both pool modes, and as a pointer.
func TestOpenMode_RawJSON(t *testing.T) {
	ctx := context.Background()
	dsn := testkit.DB(t).Config().ConnString()
	plain, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close(ctx)
	values := []string{`{}`, `null`, `[]`, `"x"`, `1.50`, `{"line1": "Main St 1", "country": "DE", "city": null}`,
		`{"b": 1, "a": {"deep": ["é", "\u00e9", "😀", "<&>"]}}`, `  {"spaced" :  true }  `}
	for _, mode := range []string{db.PoolSession, db.PoolTransaction} {
		t.Run(mode, func(t *testing.T) {
			pool, err := db.OpenMode(ctx, dsn, mode)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			for _, typ := range []string{"jsonb", "json"} {
				for _, v := range append(values, "NULL") {
					q := `SELECT $1::text::` + typ
					arg := any(v)
					if v == "NULL" {
						q, arg = `SELECT (SELECT NULL::`+typ+` WHERE $1::text IS NOT NULL)`, "x"
					}
					var got, want json.RawMessage
					var gotPtr, wantPtr *json.RawMessage
					if err := pool.QueryRow(ctx, q, arg).Scan(&got); err != nil {
						t.Fatalf("%s %s: %v", typ, v, err)
					}
					if err := pool.QueryRow(ctx, q, arg).Scan(&gotPtr); err != nil {
						t.Fatalf("%s %s pointer: %v", typ, v, err)
					}
					if err := plain.QueryRow(ctx, q, arg).Scan(&want); err != nil {
						t.Fatalf("%s %s plain: %v", typ, v, err)
					}
					if err := plain.QueryRow(ctx, q, arg).Scan(&wantPtr); err != nil {
						t.Fatalf("%s %s plain pointer: %v", typ, v, err)
					}
					if string(got) != string(want) || (got == nil) != (want == nil) {
						t.Errorf("%s %s: got %q (nil %v), pgx's codec %q (nil %v)", typ, v, got, got == nil, want, want == nil)
					}
					if (gotPtr == nil) != (wantPtr == nil) || (gotPtr != nil && string(*gotPtr) != string(*wantPtr)) {
						t.Errorf("%s %s: pointer got %v, pgx's codec %v", typ, v, gotPtr, wantPtr)
					}
				}
			}
		})
	}
}
