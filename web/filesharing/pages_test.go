package filesharing_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/internal/testkit"
)

// browser is a signed-in page visitor.
type browser struct {
	e      *env
	client *testkit.Client // signed in with a session cookie; nil: anonymous
}

func (b *browser) get(path string, htmx bool) *testkit.Response {
	b.e.t.Helper()
	c := b.client
	if c == nil {
		c = b.e.s.Client()
	}
	if htmx {
		return c.Get(path, "HX-Request", "true")
	}
	return c.Get(path)
}

func doc(t *testing.T, rec *testkit.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func strp(s string) *string { return &s }

// TestPages_Overview: the table shows status, title and file, size,
// downloads used of max, price in the session's currency, expiry; sort
// headers carry aria-sort and links; pages link with HTMX attributes.
func TestPages_Overview(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	now := time.Now()
	size, jpy, usd := int64(1572864), int32(1500), int32(1250)
	past := now.Add(-time.Hour)
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Title: strp("Q3 report"), FileName: strp("q3.pdf"), FileSizeBytes: &size,
		PriceCents: &jpy, Currency: "jpy", Downloads: 3, MaxDownloads: 10, CreatedAt: now.Add(-time.Minute)})
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{FileName: strp("notes.txt"), PriceCents: &usd, Downloads: 3, ExpiresAt: &past, CreatedAt: now.Add(-2 * time.Minute)})
	testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{Title: strp("not mine")})

	rec := b.get("/acme/portal/overview", false)
	wantStatus(t, rec, http.StatusOK)
	d := doc(t, rec)
	rows := d.Find(`[data-testid="session-row"]`)
	if rows.Length() != 2 {
		t.Fatalf("%d rows\n%s", rows.Length(), rec.Text())
	}
	first, second := rows.Eq(0), rows.Eq(1)
	if got := first.Find(`[data-testid="session-link"]`).Text(); got != "Q3 report" {
		t.Fatalf("title %q", got)
	}
	if !strings.Contains(first.Text(), "q3.pdf") || !strings.Contains(first.Text(), "1.5 MB") {
		t.Fatalf("file/size: %s", first.Text())
	}
	if got := first.Find(`[data-testid="downloads"]`).Text(); got != "3 / 10" {
		t.Fatalf("downloads %q", got)
	}
	if got := second.Find(`[data-testid="downloads"]`).Text(); got != "3 / ∞" {
		t.Fatalf("unlimited downloads %q", got)
	}
	if got := first.Find(`[data-testid="price"]`).Text(); got != "¥1,500" {
		t.Fatalf("JPY price %q", got)
	}
	if got := second.Find(`[data-testid="price"]`).Text(); got != "$12.50" {
		t.Fatalf("USD price %q", got)
	}
	if got := strings.TrimSpace(second.Find(`[data-testid="expires"]`).Text()); got != "expired" {
		t.Fatalf("expiry %q", got)
	}
	if first.Find(`[data-testid="status"]`).Text() != "Active" || !first.Find(".badge-active").Is("span") {
		t.Fatalf("status badge: %s", first.Find(`[data-testid="status"]`).Text())
	}
	if strings.Contains(rec.Text(), "not mine") {
		t.Fatal("another customer's session is on the page")
	}
	// Default sort: Shared (created_at) descending, with a link to ascending.
	th := d.Find(`[data-testid="sort-created"]`)
	if v, _ := th.Attr("aria-sort"); v != "descending" {
		t.Fatalf("aria-sort %q", v)
	}
	a := th.Find("a")
	href, _ := a.Attr("href")
	hx, _ := a.Attr("hx-get")
	tgt, _ := a.Attr("hx-target")
	push, _ := a.Attr("hx-push-url")
	if href != "/acme/portal/overview?sorting=created_at" || hx != href || tgt != "#sessions-table" || push != "true" {
		t.Fatalf("sort link href=%q hx-get=%q target=%q push=%q", href, hx, tgt, push)
	}
	if _, ok := d.Find(`[data-testid="sort-status"]`).Attr("aria-sort"); ok {
		t.Fatal("unsorted column has aria-sort")
	}
	if href, _ := d.Find(`[data-testid="sort-downloads"] a`).Attr("href"); href != "/acme/portal/overview?sorting=-download_count" {
		t.Fatalf("downloads sort link %q", href)
	}
	// Each row expands in place: a toggle (portal.js) that loads the
	// activity fragment, a link to the share's page without JS.
	det := first.Find(`a[data-testid="activity-toggle"]`)
	if hx, _ := det.Attr("data-activity"); !strings.HasSuffix(hx, "/activity") {
		t.Fatalf("expand: %q", hx)
	}
	if href, _ := det.Attr("href"); !strings.HasPrefix(href, "/acme/portal/sessions/") {
		t.Fatalf("no-JS fallback link %q", href)
	}
	if d.Find(`nav [aria-current="page"][data-testid="nav-overview"]`).Length() != 1 {
		t.Fatal("the Overview nav item is not marked current")
	}
}

// TestPages_OverviewSortAndPages: sort links and pages through full pages
// and HTMX fragments.
func TestPages_OverviewSortAndPages(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "member")
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 25; i++ {
		testkit.FileShare(t, e.pool, e.ws, e.team, testkit.FileShareRow{Title: strp("share " + string(rune('a'+i))), Downloads: int32(i), CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	rec := b.get("/acme/portal/overview", false)
	d := doc(t, rec)
	if got := d.Find(`[data-testid="session-link"]`).First().Text(); got != "share y" {
		t.Fatalf("newest first, got %q", got)
	}
	if next, _ := d.Find(`[data-testid="page-next"]`).Attr("href"); next != "/acme/portal/overview?page=2" {
		t.Fatalf("next %q", next)
	}
	if d.Find(`[data-testid="page-1"][aria-current="page"]`).Length() != 1 || d.Find(`[data-testid="page-3"]`).Length() != 1 {
		t.Fatalf("pager: %s", d.Find(`[data-testid="pager"]`).Text())
	}

	// HTMX: the fragment alone (no <html>), sorted ascending by downloads, page 2.
	rec = b.get("/acme/portal/overview?sorting=download_count&page=2", true)
	wantStatus(t, rec, http.StatusOK)
	body := rec.Text()
	if strings.Contains(body, "<html") || !strings.HasPrefix(strings.TrimSpace(body), `<div id="sessions-table"`) {
		t.Fatalf("want the table fragment only:\n%s", body[:min(200, len(body))])
	}
	d = doc(t, rec)
	links := d.Find(`[data-testid="session-link"]`)
	if links.Length() != 10 || links.First().Text() != "share k" {
		t.Fatalf("page 2 ascending by downloads starts with %q (%d rows)", links.First().Text(), links.Length())
	}
	if v, _ := d.Find(`[data-testid="sort-downloads"]`).Attr("aria-sort"); v != "ascending" {
		t.Fatalf("aria-sort %q", v)
	}
	if href, _ := d.Find(`[data-testid="sort-downloads"] a`).Attr("href"); href != "/acme/portal/overview?sorting=-download_count" {
		t.Fatalf("toggle link %q", href)
	}
	if prev, _ := d.Find(`[data-testid="page-prev"]`).Attr("href"); prev != "/acme/portal/overview?sorting=download_count" {
		t.Fatalf("prev keeps the sort: %q", prev)
	}
	// A page past the end says so and links back.
	d = doc(t, b.get("/acme/portal/overview?page=9", false))
	if d.Find(`[data-testid="past-the-end"] a`).Length() != 1 {
		t.Fatal("no past-the-end notice")
	}
	// A bad sort falls back to the default view with a notice, not an error.
	rec = b.get("/acme/portal/overview?sorting=evil", false)
	wantStatus(t, rec, http.StatusOK)
	d = doc(t, rec)
	if d.Find(`[data-testid="overview-notice"][role="alert"]`).Length() != 1 || d.Find(`[data-testid="session-row"]`).Length() != 10 {
		t.Fatal("bad sort: want notice and default rows")
	}
	// limit is kept in links and clamped.
	d = doc(t, b.get("/acme/portal/overview?limit=500", false))
	if d.Find(`[data-testid="session-row"]`).Length() != 25 || d.Find(`[data-testid="pager"]`).Length() != 0 {
		t.Fatal("limit 500 → one page of 25")
	}
}

func TestPages_EmptyState(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{})
	d := doc(t, b.get("/acme/portal/overview", false))
	es := d.Find(`[data-testid="empty-state"]`)
	if es.Length() != 1 || !strings.Contains(es.Text(), "No file shares yet") || !strings.Contains(es.Text(), "Files you share through Workspace acme appear here") {
		t.Fatalf("empty state: %q", es.Text())
	}
	if d.Find("table.sessions").Length() != 0 {
		t.Fatal("empty state must not render an empty table")
	}
	// Issue 16.12: the page speaks to the person whose files are shared,
	// not to a buyer waiting for a file.
	if txt := d.Find("main").Text(); strings.Contains(txt, "sends you one") || strings.Contains(txt, "Expecting a file") || !strings.Contains(txt, "To share a file") {
		t.Fatalf("empty state reads like a buyer's portal: %q", es.Text())
	}
}

// TestPages_SessionAndActivity: the session page, the expand fragment and
// 404 for other customers' and malformed ids.
func TestPages_SessionAndActivity(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	price := int32(999)
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Title: strp("Design files"), PriceCents: &price, Currency: "eur", Downloads: 2, MaxDownloads: 5})
	t0 := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	testkit.Download(t, e.pool, s, 1, t0, false)
	testkit.Download(t, e.pool, s, 2, t0.Add(time.Hour), false)
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 999, Fee: 50, Currency: "eur", Status: "refunded", BuyerName: strp("Ann"), BuyerEmail: strp("ann@example.com"), CreatedAt: t0})
	other := testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{Title: strp("Secret")})
	frn := testkit.FileShare(t, e.pool, e.ws2, e.frn, testkit.FileShareRow{Title: strp("Foreign")})

	rec := b.get("/acme/portal/sessions/"+s.String(), false)
	wantStatus(t, rec, http.StatusOK)
	d := doc(t, rec)
	if d.Find("h1").Text() != "Design files" || d.Find(`[data-testid="download"]`).Length() != 2 {
		t.Fatalf("session page:\n%s", rec.Text())
	}
	if first := d.Find(`[data-testid="download"]`).First().Text(); !strings.Contains(first, "Download 1 of ") || !strings.Contains(first, "1 Apr 2026, 09:30 UTC") {
		t.Fatalf("timeline %q", first)
	}
	pay := d.Find(`[data-testid="payment"]`)
	if pay.Length() != 1 || pay.Find(`[data-testid="amount"]`).Text() != "€9.99" || !strings.Contains(pay.Text(), "€0.50") ||
		pay.Find(`[data-testid="status"]`).Text() != "Refunded" || !strings.Contains(pay.Text(), "ann@example.com") {
		t.Fatalf("payment row %q", pay.Text())
	}
	if href, _ := d.Find(`[data-testid="export-csv"]`).Attr("href"); href != "/acme/portal/sessions/"+s.String()+"/export.csv" {
		t.Fatalf("csv link %q", href)
	}

	// The expand fragment (HTMX) and its no-JS fallback (303 to the page).
	rec = b.get("/acme/portal/sessions/"+s.String()+"/activity", true)
	wantStatus(t, rec, http.StatusOK)
	if strings.Contains(rec.Text(), "<html") || doc(t, rec).Find(`[data-testid="download"]`).Length() != 2 {
		t.Fatalf("fragment:\n%s", rec.Text())
	}
	rec = b.get("/acme/portal/sessions/"+s.String()+"/activity", false)
	wantStatus(t, rec, http.StatusSeeOther)

	for _, id := range []string{other.String(), frn.String(), uuid.NewString(), "nope"} {
		for _, suffix := range []string{"", "/activity", "/export.csv"} {
			rec := b.get("/acme/portal/sessions/"+id+suffix, false)
			if rec.Status != http.StatusNotFound {
				t.Fatalf("%s%s: %d", id, suffix, rec.Status)
			}
			if strings.Contains(rec.Text(), "Secret") || strings.Contains(rec.Text(), "Foreign") {
				t.Fatal("404 page leaks the session")
			}
		}
	}
}

// TestPages_CSVExport: attachment, both kinds of rows, and formula
// injection defused.
func TestPages_CSVExport(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	testkit.Download(t, e.pool, s, 1, t0, false)
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 1500, Fee: 0, Currency: "jpy", BuyerName: strp("=HYPERLINK(\"http://evil\")"), BuyerEmail: strp("+1@example.com"), Checkout: strp("@cs"), CreatedAt: t0})
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 1234, Currency: "usd", BuyerName: strp("-2+3"), CreatedAt: t0.Add(time.Minute)})

	rec := b.get("/acme/portal/sessions/"+s.String()+"/export.csv", false)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	if cd := rec.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"file-share-") || !strings.HasSuffix(cd, ".csv\"") {
		t.Fatalf("disposition %q", cd)
	}
	records, err := csv.NewReader(strings.NewReader(rec.Text())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 4 || records[0][0] != "type" || records[1][0] != "download" || records[2][0] != "payment" {
		t.Fatalf("%v", records)
	}
	if records[1][3] != "1" || records[1][2] != "2026-05-01T08:00:00Z" {
		t.Fatalf("download row %v", records[1])
	}
	p := records[2]
	if p[5] != "1500" || p[7] != "JPY" || p[8] != "'=HYPERLINK(\"http://evil\")" || p[9] != "'+1@example.com" || p[10] != "'@cs" {
		t.Fatalf("payment row %v", p)
	}
	// Amounts are integer minor units (cents for USD), see TestPages_CSVMinorUnits.
	if records[3][5] != "1234" || records[3][8] != "'-2+3" {
		t.Fatalf("usd row %v", records[3])
	}
}

// TestPages_CSVMinorUnits: the CSV stays machine-readable whatever the
// page's language (issue 17.4): English column names, ISO 8601 UTC times,
// amounts as integer minor units (cents for EUR, yen for JPY, which has no
// decimals) with the ISO currency code beside them.
func TestPages_CSVMinorUnits(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	t0 := time.Date(2026, 12, 3, 7, 36, 0, 0, time.FixedZone("CET", 3600))
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 123450, Fee: 1234, Currency: "eur", CreatedAt: t0})
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 1500, Fee: 75, Currency: "jpy", CreatedAt: t0.Add(time.Minute)})

	for _, lang := range []string{"en", "de", "ja"} {
		rec := b.get("/acme/portal/sessions/"+s.String()+"/export.csv?lang="+lang, false)
		wantStatus(t, rec, http.StatusOK)
		records, err := csv.NewReader(strings.NewReader(rec.Text())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"type", "id", "created_at", "slot_number", "status", "amount_minor", "platform_fee_minor", "currency",
				"buyer_name", "buyer_email", "stripe_checkout_session_id", "stripe_payment_intent_id"},
			{"payment", "*", "2026-12-03T06:36:00Z", "", "completed", "123450", "1234", "EUR", "", "", "", ""},
			{"payment", "*", "2026-12-03T06:37:00Z", "", "completed", "1500", "75", "JPY", "", "", "", ""},
		}
		if len(records) != len(want) {
			t.Fatalf("%s: %d rows, want %d:\n%s", lang, len(records), len(want), rec.Text())
		}
		for i := range want {
			if len(records[i]) != len(want[i]) {
				t.Fatalf("%s: row %d has %d cells, want %d: %v", lang, i, len(records[i]), len(want[i]), records[i])
			}
			for j := range want[i] {
				if want[i][j] == "*" {
					continue
				}
				if records[i][j] != want[i][j] {
					t.Errorf("%s: row %d column %q = %q, want %q", lang, i, want[0][j], records[i][j], want[i][j])
				}
			}
		}
	}
}

// TestPages_RequireSignIn: anonymous visitors go to sign in.
func TestPages_RequireSignIn(t *testing.T) {
	e := newEnv(t)
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	anon := &browser{e: e}
	for _, path := range []string{"/acme/portal/overview", "/acme/portal/sessions/" + s.String(), "/acme/portal/sessions/" + s.String() + "/activity", "/acme/portal/sessions/" + s.String() + "/export.csv"} {
		rec := anon.get(path, false)
		// Sign-in remembers the page to return to (issue 16.4); the
		// overview is where sign-in lands anyway.
		want := "/acme/portal/request?" + url.Values{"next": {path}}.Encode()
		if path == "/acme/portal/overview" {
			want = "/acme/portal/request"
		}
		if rec.Status != http.StatusSeeOther || rec.Header.Get("Location") != want {
			t.Fatalf("%s: %d %s", path, rec.Status, rec.Header.Get("Location"))
		}
		// An HTMX swap (sort link, expanded row) is told to go to sign-in.
		rec = anon.get(path, true)
		if rec.Header.Get("HX-Redirect") != "/acme/portal/request" {
			t.Fatalf("%s (htmx): %d %v", path, rec.Status, rec.Header)
		}
	}
}

// TestPages_OverviewNoNPlusOne: the overview with 100 rows costs the same
// number of queries as with one.
func TestPages_OverviewNoNPlusOne(t *testing.T) {
	qc := &testkit.QueryLog{}
	e := newEnvTraced(t, qc)
	b := e.signedIn(t, "customer")
	count := func() int {
		before := qc.Len()
		rec := b.get("/acme/portal/overview?limit=100", false)
		wantStatus(t, rec, http.StatusOK)
		return qc.Len() - before
	}
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	count() // warm-up: a first visit may refresh the session
	one := count()
	for i := 0; i < 99; i++ {
		testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Title: strp("s")})
	}
	hundred := count()
	if d := doc(t, b.get("/acme/portal/overview?limit=100", false)); d.Find(`[data-testid="session-row"]`).Length() != 100 {
		t.Fatal("want 100 rows")
	}
	if one != hundred || hundred > 6 {
		t.Fatalf("queries: %d for 1 row, %d for 100 rows", one, hundred)
	}
	t.Logf("overview: %d queries for 1 row and for 100 rows", hundred)
}
