package roster_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/member/roster"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func TestAdd(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	q := dbgen.New(pool)
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "team@example.com", "team")
	str := func(s string) *string { return &s }
	add := func(in roster.Input) (dbgen.Member, roster.Outcome, error) {
		in.CustomerID, in.WorkspaceID = cust, ws
		return roster.Add(ctx, q, in)
	}

	// A new address is a new row.
	m, how, err := add(roster.Input{Email: "ann@example.com", Name: str("Ann"), Role: roster.RoleBillingManager, ExternalID: str("ext-ann")})
	if err != nil || how != roster.Created || m.Role != roster.RoleBillingManager || m.Name == nil || *m.Name != "Ann" {
		t.Fatalf("create: %+v %v %v", m, how, err)
	}
	// The same exact address, KeepLive: the live member, unchanged.
	again, how, err := add(roster.Input{Email: "ann@example.com", Name: str("Other"), Role: roster.RoleMember})
	if err != nil || how != roster.Existing || again.ID != m.ID || again.Role != roster.RoleBillingManager || *again.Name != "Ann" {
		t.Fatalf("keep live: %+v %v %v", again, how, err)
	}
	// UpdateLive gives it the requested name and role, keeping the external id.
	upd, how, err := add(roster.Input{Email: "ann@example.com", Name: str("Ann B"), Role: roster.RoleMember, IfLive: roster.UpdateLive})
	if err != nil || how != roster.Revived || upd.ID != m.ID || upd.Role != roster.RoleMember || *upd.Name != "Ann B" ||
		upd.ExternalID == nil || *upd.ExternalID != "ext-ann" {
		t.Fatalf("update live: %+v %v %v", upd, how, err)
	}
	// A removed member comes back with the requested name and role (D3).
	if _, err := pool.Exec(ctx, `UPDATE members SET deleted_at = now() WHERE id = $1`, m.ID); err != nil {
		t.Fatal(err)
	}
	back, how, err := add(roster.Input{Email: "ann@example.com", Name: str("Ann C"), Role: roster.RoleOwner})
	if err != nil || how != roster.Revived || back.ID != m.ID || back.DeletedAt != nil || back.Role != roster.RoleOwner || *back.Name != "Ann C" {
		t.Fatalf("revive: %+v %v %v", back, how, err)
	}
	// A second owner is refused by the database (D22), for the caller to map.
	_, _, err = add(roster.Input{Email: "bob@example.com", Role: roster.RoleOwner})
	if db.UniqueViolation(err) != "members_one_owner_key" {
		t.Fatalf("second owner: %v", err)
	}
	// A role outside MemberRole writes nothing.
	_, _, err = add(roster.Input{Email: "carl@example.com", Role: "king"})
	if !errors.Is(err, roster.ErrInvalidRole) {
		t.Fatalf("bad role: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM members WHERE customer_id = $1`, cust).Scan(&n); err != nil || n != 1 {
		t.Fatalf("members: %d %v", n, err)
	}
}

func TestValidRole(t *testing.T) {
	for r, want := range map[string]bool{"owner": true, "billing_manager": true, "member": true, "": false, "Owner": false, "admin": false} {
		if roster.ValidRole(r) != want {
			t.Errorf("ValidRole(%q) != %v", r, want)
		}
	}
}
