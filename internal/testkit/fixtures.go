package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/db/dbgen"
)

// The fixture API: the one way tests put rows in the database. Each
// function inserts exactly the columns a test needs, straight into the
// database (no service, no rules), and returns the new row's id. API
// sessions are minted the way sign-in mints them (a random token + the
// keyed hash), so any test can act as a customer, a member or a workspace
// without the email flow. Services tests act as a principal with
// CustomerPrincipal and MemberPrincipal; web tests get clients per
// principal from webtest.Server.

// Workspace inserts a live workspace with this slug (name "Workspace
// <slug>", email <slug>@example.com) and returns its id.
func Workspace(t testing.TB, pool *pgxpool.Pool, slug string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO workspaces (name, slug, email) VALUES ($1, $2, $3) RETURNING id`,
		"Workspace "+slug, slug, slug+"@example.com").Scan(&id); err != nil {
		t.Fatalf("testkit.Workspace: %v", err)
	}
	return id
}

// Customer inserts a customer of ws named "Customer <email>"; typ is
// "individual" or "team".
func Customer(t testing.TB, pool *pgxpool.Pool, ws uuid.UUID, email, typ string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, $2, $3, $4) RETURNING id`,
		ws, email, "Customer "+email, typ).Scan(&id); err != nil {
		t.Fatalf("testkit.Customer: %v", err)
	}
	return id
}

// Member inserts a member of customer named "Member <email>" (in the
// customer's workspace).
func Member(t testing.TB, pool *pgxpool.Pool, customer uuid.UUID, email, role string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO members (workspace_id, customer_id, email, name, role)
		 SELECT workspace_id, id, $2, $3, $4 FROM customers WHERE id = $1 RETURNING id`,
		customer, email, "Member "+email, role).Scan(&id); err != nil {
		t.Fatalf("testkit.Member: %v", err)
	}
	return id
}

// CustomerToken mints a one-hour customer API session (rapidly_cst_).
func CustomerToken(t testing.TB, pool *pgxpool.Pool, h *auth.Hasher, customer uuid.UUID) string {
	t.Helper()
	tok := auth.NewToken(auth.PrefixCustomerSession)
	if _, err := dbgen.New(pool).CreateCustomerSession(context.Background(), dbgen.CreateCustomerSessionParams{
		TokenHash: h.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), CustomerID: customer}); err != nil {
		t.Fatalf("testkit.CustomerToken: %v", err)
	}
	return tok
}

// MemberToken mints a one-hour member API session (rapidly_mst_).
func MemberToken(t testing.TB, pool *pgxpool.Pool, h *auth.Hasher, member uuid.UUID) string {
	t.Helper()
	tok := auth.NewToken(auth.PrefixMemberSession)
	if _, err := dbgen.New(pool).CreateMemberSession(context.Background(), dbgen.CreateMemberSessionParams{
		TokenHash: h.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), MemberID: member}); err != nil {
		t.Fatalf("testkit.MemberToken: %v", err)
	}
	return tok
}

// WorkspaceToken mints a workspace API access token (rapidly_wat_).
func WorkspaceToken(t testing.TB, pool *pgxpool.Pool, h *auth.Hasher, ws uuid.UUID) string {
	t.Helper()
	tok := auth.NewToken(auth.PrefixWorkspaceToken)
	if _, err := dbgen.New(pool).CreateWorkspaceAccessToken(context.Background(), dbgen.CreateWorkspaceAccessTokenParams{
		WorkspaceID: ws, TokenHash: h.Hash(tok)}); err != nil {
		t.Fatalf("testkit.WorkspaceToken: %v", err)
	}
	return tok
}

// CustomerPrincipal is a customer session's principal, for calling a
// service directly.
func CustomerPrincipal(ws, customer uuid.UUID) *auth.Principal {
	return &auth.Principal{Kind: auth.SubjectCustomer, CustomerID: customer, WorkspaceID: ws}
}

// MemberPrincipal is a member session's principal.
func MemberPrincipal(ws, customer, member uuid.UUID, role string) *auth.Principal {
	return &auth.Principal{Kind: auth.SubjectMember, CustomerID: customer, WorkspaceID: ws, MemberID: member, Role: role}
}

// FileShareRow describes a file share (session) to insert; zero values get
// defaults (active, created now, usd).
type FileShareRow struct {
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

// FileShare inserts a file share of customer (in ws) and returns its id.
func FileShare(t testing.TB, pool *pgxpool.Pool, ws, customer uuid.UUID, s FileShareRow) uuid.UUID {
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
		t.Fatalf("testkit.FileShare: %v", err)
	}
	return id
}

// Download inserts a download of a file share (deleted when asked).
func Download(t testing.TB, pool *pgxpool.Pool, share uuid.UUID, slot int32, at time.Time, deleted bool) uuid.UUID {
	t.Helper()
	var del *time.Time
	if deleted {
		del = &at
	}
	var id uuid.UUID
	err := pool.QueryRow(context.Background(),
		`INSERT INTO file_share_downloads (session_id, slot_number, created_at, deleted_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		share, slot, at, del).Scan(&id)
	if err != nil {
		t.Fatalf("testkit.Download: %v", err)
	}
	return id
}

// PaymentRow describes a payment to insert; zero values get defaults
// (completed, created now, usd).
type PaymentRow struct {
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

// Payment inserts a payment for a file share.
func Payment(t testing.TB, pool *pgxpool.Pool, share uuid.UUID, p PaymentRow) uuid.UUID {
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
		share, p.Status, p.Amount, p.Fee, p.Currency, p.BuyerName, p.BuyerEmail, p.Checkout, p.CreatedAt, del).Scan(&id)
	if err != nil {
		t.Fatalf("testkit.Payment: %v", err)
	}
	return id
}

// BulkFileShares seeds customers × perCustomer file shares in one workspace
// with generate_series (seconds, not minutes, for 100 000 rows), plus
// `heavy` extra shares for one more customer, then ANALYZEs. It returns an
// ordinary customer and the heavy one.
func BulkFileShares(t testing.TB, pool *pgxpool.Pool, ws uuid.UUID, customers, perCustomer, heavy int) (ordinary, heavyCustomer uuid.UUID) {
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
		t.Fatalf("testkit.BulkFileShares: %v", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, stmts[0], customers); err != nil {
		t.Fatalf("testkit.BulkFileShares: %v", err)
	}
	if _, err := conn.Exec(ctx, stmts[1], ws); err != nil {
		t.Fatalf("testkit.BulkFileShares: %v", err)
	}
	if _, err := conn.Exec(ctx, stmts[2], ws, perCustomer); err != nil {
		t.Fatalf("testkit.BulkFileShares: %v", err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM bulk_customers WHERE g = 1`).Scan(&ordinary); err != nil {
		t.Fatalf("testkit.BulkFileShares: %v", err)
	}
	_, _ = conn.Exec(ctx, `DROP TABLE bulk_customers`)
	heavyCustomer = Customer(t, pool, ws, "heavy@example.com", "individual")
	if _, err := conn.Exec(ctx, `
		INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, download_count, created_at)
		SELECT $1, $2, 'h-' || n, 'heavy-' || n,
		    (ARRAY['created','active','completed','expired','destroyed','reported'])[1 + n % 6], n % 40,
		    now() - make_interval(secs => n)
		FROM generate_series(1, $3::int) n`, ws, heavyCustomer, heavy); err != nil {
		t.Fatalf("testkit.BulkFileShares heavy: %v", err)
	}
	// A fair share of downloads for the ordinary customers' busy shares.
	if _, err := conn.Exec(ctx, `
		INSERT INTO file_share_downloads (session_id, slot_number)
		SELECT s.id, n FROM file_share_sessions s, generate_series(1, 3) n
		WHERE s.workspace_id = $1 AND s.download_count > 10`, ws); err != nil {
		t.Fatalf("testkit.BulkFileShares downloads: %v", err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE file_share_sessions; ANALYZE customers; ANALYZE file_share_downloads`); err != nil {
		t.Fatalf("testkit.BulkFileShares analyze: %v", err)
	}
	return ordinary, heavyCustomer
}

// Cast is the two-tenant cast most web tests start from: workspace "acme"
// with two individual customers (ind@ and other@example.com) and a team
// (team@example.com) whose owner (owner@) and plain member (plain@) are
// members; and workspace "globex" with an individual customer of the same
// address as Ind (Foreign), for tenant isolation.
type Cast struct {
	WS, WS2                   uuid.UUID
	Ind, Other, Team, Foreign uuid.UUID
	Owner, Plain              uuid.UUID
}

// SeedCast inserts the Cast.
func SeedCast(t testing.TB, pool *pgxpool.Pool) Cast {
	t.Helper()
	var c Cast
	c.WS = Workspace(t, pool, "acme")
	c.WS2 = Workspace(t, pool, "globex")
	c.Ind = Customer(t, pool, c.WS, "ind@example.com", "individual")
	c.Other = Customer(t, pool, c.WS, "other@example.com", "individual")
	c.Team = Customer(t, pool, c.WS, "team@example.com", "team")
	c.Foreign = Customer(t, pool, c.WS2, "ind@example.com", "individual")
	c.Owner = Member(t, pool, c.Team, "owner@example.com", auth.RoleOwner)
	c.Plain = Member(t, pool, c.Team, "plain@example.com", auth.RoleMember)
	return c
}
