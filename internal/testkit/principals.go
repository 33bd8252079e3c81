package testkit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/db/dbgen"
)

// Hasher is what the token helpers need of *auth.Hasher (testkit does not
// import auth: auth's own tests use testkit).
type Hasher interface{ Hash(string) string }

// newToken is auth.NewToken's shape: prefix + 48 base64url characters (the
// 4-byte tag is never verified on lookup, G29).
func newToken(prefix string) string {
	var b [36]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Principals for tests: rows inserted straight into the database and API
// sessions minted the way sign-in does (a random token + the keyed hash),
// so any test can act as a customer or a member without the email flow.

// NewWorkspace inserts a live workspace with this slug and returns its id.
func NewWorkspace(t testing.TB, pool *pgxpool.Pool, slug string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO workspaces (name, slug, email) VALUES ($1, $2, $3) RETURNING id`,
		"Workspace "+slug, slug, slug+"@example.com").Scan(&id); err != nil {
		t.Fatalf("testkit.NewWorkspace: %v", err)
	}
	return id
}

// NewCustomer inserts a customer of ws; typ is "individual" or "team".
func NewCustomer(t testing.TB, pool *pgxpool.Pool, ws uuid.UUID, email, typ string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, $2, $3, $4) RETURNING id`,
		ws, email, "Customer "+email, typ).Scan(&id); err != nil {
		t.Fatalf("testkit.NewCustomer: %v", err)
	}
	return id
}

// NewMember inserts a member of customer (its workspace is looked up).
func NewMember(t testing.TB, pool *pgxpool.Pool, customer uuid.UUID, email, role string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO members (workspace_id, customer_id, email, name, role)
		 SELECT workspace_id, id, $2, $3, $4 FROM customers WHERE id = $1 RETURNING id`,
		customer, email, "Member "+email, role).Scan(&id); err != nil {
		t.Fatalf("testkit.NewMember: %v", err)
	}
	return id
}

// CustomerToken mints a one-hour customer session (rapidly_cst_) for customer.
func CustomerToken(t testing.TB, pool *pgxpool.Pool, h Hasher, customer uuid.UUID) string {
	t.Helper()
	tok := newToken("rapidly_cst_")
	if _, err := dbgen.New(pool).CreateCustomerSession(context.Background(), dbgen.CreateCustomerSessionParams{
		TokenHash: h.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), CustomerID: customer}); err != nil {
		t.Fatalf("testkit.CustomerToken: %v", err)
	}
	return tok
}

// MemberToken mints a one-hour member session (rapidly_mst_) for member.
func MemberToken(t testing.TB, pool *pgxpool.Pool, h Hasher, member uuid.UUID) string {
	t.Helper()
	tok := newToken("rapidly_mst_")
	if _, err := dbgen.New(pool).CreateMemberSession(context.Background(), dbgen.CreateMemberSessionParams{
		TokenHash: h.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), MemberID: member}); err != nil {
		t.Fatalf("testkit.MemberToken: %v", err)
	}
	return tok
}
