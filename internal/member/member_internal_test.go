package member

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"portal/internal/apperr"
)

// TestOneOwnerIndexViolationIsARuleViolation: if a race ever got past the
// row locks, the one-owner index answers with the clean 400, not a 500.
func TestOneOwnerIndexViolationIsARuleViolation(t *testing.T) {
	err := writeErr("x", &pgconn.PgError{Code: "23505", ConstraintName: "members_one_owner_key"})
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindBadRequest || e.Name != RuleViolation || e.Detail != MsgExactlyOneOwner {
		t.Fatalf("got %v", err)
	}
	if !apperr.IsKind(writeErr("x", &pgconn.PgError{Code: "23505", ConstraintName: "members_customer_email_key"}), apperr.KindConflict) {
		t.Fatal("email index")
	}
	if !apperr.IsKind(writeErr("x", errors.New("boom")), apperr.KindInternal) {
		t.Fatal("other errors are internal")
	}
}
