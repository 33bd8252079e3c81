package filesharing_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/testkit"
)

// TestPages_PaymentsLabelledBlocks (issue 16.12): on a phone the payments
// table becomes labelled blocks like the overview's rows. Every payment cell
// carries its column's label (data-label = the header's text, in the page's
// language, on the session page and in the expanded row's fragment), and
// the stylesheet's phone rules show those labels and stop the table layout
// (the overflow check at 375 px is e2e TestEveryPage).
func TestPages_PaymentsLabelledBlocks(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	price := int32(999)
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Title: strp("Design files"), PriceCents: &price, Currency: "eur"})
	at := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 999, Fee: 50, Currency: "eur", Status: "completed",
		BuyerName: strp("Ann Averylongname-Withoutspaces"), BuyerEmail: strp("ann.averylongname.withoutspaces@example.com"), CreatedAt: at})
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 999, Fee: 50, Currency: "eur", Status: "failed", CreatedAt: at.Add(time.Hour)})

	for _, c := range []struct {
		path string
		htmx bool
	}{
		{"/acme/portal/sessions/" + s.String(), false},
		{"/acme/portal/sessions/" + s.String() + "/activity", true},
		{"/acme/portal/sessions/" + s.String() + "?lang=de", false},
		{"/acme/portal/sessions/" + s.String() + "?lang=ja", false},
	} {
		rec := b.get(c.path, c.htmx)
		rec.ExpectStatus(t, http.StatusOK)
		d := doc(t, rec)
		table := d.Find(`table.payments`)
		var heads []string
		table.Find("thead th").Each(func(_ int, th *goquery.Selection) { heads = append(heads, strings.TrimSpace(th.Text())) })
		rows := table.Find(`tbody tr[data-testid="payment"]`)
		if len(heads) != 5 || rows.Length() != 2 {
			t.Fatalf("%s: %d headers, %d payments", c.path, len(heads), rows.Length())
		}
		rows.Each(func(i int, tr *goquery.Selection) {
			cells := tr.Find("td")
			if cells.Length() != len(heads) {
				t.Fatalf("%s payment %d: %d cells for %d headers", c.path, i, cells.Length(), len(heads))
			}
			cells.Each(func(j int, td *goquery.Selection) {
				if got := td.AttrOr("data-label", ""); got != heads[j] {
					t.Fatalf("%s payment %d cell %d: data-label %q, header %q", c.path, i, j, got, heads[j])
				}
			})
		})
		if table.Find(`td.cell-buyer`).Length() != 2 {
			t.Fatalf("%s: buyer cells not marked for the phone layout", c.path)
		}
	}

	css, err := os.ReadFile("../../static/css/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	phone := regexp.MustCompile(`(?s)@media \(max-width: 40rem\) \{(.*?)\n\}`)
	var rules string
	for _, m := range phone.FindAllStringSubmatch(string(css), -1) {
		rules += m[1]
	}
	for _, want := range []string{
		`.payments td::before { content: attr(data-label);`,
		`.payments thead { position: absolute;`,
		`.table.payments, .payments tbody, .payments tr, .payments td { display: block;`,
	} {
		if !strings.Contains(rules, want) {
			t.Errorf("no phone rule %q", want)
		}
	}
}
