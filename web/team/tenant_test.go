package team_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"portal/internal/testkit"
)

// Tenant isolation, both sides. The database refuses a member whose
// workspace is not its customer's (the composite key of migration 00019),
// and even with that key gone the application refuses such a member's
// token: 401, and nothing of the other workspace's customer in the answer.
func TestTenantIsolation_CrossWorkspaceMember(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// e.frn is a customer of the other workspace (globex); the member
	// claims acme.
	insert := `INSERT INTO members (workspace_id, customer_id, email, name, role)
		VALUES ($1, $2, 'intruder@example.com', 'Intruder', 'owner') RETURNING id`
	var id any
	err := e.pool.QueryRow(ctx, insert, e.ws, e.frn).Scan(&id)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" || pgErr.ConstraintName != "members_customer_workspace_fkey" {
		t.Fatalf("the database accepted a member across workspaces: %v", err)
	}
	// The same for the other tables that name a customer and a workspace.
	for _, stmt := range []string{
		`INSERT INTO browser_sessions (workspace_id, customer_id, idle_expires_at, expires_at) VALUES ($1, $2, now() + interval '1 hour', now() + interval '1 hour')`,
		`INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug) VALUES ($1, $2, 'x-short', 'x-long')`,
		`INSERT INTO customer_session_codes (workspace_id, customer_id, code_hash, expires_at, email) VALUES ($1, $2, 'h', now() + interval '1 hour', 'a@example.com')`,
	} {
		_, err := e.pool.Exec(ctx, stmt, e.ws, e.frn)
		if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
			t.Fatalf("accepted across workspaces: %s: %v", stmt, err)
		}
	}

	// Without the key (this test's own database), the row can be written;
	// the application must still refuse it.
	e.s.Exec(`ALTER TABLE members DROP CONSTRAINT members_customer_workspace_fkey`)
	var member uuid.UUID
	if err := e.pool.QueryRow(ctx, insert, e.ws, e.frn).Scan(&member); err != nil {
		t.Fatal(err)
	}
	e.s.Exec(`UPDATE customers SET billing_name = 'Globex Secret Ltd' WHERE id = $1`, e.frn)
	tok := testkit.MemberToken(t, e.pool, e.svc.Hasher, member)
	for _, path := range []string{"/customers/me", "/customer-session/user", "/customer-session/introspect", "/members", "/file-sharing/sessions"} {
		rec := e.do("GET", path, tok, nil)
		wantErr(t, rec, http.StatusUnauthorized, "invalid_token", "")
		body := rec.Text()
		for _, leak := range []string{e.frn.String(), "Globex Secret Ltd", "ind@example.com"} {
			if strings.Contains(body, leak) {
				t.Fatalf("%s leaked %q: %s", path, leak, body)
			}
		}
	}
}
