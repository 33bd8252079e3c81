package browser_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/auth"
)

// Issue 15: a page reads its workspace and the browser's session of it in
// one round trip (auth.BrowserSessions.LoadPage). Of the cookie's sessions
// only the one it holds for the page's workspace is used (D25); a dead one
// is reported as looked-for and not found, so the page says the session
// ended; an unknown workspace is a 404.
func TestLoadPage_SessionOfThePagesWorkspaceOnly(t *testing.T) {
	e := newEnv(t, opt{})
	ctx := context.Background()
	b := e.svc.Browser
	sa, err := b.Create(ctx, auth.BrowserSubject{WorkspaceID: e.legacy, CustomerID: e.cust}, "test")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Create(ctx, auth.BrowserSubject{WorkspaceID: e.teams, CustomerID: e.team, MemberID: e.owner}, "test")
	if err != nil {
		t.Fatal(err)
	}
	cookie := map[uuid.UUID]uuid.UUID{e.legacy: sa, e.teams: sb}
	of := func(m map[uuid.UUID]uuid.UUID) func(uuid.UUID) uuid.UUID {
		return func(ws uuid.UUID) uuid.UUID { return m[ws] }
	}
	both := []uuid.UUID{sa, sb}

	for slug, want := range map[string]uuid.UUID{"acme": sa, "ACME": sa, "teams": sb} {
		pg, err := b.LoadPage(ctx, slug, both, of(cookie))
		if err != nil || !pg.Looked || pg.Session == nil || pg.Session.Principal.SessionID != want {
			t.Fatalf("%s: %+v %v", slug, pg, err)
		}
		if ws := pg.Workspace.ID; ws != pg.Session.Principal.WorkspaceID {
			t.Fatalf("%s: workspace %v, session of %v", slug, ws, pg.Session.Principal.WorkspaceID)
		}
	}
	if pg, _ := b.LoadPage(ctx, "teams", both, of(cookie)); pg.Session.Principal.MemberID != e.owner {
		t.Fatalf("teams: member %v", pg.Session.Principal.MemberID)
	}
	// A cookie whose entry for acme names another session is not trusted
	// with it: the caller loads as before.
	if pg, err := b.LoadPage(ctx, "acme", both, of(map[uuid.UUID]uuid.UUID{e.legacy: sb})); err != nil || pg.Looked || pg.Session != nil {
		t.Fatalf("mismatched cookie: %+v %v", pg, err)
	}
	// No session of acme among the candidates, or acme's revoked: looked
	// for, none live.
	if pg, err := b.LoadPage(ctx, "acme", []uuid.UUID{sb}, of(cookie)); err != nil || !pg.Looked || pg.Session != nil || pg.Workspace.ID != e.legacy {
		t.Fatalf("other workspace's session only: %+v %v", pg, err)
	}
	if err := b.Revoke(ctx, sa); err != nil {
		t.Fatal(err)
	}
	if pg, err := b.LoadPage(ctx, "acme", both, of(cookie)); err != nil || !pg.Looked || pg.Session != nil {
		t.Fatalf("revoked: %+v %v", pg, err)
	}
	_, err = b.LoadPage(ctx, "nope", both, of(cookie))
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindNotFound {
		t.Fatalf("unknown workspace: %v", err)
	}
}
