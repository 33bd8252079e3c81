package member_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/member"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// Every team operation refuses a missing principal and a customer session
// (401) and a plain member (403, the one message of
// auth.RequireTeamAdmin), and changes nothing. The API's route guard
// refuses first; this is the service's own check, the only one the team
// page has.
func TestEveryMethodRequiresTeamAdmin(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "team@example.com", "team")
	owner := testkit.Member(t, pool, cust, "owner@example.com", auth.RoleOwner)
	plain := testkit.Member(t, pool, cust, "plain@example.com", auth.RoleMember)
	other := testkit.Member(t, pool, cust, "other@example.com", auth.RoleMember)
	svc := member.New(pool)
	bm := auth.RoleBillingManager

	methods := map[string]func(p *auth.Principal) error{
		"List": func(p *auth.Principal) error { _, err := svc.List(ctx, p); return err },
		"Get":  func(p *auth.Principal) error { _, err := svc.Get(ctx, p, other); return err },
		"Create": func(p *auth.Principal) error {
			_, _, err := svc.Create(ctx, p, member.CreateInput{Email: "new@example.com"})
			return err
		},
		"Update": func(p *auth.Principal) error {
			_, err := svc.Update(ctx, p, other, member.UpdateInput{Role: &bm})
			return err
		},
		"Delete": func(p *auth.Principal) error { return svc.Delete(ctx, p, other) },
	}
	state := func() string {
		var s string
		if err := pool.QueryRow(ctx, `SELECT string_agg(email || ':' || role || ':' || (deleted_at IS NULL)::text, ',' ORDER BY email)
			FROM members WHERE customer_id = $1`, cust).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := state()
	for name, call := range methods {
		for _, tc := range []struct {
			who  string
			p    *auth.Principal
			kind apperr.Kind
		}{
			{"nil principal", nil, apperr.KindUnauthenticated},
			{"customer session", testkit.CustomerPrincipal(ws, cust), apperr.KindUnauthenticated},
			{"plain member", testkit.MemberPrincipal(ws, cust, plain, auth.RoleMember), apperr.KindForbidden},
		} {
			t.Run(name+"/"+tc.who, func(t *testing.T) {
				err := call(tc.p)
				e, ok := apperr.As(err)
				if !ok || e.Kind != tc.kind {
					t.Fatalf("got %v, want kind %d", err, tc.kind)
				}
				if tc.kind == apperr.KindForbidden && e.Detail != auth.MsgInsufficientRole {
					t.Fatalf("detail %q", e.Detail)
				}
				if got := state(); got != want {
					t.Fatalf("members changed:\n got %s\nwant %s", got, want)
				}
			})
		}
	}
	// The role the session was resolved with is not the last word: a
	// member whose row says "member" is refused even when the principal
	// claims owner (a demotion since the session was read).
	stale := testkit.MemberPrincipal(ws, cust, plain, auth.RoleOwner)
	for _, name := range []string{"Create", "Update", "Delete"} {
		if err := methods[name](stale); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Fatalf("%s with a stale owner role: %v", name, err)
		}
	}
	if got := state(); got != want {
		t.Fatalf("members changed: %s", got)
	}
	// The owner passes every guard.
	if _, err := svc.List(ctx, testkit.MemberPrincipal(ws, cust, owner, auth.RoleOwner)); err != nil {
		t.Fatal(err)
	}
}

// Get gives one live member of the caller's own team; another team's
// member, a removed one and a random id are all not found.
func TestGetOneMember(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "team@example.com", "team")
	owner := testkit.Member(t, pool, cust, "owner@example.com", auth.RoleOwner)
	plain := testkit.Member(t, pool, cust, "plain@example.com", auth.RoleMember)
	other := testkit.Customer(t, pool, ws, "other@example.com", "team")
	stranger := testkit.Member(t, pool, other, "stranger@example.com", auth.RoleMember)
	svc := member.New(pool)
	p := testkit.MemberPrincipal(ws, cust, owner, auth.RoleOwner)
	m, err := svc.Get(ctx, p, plain)
	if err != nil || m.ID != plain || m.Email != "plain@example.com" || m.Role != auth.RoleMember {
		t.Fatalf("own member: %+v %v", m, err)
	}
	if err := svc.Delete(ctx, p, plain); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]uuid.UUID{"another team's": stranger, "removed": plain, "random": uuid.New()} {
		if _, err := svc.Get(ctx, p, id); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%s member: %v, want not found", name, err)
		}
	}
}
