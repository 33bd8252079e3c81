package team_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/testkit"
	"portal/web/webtest"
)

// countingServer is the real router on a pool of this test's database whose
// every query is logged.
func (e *env) countingServer() (*webtest.Server, *testkit.QueryLog) {
	e.t.Helper()
	qc := &testkit.QueryLog{}
	return webtest.NewServer(e.t, webtest.Options{BaseURL: baseURL, Tracer: qc}), qc
}

// Issue 15, goal 1: GET /customers/me is one round trip to PostgreSQL, for a
// customer session and for a member session, and it still sees every change
// at once (nothing outlives the request).
func TestCustomersMe_OneRoundTrip(t *testing.T) {
	e := newEnv(t)
	s, qc := e.countingServer()
	get := func(tok string) *testkit.Response {
		return s.Bearer(tok).Get(api + "/customers/me")
	}
	for name, tok := range map[string]string{"customer": e.indTok, "member": e.plainTok} {
		get(tok) // warm the pool's connections
		qc.Reset()
		rec := get(tok)
		if rec.Status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", name, rec.Status, rec.Body)
		}
		e.check(http.MethodGet, "/customers/me", rec)
		if q := qc.Taken(); len(q) != 1 {
			t.Fatalf("%s: GET /customers/me ran %d queries, want 1:\n%s", name, len(q), strings.Join(q, "\n---\n"))
		}
	}
	// A change to the customer shows on the very next request.
	e.s.Exec(`UPDATE customers SET name = 'Renamed' WHERE id = $1`, e.ind)
	if rec := get(e.indTok); !strings.Contains(rec.Text(), `"name":"Renamed"`) {
		t.Fatalf("stale profile after update: %s", rec.Body)
	}
	// Revocation is immediate: a deleted session, a removed member, a
	// deleted customer are refused on the next request.
	e.s.Exec(`UPDATE customer_sessions SET deleted_at = now() WHERE customer_id = $1`, e.ind)
	if rec := get(e.indTok); rec.Status != http.StatusUnauthorized {
		t.Fatalf("revoked customer session: %d", rec.Status)
	}
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, e.plain)
	if rec := get(e.plainTok); rec.Status != http.StatusUnauthorized {
		t.Fatalf("removed member: %d", rec.Status)
	}
	e.s.Exec(`UPDATE customers SET deleted_at = now() WHERE id = $1`, e.team)
	if rec := get(e.ownerTok); rec.Status != http.StatusUnauthorized {
		t.Fatalf("deleted customer's member: %d", rec.Status)
	}
}

// The settings page reads the profile from the browser session's own
// lookup: the workspace, the session, and nothing else for the profile.
func TestSettingsPage_NoSecondProfileQuery(t *testing.T) {
	e := newEnv(t)
	s, qc := e.countingServer()
	c := s.Browser(e.ind, uuid.Nil)
	c.Get(settings) // warm up (and slide the idle expiry once)
	qc.Reset()
	r := c.Get(settings)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Text(), "ind@example.com") {
		t.Fatalf("settings page without the customer's email: %s", r.Text())
	}
	for _, q := range qc.Taken() {
		if strings.Contains(q, "PortalGetCustomer") || strings.Contains(q, "FROM customers\nWHERE id") {
			t.Fatalf("settings page read the customer a second time:\n%s", q)
		}
	}
	// The account-security sections (issue 18) list the person's devices,
	// sign-ins and passkeys: one query each, none of them the profile.
	var q []string
	for _, s := range qc.Taken() {
		if !strings.Contains(s, "name: ListPrincipalBrowserSessions ") && !strings.Contains(s, "name: ListPrincipalPasskeys ") &&
			!strings.Contains(s, "name: ListSignInEvents ") {
			q = append(q, s)
		}
	}
	if len(q) > 2 {
		t.Fatalf("settings page ran %d queries, want at most 2 (workspace, session):\n%s", len(q), strings.Join(q, "\n---\n"))
	}
}
