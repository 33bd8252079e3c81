package browser_test

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/web/session"
	"portal/web/webtest"
)

// TestD25_WorkspacesCoexistInOneBrowser: one browser signed in to two
// workspaces (each through the code form) stays signed in to both while
// moving between them; signing out of one leaves the other signed in.
func TestD25_WorkspacesCoexistInOneBrowser(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	e.post(c, "/acme/portal/authenticate", url.Values{"code": {e.code("ind@example.com")}}).ExpectStatus(t, 303)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	// Visiting the other workspace's pages signs nobody out.
	if r := c.Get("/teams/portal/overview"); r.Status != 303 || r.Location() != "/teams/portal/request" {
		t.Fatalf("teams while signed in to acme only: %d %q", r.Status, r.Location())
	}
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)

	e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}}).ExpectStatus(t, 303)
	e.post(c, "/teams/portal/authenticate", url.Values{"code": {e.code("owner@example.com")}}).ExpectStatus(t, 303)
	c.Get("/teams/portal/overview").ExpectStatus(t, 200)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE revoked_at IS NULL`); n != 2 {
		t.Fatalf("%d live browser sessions", n)
	}
	d := doc(t, c.Get("/teams/portal/settings").ExpectStatus(t, 200))
	if d.Find(`.who`).Length() == 0 || !contains(d.Find(`.who`).Text(), "owner@example.com") {
		t.Fatalf("teams shows %q", d.Find(`.who`).Text())
	}

	e.post(c, "/teams/portal/sign-out", nil).ExpectStatus(t, 303)
	if r := c.Get("/teams/portal/overview"); r.Status != 303 {
		t.Fatalf("teams after its sign-out: %d", r.Status)
	}
	d = doc(t, c.Get("/acme/portal/overview").ExpectStatus(t, 200))
	if !contains(d.Find(`.who`).Text(), "ind@example.com") {
		t.Fatalf("acme shows %q", d.Find(`.who`).Text())
	}
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE revoked_at IS NULL AND customer_id = $1`, e.cust); n != 1 {
		t.Fatalf("acme's session: %d live", n)
	}
}

// TestD25_AtMostTenBrowserSessionsPerPrincipal: the 11th sign-in of one
// customer (or one member) revokes its oldest live session; other
// principals are not touched; concurrent sign-ins still leave ten.
func TestD25_AtMostTenBrowserSessionsPerPrincipal(t *testing.T) {
	e := newEnv(t, opt{})
	ctx := context.Background()
	create := func(s auth.BrowserSubject) uuid.UUID {
		t.Helper()
		id, err := e.svc.Browser.Create(ctx, s, "test")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	cust := auth.BrowserSubject{WorkspaceID: e.legacy, CustomerID: e.cust}
	owner := auth.BrowserSubject{WorkspaceID: e.teams, CustomerID: e.team, MemberID: e.owner}
	plain := auth.BrowserSubject{WorkspaceID: e.teams, CustomerID: e.team, MemberID: e.plain}
	plainID := create(plain)
	var ids []uuid.UUID
	for i := 0; i < 10; i++ {
		ids = append(ids, create(cust))
		create(owner)
	}
	live := func(sql string, args ...any) int {
		return e.s.Count(`SELECT count(*) FROM browser_sessions WHERE revoked_at IS NULL AND `+sql, args...)
	}
	if live(`customer_id = $1`, e.cust) != 10 || live(`member_id = $1`, e.owner) != 10 {
		t.Fatal("ten sessions should all be live")
	}
	eleventh := create(cust)
	if live(`customer_id = $1`, e.cust) != 10 {
		t.Fatalf("after the 11th: %d live", live(`customer_id = $1`, e.cust))
	}
	if live(`id = $1`, ids[0]) != 0 || live(`id = $1`, ids[1]) != 1 || live(`id = $1`, eleventh) != 1 {
		t.Fatal("not the oldest one revoked")
	}
	// The oldest one's cookie no longer works.
	c := e.client()
	webtest.SetSessionCookie(t, c, e.svc, session.SignedIn(e.legacy, ids[0]))
	if r := c.Get("/acme/portal/overview"); r.Status != 303 {
		t.Fatalf("revoked oldest: %d", r.Status)
	}
	// Member principals count per member; the other member is untouched.
	if live(`member_id = $1`, e.owner) != 10 || live(`id = $1`, plainID) != 1 {
		t.Fatal("other principals touched")
	}
	// Concurrent sign-ins still leave exactly ten.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.Browser.Create(ctx, owner, "test"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := live(`member_id = $1`, e.owner); n != 10 {
		t.Fatalf("after concurrent sign-ins: %d live", n)
	}
}
