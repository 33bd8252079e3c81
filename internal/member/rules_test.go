package member_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/member"
	"portal/internal/testkit"
)

// The team rules of the member service (docs/design.md §3.12–§3.14, D2,
// D3, D22), called directly as the owner or a billing manager: the web
// layer's tests go through the router; these state each rule where it is
// written.

type team struct {
	pool             *pgxpool.Pool
	svc              *member.Service
	ws, cust         uuid.UUID
	owner, bm, plain uuid.UUID
	asOwner, asBM    *auth.Principal
}

func newTeam(t *testing.T) *team {
	t.Helper()
	pool := testkit.DB(t)
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "team@example.com", "team")
	tm := &team{pool: pool, svc: member.New(pool), ws: ws, cust: cust,
		owner: testkit.Member(t, pool, cust, "owner@example.com", auth.RoleOwner),
		bm:    testkit.Member(t, pool, cust, "bm@example.com", auth.RoleBillingManager),
		plain: testkit.Member(t, pool, cust, "plain@example.com", auth.RoleMember)}
	tm.asOwner = testkit.MemberPrincipal(ws, cust, tm.owner, auth.RoleOwner)
	tm.asBM = testkit.MemberPrincipal(ws, cust, tm.bm, auth.RoleBillingManager)
	return tm
}

// owners counts the team's live owners.
func (tm *team) owners(t *testing.T) int {
	t.Helper()
	var n int
	if err := tm.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM members WHERE customer_id = $1 AND role = 'owner' AND deleted_at IS NULL`, tm.cust).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRule checks err is the 400 rule violation with msg.
func wantRule(t *testing.T, err error, msg string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindBadRequest || e.Detail != msg {
		t.Fatalf("got %v, want the rule %q", err, msg)
	}
}

// wantField checks err is a 422 with a field error of code at path.
func wantField(t *testing.T, err error, code apperr.Code, path string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("got %v, want a 422", err)
	}
	for _, f := range e.Fields {
		if f.Code == code && f.Path() == path {
			return
		}
	}
	t.Fatalf("no %s at %s in %+v", code, path, e.Fields)
}

func str(s string) *string { return &s }

func TestCreate_ValidatesTheBodyFirst(t *testing.T) {
	tm := newTeam(t)
	ctx := context.Background()
	_, _, err := tm.svc.Create(ctx, tm.asOwner, member.CreateInput{Email: "not an address"})
	wantField(t, err, apperr.CodeInvalidEmail, "email")
	_, _, err = tm.svc.Create(ctx, tm.asOwner, member.CreateInput{Email: "n@example.com", Name: str(strings.Repeat("x", 257))})
	wantField(t, err, apperr.CodeTooLong, "name")
	_, _, err = tm.svc.Create(ctx, tm.asOwner, member.CreateInput{Email: "n@example.com", Role: str("admin")})
	wantField(t, err, apperr.CodeInvalidChoice, "role")
}

// D22: a team has exactly one owner, so nobody is added as one.
func TestCreate_NeverAnOwner(t *testing.T) {
	tm := newTeam(t)
	_, _, err := tm.svc.Create(context.Background(), tm.asOwner, member.CreateInput{Email: "boss@example.com", Role: str(auth.RoleOwner)})
	wantRule(t, err, member.MsgAddOwner)
	if n := tm.owners(t); n != 1 {
		t.Fatalf("%d owners", n)
	}
}

// A new address joins with role member by default; a live member's address
// is returned unchanged (created false); a removed member comes back (D3).
func TestCreate_AddsKeepsAndRevives(t *testing.T) {
	tm := newTeam(t)
	ctx := context.Background()
	m, created, err := tm.svc.Create(ctx, tm.asBM, member.CreateInput{Email: "New@Example.com", Name: str("  Newbie ")})
	if err != nil || !created || m.Role != auth.RoleMember || m.Name == nil || *m.Name != "Newbie" {
		t.Fatalf("create: %+v created=%v err=%v", m, created, err)
	}
	again, created, err := tm.svc.Create(ctx, tm.asBM, member.CreateInput{Email: "plain@example.com", Role: str(auth.RoleBillingManager)})
	if err != nil || created || again.ID != tm.plain || again.Role != auth.RoleMember {
		t.Fatalf("existing: %+v created=%v err=%v", again, created, err)
	}
	if err := tm.svc.Delete(ctx, tm.asOwner, tm.plain); err != nil {
		t.Fatal(err)
	}
	back, created, err := tm.svc.Create(ctx, tm.asOwner, member.CreateInput{Email: "plain@example.com"})
	if err != nil || !created || back.ID != tm.plain {
		t.Fatalf("revive: %+v created=%v err=%v (want the same row back)", back, created, err)
	}
}

func TestCreate_OnlyForTeams(t *testing.T) {
	tm := newTeam(t)
	ind := testkit.Customer(t, tm.pool, tm.ws, "ind@example.com", "individual")
	own := testkit.Member(t, tm.pool, ind, "solo@example.com", auth.RoleOwner)
	_, _, err := tm.svc.Create(context.Background(), testkit.MemberPrincipal(tm.ws, ind, own, auth.RoleOwner), member.CreateInput{Email: "x@example.com"})
	if e, ok := apperr.As(err); !ok || e.Detail != member.MsgNotTeam {
		t.Fatalf("individual customer: %v", err)
	}
}

func TestUpdate_Rules(t *testing.T) {
	tm := newTeam(t)
	ctx := context.Background()
	owner, bm := auth.RoleOwner, auth.RoleBillingManager

	// Nobody changes their own role.
	_, err := tm.svc.Update(ctx, tm.asBM, tm.bm, member.UpdateInput{Role: str(auth.RoleMember)})
	wantRule(t, err, member.MsgOwnRole)
	// Only the owner hands ownership on.
	_, err = tm.svc.Update(ctx, tm.asBM, tm.plain, member.UpdateInput{Role: &owner})
	wantRule(t, err, member.MsgOnlyOwnerCan)
	// The only owner is not demoted by someone else.
	_, err = tm.svc.Update(ctx, tm.asBM, tm.owner, member.UpdateInput{Role: &bm})
	wantRule(t, err, member.MsgExactlyOneOwner)
	// An unknown role is a field error, before any rule.
	_, err = tm.svc.Update(ctx, tm.asOwner, tm.plain, member.UpdateInput{Role: str("admin")})
	wantField(t, err, apperr.CodeInvalidChoice, "role")
	// No role: no change.
	m, err := tm.svc.Update(ctx, tm.asOwner, tm.plain, member.UpdateInput{})
	if err != nil || m.Role != auth.RoleMember {
		t.Fatalf("no change: %+v %v", m, err)
	}
	// A member of another team is not found.
	other := testkit.Customer(t, tm.pool, tm.ws, "other@example.com", "team")
	stranger := testkit.Member(t, tm.pool, other, "stranger@example.com", auth.RoleMember)
	_, err = tm.svc.Update(ctx, tm.asOwner, stranger, member.UpdateInput{Role: &bm})
	if !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("another team's member: %v", err)
	}
	if n := tm.owners(t); n != 1 {
		t.Fatalf("%d owners after refused changes", n)
	}
}

// The owner hands ownership on in one step: the new owner is the only
// owner, the old one becomes a billing manager (D22).
func TestUpdate_OwnershipTransferKeepsOneOwner(t *testing.T) {
	tm := newTeam(t)
	ctx := context.Background()
	owner := auth.RoleOwner
	m, err := tm.svc.Update(ctx, tm.asOwner, tm.plain, member.UpdateInput{Role: &owner})
	if err != nil || m.Role != auth.RoleOwner {
		t.Fatalf("transfer: %+v %v", m, err)
	}
	if n := tm.owners(t); n != 1 {
		t.Fatalf("%d owners after the transfer", n)
	}
	old, err := tm.svc.Get(ctx, testkit.MemberPrincipal(tm.ws, tm.cust, tm.plain, auth.RoleOwner), tm.owner)
	if err != nil || old.Role != auth.RoleBillingManager {
		t.Fatalf("old owner: %+v %v", old, err)
	}
}

func TestDelete_Rules(t *testing.T) {
	tm := newTeam(t)
	ctx := context.Background()
	wantRule(t, tm.svc.Delete(ctx, tm.asBM, tm.bm), member.MsgRemoveSelf)
	wantRule(t, tm.svc.Delete(ctx, tm.asBM, tm.owner), member.MsgRemoveOnlyOwner)
	// A removal ends the member's API sessions at once.
	h, err := auth.NewHasher([]byte("0123456789abcdef0123456789abcdef-member-rules"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.MemberToken(t, tm.pool, h, tm.plain)
	if err := tm.svc.Delete(ctx, tm.asBM, tm.plain); err != nil {
		t.Fatal(err)
	}
	var live int
	if err := tm.pool.QueryRow(ctx, `SELECT count(*) FROM member_sessions WHERE member_id = $1 AND deleted_at IS NULL`, tm.plain).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Fatalf("%d live API sessions after removal", live)
	}
	if _, err := tm.svc.Get(ctx, tm.asOwner, tm.plain); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("removed member still found: %v", err)
	}
	if err := tm.svc.Delete(ctx, tm.asOwner, tm.plain); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("second removal: %v", err)
	}
}
