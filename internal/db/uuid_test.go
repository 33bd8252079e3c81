package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"portal/internal/db"
	"portal/internal/testkit"
)

// The pool db.OpenMode makes reads and writes google/uuid values directly
// (issue 15), in both pool modes: as arguments and results, NULL into a
// pointer, arrays, and text that only looks like a uuid left alone.
func TestOpenMode_UUIDs(t *testing.T) {
	dsn := testkit.DB(t).Config().ConnString()
	for _, mode := range []string{db.PoolSession, db.PoolTransaction} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			pool, err := db.OpenMode(ctx, dsn, mode)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			id := uuid.New()
			var got, viaText uuid.UUID
			var null *uuid.UUID
			var some *uuid.UUID
			var asText string
			var list []uuid.UUID
			err = pool.QueryRow(ctx, `SELECT $1::uuid, $1::uuid::text, NULL::uuid, $1::uuid, $2::text::uuid, ARRAY[$1::uuid, $1::uuid]`,
				id, id.String()).Scan(&got, &asText, &null, &some, &viaText, &list)
			if err != nil {
				t.Fatal(err)
			}
			if got != id || asText != id.String() || null != nil || some == nil || *some != id || viaText != id ||
				len(list) != 2 || list[1] != id {
				t.Fatalf("got %v %q %v %v %v %v, want %v", got, asText, null, some, viaText, list, id)
			}
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::uuid[]) u WHERE u = $2`, []uuid.UUID{id, uuid.New(), id}, id).Scan(&n); err != nil || n != 2 {
				t.Fatalf("uuid[] argument: %d %v", n, err)
			}
		})
	}
}
