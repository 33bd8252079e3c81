package filesharing_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/testkit"
)

// TestPages_OverviewStatusFilter (issue 16.12): the overview offers a status
// filter as plain links (no JS needed, HTMX swaps the table like the sort
// links); a filter keeps only that status, with its own total and pages;
// sort and page links keep it, a new filter keeps the sort and starts at
// page 1; an unknown value shows every status (never an error page); a
// status with no shares says so and links back to all; the HTMX fragment
// carries the filter too. The API has no such filter: it lists every
// status whatever ?status= says, exactly as before.
func TestPages_OverviewStatusFilter(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	now := time.Now()
	for i := 0; i < 3; i++ {
		testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Status: "active", Title: strp("active share"), CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Status: "completed", Title: strp("completed share")})
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Status: "expired", Title: strp("expired share")})
	testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{Status: "active", Title: strp("not mine")})

	statusesOf := func(path string, htmx bool) []string {
		t.Helper()
		rec := b.get(path, htmx)
		rec.ExpectStatus(t, http.StatusOK)
		var out []string
		doc(t, rec).Find(`[data-testid="session-row"] [data-testid="status"]`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.TrimSpace(s.Text()))
		})
		return out
	}

	// Unfiltered: every status, and the filter bar with "All" current.
	d := doc(t, b.get("/acme/portal/overview", false))
	if n := d.Find(`[data-testid="session-row"]`).Length(); n != 5 {
		t.Fatalf("unfiltered: %d rows", n)
	}
	nav := d.Find(`nav[data-testid="status-filter"]`)
	if nav.Length() != 1 || nav.AttrOr("aria-label", "") != "Filter by status" {
		t.Fatal("no labelled status filter")
	}
	if a := nav.Find(`[data-testid="filter-all"]`); a.AttrOr("aria-current", "") != "true" || a.Text() != "All" {
		t.Fatalf("All not current: %q", a.Text())
	}
	active := nav.Find(`[data-testid="filter-active"]`)
	if href := active.AttrOr("href", ""); href != "/acme/portal/overview?status=active" || active.AttrOr("hx-get", "") != href || active.AttrOr("hx-target", "") != "#sessions-table" || active.Text() != "Active" {
		t.Fatalf("active filter link: href %q", href)
	}
	for _, st := range []string{"created", "completed", "expired", "destroyed", "reported"} {
		if nav.Find(`[data-testid="filter-`+st+`"]`).Length() != 1 {
			t.Fatalf("no %s filter", st)
		}
	}

	// Filtered: only active, total 3, the filter marked current.
	if got := statusesOf("/acme/portal/overview?status=active", false); len(got) != 3 || got[0] != "Active" || got[2] != "Active" {
		t.Fatalf("status=active: %v", got)
	}
	d = doc(t, b.get("/acme/portal/overview?status=active&limit=2", false))
	if d.Find(`[data-testid="filter-active"]`).AttrOr("aria-current", "") != "true" || d.Find(`[data-testid="filter-all"]`).AttrOr("aria-current", "") != "" {
		t.Fatal("active filter not current")
	}
	// Sort and page links keep the filter; a filter link keeps the sort.
	next := d.Find(`[data-testid="page-next"]`).AttrOr("href", "")
	if !strings.Contains(next, "status=active") || !strings.Contains(next, "page=2") {
		t.Fatalf("next page link %q", next)
	}
	if got := statusesOf(next, false); len(got) != 1 || got[0] != "Active" {
		t.Fatalf("page 2 of active: %v", got)
	}
	sortLink := d.Find(`[data-testid="sort-status"] a`).AttrOr("href", "")
	if !strings.Contains(sortLink, "status=active") {
		t.Fatalf("sort link drops the filter: %q", sortLink)
	}
	d = doc(t, b.get("/acme/portal/overview?sorting=status&page=2&limit=2", false))
	if href := d.Find(`[data-testid="filter-completed"]`).AttrOr("href", ""); !strings.Contains(href, "sorting=status") || strings.Contains(href, "page=") || !strings.Contains(href, "status=completed") {
		t.Fatalf("filter link %q must keep the sort and start at page 1", href)
	}

	// The HTMX fragment is filtered and carries the filter bar.
	frag := b.get("/acme/portal/overview?status=completed", true)
	if fd := doc(t, frag); fd.Find(`[data-testid="session-row"]`).Length() != 1 || fd.Find(`[data-testid="filter-completed"]`).AttrOr("aria-current", "") != "true" {
		t.Fatalf("fragment: %s", frag.Text())
	}

	// Unknown values show every status, never an error page.
	for _, bad := range []string{"paid", "ACTIVE", "%27%20OR%201=1", ""} {
		if got := statusesOf("/acme/portal/overview?status="+bad, false); len(got) != 5 {
			t.Fatalf("status=%s: %v", bad, got)
		}
	}

	// A status without shares: say so, link to all, no empty table.
	d = doc(t, b.get("/acme/portal/overview?status=reported", false))
	fe := d.Find(`[data-testid="filtered-empty"]`)
	if fe.Length() != 1 || !strings.Contains(fe.Text(), "No file shares with this status") || fe.Find("a").AttrOr("href", "") != "/acme/portal/overview" {
		t.Fatalf("filtered empty: %q", fe.Text())
	}
	if d.Find("table.sessions").Length() != 0 || d.Find(`[data-testid="empty-state"]`).Length() != 0 {
		t.Fatal("filtered empty state must not show the table or the no-shares-at-all text")
	}

	// In German the filter speaks German.
	d = doc(t, b.get("/acme/portal/overview?lang=de", false))
	if d.Find(`[data-testid="filter-all"]`).Text() != "Alle" || d.Find(`nav[data-testid="status-filter"]`).AttrOr("aria-label", "") != "Nach Status filtern" {
		t.Fatal("filter not translated")
	}

	// The API contract is unchanged: ?status= is not a filter there.
	rec := e.do(http.MethodGet, listURL+"?status=active", e.custTok, nil)
	wantStatus(t, rec, http.StatusOK)
	if body := testkit.Decode[pageBody](t, rec); body.Meta.Total != 5 || len(body.Data) != 5 {
		t.Fatalf("API with ?status=active: %s", rec.Text())
	}
	rec = e.do(http.MethodGet, listURL+"?status=nonsense", e.custTok, nil)
	wantStatus(t, rec, http.StatusOK)
	if body := testkit.Decode[pageBody](t, rec); body.Meta.Total != 5 {
		t.Fatalf("API with ?status=nonsense: %s", rec.Text())
	}
}
