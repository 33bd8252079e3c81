package paymentmethod_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/paymentmethod"
	"portal/internal/payments"
	"portal/internal/payments/stripefake"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// §4.2: return_url is sanitised, never rejected, and never leaves our
// origin.
func TestSanitizeReturnURL(t *testing.T) {
	s := paymentmethod.New(nil, nil, "https://portal.example.test/")
	for in, want := range map[string]string{
		"/acme/portal/billing/return":                 "https://portal.example.test/acme/portal/billing/return",
		"acme/portal/billing":                         "https://portal.example.test/acme/portal/billing",
		"https://portal.example.test/acme/portal?x=1": "https://portal.example.test/acme/portal?x=1",
		"https://PORTAL.example.test/a":               "https://PORTAL.example.test/a",
		"https://evil.example/acme":                   "https://portal.example.test/",
		"http://portal.example.test/acme":             "https://portal.example.test/",
		"//evil.example/acme":                         "https://portal.example.test/",
		"/\\evil.example":                             "https://portal.example.test/",
		"javascript:alert(1)":                         "https://portal.example.test/",
		"https://user@portal.example.test/":           "https://portal.example.test/",
		"https://portal.example.test.evil.example/":   "https://portal.example.test/",
		"": "https://portal.example.test/",
	} {
		if got := s.SanitizeReturnURL(in); got != want {
			t.Errorf("SanitizeReturnURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func stripeService(t *testing.T) (*paymentmethod.Service, *stripefake.Fake, uuid.UUID, uuid.UUID) {
	pool := testkit.DB(t)
	fake := stripefake.New(t)
	prov := payments.NewStripe(payments.StripeOptions{Key: "sk_test_x", URL: fake.URL, Timeout: 2 * time.Second})
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "buyer@example.com", "individual")
	return paymentmethod.New(pool, prov, "https://portal.example.test"), fake, ws, cust
}

// §4.2 step 1: concurrent first adds end with one Stripe customer.
func TestConcurrentFirstAddsCreateOneStripeCustomer(t *testing.T) {
	svc, fake, ws, cust := stripeService(t)
	p := testkit.CustomerPrincipal(ws, cust)
	ret := "/acme/portal/billing/return"
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Create(context.Background(), p, paymentmethod.CreateInput{
				ConfirmationTokenID: "ctoken_" + uuid.NewString(), ReturnURL: &ret})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]bool{}
	for _, c := range fake.Calls() {
		if c.Method == "POST" && c.Path == "/v1/customers" {
			ids[c.IdempotencyKey] = true
		}
	}
	if len(ids) != 1 {
		t.Fatalf("customer creates used %d idempotency keys, want 1", len(ids))
	}
	ms, err := svc.List(context.Background(), p)
	if err != nil || len(ms) != 4 {
		t.Fatalf("list %d %v", len(ms), err)
	}
	defaults := 0
	for _, m := range ms {
		if m.IsDefault {
			defaults++
		}
	}
	if defaults != 1 {
		t.Fatalf("%d default cards", defaults)
	}
}

// §4.1: newest first, pinned by a query test; deleted rows and other
// customers' rows never listed.
func TestListNewestFirst(t *testing.T) {
	svc, _, ws, cust := stripeService(t)
	pool := testkit.DB(t)
	other := testkit.Customer(t, pool, ws, "other@example.com", "individual")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	insert := func(c uuid.UUID, pm string, at time.Time, deleted bool) uuid.UUID {
		var id uuid.UUID
		var del *time.Time
		if deleted {
			del = &at
		}
		if err := pool.QueryRow(context.Background(), `INSERT INTO payment_methods (customer_id, processor, processor_id, type, method_metadata, created_at, deleted_at)
			VALUES ($1, 'stripe', $2, 'card', '{"brand":"visa","last4":"4242","exp_month":1,"exp_year":2030}', $3, $4) RETURNING id`, c, pm, at, del).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := insert(cust, "pm_a", base, false)
	b := insert(cust, "pm_b", base.Add(2*time.Hour), false)
	c := insert(cust, "pm_c", base.Add(time.Hour), false)
	insert(cust, "pm_gone", base.Add(3*time.Hour), true)
	insert(other, "pm_other", base.Add(4*time.Hour), false)
	ms, err := svc.List(context.Background(), testkit.CustomerPrincipal(ws, cust))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].ID != b || ms[1].ID != c || ms[2].ID != a {
		t.Fatalf("order %v", ms)
	}
	if *ms[0].Brand != "visa" || *ms[0].ExpYear != 2030 {
		t.Fatalf("metadata %+v", ms[0])
	}
	// A principal of another workspace sees nothing, even with the id.
	if ms, _ := svc.List(context.Background(), testkit.CustomerPrincipal(uuid.New(), cust)); len(ms) != 0 {
		t.Fatal("workspace not checked")
	}
}

// G20: not found is 403 NotPermitted on delete, 404 PaymentMethodError on
// set-default, and requires_action is a success (201 at the API).
func TestG20PaymentMethodNotFoundStatuses(t *testing.T) {
	svc, fake, ws, cust := stripeService(t)
	p := testkit.CustomerPrincipal(ws, cust)
	err := svc.Delete(context.Background(), p, uuid.New())
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindForbidden || e.Name != "NotPermitted" || e.Detail != "Payment method not found." {
		t.Fatalf("delete: %v", err)
	}
	_, err = svc.SetDefault(context.Background(), p, uuid.New())
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindNotFound || e.Name != "PaymentMethodError" || e.Detail != "Payment method not found." {
		t.Fatalf("set default: %v", err)
	}
	ret := "/"
	r, err := svc.Create(context.Background(), p, paymentmethod.CreateInput{ConfirmationTokenID: stripefake.TokenRequiresAction, ReturnURL: &ret})
	if err != nil || r.Status != payments.StatusRequiresAction || r.ClientSecret == "" {
		t.Fatalf("requires_action: %+v %v", r, err)
	}
	if len(fake.Calls()) == 0 {
		t.Fatal("no Stripe call")
	}
}

// D4: with Stripe down nothing is written, and the error is 502.
func TestNothingWrittenWhenStripeFails(t *testing.T) {
	svc, fake, ws, cust := stripeService(t)
	p := testkit.CustomerPrincipal(ws, cust)
	ret := "/"
	if _, err := svc.Create(context.Background(), p, paymentmethod.CreateInput{ConfirmationTokenID: "ctoken_a", ReturnURL: &ret}); err != nil {
		t.Fatal(err)
	}
	ms, _ := svc.List(context.Background(), p)
	fake.Close()
	err := svc.Delete(context.Background(), p, ms[0].ID)
	if !apperr.IsKind(err, apperr.KindProviderUnavailable) {
		t.Fatalf("delete with Stripe down: %v", err)
	}
	_, err = svc.SetDefault(context.Background(), p, ms[0].ID)
	if !apperr.IsKind(err, apperr.KindProviderUnavailable) {
		t.Fatalf("set default with Stripe down: %v", err)
	}
	after, _ := svc.List(context.Background(), p)
	if len(after) != 1 || !after[0].IsDefault {
		t.Fatalf("local state changed: %+v", after)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Err == nil {
		t.Fatal("cause not kept for the log")
	}
}
