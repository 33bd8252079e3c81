package filesharing_test

import (
	"net/http"
	"testing"
	"time"

	"portal/internal/testkit"
)

// TestPages_OverviewEarnings: the overview shows the earnings summary per
// currency (paid, fees, net, downloads this month) from completed payments
// only, formatted for the language; no summary without payments, and none
// in the HTMX table fragment (issue 16.12).
func TestPages_OverviewEarnings(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Currency: "usd"})
	d := doc(t, b.get("/acme/portal/overview", false))
	if d.Find(`[data-testid="earnings"]`).Length() != 0 {
		t.Fatal("earnings summary shown without payments")
	}

	eur := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Currency: "eur"})
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 1250, Fee: 125, Currency: "usd"})
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 9900, Fee: 990, Currency: "usd", Status: "failed"})
	testkit.Payment(t, e.pool, eur, testkit.PaymentRow{Amount: 200000, Fee: 10000, Currency: "eur"})
	testkit.Download(t, e.pool, s, 1, time.Now(), false)
	other := testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{})
	testkit.Payment(t, e.pool, other, testkit.PaymentRow{Amount: 7700, Currency: "usd"})

	rec := b.get("/acme/portal/overview", false)
	wantStatus(t, rec, http.StatusOK)
	d = doc(t, rec)
	sum := d.Find(`[data-testid="earnings"]`)
	if sum.Length() != 1 {
		t.Fatalf("no earnings summary\n%s", rec.Text())
	}
	cur := sum.Find(`[data-testid="earnings-currency"]`)
	if cur.Length() != 2 {
		t.Fatalf("%d currencies", cur.Length())
	}
	want := []struct{ code, paid, fees, net, dl string }{
		{"EUR", "€2,000.00", "€100.00", "€1,900.00", "0"},
		{"USD", "$12.50", "$1.25", "$11.25", "1"},
	}
	for i, w := range want {
		c := cur.Eq(i)
		code, _ := c.Attr("data-currency")
		got := []string{code, c.Find(`[data-testid="earnings-paid"]`).Text(), c.Find(`[data-testid="earnings-fees"]`).Text(),
			c.Find(`[data-testid="earnings-net"]`).Text(), c.Find(`[data-testid="earnings-downloads"]`).Text()}
		if got[0] != w.code || got[1] != w.paid || got[2] != w.fees || got[3] != w.net || got[4] != w.dl {
			t.Fatalf("currency %d: got %q, want %+v", i, got, w)
		}
	}
	// The HTMX table fragment leaves the summary alone.
	if doc(t, b.get("/acme/portal/overview?sorting=created_at", true)).Find(`[data-testid="earnings"]`).Length() != 0 {
		t.Fatal("earnings summary inside the table fragment")
	}
}
