package signin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestG1_RequestAnswers202ForUnknownWorkspace(t *testing.T) {
	e := newEnv(t, envOpt{})
	known := e.customer(e.legacy, "known@example.com", nil, "individual")
	team := e.customer(e.members, "team@example.com", str("Team"), "team")
	e.member(e.members, team, "alice@example.com", "owner")
	foreign := e.customer(e.workspace("other", true), "alice@example.com", nil, "individual")
	blocked := e.workspace("blocked", false)
	e.customer(blocked, "known@example.com", nil, "individual")
	e.s.Exec(`UPDATE workspaces SET blocked_at = now() WHERE id = $1`, blocked)

	cases := []struct {
		name string
		body map[string]any
	}{
		{"unknown workspace", reqBody("known@example.com", uuid.New(), nil)},
		{"blocked workspace", reqBody("known@example.com", blocked, nil)},
		{"unknown email legacy", reqBody("nobody@example.com", e.legacy, nil)},
		{"unknown email member mode", reqBody("nobody@example.com", e.members, nil)},
		{"non-matching customer_id", reqBody("alice@example.com", e.members, &known)},
		{"foreign customer_id", reqBody("alice@example.com", e.members, &foreign)},
	}
	for _, tc := range cases {
		r := e.request(nil, tc.body).ExpectStatus(t, http.StatusAccepted)
		if strings.TrimSpace(r.Text()) != "null" {
			t.Errorf("%s: body %q, want null", tc.name, r.Text())
		}
	}
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes`); n != 0 {
		t.Errorf("%d codes issued for unknown targets", n)
	}
	if n := e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail'`); n != 0 {
		t.Errorf("%d mails queued for unknown targets", n)
	}
	// And the known one does get a code.
	e.request(nil, reqBody("known@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	if len(e.queued("known@example.com")) != 1 {
		t.Error("known address got no code")
	}
	_ = team
}

func TestG2_EmailMatchIsCaseInsensitive(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "user@example.com", nil, "individual")
	team := e.customer(e.members, "team@example.com", nil, "team")
	e.member(e.members, team, "member@example.com", "owner")
	for i, addr := range []string{"USER@EXAMPLE.COM", "User@Example.Com"} {
		c := e.clientAt(i)
		e.request(c, reqBody(addr, e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	}
	if n := len(e.queued("user@example.com")); n != 2 {
		t.Errorf("legacy: %d codes, want 2", n)
	}
	for i, addr := range []string{"MEMBER@EXAMPLE.COM", "Member@Example.Com"} {
		e.request(e.clientAt(10+i), reqBody(addr, e.members, nil)).ExpectStatus(t, http.StatusAccepted)
	}
	if n := len(e.queued("member@example.com")); n != 2 {
		t.Errorf("member mode: %d codes, want 2", n)
	}
}

func TestG3_PickerBodyIsExact(t *testing.T) {
	e := newEnv(t, envOpt{})
	a := e.customer(e.members, "a@example.com", str("Team A"), "team")
	b := e.customer(e.members, "b@example.com", nil, "team")
	e.member(e.members, a, "shared@example.com", "owner")
	e.member(e.members, b, "shared@example.com", "member")
	r := e.request(nil, reqBody("Shared@example.com", e.members, nil)).ExpectStatus(t, http.StatusConflict)
	var body struct {
		Error     string
		Detail    string
		Customers []map[string]any
	}
	r.JSON(t, &body)
	if body.Error != "customer_selection_required" || body.Detail != "Multiple customers found for this email. Please select one." {
		t.Errorf("409 body %s", r.Body)
	}
	if len(body.Customers) != 2 || body.Customers[0]["id"] != a.String() || body.Customers[0]["name"] != "Team A" ||
		body.Customers[1]["id"] != b.String() || body.Customers[1]["name"] != nil {
		t.Errorf("customers %v", body.Customers)
	}
	if _, ok := body.Customers[1]["name"]; !ok {
		t.Error("name key missing for a nameless customer")
	}
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes`); n != 0 {
		t.Errorf("picker issued %d codes", n)
	}
	// Choosing one sends its member's code.
	e.request(nil, reqBody("shared@example.com", e.members, &b)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes WHERE customer_id = $1`, b); n != 1 {
		t.Errorf("chosen customer has %d codes", n)
	}
}

func TestG4_LegacyIgnoresCustomerID(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.customer(e.legacy, "legacy@example.com", nil, "individual")
	random := uuid.New()
	e.request(nil, reqBody("legacy@example.com", e.legacy, &random)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes WHERE customer_id = $1`, c); n != 1 {
		t.Errorf("codes %d, want 1", n)
	}
}

func TestG5_FallbackCreatesOwner(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.customer(e.members, "solo@example.com", nil, "individual")
	e.request(nil, reqBody("Solo@example.com", e.members, nil)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1 AND role = 'owner' AND email = 'Solo@example.com' AND deleted_at IS NULL`, c); n != 1 {
		t.Errorf("fallback owner members: %d", n)
	}
	tok := e.signIn(e.members, "solo@example.com", nil, "Solo@example.com")
	if !strings.HasPrefix(tok, "rapidly_mst_") {
		t.Errorf("token %q", tok)
	}
}

func TestG5_FallbackBillingManagerWhenOwnerExists(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.customer(e.members, "billing@example.com", nil, "team")
	e.member(e.members, c, "boss@example.com", "owner")
	e.request(nil, reqBody("billing@example.com", e.members, nil)).ExpectStatus(t, http.StatusAccepted)
	var role string
	if err := e.pool.QueryRow(t.Context(), `SELECT role FROM members WHERE customer_id = $1 AND email = 'billing@example.com'`, c).Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role != "billing_manager" {
		t.Errorf("fallback role %q with an owner present, want billing_manager", role)
	}
	if n := e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1 AND role = 'owner' AND deleted_at IS NULL`, c); n != 1 {
		t.Errorf("owners %d", n)
	}
}

func TestG5_FallbackReactivatesRemovedMember(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.customer(e.members, "back@example.com", nil, "individual")
	m := e.member(e.members, c, "back@example.com", "member")
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, m)
	e.request(nil, reqBody("back@example.com", e.members, nil)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM members WHERE id = $1 AND deleted_at IS NULL AND role = 'owner'`, m); n != 1 {
		t.Error("removed member not reactivated as owner")
	}
	if n := e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1`, c); n != 1 {
		t.Errorf("members %d, want the one reactivated", n)
	}
}

func TestRequestValidation422(t *testing.T) {
	e := newEnv(t, envOpt{})
	v1 := "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	cases := []struct {
		name string
		body any
		loc  string
	}{
		{"missing email", map[string]any{"workspace_id": e.legacy.String()}, "email"},
		{"bad email", map[string]any{"email": "not-an-email", "workspace_id": e.legacy.String()}, "email"},
		{"email not string", map[string]any{"email": 12, "workspace_id": e.legacy.String()}, "email"},
		{"missing workspace", map[string]any{"email": "a@example.com"}, "workspace_id"},
		{"bad workspace", map[string]any{"email": "a@example.com", "workspace_id": "nope"}, "workspace_id"},
		{"uuid v1 workspace", map[string]any{"email": "a@example.com", "workspace_id": v1}, "workspace_id"},
		{"bad customer", map[string]any{"email": "a@example.com", "workspace_id": e.legacy.String(), "customer_id": "x"}, "customer_id"},
		{"v1 customer", map[string]any{"email": "a@example.com", "workspace_id": e.legacy.String(), "customer_id": v1}, "customer_id"},
		{"too long email", map[string]any{"email": strings.Repeat("a", 320) + "@example.com", "workspace_id": e.legacy.String()}, "email"},
	}
	for _, tc := range cases {
		r := e.request(nil, tc.body).ExpectStatus(t, http.StatusUnprocessableEntity)
		var b struct {
			Error  string
			Detail []struct{ Loc []any }
		}
		r.JSON(t, &b)
		if b.Error != "RequestValidationError" || len(b.Detail) == 0 || len(b.Detail[0].Loc) != 2 || b.Detail[0].Loc[0] != "body" || b.Detail[0].Loc[1] != tc.loc {
			t.Errorf("%s: %s", tc.name, r.Body)
		}
	}
	// customer_id null is fine.
	e.request(nil, map[string]any{"email": "a@example.com", "workspace_id": e.legacy.String(), "customer_id": nil}).ExpectStatus(t, http.StatusAccepted)
	// Malformed bodies are clean 4xx, never 500.
	for _, raw := range []string{`{`, `[]`, `"x"`, ``, `{"email": "a@example.com", "workspace_id": }`, `null`} {
		r := e.c.PostJSON(pRequest, raw)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("body %q -> %d %s", raw, r.Status, r.Body)
		}
		e.check(r)
	}
	huge := `{"email":"a@example.com","workspace_id":"` + e.legacy.String() + `","pad":"` + strings.Repeat("x", 2<<20) + `"}`
	r := e.c.PostJSON(pRequest, huge)
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body -> %d", r.Status)
	}
	e.check(r)
}

func TestOddAuthorizationHeaders(t *testing.T) {
	e := newEnv(t, envOpt{})
	body := reqBody("x@example.com", e.legacy, nil)
	for _, h := range []struct {
		value string
		want  int
	}{
		{"Basic dXNlcjpwYXNz", http.StatusAccepted}, // not a bearer: anonymous
		{"Bearer", http.StatusAccepted},             // no token at all: anonymous
		{"Bearer rapidly_cst_nope", http.StatusUnauthorized},
		{"Bearer rapidly_mst_nope", http.StatusUnauthorized},
		{"bearer some-opaque-token", http.StatusUnauthorized},
		{"Bearer " + strings.Repeat("a", 5000), http.StatusUnauthorized},
		{"Bearer tok\x7fen", http.StatusUnauthorized},
	} {
		r := e.c.PostJSON(pRequest, body, "Authorization", h.value)
		if r.Status != h.want {
			t.Errorf("Authorization %.40q -> %d, want %d (%s)", h.value, r.Status, h.want, r.Body)
		}
		e.check(r)
	}
}

// TestD29_OwnAccountAlwaysAmongChoices: a team admin adds someone's address
// to their team; that person's own customer (whose primary email it is)
// is still among the address's choices, so asking with their own
// customer_id mails them a code that signs them into their own account,
// and asking without one shows the picker with both.
func TestD29_OwnAccountAlwaysAmongChoices(t *testing.T) {
	e := newEnv(t, envOpt{})
	own := e.customer(e.members, "Victim@example.com", str("Victim"), "individual")
	team := e.customer(e.members, "attacker@example.com", str("Attacker team"), "team")
	e.member(e.members, team, "attacker@example.com", "owner")
	e.member(e.members, team, "victim@example.com", "member")

	// Without a choice: the picker names both customers, own first-class.
	r := e.request(nil, reqBody("victim@example.com", e.members, nil)).ExpectStatus(t, http.StatusConflict)
	var picker struct{ Customers []map[string]any }
	r.JSON(t, &picker)
	ids := map[string]bool{}
	for _, c := range picker.Customers {
		ids[c["id"].(string)] = true
	}
	if len(ids) != 2 || !ids[own.String()] || !ids[team.String()] {
		t.Fatalf("picker %s", r.Body)
	}
	// With their own customer_id: a code for their own account.
	e.request(e.clientAt(1), reqBody("victim@example.com", e.members, &own)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes WHERE customer_id = $1`, own); n != 1 {
		t.Fatalf("own customer has %d codes", n)
	}
	tok := tokenOf(t, e.authenticate(e.clientAt(2), map[string]any{"code": e.lastCode("Victim@example.com")}).ExpectStatus(t, http.StatusOK))
	var u struct {
		CustomerID string `json:"customer_id"`
		Role       string `json:"role"`
	}
	e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK).JSON(t, &u)
	if u.CustomerID != own.String() || u.Role != "owner" {
		t.Errorf("signed in as %+v, want the owner of %s", u, own)
	}
	// The team's membership is untouched and still reachable by choice.
	e.request(e.clientAt(3), reqBody("victim@example.com", e.members, &team)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes WHERE customer_id = $1`, team); n != 1 {
		t.Errorf("team has %d codes", n)
	}
	if n := e.s.Count(`SELECT count(*) FROM members WHERE lower(email) = 'victim@example.com' AND deleted_at IS NULL`); n != 2 {
		t.Errorf("%d live members for the address, want 2", n)
	}
}
