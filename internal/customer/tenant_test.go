package customer_test

import (
	"context"
	"testing"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/customer"
	"portal/internal/db/dbgen"
	"portal/internal/testkit"
)

// Tenant isolation in the service: a principal of one workspace naming a
// customer of another (a row the schema's composite keys forbid, and the
// session lookups refuse) still reads nothing of that customer, whether
// the customer's row came along with the principal or not; and cannot
// write it.
func TestGetAndUpdateAreScopedToTheWorkspace(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	acme := testkit.Workspace(t, pool, "acme")
	globex := testkit.Workspace(t, pool, "globex")
	theirs := testkit.Customer(t, pool, globex, "secret@example.com", "team")
	row, err := dbgen.New(pool).GetCustomer(ctx, dbgen.GetCustomerParams{ID: theirs, WorkspaceID: globex})
	if err != nil {
		t.Fatal(err)
	}
	svc := customer.New(pool)
	for name, p := range map[string]*auth.Principal{
		"customer":              testkit.CustomerPrincipal(acme, theirs),
		"member":                testkit.MemberPrincipal(acme, theirs, theirs, auth.RoleOwner),
		"customer with its row": {Kind: auth.SubjectCustomer, CustomerID: theirs, WorkspaceID: acme, Customer: &row},
		"member with the row":   {Kind: auth.SubjectMember, CustomerID: theirs, WorkspaceID: acme, Role: auth.RoleOwner, Customer: &row},
	} {
		t.Run(name, func(t *testing.T) {
			prof, err := svc.Get(ctx, p)
			if !apperr.IsKind(err, apperr.KindUnauthenticated) || prof.Email != "" {
				t.Fatalf("read across workspaces: %+v %v", prof, err)
			}
			bn := "Hijacked"
			prof, err = svc.Update(ctx, p, customer.UpdateInput{SetBillingName: true, BillingName: &bn})
			if err == nil || prof.Email != "" {
				t.Fatalf("wrote across workspaces: %+v %v", prof, err)
			}
		})
	}
	var bn *string
	if err := pool.QueryRow(ctx, `SELECT billing_name FROM customers WHERE id = $1`, theirs).Scan(&bn); err != nil || bn != nil {
		t.Fatalf("billing name %v %v", bn, err)
	}
}
