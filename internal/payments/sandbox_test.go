package payments_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"testing"

	"portal/internal/apperr"
	"portal/internal/payments"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// The sandbox answers the Provider calls as Stripe would, from its tables.
func TestSandboxProvider(t *testing.T) {
	ctx := context.Background()
	s := payments.NewSandbox(testkit.DB(t))
	cus, err := s.CreateCustomer(ctx, "buyer@example.com", "Buyer", map[string]string{"workspace_id": "w"}, "")
	if err != nil {
		t.Fatal(err)
	}
	name := "New name"
	if err := s.UpdateCustomer(ctx, cus, payments.CustomerUpdate{Name: &name, Address: &payments.Address{Line1: "1 Main St", Country: "FR"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateCustomer(ctx, "cus_missing", payments.CustomerUpdate{Name: &name}); !apperr.IsKind(err, apperr.KindBadRequest) {
		t.Fatalf("update of a missing customer: %v", err)
	}

	tok, err := s.CreateConfirmationToken(ctx, payments.CardInput{Number: "4242 4242 4242 4242", Expiry: "12/34", CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	in := payments.SetupIntentCreate{CustomerID: cus, ConfirmationToken: tok, ReturnURL: "https://portal.example.test/r?x=1",
		IdempotencyKey: payments.IdempotencyKey("seti", cus, tok)}
	si, err := s.CreateSetupIntent(ctx, in)
	if err != nil || si.Status != payments.StatusSucceeded || si.PaymentMethod == nil || si.PaymentMethod.Card.Brand != "visa" {
		t.Fatalf("%+v %v", si, err)
	}
	again, err := s.CreateSetupIntent(ctx, in)
	if err != nil || again.ID != si.ID {
		t.Fatalf("idempotent replay: %+v %v", again, err)
	}
	got, err := s.RetrieveSetupIntent(ctx, si.ID)
	if err != nil || got.Customer != cus || got.PaymentMethod.Customer != cus {
		t.Fatalf("retrieve: %+v %v", got, err)
	}
	if _, err := s.RetrieveSetupIntent(ctx, "seti_missing"); !errors.Is(err, payments.ErrInvalidRequest) {
		t.Fatalf("missing setup intent: %v", err)
	}
	if err := s.SetDefaultPaymentMethod(ctx, cus, si.PaymentMethod.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DetachPaymentMethod(ctx, si.PaymentMethod.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DetachPaymentMethod(ctx, si.PaymentMethod.ID); !errors.Is(err, payments.ErrInvalidRequest) {
		t.Fatalf("second detach: %v", err)
	}

	// 3-D Secure: the challenge needs the client secret and returns to
	// return_url with Stripe's parameters.
	tok, _ = s.CreateConfirmationToken(ctx, payments.CardInput{Number: "4000002760003184", Expiry: "12/34", CVC: "123"})
	si, err = s.CreateSetupIntent(ctx, payments.SetupIntentCreate{CustomerID: cus, ConfirmationToken: tok, ReturnURL: "https://portal.example.test/r?x=1"})
	if err != nil || si.Status != payments.StatusRequiresAction {
		t.Fatalf("%+v %v", si, err)
	}
	if _, err := s.GetChallenge(ctx, si.ID, "wrong"); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("challenge without secret: %v", err)
	}
	ret, err := s.CompleteChallenge(ctx, si.ID, si.ClientSecret, true)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ret)
	if q := u.Query(); q.Get("x") != "1" || q.Get("setup_intent") != si.ID || q.Get("setup_intent_client_secret") != si.ClientSecret || q.Get("redirect_status") != "succeeded" {
		t.Fatalf("return %s", ret)
	}
	if got, _ := s.RetrieveSetupIntent(ctx, si.ID); got.Status != payments.StatusSucceeded || got.PaymentMethod.Customer != cus {
		t.Fatalf("after approval %+v", got)
	}
	// A second answer changes nothing.
	if _, err := s.CompleteChallenge(ctx, si.ID, si.ClientSecret, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RetrieveSetupIntent(ctx, si.ID); got.Status != payments.StatusSucceeded {
		t.Fatal("second answer changed the outcome")
	}

	// Declines carry Stripe's messages.
	for number, msg := range map[string]string{"4000000000000002": "Your card was declined.", "4000000000009995": "Your card has insufficient funds."} {
		tok, _ = s.CreateConfirmationToken(ctx, payments.CardInput{Number: number, Expiry: "12/34", CVC: "123"})
		_, err = s.CreateSetupIntent(ctx, payments.SetupIntentCreate{CustomerID: cus, ConfirmationToken: tok, ReturnURL: "https://portal.example.test/"})
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindBadRequest || e.Detail != msg {
			t.Fatalf("%s: %v", number, err)
		}
	}
	// Card checks like Stripe's form.
	_, err = s.CreateConfirmationToken(ctx, payments.CardInput{Number: "378282246310005", Expiry: "12/34", CVC: "123"})
	if e, ok := apperr.As(err); !ok || len(e.Fields) != 1 || e.Fields[0].Loc[1] != "cvc" {
		t.Fatalf("amex with a 3-digit CVC: %v", err)
	}
}
