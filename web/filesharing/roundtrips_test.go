package filesharing_test

import (
	"net/http"
	"strings"
	"testing"

	"portal/internal/testkit"
)

// Issue 15: the overview page's data (the count, the page of sessions and
// the earnings summary) is ONE round trip to PostgreSQL, and the workspace
// and the browser session that every page reads first are one more
// (LoadWorkspace's batch). A full overview is two round trips, and so is
// an HTMX swap of the table (whose batch leaves out the earnings).
func TestOverview_RoundTrips(t *testing.T) {
	qc := &testkit.QueryLog{}
	e := newEnvTraced(t, qc)
	b := e.signedIn(t, "customer")
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	for _, tc := range []struct {
		name, path string
		htmx       bool
		batch      []string // the statements of the one batch, by sqlc name
	}{
		{"full page", "/acme/portal/overview", false,
			[]string{"CountFileShareSessions", "ListFileShareSessionsCreatedDesc", "FileShareEarnings"}},
		{"htmx table", "/acme/portal/overview?sorting=download_count&page=1", true,
			[]string{"CountFileShareSessions", "ListFileShareSessionsDownloadsAsc"}},
		{"two sort keys", "/acme/portal/overview?sorting=status&sorting=-created_at", false,
			[]string{"CountFileShareSessions", "FROM file_share_sessions WHERE customer_id", "FileShareEarnings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantStatus(t, b.get(tc.path, tc.htmx), http.StatusOK) // warm: statements described, session slid
			qc.Reset()
			wantStatus(t, b.get(tc.path, tc.htmx), http.StatusOK)
			q := qc.Taken()
			all := strings.Join(q, "\n===\n")
			if len(q) != 2 {
				t.Fatalf("%d round trips, want 2 (workspace and session, then the page's data):\n%s", len(q), all)
			}
			if !strings.HasPrefix(q[0], "-- batch of 2\n") || !strings.Contains(q[0], "name: GetWorkspaceBySlug ") ||
				!strings.Contains(q[0], "name: GetBrowserSessionPrincipalBySlug ") {
				t.Fatalf("first round trip is not the workspace and the session in one batch:\n%s", all)
			}
			parts := strings.Split(q[1], "\n-- next in batch\n")
			if !strings.HasPrefix(q[1], "-- batch of ") || len(parts) != len(tc.batch) {
				t.Fatalf("second round trip is not one batch of %d:\n%s", len(tc.batch), q[1])
			}
			for i, name := range tc.batch {
				if !strings.Contains(parts[i], name) {
					t.Fatalf("batch statement %d is not %s:\n%s", i+1, name, parts[i])
				}
			}
		})
	}
}

// The sessions list API is the principal's one query, then one batch of
// the count and the page.
func TestSessionsList_RoundTrips(t *testing.T) {
	qc := &testkit.QueryLog{}
	e := newEnvTraced(t, qc)
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	const path = "/api/customer-portal/file-sharing/sessions?limit=100&sorting=-download_count"
	wantStatus(t, e.do(http.MethodGet, path, e.custTok, nil), http.StatusOK)
	qc.Reset()
	wantStatus(t, e.do(http.MethodGet, path, e.custTok, nil), http.StatusOK)
	q := qc.Taken()
	if len(q) != 2 || !strings.HasPrefix(q[1], "-- batch of 2\n") || !strings.Contains(q[1], "ListFileShareSessionsDownloadsDesc") {
		t.Fatalf("%d round trips, want 2 (principal, one batch of count and page):\n%s", len(q), strings.Join(q, "\n===\n"))
	}
}
