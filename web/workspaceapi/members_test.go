package workspaceapi_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"portal/internal/testkit"
)

// TestWorkspaceAPI_CreateMember: 201 with the CustomerPortalMember fields
// plus customer_id; duplicate email (any case) 409; a second owner 409; a
// removed member comes back with the new name and role (D3).
func TestWorkspaceAPI_CreateMember(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	team := e.customer(e.team.ID, "team@example.com", "team")
	r := e.c.PostJSON("/api/members/", map[string]any{"customer_id": team, "email": "Owner@Example.com", "name": "Olive", "role": "owner"},
		"Authorization", e.tmAz).ExpectStatus(t, http.StatusCreated)
	testkit.ValidateSchema(t, "CustomerPortalMember", r.Body)
	m := body(t, r)
	if m["email"] != "Owner@example.com" || m["name"] != "Olive" || m["role"] != "owner" || m["customer_id"] != team.String() ||
		m["workspace_id"] != e.team.ID.String() || m["modified_at"] != nil {
		t.Fatalf("member %s", r.Body)
	}
	// role defaults to member; no trailing slash works too.
	r = e.c.PostJSON("/api/members", map[string]any{"customer_id": team, "email": "plain@example.com"}, "Authorization", e.tmAz).ExpectStatus(t, http.StatusCreated)
	plain := body(t, r)
	if plain["role"] != "member" || plain["name"] != nil {
		t.Fatalf("default role %s", r.Body)
	}
	wantError(t, "duplicate email", e.c.PostJSON("/api/members/", map[string]any{"customer_id": team, "email": "PLAIN@example.com", "role": "billing_manager"},
		"Authorization", e.tmAz), http.StatusConflict, "MemberAlreadyExists")
	wantError(t, "second owner", e.c.PostJSON("/api/members/", map[string]any{"customer_id": team, "email": "boss@example.com", "role": "owner"},
		"Authorization", e.tmAz), http.StatusConflict, "OwnerAlreadyExists")

	// A removed member is reactivated, not a 500 on the unique index.
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, plain["id"])
	r = e.c.PostJSON("/api/members/", map[string]any{"customer_id": team, "email": "plain@example.com", "name": "Back", "role": "billing_manager"},
		"Authorization", e.tmAz).ExpectStatus(t, http.StatusCreated)
	if back := body(t, r); back["id"] != plain["id"] || back["name"] != "Back" || back["role"] != "billing_manager" {
		t.Fatalf("reactivated %s", r.Body)
	}
	if n := e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1 AND deleted_at IS NULL`, team); n != 2 {
		t.Fatalf("%d members", n)
	}
	// The owner slot frees up when the owner is removed.
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE role = 'owner' AND customer_id = $1`, team)
	e.c.PostJSON("/api/members/", map[string]any{"customer_id": team, "email": "boss@example.com", "role": "owner"}, "Authorization", e.tmAz).
		ExpectStatus(t, http.StatusCreated)
}

// TestWorkspaceAPI_CreateMemberBadInput: unknown and foreign customers and
// malformed fields are 422 at the field; nothing is written.
func TestWorkspaceAPI_CreateMemberBadInput(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	team := e.customer(e.team.ID, "team@example.com", "team")
	foreign := e.customer(e.ws2.ID, "foreign@example.com", "team")
	gone := e.customer(e.team.ID, "gone@example.com", "team")
	e.s.Exec(`UPDATE customers SET deleted_at = now() WHERE id = $1`, gone)
	cases := []struct {
		name string
		body any
		loc  []any
		msg  string
	}{
		{"malformed", `{"customer_id"`, nil, ""},
		{"missing customer", map[string]any{"email": "a@example.com"}, []any{"body", "customer_id"}, "Field required"},
		{"bad uuid", map[string]any{"customer_id": "123", "email": "a@example.com"}, []any{"body", "customer_id"}, ""},
		{"uuid wrong type", map[string]any{"customer_id": 123, "email": "a@example.com"}, []any{"body", "customer_id"}, ""},
		{"unknown customer", map[string]any{"customer_id": uuid.New(), "email": "a@example.com"}, []any{"body", "customer_id"}, "Customer does not exist."},
		{"other workspace's customer", map[string]any{"customer_id": foreign, "email": "a@example.com"}, []any{"body", "customer_id"}, "Customer does not exist."},
		{"removed customer", map[string]any{"customer_id": gone, "email": "a@example.com"}, []any{"body", "customer_id"}, "Customer does not exist."},
		{"missing email", map[string]any{"customer_id": team}, []any{"body", "email"}, "Field required"},
		{"bad email", map[string]any{"customer_id": team, "email": "a@b"}, []any{"body", "email"}, ""},
		{"long email", map[string]any{"customer_id": team, "email": strings.Repeat("e", 320) + "@example.com"}, []any{"body", "email"}, ""},
		{"long name", map[string]any{"customer_id": team, "email": "a@example.com", "name": strings.Repeat("n", 257)}, []any{"body", "name"}, ""},
		{"bad role", map[string]any{"customer_id": team, "email": "a@example.com", "role": "admin"}, []any{"body", "role"}, ""},
		{"role wrong type", map[string]any{"customer_id": team, "email": "a@example.com", "role": 1}, []any{"body", "role"}, ""},
	}
	for _, c := range cases {
		want422(t, c.name, e.c.PostJSON("/api/members/", c.body, "Authorization", e.tmAz), c.loc, c.msg)
	}
	if n := e.s.Count(`SELECT count(*) FROM members`); n != 0 {
		t.Fatalf("%d members written", n)
	}
}

// TestWorkspaceAPI_OneOwnerUnderRace: concurrent owner creations give one
// 201 and 409s, never a 500 from the one-owner index.
func TestWorkspaceAPI_OneOwnerUnderRace(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	team := e.customer(e.team.ID, "team@example.com", "team")
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := testkit.NewClient(t, e.h)
			statuses[i] = c.PostJSON("/api/members/", map[string]any{"customer_id": team, "email": "o" + string(rune('a'+i)) + "@example.com", "role": "owner"},
				"Authorization", e.tmAz).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if created != 1 || e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1 AND role = 'owner' AND deleted_at IS NULL`, team) != 1 {
		t.Fatalf("statuses %v", statuses)
	}
}
