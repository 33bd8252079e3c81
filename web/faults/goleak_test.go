package faults

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/web/session"
	"portal/web/webtest"
)

// TestNoGoroutineLeaks is R3: the application built as
// `portal serve` builds it, with its mail queue and cleanup worker running,
// serving real requests on a listener (the API, pages, and a sign-in whose
// mail goes out through SMTP), then shut down in the serve command's order,
// leaves no goroutine behind.
func TestNoGoroutineLeaks(t *testing.T) {
	checkLeaks(t)
	pool := testkit.DB(t)
	sink := testkit.NewSMTPSink(t)
	s := serve(t, pool, sink.URL())

	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "ada@example.com", "individual")
	token := testkit.CustomerToken(t, pool, s.svc.Hasher, cust)
	bsID, err := s.svc.Browser.Create(context.Background(), auth.BrowserSubject{WorkspaceID: ws, CustomerID: cust}, "faults")
	if err != nil {
		t.Fatal(err)
	}
	cookie, err := webtest.Store(s.svc).Encode(session.SignedIn(ws, bsID))
	if err != nil {
		t.Fatal(err)
	}

	client := newHTTPClient()
	for i, tg := range []target{
		{name: "GET /customers/me", path: apiPrefix + "/customers/me", api: true, bearer: token, marker: `"ada@example.com"`},
		{name: "GET /file-sharing/sessions", path: apiPrefix + "/file-sharing/sessions", api: true, bearer: token, marker: `"data"`},
		{name: "page /acme/portal/request", path: "/acme/portal/request", marker: `data-testid="signin-card"`},
		{name: "page /acme/portal/overview", path: "/acme/portal/overview", cookie: cookie, marker: `data-testid="empty-state"`},
		{name: "GET /readyz", path: "/readyz", marker: `"ready"`},
	} {
		r := do(client, s.base, i, tg, true)
		if r.err != nil || r.status != http.StatusOK || !strings.Contains(string(r.body), tg.marker) {
			t.Fatalf("%s: %d %v\n%.500s", tg.name, r.status, r.err, r.body)
		}
		if tg.api {
			testkit.ValidateResponse(t, http.MethodGet, tg.path, r.status, r.header, r.body)
		}
	}
	r := signInRequest(client, s.base, ws.String(), "ada@example.com")
	if r.err != nil || r.status != http.StatusAccepted {
		t.Fatalf("sign-in request: %d %v\n%.500s", r.status, r.err, r.body)
	}
	sink.WaitFor(t, "ada@example.com", 30*time.Second)
	client.CloseIdleConnections()
	// The rest (server, workers, SMTP sink, pool, database) is shut down
	// by the cleanups, before checkLeaks's runs.
}
