package workspaceapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/auth"
)

// resolve checks a minted token against the portal's own resolver and
// introspect endpoint (contract-validated).
func (e *env) resolve(token string) *auth.Principal {
	e.t.Helper()
	p, err := e.svc.Resolver.Resolve(context.Background(), token)
	if err != nil {
		e.t.Fatalf("resolve %s…: %v", token[:16], err)
	}
	r := e.c.GetJSON("/api/customer-portal/customer-session/introspect", "Authorization", "Bearer "+token).ExpectStatus(e.t, http.StatusOK)
	r.ValidateContract(e.t)
	return p
}

// TestWorkspaceAPI_CustomerSessionLegacy: a legacy workspace gets a 1-hour
// rapidly_cst_ customer session and the portal link of §2.10.
func TestWorkspaceAPI_CustomerSessionLegacy(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	cust := e.customer(e.ws.ID, "jo+portal@example.com", "individual")
	e.s.Exec(`UPDATE customers SET external_id = 'crm-7' WHERE id = $1`, cust)
	before := time.Now()
	r := e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": cust, "return_url": "https://shop.example/account?x=1",
		"member_id": uuid.New()}, // ignored in legacy mode
		"Authorization", e.authz).ExpectStatus(t, http.StatusCreated)
	s := body(t, r)
	tok := s["token"].(string)
	if !strings.HasPrefix(tok, auth.PrefixCustomerSession) || len(tok) != len(auth.PrefixCustomerSession)+48 {
		t.Fatalf("token %q", tok)
	}
	want := baseURL + "/acme/portal?customer_session_token=" + tok + "&email=jo%2Bportal%40example.com"
	if s["customer_portal_url"] != want {
		t.Fatalf("url %v\nwant %v", s["customer_portal_url"], want)
	}
	if s["customer_id"] != cust.String() || s["return_url"] != "https://shop.example/account?x=1" || s["member_id"] != nil ||
		s["customer"].(map[string]any)["id"] != cust.String() || s["id"] == nil || s["created_at"] == nil {
		t.Fatalf("%s", r.Body)
	}
	exp, err := time.Parse(time.RFC3339Nano, s["expires_at"].(string))
	if err != nil || exp.Before(before.Add(59*time.Minute)) || exp.After(time.Now().Add(61*time.Minute)) {
		t.Fatalf("expires_at %v", s["expires_at"])
	}
	// Only the hash is stored.
	if n := e.s.Count(`SELECT count(*) FROM customer_sessions WHERE token_hash = $1 AND customer_id = $2`, e.svc.Hasher.Hash(tok), cust); n != 1 {
		t.Fatalf("stored sessions %d", n)
	}
	if p := e.resolve(tok); p.Kind != auth.SubjectCustomer || p.CustomerID != cust || p.ReturnURL == nil {
		t.Fatalf("principal %+v", p)
	}
	// By external id, and by the original's alias.
	for _, key := range []string{"external_customer_id", "customer_external_id"} {
		r := e.c.PostJSON("/api/customer-sessions", map[string]any{key: "crm-7"}, "Authorization", e.authz).ExpectStatus(t, http.StatusCreated)
		if s := body(t, r); s["customer_id"] != cust.String() || s["return_url"] != nil {
			t.Fatalf("%s: %s", key, r.Body)
		}
	}
}

// TestWorkspaceAPI_CustomerSessionMemberMode: member mode mints
// rapidly_mst_ sessions: for the named member, for an individual customer's
// owner (created when missing), and refuses a team customer without one.
func TestWorkspaceAPI_CustomerSessionMemberMode(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	ind := e.customer(e.team.ID, "ind@example.com", "individual")
	team := e.customer(e.team.ID, "team@example.com", "team")
	other := e.customer(e.team.ID, "other@example.com", "team")
	bm := e.member(e.team.ID, team, "bm@example.com", auth.RoleBillingManager)
	e.s.Exec(`UPDATE members SET external_id = 'm-1' WHERE id = $1`, bm)
	stranger := e.member(e.team.ID, other, "stranger@example.com", auth.RoleMember)

	// Individual without an owner: one is created from the customer.
	r := e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": ind}, "Authorization", e.tmAz).ExpectStatus(t, http.StatusCreated)
	s := body(t, r)
	tok := s["token"].(string)
	if !strings.HasPrefix(tok, auth.PrefixMemberSession) || s["member_id"] == nil {
		t.Fatalf("%s", r.Body)
	}
	// G26: the parameter is customer_session_token even for an mst_ token.
	if s["customer_portal_url"] != baseURL+"/teamco/portal?customer_session_token="+tok+"&email=ind%40example.com" {
		t.Fatalf("url %v", s["customer_portal_url"])
	}
	p := e.resolve(tok)
	if p.Kind != auth.SubjectMember || p.Role != auth.RoleOwner || p.CustomerID != ind || p.MemberID.String() != s["member_id"] {
		t.Fatalf("principal %+v", p)
	}
	var name string
	if err := e.pool.QueryRow(t.Context(), `SELECT name FROM members WHERE id = $1`, p.MemberID).Scan(&name); err != nil || name != "Customer ind@example.com" {
		t.Fatalf("owner name %q %v", name, err)
	}
	// The second session reuses that owner.
	r = e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": ind}, "Authorization", e.tmAz).ExpectStatus(t, http.StatusCreated)
	if body(t, r)["member_id"] != s["member_id"] || e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1`, ind) != 1 {
		t.Fatalf("owner not reused: %s", r.Body)
	}

	// A team member by id and by external id.
	for _, b := range []map[string]any{{"customer_id": team, "member_id": bm}, {"customer_id": team, "external_member_id": "m-1"}} {
		r := e.c.PostJSON("/api/customer-sessions/", b, "Authorization", e.tmAz).ExpectStatus(t, http.StatusCreated)
		if p := e.resolve(body(t, r)["token"].(string)); p.MemberID != bm || p.Role != auth.RoleBillingManager {
			t.Fatalf("principal %+v", p)
		}
	}
	want422(t, "team without member", e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": team}, "Authorization", e.tmAz),
		[]any{"body", "member_id"}, "member_id is required for team customers.")
	want422(t, "member of another customer", e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": team, "member_id": stranger}, "Authorization", e.tmAz),
		[]any{"body", "member_id"}, "Member does not exist.")
	want422(t, "unknown external member", e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": team, "external_member_id": "zzz"}, "Authorization", e.tmAz),
		[]any{"body", "external_member_id"}, "Member does not exist.")
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, bm)
	want422(t, "removed member", e.c.PostJSON("/api/customer-sessions/", map[string]any{"customer_id": team, "member_id": bm}, "Authorization", e.tmAz),
		[]any{"body", "member_id"}, "Member does not exist.")
}

// TestWorkspaceAPI_CustomerSessionBadInput: unknown or foreign customers
// and bad return URLs are 422; nothing is minted.
func TestWorkspaceAPI_CustomerSessionBadInput(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	cust := e.customer(e.ws.ID, "c@example.com", "individual")
	foreign := e.customer(e.ws2.ID, "f@example.com", "individual")
	cases := []struct {
		name string
		body any
		loc  []any
		msg  string
	}{
		{"malformed", `{`, nil, ""},
		{"no customer", map[string]any{"return_url": "https://x.example"}, []any{"body", "customer_id"}, ""},
		{"bad uuid", map[string]any{"customer_id": "abc"}, []any{"body", "customer_id"}, ""},
		{"uuid wrong type", map[string]any{"customer_id": 5}, []any{"body", "customer_id"}, ""},
		{"unknown customer", map[string]any{"customer_id": uuid.New()}, []any{"body", "customer_id"}, "Customer does not exist."},
		{"other workspace's customer", map[string]any{"customer_id": foreign}, []any{"body", "customer_id"}, "Customer does not exist."},
		{"unknown external id", map[string]any{"external_customer_id": "nope"}, []any{"body", "external_customer_id"}, "Customer does not exist."},
		{"long external id", map[string]any{"external_customer_id": strings.Repeat("x", 257)}, []any{"body", "external_customer_id"}, ""},
		{"bad member uuid", map[string]any{"customer_id": cust, "member_id": "x"}, []any{"body", "member_id"}, ""},
		{"relative return_url", map[string]any{"customer_id": cust, "return_url": "/account"}, []any{"body", "return_url"}, ""},
		{"ftp return_url", map[string]any{"customer_id": cust, "return_url": "ftp://x.example/"}, []any{"body", "return_url"}, ""},
		{"javascript return_url", map[string]any{"customer_id": cust, "return_url": "javascript:alert(1)"}, []any{"body", "return_url"}, ""},
		{"long return_url", map[string]any{"customer_id": cust, "return_url": "https://x.example/" + strings.Repeat("a", 2048)}, []any{"body", "return_url"}, ""},
		{"return_url wrong type", map[string]any{"customer_id": cust, "return_url": 1}, []any{"body", "return_url"}, ""},
	}
	for _, c := range cases {
		want422(t, c.name, e.c.PostJSON("/api/customer-sessions/", c.body, "Authorization", e.authz), c.loc, c.msg)
	}
	if n := e.s.Count(`SELECT count(*) FROM customer_sessions`) + e.s.Count(`SELECT count(*) FROM member_sessions`); n != 0 {
		t.Fatalf("%d sessions minted", n)
	}
}

// TestWorkspaceAPI_MemberSession: member sessions need the member model and
// seat-based pricing (403 otherwise); the member must be the workspace's.
func TestWorkspaceAPI_MemberSession(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	team := e.customer(e.team.ID, "team@example.com", "team")
	m := e.member(e.team.ID, team, "Mia+1@example.com", auth.RoleMember)
	legacyCust := e.customer(e.ws.ID, "l@example.com", "team")
	legacyMember := e.member(e.ws.ID, legacyCust, "lm@example.com", auth.RoleOwner)

	r := e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": m, "return_url": "http://localhost:3000/back"}, "Authorization", e.tmAz).
		ExpectStatus(t, http.StatusCreated)
	s := body(t, r)
	tok := s["token"].(string)
	if !strings.HasPrefix(tok, auth.PrefixMemberSession) || s["member_id"] != m.String() || s["customer_id"] != team.String() ||
		s["member"].(map[string]any)["email"] != "Mia+1@example.com" || s["return_url"] != "http://localhost:3000/back" {
		t.Fatalf("%s", r.Body)
	}
	u, err := url.Parse(s["member_portal_url"].(string))
	if err != nil || u.Path != "/teamco/portal" || u.Query().Get("member_session_token") != tok || u.Query().Get("email") != "Mia+1@example.com" ||
		!strings.Contains(u.RawQuery, "email=Mia%2B1%40example.com") {
		t.Fatalf("member_portal_url %v", s["member_portal_url"])
	}
	if p := e.resolve(tok); p.MemberID != m || p.Role != auth.RoleMember {
		t.Fatalf("principal %+v", p)
	}

	wantError(t, "legacy workspace", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": legacyMember}, "Authorization", e.authz),
		http.StatusForbidden, "NotPermitted")
	e.s.Exec(`UPDATE workspaces SET seat_based_pricing_enabled = false WHERE id = $1`, e.team.ID)
	wantError(t, "no seat-based pricing", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": m}, "Authorization", e.tmAz),
		http.StatusForbidden, "NotPermitted")
	e.s.Exec(`UPDATE workspaces SET seat_based_pricing_enabled = true WHERE id = $1`, e.team.ID)

	want422(t, "missing member", e.c.PostJSON("/api/member-sessions/", map[string]any{}, "Authorization", e.tmAz), []any{"body", "member_id"}, "Field required")
	want422(t, "bad uuid", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": "m"}, "Authorization", e.tmAz), []any{"body", "member_id"}, "")
	want422(t, "other workspace's member", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": legacyMember}, "Authorization", e.tmAz),
		[]any{"body", "member_id"}, "Member does not exist.")
	want422(t, "unknown member", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": uuid.New()}, "Authorization", e.tmAz),
		[]any{"body", "member_id"}, "Member does not exist.")
	want422(t, "bad return_url", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": m, "return_url": "nope"}, "Authorization", e.tmAz),
		[]any{"body", "return_url"}, "")
	e.s.Exec(`UPDATE customers SET deleted_at = now() WHERE id = $1`, team)
	want422(t, "removed customer", e.c.PostJSON("/api/member-sessions/", map[string]any{"member_id": m}, "Authorization", e.tmAz),
		[]any{"body", "member_id"}, "Member does not exist.")
}
