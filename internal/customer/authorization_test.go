package customer_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/customer"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// The billing update refuses a missing principal (401) and a plain member
// (403, the one message of auth.RequireBilling) and writes nothing; owners,
// billing managers and the customer itself pass. The API's route guard
// refuses first; this is the service's own check.
func TestUpdateRequiresBilling(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "team@example.com", "team")
	svc := customer.New(pool)
	name := "Changed Ltd"
	in := customer.UpdateInput{SetBillingName: true, BillingName: &name}
	for _, tc := range []struct {
		who  string
		p    *auth.Principal
		kind apperr.Kind
	}{
		{"nil principal", nil, apperr.KindUnauthenticated},
		{"plain member", testkit.MemberPrincipal(ws, cust, uuid.New(), auth.RoleMember), apperr.KindForbidden},
	} {
		t.Run(tc.who, func(t *testing.T) {
			_, err := svc.Update(ctx, tc.p, in)
			e, ok := apperr.As(err)
			if !ok || e.Kind != tc.kind {
				t.Fatalf("got %v, want kind %d", err, tc.kind)
			}
			if tc.kind == apperr.KindForbidden && e.Detail != auth.MsgBillingForbidden {
				t.Fatalf("detail %q", e.Detail)
			}
			var stored *string
			if err := pool.QueryRow(ctx, `SELECT billing_name FROM customers WHERE id = $1`, cust).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != nil {
				t.Fatalf("billing name written: %q", *stored)
			}
		})
	}
	for _, p := range []*auth.Principal{
		testkit.CustomerPrincipal(ws, cust),
		testkit.MemberPrincipal(ws, cust, uuid.New(), auth.RoleOwner),
		testkit.MemberPrincipal(ws, cust, uuid.New(), auth.RoleBillingManager),
	} {
		if _, err := svc.Update(ctx, p, in); err != nil {
			t.Fatalf("%s %s: %v", p.Kind, p.Role, err)
		}
	}
}
