package fileshare_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fileshare"
	"portal/internal/testkit"
)

// captureTracer records the SQL and arguments the service sends, so the
// plan test EXPLAINs exactly the statements production runs.
type captureTracer struct {
	mu    sync.Mutex
	stmts []captured
}

type captured struct {
	sql  string
	args []any
}

func (c *captureTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.stmts = append(c.stmts, captured{sql: d.SQL, args: d.Args})
	c.mu.Unlock()
	return ctx
}

func (c *captureTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The statements of a batch (List sends its count and page as one) are
// captured one by one, as they are read.
func (c *captureTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c *captureTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.mu.Lock()
	c.stmts = append(c.stmts, captured{sql: d.SQL, args: d.Args})
	c.mu.Unlock()
}

func (c *captureTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c *captureTracer) take() []captured {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.stmts
	c.stmts = nil
	return out
}

// TestListPlansUseIndexes seeds 100 000 sessions for 10 000 customers (plus
// one customer with 20 000 sessions and a share of downloads), ANALYZEs,
// and EXPLAINs the statements List really sends for the default and every
// single sort key (and a multi-key sort): never a Seq Scan on
// file_share_sessions; for the heavy customer, an ordered Index Scan on the
// key's (customer_id, key, id) index with no Sort above it. An ordinary
// customer's ten rows must come through a customer index too (PostgreSQL
// may pick a bitmap scan and a ten-row sort there, which is as good).
func TestListPlansUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 120 000 rows")
	}
	pool := testDB(t)
	ctx := context.Background()
	ws := testkit.Workspace(t, pool, "bulk")
	ordinary, heavy := testkit.BulkFileShares(t, pool, ws, 10000, 10, 20000)
	var n int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM file_share_sessions`).Scan(&n); err != nil || n != 120000 {
		t.Fatalf("seeded %d sessions: %v", n, err)
	}

	tracer := &captureTracer{}
	cfg := pool.Config().Copy()
	cfg.ConnConfig.Tracer = tracer
	tp, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	svc := fileshare.New(tp)

	index := map[string]string{
		"created_at":     "file_share_sessions_customer_created_idx",
		"status":         "file_share_sessions_customer_status_idx",
		"download_count": "file_share_sessions_customer_downloads_idx",
	}
	cases := [][]string{nil}
	for _, k := range fileshare.SortKeys {
		cases = append(cases, []string{k})
	}
	cases = append(cases, []string{"status", "-download_count"})
	for _, sorting := range cases {
		primary := "created_at"
		if len(sorting) > 0 {
			primary = strings.TrimPrefix(sorting[0], "-")
		}
		for _, who := range []struct {
			name  string
			heavy bool
			page  int64
		}{{"ordinary", false, 1}, {"heavy", true, 50}} {
			p := testkit.CustomerPrincipal(ws, ordinary)
			if who.heavy {
				p = testkit.CustomerPrincipal(ws, heavy)
			}
			tracer.take()
			pg, err := svc.List(ctx, p, fileshare.ListInput{Page: who.page, Limit: 100, Sorting: sorting})
			if err != nil {
				t.Fatal(err)
			}
			if len(pg.Data) == 0 {
				t.Fatalf("%v %s: no rows", sorting, who.name)
			}
			stmts := tracer.take()
			if len(stmts) != 2 {
				t.Fatalf("%v %s: want 2 statements (count, page), got %d", sorting, who.name, len(stmts))
			}
			for i, st := range stmts {
				plan := explain(t, pool, st)
				t.Logf("%v %s stmt %d:\n%s", sorting, who.name, i, plan)
				if strings.Contains(plan, "Seq Scan") {
					t.Fatalf("%v %s: sequential scan:\n%s", sorting, who.name, plan)
				}
				isPage := i == 1
				if !isPage {
					// The total is read from the customer's counts.
					if !strings.Contains(plan, "file_share_counts_pkey") || strings.Contains(plan, "file_share_sessions") {
						t.Fatalf("%v %s: the total is not read from the counts:\n%s", sorting, who.name, plan)
					}
					continue
				}
				if !strings.Contains(plan, "file_share_sessions_customer_") {
					t.Fatalf("%v %s: no customer index used:\n%s", sorting, who.name, plan)
				}
				if who.heavy && isPage {
					want := "Index Scan"
					if !strings.Contains(plan, want) || !strings.Contains(plan, index[primary]) {
						t.Fatalf("%v heavy: want %s on %s:\n%s", sorting, want, index[primary], plan)
					}
					if len(sorting) <= 1 && !sortsOnlyPages(plan) {
						t.Fatalf("%v heavy: single-key list must not sort the customer's rows:\n%s", sorting, plan)
					}
				}
			}
		}
	}
	// The overview's status filter (issue 16.12) reads through the same
	// customer indexes: never a sequential scan, for every sort key.
	for _, sorting := range cases {
		for _, who := range []struct {
			name  string
			heavy bool
			page  int64
		}{{"ordinary", false, 1}, {"heavy", true, 5}} {
			p := testkit.CustomerPrincipal(ws, ordinary)
			if who.heavy {
				p = testkit.CustomerPrincipal(ws, heavy)
			}
			tracer.take()
			pg, err := svc.List(ctx, p, fileshare.ListInput{Page: who.page, Limit: 100, Sorting: sorting, Status: "active"})
			if err != nil {
				t.Fatal(err)
			}
			if who.heavy && len(pg.Data) == 0 {
				t.Fatalf("%v %s active: no rows", sorting, who.name)
			}
			for _, s := range pg.Data {
				if s.Status != "active" {
					t.Fatalf("%v %s: status %s in an active-only list", sorting, who.name, s.Status)
				}
			}
			stmts := tracer.take()
			if len(stmts) != 2 {
				t.Fatalf("%v %s active: want 2 statements (count, page), got %d", sorting, who.name, len(stmts))
			}
			for i, st := range stmts {
				plan := explain(t, pool, st)
				t.Logf("%v %s active stmt %d:\n%s", sorting, who.name, i, plan)
				if strings.Contains(plan, "Seq Scan") {
					t.Fatalf("%v %s active: sequential scan:\n%s", sorting, who.name, plan)
				}
				want := "file_share_sessions_customer_"
				if i == 0 {
					want = "file_share_counts_pkey"
				}
				if !strings.Contains(plan, want) {
					t.Fatalf("%v %s active: %s not used:\n%s", sorting, who.name, want, plan)
				}
			}
		}
	}

	// The overview's earnings summary (issue 15, migration 00088): with a
	// completed payment on a quarter of all shares (the heavy customer's
	// 20 000 too), a few of its shares deleted, and downloads this month, it
	// reads the customer's totals and nothing else: no payment, download,
	// per-share count or share row, for an ordinary and for the heavy
	// customer, with the plan made for its customer and with the generic
	// plan a statement prepared per connection may end up with. (The bulk
	// writes below also go through the triggers that keep the totals, as
	// statements of tens of thousands of rows.)
	if _, err := pool.Exec(ctx, `INSERT INTO file_share_payments (session_id, status, amount_cents, platform_fee_cents, currency)
		SELECT id, 'completed', 500, 50, 'usd' FROM file_share_sessions WHERE id::text < '4'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO file_share_downloads (session_id, slot_number)
		SELECT id, 1 FROM file_share_sessions WHERE customer_id = $1`, ordinary); err != nil {
		t.Fatal(err)
	}
	// The heavy customer has downloads this month on 500 of its shares (the
	// per-month counts of the others removed with their downloads): their
	// counts are read, not all its shares. (Were its counts a third of the
	// table, as BulkFileShares leaves them, a sequential scan of the counts
	// would be PostgreSQL's right choice.)
	for _, q := range []string{
		`DELETE FROM file_share_downloads d USING file_share_sessions s
		 WHERE s.id = d.session_id AND s.customer_id = $1 AND s.download_count <> 15`,
		`DELETE FROM file_share_download_months WHERE customer_id = $1 AND downloads = 0`,
	} {
		if _, err := pool.Exec(ctx, q, heavy); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE file_share_sessions SET deleted_at = now() WHERE customer_id = $1 AND download_count = 7`, heavy); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE file_share_payments, file_share_download_months, file_share_downloads, file_share_sessions`); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		name string
		id   uuid.UUID
	}{{"ordinary", ordinary}, {"heavy", heavy}} {
		tracer.take()
		if _, _, err := svc.Overview(ctx, testkit.CustomerPrincipal(ws, who.id), fileshare.ListInput{}, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		stmts := tracer.take()
		if len(stmts) != 3 || !strings.Contains(stmts[2].sql, "name: FileShareEarnings ") {
			t.Fatalf("overview %s: want count, page, earnings; got %d statements", who.name, len(stmts))
		}
		plan := explain(t, pool, stmts[2])
		t.Logf("earnings %s:\n%s", who.name, plan)
		generic := explainGeneric(t, pool, stmts[2])
		t.Logf("earnings %s, generic plan:\n%s", who.name, generic)
		if !strings.Contains(generic, "$1") {
			t.Fatalf("earnings %s: not a generic plan:\n%s", who.name, generic)
		}
		for _, pl := range []string{plan, generic} {
			for _, want := range []string{"file_share_earnings_pkey", "file_share_customer_downloads_pkey"} {
				if !strings.Contains(pl, want) {
					t.Fatalf("earnings %s: want %s:\n%s", who.name, want, pl)
				}
			}
			for _, line := range strings.Split(pl, "\n") {
				for _, table := range []string{"file_share_downloads", "file_share_payments", "file_share_download_months", "file_share_sessions"} {
					if strings.Contains(line, " on "+table+" ") || strings.Contains(line, " on "+table+"_") || strings.Contains(line, "Seq Scan") {
						t.Fatalf("earnings %s reads rows it should not (%s):\n%s", who.name, strings.TrimSpace(line), pl)
					}
				}
			}
		}
		// And what it read is right: the totals equal the sums of the rows
		// they total.
		checkEarningsTotals(t, pool, "plan test")
	}
}

// sortsOnlyPages reports whether every Sort in plan sorts a page: a Limit
// lies between it and the scan below it. A deep page read from the back
// (listDeep) puts its page of ids back in order, which is a sort of at
// most one page; sorting what a scan of the customer's rows returns is not.
func sortsOnlyPages(plan string) bool {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		node := strings.TrimLeft(strings.TrimSpace(l), "-> ")
		if !strings.HasPrefix(node, "Sort ") || strings.HasPrefix(node, "Sort Key") || strings.HasPrefix(node, "Sort Method") {
			continue
		}
		limited := false
		for _, below := range lines[i+1:] {
			b := strings.TrimLeft(strings.TrimSpace(below), "-> ")
			if strings.HasPrefix(b, "Limit ") {
				limited = true
			}
			if strings.Contains(b, " Scan ") && !strings.HasPrefix(b, "CTE Scan") && !strings.HasPrefix(b, "Subquery Scan") {
				if !limited {
					return false
				}
				break
			}
		}
	}
	return true
}

// explainGeneric is explain with the plan PostgreSQL makes for the
// statement whatever its arguments (prepared, plan_cache_mode =
// force_generic_plan); the arguments are uuids and times.
func explainGeneric(t *testing.T, pool *pgxpool.Pool, st captured) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	args := make([]string, len(st.args))
	for i, a := range st.args {
		switch v := a.(type) {
		case time.Time:
			args[i] = "'" + v.Format(time.RFC3339Nano) + "'"
		default:
			args[i] = fmt.Sprintf("'%v'", v)
		}
	}
	for _, q := range []string{`SET plan_cache_mode = force_generic_plan`, `PREPARE generic AS ` + st.sql} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	defer func() { _, _ = conn.Exec(ctx, `DEALLOCATE generic; RESET plan_cache_mode`) }()
	rows, err := conn.Query(ctx, "EXPLAIN EXECUTE generic("+strings.Join(args, ", ")+")")
	if err != nil {
		t.Fatalf("explain %q: %v", st.sql, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func explain(t *testing.T, pool *pgxpool.Pool, st captured) string {
	t.Helper()
	rows, err := pool.Query(context.Background(), "EXPLAIN "+st.sql, st.args...)
	if err != nil {
		t.Fatalf("explain %q: %v", st.sql, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
