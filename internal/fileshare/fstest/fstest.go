// Package fstest seeds file-sharing data for tests: workspaces, customers,
// members and sessions with exactly the columns a test needs, straight into
// the database, plus bulk seeding with generate_series for plan tests.
// Only tests import it.
package fstest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/db/dbgen"
)

// Workspace inserts a workspace and returns its id.
func Workspace(t testing.TB, pool *pgxpool.Pool, slug string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(),
		`INSERT INTO workspaces (name, slug, email) VALUES ($1, $2, $3) RETURNING id`,
		"Workspace "+slug, slug, slug+"@example.com").Scan(&id)
	if err != nil {
		t.Fatalf("fstest.Workspace: %v", err)
	}
	return id
}

// Customer inserts a customer of ws.
func Customer(t testing.TB, pool *pgxpool.Pool, ws uuid.UUID, email, typ string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(),
		`INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, $2, $3, $4) RETURNING id`,
		ws, email, "Customer "+email, typ).Scan(&id)
	if err != nil {
		t.Fatalf("fstest.Customer: %v", err)
	}
	return id
}

// Member inserts a member of a customer.
func Member(t testing.TB, pool *pgxpool.Pool, ws, customer uuid.UUID, email, role string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(),
		`INSERT INTO members (workspace_id, customer_id, email, name, role) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		ws, customer, email, "Member "+email, role).Scan(&id)
	if err != nil {
		t.Fatalf("fstest.Member: %v", err)
	}
	return id
}

// S describes a session to insert; zero values get defaults.
type S struct {
	Status        string
	Downloads     int32
	MaxDownloads  int32
	CreatedAt     time.Time
	Deleted       bool
	Title         *string
	FileName      *string
	FileSizeBytes *int64
	PriceCents    *int32
	Currency      string
	ExpiresAt     *time.Time
}

// Session inserts a session of customer (in ws) and returns its id.
func Session(t testing.TB, pool *pgxpool.Pool, ws, customer uuid.UUID, s S) uuid.UUID {
	t.Helper()
	if s.Status == "" {
		s.Status = "active"
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now()
	}
	if s.Currency == "" {
		s.Currency = "usd"
	}
	var deleted *time.Time
	if s.Deleted {
		now := time.Now()
		deleted = &now
	}
	slug := uuid.NewString()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(), `
		INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, download_count,
			max_downloads, created_at, deleted_at, title, file_name, file_size_bytes, price_cents, currency, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		ws, customer, slug[:12], slug, s.Status, s.Downloads, s.MaxDownloads, s.CreatedAt, deleted,
		s.Title, s.FileName, s.FileSizeBytes, s.PriceCents, s.Currency, s.ExpiresAt).Scan(&id)
	if err != nil {
		t.Fatalf("fstest.Session: %v", err)
	}
	return id
}

// Download inserts a download row (deleted when asked).
func Download(t testing.TB, pool *pgxpool.Pool, session uuid.UUID, slot int32, at time.Time, deleted bool) uuid.UUID {
	t.Helper()
	var del *time.Time
	if deleted {
		del = &at
	}
	var id uuid.UUID
	err := pool.QueryRow(context.Background(),
		`INSERT INTO file_share_downloads (session_id, slot_number, created_at, deleted_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		session, slot, at, del).Scan(&id)
	if err != nil {
		t.Fatalf("fstest.Download: %v", err)
	}
	return id
}

// P describes a payment to insert.
type P struct {
	Status     string
	Amount     int32
	Fee        int32
	Currency   string
	BuyerName  *string
	BuyerEmail *string
	Checkout   *string
	CreatedAt  time.Time
	Deleted    bool
}

// Payment inserts a payment row.
func Payment(t testing.TB, pool *pgxpool.Pool, session uuid.UUID, p P) uuid.UUID {
	t.Helper()
	if p.Status == "" {
		p.Status = "completed"
	}
	if p.Currency == "" {
		p.Currency = "usd"
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	var del *time.Time
	if p.Deleted {
		del = &p.CreatedAt
	}
	var id uuid.UUID
	err := pool.QueryRow(context.Background(), `
		INSERT INTO file_share_payments (session_id, status, amount_cents, platform_fee_cents, currency, buyer_name,
			buyer_email, stripe_checkout_session_id, created_at, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		session, p.Status, p.Amount, p.Fee, p.Currency, p.BuyerName, p.BuyerEmail, p.Checkout, p.CreatedAt, del).Scan(&id)
	if err != nil {
		t.Fatalf("fstest.Payment: %v", err)
	}
	return id
}

// CustomerPrincipal is a customer session's principal.
func CustomerPrincipal(ws, customer uuid.UUID) *auth.Principal {
	return &auth.Principal{Kind: auth.SubjectCustomer, CustomerID: customer, WorkspaceID: ws}
}

// MemberPrincipal is a member session's principal.
func MemberPrincipal(ws, customer, member uuid.UUID, role string) *auth.Principal {
	return &auth.Principal{Kind: auth.SubjectMember, CustomerID: customer, WorkspaceID: ws, MemberID: member, Role: role}
}

// CustomerToken mints an API bearer token for a customer session.
func CustomerToken(t testing.TB, pool *pgxpool.Pool, h *auth.Hasher, customer uuid.UUID) string {
	t.Helper()
	tok := auth.NewToken(auth.PrefixCustomerSession)
	_, err := dbgen.New(pool).CreateCustomerSession(context.Background(), dbgen.CreateCustomerSessionParams{
		TokenHash: h.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), CustomerID: customer})
	if err != nil {
		t.Fatalf("fstest.CustomerToken: %v", err)
	}
	return tok
}

// MemberToken mints an API bearer token for a member session.
func MemberToken(t testing.TB, pool *pgxpool.Pool, h *auth.Hasher, member uuid.UUID) string {
	t.Helper()
	tok := auth.NewToken(auth.PrefixMemberSession)
	_, err := dbgen.New(pool).CreateMemberSession(context.Background(), dbgen.CreateMemberSessionParams{
		TokenHash: h.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), MemberID: member})
	if err != nil {
		t.Fatalf("fstest.MemberToken: %v", err)
	}
	return tok
}

// WorkspaceToken mints a workspace API access token.
func WorkspaceToken(t testing.TB, pool *pgxpool.Pool, h *auth.Hasher, ws uuid.UUID) string {
	t.Helper()
	tok := auth.NewToken(auth.PrefixWorkspaceToken)
	if _, err := dbgen.New(pool).CreateWorkspaceAccessToken(context.Background(), dbgen.CreateWorkspaceAccessTokenParams{
		WorkspaceID: ws, TokenHash: h.Hash(tok)}); err != nil {
		t.Fatalf("fstest.WorkspaceToken: %v", err)
	}
	return tok
}

// Bulk seeds customers × perCustomer sessions in one workspace with
// generate_series (seconds, not minutes, for 100 000 rows), plus `heavy`
// extra sessions for one more customer, then ANALYZEs. It returns an
// ordinary customer and the heavy one.
func Bulk(t testing.TB, pool *pgxpool.Pool, ws uuid.UUID, customers, perCustomer, heavy int) (ordinary, heavyCustomer uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{
		`CREATE TEMP TABLE bulk_customers AS
		 SELECT gen_random_uuid() AS id, g FROM generate_series(1, $1::int) g`,
		`INSERT INTO customers (id, workspace_id, email)
		 SELECT id, $1, 'bulk' || g || '@example.com' FROM bulk_customers`,
		`INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, max_downloads,
		     download_count, created_at, deleted_at)
		 SELECT $1, c.id, 'b' || c.g || '-' || n, 'bulk-' || c.g || '-' || n,
		     (ARRAY['created','active','completed','expired','destroyed','reported'])[1 + (c.g + n) % 6],
		     (c.g + n) % 20, (c.g * n) % 15, now() - make_interval(secs => c.g * $2::int + n),
		     CASE WHEN (c.g + n) % 50 = 0 THEN now() END
		 FROM bulk_customers c, generate_series(1, $2::int) n`,
	}
	// One connection, so the temp table is visible to every statement.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatalf("fstest.Bulk: %v", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, stmts[0], customers); err != nil {
		t.Fatalf("fstest.Bulk: %v", err)
	}
	if _, err := conn.Exec(ctx, stmts[1], ws); err != nil {
		t.Fatalf("fstest.Bulk: %v", err)
	}
	if _, err := conn.Exec(ctx, stmts[2], ws, perCustomer); err != nil {
		t.Fatalf("fstest.Bulk: %v", err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM bulk_customers WHERE g = 1`).Scan(&ordinary); err != nil {
		t.Fatalf("fstest.Bulk: %v", err)
	}
	_, _ = conn.Exec(ctx, `DROP TABLE bulk_customers`)
	heavyCustomer = Customer(t, pool, ws, "heavy@example.com", "individual")
	if _, err := conn.Exec(ctx, `
		INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, download_count, created_at)
		SELECT $1, $2, 'h-' || n, 'heavy-' || n,
		    (ARRAY['created','active','completed','expired','destroyed','reported'])[1 + n % 6], n % 40,
		    now() - make_interval(secs => n)
		FROM generate_series(1, $3::int) n`, ws, heavyCustomer, heavy); err != nil {
		t.Fatalf("fstest.Bulk heavy: %v", err)
	}
	// A fair share of downloads for the ordinary customers' busy sessions.
	if _, err := conn.Exec(ctx, `
		INSERT INTO file_share_downloads (session_id, slot_number)
		SELECT s.id, n FROM file_share_sessions s, generate_series(1, 3) n
		WHERE s.workspace_id = $1 AND s.download_count > 10`, ws); err != nil {
		t.Fatalf("fstest.Bulk downloads: %v", err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE file_share_sessions; ANALYZE customers; ANALYZE file_share_downloads`); err != nil {
		t.Fatalf("fstest.Bulk analyze: %v", err)
	}
	return ordinary, heavyCustomer
}
