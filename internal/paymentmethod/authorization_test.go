package paymentmethod_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/paymentmethod"
	"portal/internal/testkit"
)

// Every billing method refuses a missing principal (401) and a plain member
// (403) before it reads or writes anything, here or at the provider, with
// the one message of auth.RequireBilling. The route guard refuses them
// first on the API; this is the service's own check, which the pages and
// any future caller rely on.
func TestEveryMethodRequiresBilling(t *testing.T) {
	svc, fake, ws, cust := stripeService(t)
	ctx := context.Background()
	owner := testkit.CustomerPrincipal(ws, cust)
	ret := "/acme/portal/billing/return"
	if _, err := svc.Create(ctx, owner, paymentmethod.CreateInput{ConfirmationTokenID: "ctoken_owner", ReturnURL: &ret}); err != nil {
		t.Fatal(err)
	}
	cards, err := svc.List(ctx, owner)
	if err != nil || len(cards) != 1 {
		t.Fatalf("setup: %v %v", cards, err)
	}
	card := cards[0].ID
	member := testkit.MemberPrincipal(ws, cust, uuid.New(), auth.RoleMember)
	si := fake.AddSetupIntent("cus_unknown")

	methods := map[string]func(p *auth.Principal) error{
		"List": func(p *auth.Principal) error { _, err := svc.List(ctx, p); return err },
		"Get":  func(p *auth.Principal) error { _, err := svc.Get(ctx, p, card); return err },
		"Create": func(p *auth.Principal) error {
			_, err := svc.Create(ctx, p, paymentmethod.CreateInput{ConfirmationTokenID: "ctoken_member", ReturnURL: &ret})
			return err
		},
		"Confirm": func(p *auth.Principal) error {
			_, err := svc.Confirm(ctx, p, paymentmethod.ConfirmInput{SetupIntentID: si})
			return err
		},
		"Delete":     func(p *auth.Principal) error { return svc.Delete(ctx, p, card) },
		"SetDefault": func(p *auth.Principal) error { _, err := svc.SetDefault(ctx, p, card); return err },
	}
	for name, call := range methods {
		for _, tc := range []struct {
			who  string
			p    *auth.Principal
			kind apperr.Kind
		}{
			{"nil principal", nil, apperr.KindUnauthenticated},
			{"plain member", member, apperr.KindForbidden},
		} {
			t.Run(name+"/"+tc.who, func(t *testing.T) {
				before := len(fake.Calls())
				err := call(tc.p)
				e, ok := apperr.As(err)
				if !ok || e.Kind != tc.kind {
					t.Fatalf("got %v, want kind %d", err, tc.kind)
				}
				if tc.kind == apperr.KindForbidden && e.Detail != auth.MsgBillingForbidden {
					t.Fatalf("detail %q", e.Detail)
				}
				if n := len(fake.Calls()); n != before {
					t.Fatalf("the provider was called %d times", n-before)
				}
			})
		}
	}
	// Nothing changed: the owner's one card is still there and default.
	after, err := svc.List(ctx, owner)
	if err != nil || len(after) != 1 || after[0].ID != card || !after[0].IsDefault {
		t.Fatalf("cards changed: %+v %v", after, err)
	}
	// A billing manager and an owner of a team pass the guard.
	for _, role := range []string{auth.RoleOwner, auth.RoleBillingManager} {
		if _, err := svc.List(ctx, testkit.MemberPrincipal(ws, cust, uuid.New(), role)); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
	}
}
