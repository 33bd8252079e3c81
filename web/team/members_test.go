package team_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/member"
	"portal/internal/testkit"
)

func TestListMembers(t *testing.T) {
	e := newEnv(t)
	for _, tok := range []string{e.ownerTok, e.bmTok} {
		ms := testkit.Decode[[]memberJSON](t, e.do("GET", "/members", tok, nil))
		if len(ms) != 3 {
			t.Fatalf("members: %+v", ms)
		}
		for _, m := range ms {
			if m.Email == "owner2@example.com" {
				t.Fatal("another team's member listed")
			}
		}
	}
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, e.plain)
	if ms := testkit.Decode[[]memberJSON](t, e.do("GET", "/members", e.ownerTok, nil)); len(ms) != 2 {
		t.Fatalf("removed member listed: %+v", ms)
	}
}

func TestG10_CustomerSessionIs401(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct{ m, p string }{{"GET", "/members"}, {"POST", "/members"}, {"PATCH", "/members/" + e.plain.String()}, {"DELETE", "/members/" + e.plain.String()}} {
		wantErr(t, e.do(r.m, r.p, e.indTok, map[string]any{"email": "x@example.com"}), http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		wantErr(t, e.do(r.m, r.p, "", nil), http.StatusUnauthorized, "Unauthorized", "Unauthorized")
	}
}

func TestG11_RoleCheckBeforeTeamCheck(t *testing.T) {
	e := newEnv(t)
	random := uuid.NewString()
	for _, r := range []struct{ m, p string }{{"GET", "/members"}, {"POST", "/members"}, {"PATCH", "/members/" + random}, {"DELETE", "/members/" + random}} {
		// A plain member is 403 for a random id, before the lookup and before body validation.
		wantErr(t, e.do(r.m, r.p, e.plainTok, `{"role": "nope"}`), http.StatusForbidden, "NotPermitted", member.MsgInsufficientRole)
	}
	// A plain member of an individual customer: still the role error first.
	ind := testkit.Member(t, e.pool, e.ind, "m@example.com", auth.RoleMember)
	wantErr(t, e.do("GET", "/members", testkit.MemberToken(t, e.pool, e.svc.Hasher, ind), nil), http.StatusForbidden, "NotPermitted", member.MsgInsufficientRole)
}

func TestTeamCheck_IndividualCustomerIs403(t *testing.T) {
	e := newEnv(t)
	own := testkit.Member(t, e.pool, e.ind, "own@example.com", auth.RoleOwner)
	tok := testkit.MemberToken(t, e.pool, e.svc.Hasher, own)
	random := uuid.NewString()
	for _, r := range []struct {
		m, p string
		body any
	}{{"GET", "/members", nil}, {"POST", "/members", map[string]any{"email": "a@example.com"}},
		{"PATCH", "/members/" + random, map[string]any{"role": "member"}}, {"DELETE", "/members/" + random, nil}} {
		wantErr(t, e.do(r.m, r.p, tok, r.body), http.StatusForbidden, "NotPermitted", member.MsgNotTeam)
	}
	// Body validation (422) comes before the team check (§3.12).
	wantField(t, e.do("POST", "/members", tok, map[string]any{"email": "nope"}), "not a valid email", "body", "email")
	wantField(t, e.do("PATCH", "/members/"+random, tok, map[string]any{"role": "king"}), "", "body", "role")
	wantField(t, e.do("PATCH", "/members/not-a-uuid", tok, map[string]any{"role": "member"}), "", "path", "id")
}

func TestCreateMember(t *testing.T) {
	e := newEnv(t)
	rec := e.do("POST", "/members", e.bmTok, map[string]any{"email": "New@Example.COM", "name": "  Newbie "})
	want(t, rec, http.StatusCreated)
	m := testkit.Decode[memberJSON](t, rec)
	if m.Email != "New@example.com" || *m.Name != "Newbie" || m.Role != "member" {
		t.Fatalf("created: %+v", m)
	}
	m2 := testkit.Decode[memberJSON](t, e.do("POST", "/members", e.ownerTok, map[string]any{"email": "bm2@example.com", "role": "billing_manager"}))
	if m2.Role != "billing_manager" || m2.Name != nil {
		t.Fatalf("created bm: %+v", m2)
	}
	// Existing email (exact): the existing member, unchanged, 201.
	rec = e.do("POST", "/members", e.ownerTok, map[string]any{"email": "New@example.com", "name": "Other", "role": "billing_manager"})
	want(t, rec, http.StatusCreated)
	if same := testkit.Decode[memberJSON](t, rec); same.ID != m.ID || same.Role != "member" || *same.Name != "Newbie" {
		t.Fatalf("existing: %+v", same)
	}
	// Case-sensitive local part: a different member.
	if diff := testkit.Decode[memberJSON](t, e.do("POST", "/members", e.ownerTok, map[string]any{"email": "new@example.com"})); diff.ID == m.ID {
		t.Fatal("local part compared case-insensitively")
	}
	wantField(t, e.do("POST", "/members", e.ownerTok, map[string]any{"name": "x"}), "Field required", "body", "email")
	wantField(t, e.do("POST", "/members", e.ownerTok, map[string]any{"email": "a@example.com", "name": strings.Repeat("x", 257)}), "at most 256", "body", "name")
	wantField(t, e.do("POST", "/members", e.ownerTok, map[string]any{"email": "a@example.com", "role": "admin"}), "", "body", "role")
	wantField(t, e.do("POST", "/members", e.ownerTok, map[string]any{"email": strings.Repeat("a", 320) + "@example.com"}), "too long", "body", "email")
}

func TestD2_AddOwnerIs400(t *testing.T) {
	e := newEnv(t)
	wantErr(t, e.do("POST", "/members", e.ownerTok, map[string]any{"email": "o@example.com", "role": "owner"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgAddOwner)
	if e.owners(e.team) != 1 {
		t.Fatal("owner added")
	}
}

func TestD3_ReaddRemovedMemberReactivates(t *testing.T) {
	e := newEnv(t)
	want(t, e.do("DELETE", "/members/"+e.plain.String(), e.ownerTok, nil), http.StatusNoContent)
	rec := e.do("POST", "/members", e.ownerTok, map[string]any{"email": "plain@example.com", "name": "Back", "role": "billing_manager"})
	want(t, rec, http.StatusCreated)
	m := testkit.Decode[memberJSON](t, rec)
	if m.ID != e.plain.String() || *m.Name != "Back" || m.Role != "billing_manager" {
		t.Fatalf("reactivated: %+v", m)
	}
	if ms := testkit.Decode[[]memberJSON](t, e.do("GET", "/members", e.ownerTok, nil)); len(ms) != 3 {
		t.Fatalf("after reactivation: %+v", ms)
	}
	// Old sessions stay dead; a fresh one works.
	wantErr(t, e.do("GET", "/customers/me", e.plainTok, nil), http.StatusUnauthorized, "invalid_token", "")
}

func TestG12_PatchWithoutRoleIsNoop(t *testing.T) {
	e := newEnv(t)
	for _, id := range []uuid.UUID{e.owner, e.plain} {
		for _, body := range []any{map[string]any{}, map[string]any{"role": nil}} {
			m := testkit.Decode[memberJSON](t, e.do("PATCH", "/members/"+id.String(), e.ownerTok, body))
			if m.ID != id.String() {
				t.Fatalf("noop: %+v", m)
			}
		}
	}
	if v := e.scalar(`SELECT count(*) FROM members WHERE modified_at IS NOT NULL`); v.(int64) != 0 {
		t.Fatal("noop patch modified a row")
	}
}

func TestUpdateMember_Rules(t *testing.T) {
	e := newEnv(t)
	wantErr(t, e.do("PATCH", "/members/"+e.owner.String(), e.ownerTok, map[string]any{"role": "member"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgOwnRole)
	wantErr(t, e.do("PATCH", "/members/"+e.bm.String(), e.bmTok, map[string]any{"role": "owner"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgOwnRole)
	wantErr(t, e.do("PATCH", "/members/"+e.plain.String(), e.bmTok, map[string]any{"role": "owner"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgOnlyOwnerCan)
	wantErr(t, e.do("PATCH", "/members/"+e.owner.String(), e.bmTok, map[string]any{"role": "member"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgExactlyOneOwner)
	// Another team's member, a removed one, or a random id: 404.
	for _, id := range []string{e.other.String(), uuid.NewString(), "00000000-0000-1000-8000-000000000000"} {
		wantErr(t, e.do("PATCH", "/members/"+id, e.ownerTok, map[string]any{"role": "member"}), http.StatusNotFound, "ResourceNotFound", member.MsgNotFound)
	}
	// Plain role changes.
	m := testkit.Decode[memberJSON](t, e.do("PATCH", "/members/"+e.plain.String(), e.bmTok, map[string]any{"role": "billing_manager"}))
	if m.Role != "billing_manager" {
		t.Fatalf("role: %+v", m)
	}
	if e.owners(e.team) != 1 {
		t.Fatal("owner count changed")
	}
}

func TestUpdateMember_OwnershipTransfer(t *testing.T) {
	e := newEnv(t)
	m := testkit.Decode[memberJSON](t, e.do("PATCH", "/members/"+e.plain.String(), e.ownerTok, map[string]any{"role": "owner"}))
	if m.ID != e.plain.String() || m.Role != "owner" {
		t.Fatalf("transfer: %+v", m)
	}
	if r := e.scalar(`SELECT role FROM members WHERE id = $1`, e.owner); r != "billing_manager" {
		t.Fatalf("old owner is %v", r)
	}
	if e.owners(e.team) != 1 {
		t.Fatal("not exactly one owner")
	}
	// The old owner's session now has the fresh role: no more transfers.
	wantErr(t, e.do("PATCH", "/members/"+e.bm.String(), e.ownerTok, map[string]any{"role": "owner"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgOnlyOwnerCan)
}

func TestDeleteMember_Rules(t *testing.T) {
	e := newEnv(t)
	wantErr(t, e.do("DELETE", "/members/"+e.owner.String(), e.ownerTok, nil), http.StatusBadRequest, "MemberRuleViolation", member.MsgRemoveSelf)
	wantErr(t, e.do("DELETE", "/members/"+e.owner.String(), e.bmTok, nil), http.StatusBadRequest, "MemberRuleViolation", member.MsgRemoveOnlyOwner)
	wantErr(t, e.do("DELETE", "/members/"+e.other.String(), e.ownerTok, nil), http.StatusNotFound, "ResourceNotFound", member.MsgNotFound)
	wantField(t, e.do("DELETE", "/members/xyz", e.ownerTok, nil), "", "path", "id")
	// A browser session of the member to be removed.
	bs, err := e.svc.Browser.Create(t.Context(), auth.BrowserSubject{WorkspaceID: e.ws, CustomerID: e.team, MemberID: e.plain}, "test")
	if err != nil {
		t.Fatal(err)
	}
	want(t, e.do("GET", "/customers/me", e.plainTok, nil), http.StatusOK)
	want(t, e.do("DELETE", "/members/"+e.plain.String(), e.bmTok, nil), http.StatusNoContent)
	// Its sessions stop at once: API and browser.
	wantErr(t, e.do("GET", "/customers/me", e.plainTok, nil), http.StatusUnauthorized, "invalid_token", "")
	if _, err := e.svc.Browser.Load(t.Context(), bs, e.ws); err == nil {
		t.Fatal("browser session of a removed member still loads")
	}
	if v := e.scalar(`SELECT revoked_at IS NOT NULL FROM browser_sessions WHERE id = $1`, bs); v != true {
		t.Fatal("browser session not revoked")
	}
	// Soft delete: the row stays.
	if v := e.scalar(`SELECT deleted_at IS NOT NULL FROM members WHERE id = $1`, e.plain); v != true {
		t.Fatal("not soft-deleted")
	}
	wantErr(t, e.do("DELETE", "/members/"+e.plain.String(), e.bmTok, nil), http.StatusNotFound, "ResourceNotFound", member.MsgNotFound)
}

// TestConcurrency_NeverZeroOrTwoOwners fires 50 parallel transfers, role
// changes and removals at one team: afterwards there is exactly one owner,
// and every answer was a clean one.
func TestConcurrency_NeverZeroOrTwoOwners(t *testing.T) {
	e := newEnv(t)
	ids := []uuid.UUID{e.owner, e.bm, e.plain}
	toks := map[uuid.UUID]string{e.owner: e.ownerTok, e.bm: e.bmTok, e.plain: e.plainTok}
	for i := 0; i < 5; i++ {
		id := testkit.Member(t, e.pool, e.team, "m"+string(rune('a'+i))+"@example.com", auth.RoleBillingManager)
		ids = append(ids, id)
		toks[id] = testkit.MemberToken(t, e.pool, e.svc.Hasher, id)
	}
	type result struct {
		method, path string
		rec          *testkit.Response
	}
	results := make([]result, 50)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			caller := ids[i%len(ids)]
			target := ids[(i*3+1)%len(ids)]
			method, body := "PATCH", map[string]any{}
			switch i % 5 {
			case 0, 1:
				body["role"] = "owner"
			case 2:
				body["role"] = "member"
			case 3:
				body["role"] = "billing_manager"
			case 4:
				method, body = "DELETE", nil
			}
			// raw: t.Fatal must not run off the test goroutine; answers are
			// checked below.
			results[i] = result{method, "/members/" + target.String(), e.raw(method, "/members/"+target.String(), toks[caller], body)}
		}(i)
	}
	wg.Wait()
	statuses := map[int]int{}
	for _, r := range results {
		statuses[r.rec.Status]++
		if r.rec.Status >= 500 {
			t.Fatalf("server error under concurrency: %s", r.rec.Text())
		}
		e.check(r.method, r.path, r.rec)
	}
	if n := e.owners(e.team); n != 1 {
		t.Fatalf("%d owners after the race (statuses %v)", n, statuses)
	}
	t.Logf("statuses: %v", statuses)
}

// TestG13_TeamWithoutOwner: nothing forces an owner to exist; a billing
// manager of such a team manages members but cannot make an owner.
func TestG13_TeamWithoutOwner(t *testing.T) {
	e := newEnv(t)
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, e.owner)
	wantErr(t, e.do("PATCH", "/members/"+e.plain.String(), e.bmTok, map[string]any{"role": "owner"}), http.StatusBadRequest, "MemberRuleViolation", member.MsgOnlyOwnerCan)
	m := testkit.Decode[memberJSON](t, e.do("PATCH", "/members/"+e.plain.String(), e.bmTok, map[string]any{"role": "billing_manager"}))
	if m.Role != "billing_manager" {
		t.Fatalf("role: %+v", m)
	}
	want(t, e.do("DELETE", "/members/"+e.plain.String(), e.bmTok, nil), http.StatusNoContent)
	if e.owners(e.team) != 0 {
		t.Fatal("an owner appeared")
	}
}

// The TEAM-ADMIN route guard runs before the handler reads the path or the
// body: a plain member is 403 and a customer session or an anonymous caller
// 401 where the handler itself would have answered 422 (an id that is not a
// UUID, a body missing its email or with the wrong types). That tells the
// route guard apart from the service's own check (tested in
// internal/member): without the guard these would be 422s.
func TestTeamAdminRouteGuardComesFirst(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct {
		m, p string
		body any
	}{
		{"POST", "/members", map[string]any{}},
		{"POST", "/members", map[string]any{"email": 5}},
		{"PATCH", "/members/not-a-uuid", map[string]any{"role": "member"}},
		{"PATCH", "/members/" + e.plain.String(), map[string]any{"role": 5}},
		{"DELETE", "/members/not-a-uuid", nil},
	} {
		wantErr(t, e.do(r.m, r.p, e.plainTok, r.body), http.StatusForbidden, "NotPermitted", member.MsgInsufficientRole)
		wantErr(t, e.do(r.m, r.p, e.indTok, r.body), http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		wantErr(t, e.do(r.m, r.p, "", r.body), http.StatusUnauthorized, "Unauthorized", "Unauthorized")
	}
	if v := e.scalar(`SELECT count(*) FROM members WHERE customer_id = $1 AND deleted_at IS NULL AND role = 'member'`, e.team); v != int64(1) {
		t.Fatalf("plain members now %v", v)
	}
}
