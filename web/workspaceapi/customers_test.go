package workspaceapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/testkit"
)

// TestWorkspaceAPI_Auth: every workspace API route needs a live workspace
// access token; anything else is 401 invalid_token with WWW-Authenticate.
func TestWorkspaceAPI_Auth(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	cust := e.customer(e.ws.ID, "a@example.com", "individual")
	sessTok := "rapidly_cst_" + strings.Repeat("A", 48)
	revoked := e.createWorkspace("revoked", false)
	e.s.Exec(`UPDATE workspace_access_tokens SET revoked_at = now() WHERE workspace_id = $1`, revoked.ID)
	blocked := e.createWorkspace("blocked", false)
	e.s.Exec(`UPDATE workspaces SET blocked_at = now() WHERE id = $1`, blocked.ID)
	deleted := e.createWorkspace("deleted", false)
	e.s.Exec(`UPDATE workspaces SET deleted_at = now() WHERE id = $1`, deleted.ID)

	routes := []struct{ method, path string }{
		{http.MethodPost, "/api/customers/"}, {http.MethodPost, "/api/customers"},
		{http.MethodGet, "/api/customers/" + cust.String()}, {http.MethodPatch, "/api/customers/" + cust.String()},
		{http.MethodPost, "/api/members/"}, {http.MethodPost, "/api/customer-sessions/"},
		{http.MethodPost, "/api/member-sessions/"}, {http.MethodPatch, "/api/workspaces/me"},
	}
	headers := map[string][]string{
		"missing":          nil,
		"empty bearer":     {"Authorization", "Bearer "},
		"basic scheme":     {"Authorization", "Basic dXNlcjpwYXNz"},
		"unknown token":    {"Authorization", "Bearer rapidly_wat_" + strings.Repeat("x", 48)},
		"session token":    {"Authorization", "Bearer " + sessTok},
		"no prefix":        {"Authorization", "Bearer " + strings.TrimPrefix(e.tok, "rapidly_wat_")},
		"revoked token":    {"Authorization", "Bearer " + revoked.AccessToken},
		"blocked ws":       {"Authorization", "Bearer " + blocked.AccessToken},
		"deleted ws":       {"Authorization", "Bearer " + deleted.AccessToken},
		"over-long token":  {"Authorization", "Bearer rapidly_wat_" + strings.Repeat("y", 600)},
		"token with space": {"Authorization", "Bearer " + e.tok + " x"},
	}
	for _, rt := range routes {
		for name, h := range headers {
			r := e.c.SendJSON(rt.method, rt.path, map[string]any{"email": "new@example.com"}, h...)
			wantInvalidToken(t, fmt.Sprintf("%s %s (%s)", rt.method, rt.path, name), r)
		}
	}
	// Nothing was written by a refused request.
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE email = 'new@example.com'`); n != 0 {
		t.Fatalf("%d customers written", n)
	}
	// The scheme is case-insensitive; the right token works.
	if n := e.s.Count(`SELECT count(*) FROM workspace_access_tokens WHERE workspace_id = $1 AND last_used_at IS NOT NULL`, e.ws.ID); n != 0 {
		t.Fatalf("an unused token has last_used_at set")
	}
	e.c.PostJSON("/api/customers/", map[string]any{"email": "ok@example.com"}, "Authorization", "bearer "+e.tok).ExpectStatus(t, http.StatusCreated)
	// …and its use is recorded; refused tokens are not.
	if n := e.s.Count(`SELECT count(*) FROM workspace_access_tokens WHERE workspace_id = $1 AND last_used_at > now() - interval '1 minute'`, e.ws.ID); n != 1 {
		t.Fatalf("last_used_at not recorded for the token used")
	}
	if n := e.s.Count(`SELECT count(*) FROM workspace_access_tokens WHERE workspace_id = $1 AND last_used_at IS NOT NULL`, revoked.ID); n != 0 {
		t.Fatalf("a revoked token's last_used_at changed")
	}
}

// TestWorkspaceAPI_CreateCustomer: 201 with the CustomerPortalCustomer fields
// plus workspace_id and external_id; 409 for a taken email (any case) or
// external id in the workspace; the same email in another workspace is fine.
func TestWorkspaceAPI_CreateCustomer(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	r := e.c.PostJSON("/api/customers/", map[string]any{
		"email": "Jane.Doe@Example.COM", "name": "  Jane Doe ", "type": "team", "billing_name": "Doe Inc.",
		"billing_address": map[string]any{"line1": "1 Main St", "line2": "", "city": "Springfield", "state": "il", "postal_code": "62701", "country": "us"},
		"external_id":     "crm-42",
	}, "Authorization", e.authz).ExpectStatus(t, http.StatusCreated)
	testkit.ValidateSchema(t, "CustomerPortalCustomer", r.Body)
	c := body(t, r)
	if c["email"] != "Jane.Doe@example.com" || c["name"] != "Jane Doe" || c["type"] != "team" || c["billing_name"] != "Doe Inc." ||
		c["external_id"] != "crm-42" || c["workspace_id"] != e.ws.ID.String() || c["email_verified"] != false || c["modified_at"] != nil {
		t.Fatalf("customer %s", r.Body)
	}
	addr := c["billing_address"].(map[string]any)
	if addr["country"] != "US" || addr["state"] != "US-IL" || addr["line2"] != nil || addr["city"] != "Springfield" {
		t.Fatalf("address %v", addr)
	}
	if oa, ok := c["oauth_accounts"].(map[string]any); !ok || len(oa) != 0 {
		t.Fatalf("oauth_accounts %v", c["oauth_accounts"])
	}

	// Defaults: type individual, billing_name reads back as name.
	r = e.c.PostJSON("/api/customers", map[string]any{"email": "min@example.com", "name": "Min"}, "Authorization", e.authz).ExpectStatus(t, http.StatusCreated)
	if c := body(t, r); c["type"] != "individual" || c["billing_name"] != "Min" || c["billing_address"] != nil || c["external_id"] != nil {
		t.Fatalf("defaults %s", r.Body)
	}

	wantError(t, "same email other case", e.c.PostJSON("/api/customers/", map[string]any{"email": "jane.doe@example.com"}, "Authorization", e.authz),
		http.StatusConflict, "CustomerAlreadyExists")
	wantError(t, "same external id", e.c.PostJSON("/api/customers/", map[string]any{"email": "x@example.com", "external_id": "crm-42"}, "Authorization", e.authz),
		http.StatusConflict, "CustomerAlreadyExists")
	e.c.PostJSON("/api/customers/", map[string]any{"email": "jane.doe@example.com", "external_id": "crm-42"}, "Authorization", e.authz2).
		ExpectStatus(t, http.StatusCreated)
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE workspace_id = $1`, e.ws.ID); n != 2 {
		t.Fatalf("%d customers in acme", n)
	}
}

// TestWorkspaceAPI_CreateCustomerBadInput: bad input is a 422 at the field
// (413 over 1 MiB), never a 500 and never a write.
func TestWorkspaceAPI_CreateCustomerBadInput(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	long := strings.Repeat("a", 257)
	cases := []struct {
		name string
		body any
		loc  []any
		msg  string
	}{
		{"malformed JSON", `{"email": `, nil, ""},
		{"not an object", `["a@example.com"]`, []any{"body"}, ""},
		{"empty body", ``, []any{"body"}, ""},
		{"missing email", map[string]any{"name": "x"}, []any{"body", "email"}, "Field required"},
		{"bad email", map[string]any{"email": "not-an-email"}, []any{"body", "email"}, ""},
		{"long email", map[string]any{"email": strings.Repeat("a", 310) + "@example.com"}, []any{"body", "email"}, ""},
		{"email wrong type", map[string]any{"email": 42}, []any{"body", "email"}, ""},
		{"long name", map[string]any{"email": "a@example.com", "name": long}, []any{"body", "name"}, ""},
		{"name wrong type", map[string]any{"email": "a@example.com", "name": true}, []any{"body", "name"}, ""},
		{"long billing name", map[string]any{"email": "a@example.com", "billing_name": long}, []any{"body", "billing_name"}, ""},
		{"long external id", map[string]any{"email": "a@example.com", "external_id": long}, []any{"body", "external_id"}, ""},
		{"bad type", map[string]any{"email": "a@example.com", "type": "company"}, []any{"body", "type"}, ""},
		{"address not object", map[string]any{"email": "a@example.com", "billing_address": "Main St"}, []any{"body", "billing_address"}, ""},
		{"address no country", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"line1": "x"}}, []any{"body", "billing_address", "country"}, "Field required"},
		{"embargoed country", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"country": "RU"}}, []any{"body", "billing_address", "country"}, ""},
		{"unknown country", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"country": "XX"}}, []any{"body", "billing_address", "country"}, ""},
		{"bad US state", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"country": "US", "state": "ZZ"}}, []any{"body", "billing_address", "state"}, "Invalid US state"},
		{"bad CA province", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"country": "CA", "state": "XX"}}, []any{"body", "billing_address", "state"}, "Invalid CA province"},
		{"country wrong type", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"country": 1}}, []any{"body", "billing_address", "country"}, ""},
		// Issue 16.10: a postal code must have the country's form.
		{"bad DE postal code", map[string]any{"email": "a@example.com", "billing_address": map[string]any{"country": "DE", "postal_code": "1011"}}, []any{"body", "billing_address", "postal_code"}, "Invalid postal code for DE, expected a code like 26133"},
	}
	for _, c := range cases {
		want422(t, c.name, e.c.PostJSON("/api/customers/", c.body, "Authorization", e.authz), c.loc, c.msg)
	}
	big := `{"email":"a@example.com","name":"` + strings.Repeat("x", 1<<20) + `"}`
	if r := e.c.PostJSON("/api/customers/", big, "Authorization", e.authz); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MiB body: %d %.200s", r.Status, r.Body)
	}
	if n := e.s.Count(`SELECT count(*) FROM customers`); n != 0 {
		t.Fatalf("%d customers written", n)
	}
}

// TestWorkspaceAPI_GetCustomer: a customer of the token's workspace; another
// workspace's, a removed or an unknown one is 404; a malformed id 422.
func TestWorkspaceAPI_GetCustomer(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	mine := e.customer(e.ws.ID, "mine@example.com", "individual")
	theirs := e.customer(e.ws2.ID, "theirs@example.com", "individual")
	gone := e.customer(e.ws.ID, "gone@example.com", "individual")
	e.s.Exec(`UPDATE customers SET deleted_at = now() WHERE id = $1`, gone)
	e.s.Exec(`UPDATE customers SET oauth_accounts = '{"discord:1":{"access_token":"secret","account_id":"1","account_username":"jo","expires_at":null,"refresh_token":"r"}}' WHERE id = $1`, mine)

	r := e.c.GetJSON("/api/customers/"+mine.String(), "Authorization", e.authz).ExpectStatus(t, http.StatusOK)
	testkit.ValidateSchema(t, "CustomerPortalCustomer", r.Body)
	if c := body(t, r); c["id"] != mine.String() || c["email"] != "mine@example.com" {
		t.Fatalf("%s", r.Body)
	}
	if strings.Contains(r.Text(), "secret") || !strings.Contains(r.Text(), `"discord:1":{"account_id":"1","account_username":"jo"}`) {
		t.Fatalf("oauth accounts leak or missing: %s", r.Body)
	}
	for name, id := range map[string]uuid.UUID{"other workspace": theirs, "removed": gone, "unknown": uuid.New()} {
		wantError(t, name, e.c.GetJSON("/api/customers/"+id.String(), "Authorization", e.authz), http.StatusNotFound, "ResourceNotFound")
	}
	// The other workspace sees its own, not ours.
	wantError(t, "reverse", e.c.GetJSON("/api/customers/"+mine.String(), "Authorization", e.authz2), http.StatusNotFound, "ResourceNotFound")
	e.c.GetJSON("/api/customers/"+theirs.String(), "Authorization", e.authz2).ExpectStatus(t, http.StatusOK)
	for _, bad := range []string{"nope", "123", "{" + mine.String() + "}", "urn:uuid:" + mine.String()} {
		want422(t, bad, e.c.GetJSON("/api/customers/"+bad, "Authorization", e.authz), []any{"path", "id"}, "")
	}
}

// TestWorkspaceAPI_UpdateCustomer: merge-patch (absent unchanged, null
// clears), confined to the workspace, validated like create.
func TestWorkspaceAPI_UpdateCustomer(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	id := e.customer(e.ws.ID, "old@example.com", "individual")
	e.customer(e.ws.ID, "taken@example.com", "individual")
	theirs := e.customer(e.ws2.ID, "theirs@example.com", "individual")
	e.s.Exec(`UPDATE customers SET email_verified = true, billing_name = 'Old Billing', external_id = 'ext-1' WHERE id = $1`, id)
	url := "/api/customers/" + id.String()

	r := e.c.PatchJSON(url, map[string]any{"name": "New Name", "billing_address": map[string]any{"country": "ca", "state": "ON"}}, "Authorization", e.authz).
		ExpectStatus(t, http.StatusOK)
	testkit.ValidateSchema(t, "CustomerPortalCustomer", r.Body)
	c := body(t, r)
	if c["name"] != "New Name" || c["billing_name"] != "Old Billing" || c["email"] != "old@example.com" || c["email_verified"] != true ||
		c["external_id"] != "ext-1" || c["modified_at"] == nil || c["billing_address"].(map[string]any)["state"] != "CA-ON" {
		t.Fatalf("patch 1: %s", r.Body)
	}
	// Null clears; a new email is no longer verified.
	r = e.c.PatchJSON(url, map[string]any{"billing_name": nil, "billing_address": nil, "external_id": nil, "email": "New@Example.com", "type": "team"},
		"Authorization", e.authz).ExpectStatus(t, http.StatusOK)
	c = body(t, r)
	if c["billing_name"] != "New Name" || c["billing_address"] != nil || c["external_id"] != nil || c["email"] != "New@example.com" ||
		c["email_verified"] != false || c["type"] != "team" {
		t.Fatalf("patch 2: %s", r.Body)
	}
	// An empty patch changes nothing but answers the customer.
	e.c.PatchJSON(url, map[string]any{}, "Authorization", e.authz).ExpectStatus(t, http.StatusOK)

	wantError(t, "email taken", e.c.PatchJSON(url, map[string]any{"email": "TAKEN@example.com"}, "Authorization", e.authz), http.StatusConflict, "CustomerAlreadyExists")
	wantError(t, "other workspace", e.c.PatchJSON("/api/customers/"+theirs.String(), map[string]any{"name": "pwned"}, "Authorization", e.authz),
		http.StatusNotFound, "ResourceNotFound")
	wantError(t, "unknown", e.c.PatchJSON("/api/customers/"+uuid.NewString(), map[string]any{"name": "x"}, "Authorization", e.authz),
		http.StatusNotFound, "ResourceNotFound")
	want422(t, "bad id", e.c.PatchJSON("/api/customers/xyz", map[string]any{"name": "x"}, "Authorization", e.authz), []any{"path", "id"}, "")
	for name, b := range map[string]any{
		"null email":      map[string]any{"email": nil},
		"bad email":       map[string]any{"email": "nope"},
		"long name":       map[string]any{"name": strings.Repeat("n", 257)},
		"name wrong type": map[string]any{"name": []string{"x"}},
		"bad type":        map[string]any{"type": "org"},
		"bad address":     map[string]any{"billing_address": map[string]any{"country": "IR"}},
		"malformed":       `{"name":`,
	} {
		r := e.c.PatchJSON(url, b, "Authorization", e.authz)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	var name string
	if err := e.pool.QueryRow(t.Context(), `SELECT name FROM customers WHERE id = $1`, theirs).Scan(&name); err != nil || name == "pwned" {
		t.Fatalf("other workspace's customer changed: %q %v", name, err)
	}
}
