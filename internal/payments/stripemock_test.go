package payments_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/payments"
)

// stripeMockVersion is the stripe-mock the request-shape test runs against
// (R6): new enough to know ConfirmationTokens, run without
// -strict-version-check because it embeds a newer API version than the
// 2023-10-16 stripe-go v76 sends.
const stripeMockVersion = "v0.203.0"

func stripeMockBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(os.Getenv("GOPATH"), "bin"), filepath.Join(home, "go", "bin")} {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, "stripe-mock"); fileExists(p) {
			return p
		}
	}
	t.Fatalf("stripe-mock not found; install it with: go install github.com/stripe/stripe-mock@%s", stripeMockVersion)
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startStripeMock runs stripe-mock on free loopback ports for this test.
func startStripeMock(t *testing.T) string {
	t.Helper()
	bin := stripeMockBinary(t)
	for attempt := 0; attempt < 3; attempt++ {
		httpPort, httpsPort := freePort(t), freePort(t)
		cmd := exec.Command(bin, "-http-addr", fmt.Sprintf("127.0.0.1:%d", httpPort), "-https-addr", fmt.Sprintf("127.0.0.1:%d", httpsPort))
		if err := cmd.Start(); err != nil {
			t.Fatalf("start stripe-mock: %v", err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-done
		})
		url := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-done:
				deadline = time.Time{} // exited (port taken?): try again
				continue
			default:
			}
			resp, err := http.Get(url + "/v1/customers/cus_123")
			if err == nil {
				resp.Body.Close()
				return url
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatal("stripe-mock did not start")
	return ""
}

// TestStripeMockRequestShapes sends every request the portal makes to
// Stripe through the real provider to stripe-mock, which rejects unknown or
// malformed parameters (P1: 0 validation errors).
func TestStripeMockRequestShapes(t *testing.T) {
	url := startStripeMock(t)
	p := payments.NewStripe(payments.StripeOptions{Key: "sk_test_123", URL: url, Timeout: 10 * time.Second})
	ctx := context.Background()
	md := map[string]string{"rapidly_customer_id": "8c7bb1bb-5d0e-4d7e-9d49-3d3cf1a1f1d1", "workspace_id": "0b0a3f0e-2f74-4b55-b1c5-6a9d37d0f8a5"}

	cus, err := p.CreateCustomer(ctx, "buyer@example.com", "Buyer Ltd", md, payments.IdempotencyKey("cus", "x"))
	check(t, "customers.create", err)
	if cus == "" {
		t.Fatal("customers.create: no id")
	}
	name, email := "New Name", "new@example.com"
	check(t, "customers.update", p.UpdateCustomer(ctx, cus, payments.CustomerUpdate{Name: &name, Email: &email,
		Address: &payments.Address{Line1: "1 Main St", PostalCode: "94107", City: "San Francisco", State: "CA", Country: "US"}}))
	si, err := p.CreateSetupIntent(ctx, payments.SetupIntentCreate{CustomerID: cus, ConfirmationToken: "ctoken_123",
		ReturnURL: "https://portal.example.test/acme/portal/billing/return", Metadata: md,
		IdempotencyKey: payments.IdempotencyKey("seti", cus, "ctoken_123")})
	check(t, "setup_intents.create", err)
	if si.ID == "" || si.Status == "" {
		t.Fatalf("setup_intents.create: %+v", si)
	}
	got, err := p.RetrieveSetupIntent(ctx, si.ID)
	check(t, "setup_intents.retrieve", err)
	if got.ID == "" {
		t.Fatal("setup_intents.retrieve: no id")
	}
	check(t, "customers.update invoice_settings", p.SetDefaultPaymentMethod(ctx, cus, "pm_123"))
	check(t, "payment_methods.detach", p.DetachPaymentMethod(ctx, "pm_123"))
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			t.Fatalf("%s against stripe-mock: %s (%v)", what, ae.Detail, ae.Err)
		}
		t.Fatalf("%s against stripe-mock: %v", what, err)
	}
}
