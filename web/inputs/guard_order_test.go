package inputs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/testkit"
)

// TestUnparseableJSONBeforeGuard: §2.2 — the role guards run
// before body validation, except that a body which is not JSON at all is
// 422 first. A plain member's garbage body is 422 json_invalid; the same
// member's well-formed body is the guard's 403; a bad token is still 401
// before either; and the handler still reads a good body after the check.
func TestUnparseableJSONBeforeGuard(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	var ws uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT workspace_id FROM customers WHERE id = $1`, e.team).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	plain := testkit.MemberToken(t, e.pool, e.svc.Hasher, testkit.Member(t, e.pool, e.team, "plain@example.com", auth.RoleMember))

	for _, tc := range []struct {
		method, path string
	}{
		{http.MethodPatch, "/api/customer-portal/customers/me"},
		{http.MethodPost, "/api/customer-portal/members"},
		{http.MethodPost, "/api/customer-portal/payment-methods"},
	} {
		r := rawJSON(t, c, tc.method, tc.path, plain, `{"billing_name": "x",`)
		r.ExpectStatus(t, http.StatusUnprocessableEntity)
		r.ValidateContract(t)
		var body struct {
			Detail []struct {
				Type string `json:"type"`
				Loc  []any  `json:"loc"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Detail) != 1 || body.Detail[0].Type != "json_invalid" {
			t.Errorf("%s %s with garbage: %s", tc.method, tc.path, r.Body)
		}
		rawJSON(t, c, tc.method, tc.path, plain, `{}`).ExpectStatus(t, http.StatusForbidden)
		rawJSON(t, c, tc.method, tc.path, "rapidly_mst_not-a-token", `{"billing_name": "x",`).ExpectStatus(t, http.StatusUnauthorized)
	}

	// The body survives the check: the owner's real update lands.
	r := rawJSON(t, c, http.MethodPatch, "/api/customer-portal/customers/me", e.owner, `{"billing_name": "Owner Billing"}`)
	r.ExpectStatus(t, http.StatusOK)
	if !strings.Contains(r.Text(), `"billing_name":"Owner Billing"`) {
		t.Errorf("update after the check: %s", r.Body)
	}
}
