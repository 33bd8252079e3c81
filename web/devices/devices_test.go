// Package devices_test drives the settings page's "Sign-in and devices"
// section (issue 18) through the real router on real PostgreSQL: the live
// browser sessions of the signed-in person, signing one or every other one
// out, and what a revoked browser sees on its next request.
package devices_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/views/paths"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type env struct {
	t       *testing.T
	pool    *pgxpool.Pool
	svc     *app.Services
	handler http.Handler
	ws      uuid.UUID
	cust    uuid.UUID // an individual customer
	team    uuid.UUID
	owner   uuid.UUID // members of team
	bm      uuid.UUID
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{BaseURL: "http://portal.test"})
	pool := s.Pool
	e := &env{t: t, pool: pool, svc: s.Services, handler: s.Handler}
	e.ws = testkit.Workspace(t, pool, "acme")
	e.cust = testkit.Customer(t, pool, e.ws, "ind@example.com", "individual")
	e.team = testkit.Customer(t, pool, e.ws, "team@example.com", "team")
	e.owner = testkit.Member(t, pool, e.team, "owner@example.com", auth.RoleOwner)
	e.bm = testkit.Member(t, pool, e.team, "bm@example.com", auth.RoleBillingManager)
	return e
}

// browser is one browser signed in as customer (member uuid.Nil) or member.
func (e *env) browser(customer, member uuid.UUID) (*testkit.Client, uuid.UUID) {
	c := testkit.NewClient(e.t, e.handler)
	return c, webtest.SignIn(e.t, c, e.svc, customer, member)
}

// browserAnon is a browser that is not signed in.
func (e *env) browserAnon() *testkit.Client { return testkit.NewClient(e.t, e.handler) }

func (e *env) settings(c *testkit.Client) *goquery.Document {
	e.t.Helper()
	r := c.Get(paths.SettingsPage("acme")).ExpectStatus(e.t, http.StatusOK)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
	if err != nil {
		e.t.Fatal(err)
	}
	return doc
}

// signedIn reports whether c's next page request is still signed in.
func (e *env) signedIn(c *testkit.Client) bool {
	e.t.Helper()
	r := c.Get(paths.Page("acme", "overview"))
	switch {
	case r.Status == http.StatusOK:
		return true
	case r.Status == http.StatusSeeOther && strings.HasSuffix(r.Location(), "/portal/request"):
		return false
	}
	e.t.Fatalf("overview: %d %s", r.Status, r.Location())
	return false
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) revoked(id uuid.UUID) bool {
	e.t.Helper()
	var revoked bool
	if err := e.pool.QueryRow(context.Background(), `SELECT revoked_at IS NOT NULL FROM browser_sessions WHERE id = $1`, id).Scan(&revoked); err != nil {
		e.t.Fatal(err)
	}
	return revoked
}

// TestDevicesRevokeOneFromTheOther: two browsers of one customer each see
// both sessions, the current one marked; signing the other out from the
// first kills it on its next request, and the first stays signed in.
func TestDevicesRevokeOneFromTheOther(t *testing.T) {
	e := newEnv(t)
	a, aID := e.browser(e.cust, uuid.Nil)
	b, bID := e.browser(e.cust, uuid.Nil)

	doc := e.settings(a)
	rows := doc.Find(`[data-testid="device-row"]`)
	if rows.Length() != 2 {
		t.Fatalf("device rows = %d, want 2", rows.Length())
	}
	if n := doc.Find(`[data-testid="device-row"][data-current="true"]`).Length(); n != 1 {
		t.Fatalf("current rows = %d, want 1", n)
	}
	// The current one has no sign-out form; the other one has.
	if n := doc.Find(`[data-testid="device-row"][data-current="true"] [data-testid="device-sign-out"]`).Length(); n != 0 {
		t.Fatalf("current row offers sign-out")
	}
	form := doc.Find(`[data-testid="device-sign-out"]`)
	if form.Length() != 1 {
		t.Fatalf("sign-out forms = %d, want 1", form.Length())
	}
	action, _ := form.Attr("action")
	if want := paths.DeviceSignOutPage("acme", bID.String()); action != want {
		t.Fatalf("sign-out action %q, want %q", action, want)
	}
	for _, s := range []string{"Signed in", "with a code", "active now"} {
		if !strings.Contains(doc.Find(`[data-testid="devices"]`).Text(), s) {
			t.Errorf("devices section lacks %q", s)
		}
	}
	if doc.Find(`[data-testid="device-row"] time[datetime]`).Length() < 4 {
		t.Errorf("device times are not <time datetime>")
	}

	r := webtest.PostForm(t, a, e.svc, action, nil).ExpectStatus(t, http.StatusSeeOther)
	if r.Location() != paths.DevicesPage("acme") {
		t.Fatalf("after sign-out → %q", r.Location())
	}
	if !e.revoked(bID) || e.revoked(aID) {
		t.Fatalf("revoked: b=%v a=%v, want b only", e.revoked(bID), e.revoked(aID))
	}
	if e.signedIn(b) {
		t.Fatal("the revoked browser is still signed in")
	}
	if !e.signedIn(a) {
		t.Fatal("the browser that signed the other out lost its session")
	}
	if n := e.settings(a).Find(`[data-testid="device-row"]`).Length(); n != 1 {
		t.Fatalf("after sign-out device rows = %d, want 1", n)
	}
}

// TestDevicesSignOutEverywhereElse keeps only the current session; other
// people's sessions (another member of the team, another customer) are
// neither listed nor touched.
func TestDevicesSignOutEverywhereElse(t *testing.T) {
	e := newEnv(t)
	a, aID := e.browser(e.team, e.owner)
	b, bID := e.browser(e.team, e.owner)
	c, cID := e.browser(e.team, e.owner)
	bm, bmID := e.browser(e.team, e.bm)
	ind, indID := e.browser(e.cust, uuid.Nil)

	doc := e.settings(a)
	if n := doc.Find(`[data-testid="device-row"]`).Length(); n != 3 {
		t.Fatalf("owner's device rows = %d, want 3 (own sessions only)", n)
	}
	form := doc.Find(`[data-testid="devices-sign-out-others"]`)
	action, _ := form.Attr("action")
	if action != paths.DevicesOthersPage("acme") {
		t.Fatalf("sign out everywhere else action %q", action)
	}
	webtest.PostForm(t, a, e.svc, action, nil).ExpectStatus(t, http.StatusSeeOther)
	for name, id := range map[string]uuid.UUID{"b": bID, "c": cID} {
		if !e.revoked(id) {
			t.Errorf("session %s not revoked", name)
		}
	}
	for name, id := range map[string]uuid.UUID{"current": aID, "other member": bmID, "other customer": indID} {
		if e.revoked(id) {
			t.Errorf("session %s revoked", name)
		}
	}
	if e.signedIn(b) || e.signedIn(c) {
		t.Fatal("a signed-out browser is still signed in")
	}
	if !e.signedIn(a) || !e.signedIn(bm) || !e.signedIn(ind) {
		t.Fatal("a session that should stay lost its sign-in")
	}
	doc = e.settings(a)
	if n := doc.Find(`[data-testid="device-row"][data-current="true"]`).Length(); n != 1 || doc.Find(`[data-testid="device-row"]`).Length() != 1 {
		t.Fatalf("after everywhere else: rows %d", doc.Find(`[data-testid="device-row"]`).Length())
	}
	if doc.Find(`[data-testid="devices-sign-out-others"]`).Length() != 0 {
		t.Fatal("sign out everywhere else offered with no other session")
	}
}

// TestDevicesOthersSessionUntouched: posting another person's session id
// (or a malformed one) signs nothing out and tells nothing.
func TestDevicesOthersSessionUntouched(t *testing.T) {
	e := newEnv(t)
	a, _ := e.browser(e.team, e.owner)
	_, bmID := e.browser(e.team, e.bm)
	_, indID := e.browser(e.cust, uuid.Nil)
	for _, id := range []string{bmID.String(), indID.String(), "not-a-uuid", uuid.NewString()} {
		webtest.PostForm(t, a, e.svc, paths.DeviceSignOutPage("acme", id), nil).ExpectStatus(t, http.StatusSeeOther)
	}
	if e.revoked(bmID) || e.revoked(indID) {
		t.Fatal("another person's session was revoked")
	}
}
