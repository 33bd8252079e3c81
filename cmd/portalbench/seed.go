package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
)

// Sizes of the seeded load (README "Measuring").
const (
	nCustomers = 10_000
	nSessions  = 100_000
	nDownloads = 1_000_000
	// nTokens customers get API tokens. They also own the first
	// tokenSessionsEach sessions each, so the sessions list with limit=100
	// returns a full page instead of the ~10 rows a uniform spread gives.
	nTokens           = 50
	tokenSessionsEach = 200
	wsSlug            = "bench"
	// The heavy customer (README "Measuring", cost as work grows) owns
	// nHeavy sessions of its own, beside the nSessions above.
	nHeavy     = 100_000
	heavyEmail = "heavy@bench.example"
)

// seedResult is what the load needs to know about the seeded data.
type seedResult struct {
	WorkspaceID uuid.UUID
	Tokens      []string // customer API tokens (rapidly_cst_...)
	HeavyToken  string   // the heavy customer's API token
}

// customerEmail is the address of seeded customer n (0-based); the sign-in
// load requests codes for these.
func customerEmail(n int) string { return fmt.Sprintf("customer%d@bench.example", n) }

// seed fills the migrated database in a few set-based statements: row by row
// would take minutes for a million downloads.
func seed(ctx context.Context, pool *pgxpool.Pool, h *auth.Hasher) (*seedResult, error) {
	wsID := uuid.New()
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{"workspace", `INSERT INTO workspaces (id, name, slug, status) VALUES ($1, 'Bench Workspace', $2, 'active')`, []any{wsID, wsSlug}},
		{"customers", `INSERT INTO customers (workspace_id, email, email_verified, name, created_at)
			SELECT $1, 'customer' || g || '@bench.example', true, 'Customer ' || g, now() - g * interval '1 minute'
			FROM generate_series(0, $2::int - 1) g`, []any{wsID, nCustomers}},
		// Numbered customers: n is the g of the address above.
		{"numbering", `CREATE TEMP TABLE bench_customers AS
			SELECT id, substring(email from 'customer([0-9]+)@')::int AS n FROM customers WHERE workspace_id = $1`, []any{wsID}},
		{"index", `CREATE INDEX ON bench_customers (n)`, nil},
		// Session ids are drawn first so the downloads can be written, and
		// counted, before the sessions: each session is then inserted once
		// with its download_count instead of updated 100 000 times.
		{"session ids", `CREATE TEMP TABLE bench_sessions AS
			SELECT gen_random_uuid() AS id, g AS n FROM generate_series(0, $1::int - 1) g`, []any{nSessions}},
		{"index", `CREATE INDEX ON bench_sessions (n)`, nil},
		// Skewed (random²) so download counts differ and sorting by them
		// means something.
		{"downloads", `INSERT INTO file_share_downloads (session_id, slot_number, downloader_ip_hash, created_at)
			SELECT s.id, g % 1000, md5(g::text), now() - g * interval '1 second'
			FROM (SELECT g, floor($1::int * power(random(), 2))::int AS k FROM generate_series(0, $2::int - 1) g) d
			JOIN bench_sessions s ON s.n = d.k`, []any{nSessions, nDownloads}},
		// The first nTokens*tokenSessionsEach sessions belong to the token
		// customers; the rest are spread over everyone else.
		{"sessions", `INSERT INTO file_share_sessions (id, workspace_id, customer_id, short_slug, long_slug, status,
				max_downloads, download_count, price_cents, title, file_name, file_size_bytes, ttl_seconds, expires_at, created_at)
			SELECT s.id, $1, c.id, 's' || s.n, 'long-' || s.n || '-' || md5(s.n::text),
				(ARRAY['created','active','completed','expired'])[1 + s.n % 4],
				1000, coalesce(d.cnt, 0), CASE WHEN s.n % 3 = 0 THEN 500 END, 'Share ' || s.n, 'file-' || s.n || '.zip',
				1024 * (s.n % 5000 + 1), 86400, now() + interval '1 day', now() - s.n * interval '7 seconds'
			FROM bench_sessions s
			LEFT JOIN (SELECT session_id, count(*)::int AS cnt FROM file_share_downloads GROUP BY session_id) d ON d.session_id = s.id
			JOIN bench_customers c ON c.n = CASE WHEN s.n < $2::int * $3::int THEN s.n / $3::int
				ELSE $2::int + s.n % ($4::int - $2::int) END`, []any{wsID, nTokens, tokenSessionsEach, nCustomers}},
		{"heavy customer", `INSERT INTO customers (workspace_id, email, email_verified, name) VALUES ($1, $2, true, 'Heavy Customer')`,
			[]any{wsID, heavyEmail}},
		{"heavy sessions", `INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status,
				max_downloads, download_count, price_cents, title, file_name, file_size_bytes, ttl_seconds, expires_at, created_at)
			SELECT $1, c.id, 'h' || g, 'heavy-' || g || '-' || md5(g::text), (ARRAY['created','active','completed','expired'])[1 + g % 4],
				1000, floor(1000 * power(random(), 3))::int, CASE WHEN g % 3 = 0 THEN 500 END, 'Heavy share ' || g, 'heavy-' || g || '.zip',
				1024 * (g % 5000 + 1), 86400, now() + interval '1 day', now() - g * interval '3 seconds'
			FROM customers c, generate_series(0, $3::int - 1) g WHERE c.workspace_id = $1 AND c.email = $2`, []any{wsID, heavyEmail, nHeavy}},
		// Sales: one completed payment on every priced share (a third of
		// them, the heavy customer's too), so the overview's earnings
		// summary sums real rows.
		{"payments", `INSERT INTO file_share_payments (session_id, customer_id, status, amount_cents, platform_fee_cents, currency, created_at)
			SELECT id, customer_id, 'completed', price_cents, price_cents / 10, currency, created_at
			FROM file_share_sessions WHERE workspace_id = $1 AND price_cents IS NOT NULL`, []any{wsID}},
		// The per-month download counts (migration 00084) are kept by a
		// trigger, which the replica role below skips: count them here as
		// that migration does for existing downloads
		// (and their share's customer and currency, migration 00085).
		{"download months", `INSERT INTO file_share_download_months (session_id, month, downloads, customer_id, currency)
			SELECT d.session_id, d.month, d.n, s.customer_id, s.currency
			FROM (SELECT session_id, date_trunc('month', created_at, 'UTC') AS month, count(*) AS n
				FROM file_share_downloads WHERE deleted_at IS NULL GROUP BY 1, 2) d
			JOIN file_share_sessions s ON s.id = d.session_id`, nil},
		// So are the customers' earnings totals (migration 00088; no share
		// is deleted here, so every row is of a live share) and the live
		// shares' counts (migration 00087), which every list's total is
		// read from.
		{"earnings totals", `INSERT INTO file_share_earnings (customer_id, currency, payments, paid_cents, fee_cents)
			SELECT customer_id, currency, count(*), sum(amount_cents), sum(platform_fee_cents) FROM file_share_payments
			WHERE status = 'completed' AND deleted_at IS NULL GROUP BY 1, 2`, nil},
		{"download totals", `INSERT INTO file_share_customer_downloads (customer_id, month, currency, downloads)
			SELECT customer_id, month, currency, sum(downloads) FROM file_share_download_months GROUP BY 1, 2, 3`, nil},
		{"file share counts", `INSERT INTO file_share_counts (customer_id, workspace_id, status, live)
			SELECT customer_id, workspace_id, status, count(*) FROM file_share_sessions WHERE deleted_at IS NULL
			GROUP BY 1, 2, 3`, nil},
	}
	conn, err := pool.Acquire(ctx) // temp tables live on one connection
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	// Foreign keys are checked row by row by triggers, which dominates a
	// million-row insert; the data is consistent by construction (and the
	// downloads go in before their sessions), so the seed runs as a
	// replica, which skips them. Superuser only: devpg connects as one.
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		return nil, err
	}
	for _, s := range steps {
		start := time.Now()
		if _, err := conn.Exec(ctx, s.sql, s.args...); err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.name, err)
		}
		if d := time.Since(start); d > time.Second {
			logf("  seed %-14s %v", s.name, d.Round(time.Millisecond))
		}
	}

	if _, err := conn.Exec(ctx, `RESET session_replication_role`); err != nil {
		return nil, err
	}
	// What the skipped triggers keep must agree with the rows, or the lists
	// would answer from wrong totals.
	var counted, kept int64
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM file_share_sessions WHERE deleted_at IS NULL),
		(SELECT coalesce(sum(live), 0)::bigint FROM file_share_counts)`).Scan(&counted, &kept); err != nil {
		return nil, err
	}
	if counted != kept || counted != nSessions+nHeavy {
		return nil, fmt.Errorf("seed: %d live shares, %d counted in file_share_counts, want %d", counted, kept, nSessions+nHeavy)
	}
	var paid, paidKept, downloads, downloadsKept int64
	if err := conn.QueryRow(ctx, `SELECT (SELECT sum(amount_cents) FROM file_share_payments WHERE status = 'completed'),
		(SELECT sum(paid_cents) FROM file_share_earnings),
		(SELECT count(*) FROM file_share_downloads), (SELECT sum(downloads) FROM file_share_customer_downloads)`).Scan(
		&paid, &paidKept, &downloads, &downloadsKept); err != nil {
		return nil, err
	}
	if paid != paidKept || downloads != downloadsKept || downloads != nDownloads {
		return nil, fmt.Errorf("seed: paid %d, in the totals %d; %d downloads, in the totals %d", paid, paidKept, downloads, downloadsKept)
	}
	// A steady state as autovacuum would leave it (visibility map and
	// statistics), so it does not start in the middle of the load.
	start := time.Now()
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return nil, fmt.Errorf("seed vacuum: %w", err)
	}
	logf("  seed %-14s %v", "vacuum", time.Since(start).Round(time.Millisecond))
	res := &seedResult{WorkspaceID: wsID}
	heavy := auth.NewToken(auth.PrefixCustomerSession)
	if _, err := conn.Exec(ctx, `INSERT INTO customer_sessions (token_hash, expires_at, customer_id)
		SELECT $1, now() + interval '1 day', id FROM customers WHERE workspace_id = $2 AND email = $3`,
		h.Hash(heavy), wsID, heavyEmail); err != nil {
		return nil, fmt.Errorf("seed heavy token: %w", err)
	}
	res.HeavyToken = heavy
	for n := range nTokens {
		tok := auth.NewToken(auth.PrefixCustomerSession)
		_, err := conn.Exec(ctx, `INSERT INTO customer_sessions (token_hash, expires_at, customer_id)
			SELECT $1, now() + interval '1 day', id FROM customers WHERE workspace_id = $2 AND email = $3`,
			h.Hash(tok), wsID, customerEmail(n))
		if err != nil {
			return nil, fmt.Errorf("seed token: %w", err)
		}
		res.Tokens = append(res.Tokens, tok)
	}
	return res, nil
}
