// Package roster is the one way a person joins a customer's team: the
// portal's "add member" (§3.12), the workspace API's POST /api/members/,
// the member-mode sign-in fallback (G5, D22, D29) and the owner the
// workspace API creates for an individual customer's session (§2.10) all
// call Add inside their own transaction. Each caller applies its own rules
// first (who may add, whether an owner may be added); Add holds what is
// common: valid roles, the members table's unique (customer, email) key that
// covers removed members, and bringing a removed member back (D3).
//
// It sits below auth and member (it imports neither), so both can use it.
package roster

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// The member roles (MemberRole in the contract).
const (
	RoleOwner          = "owner"
	RoleBillingManager = "billing_manager"
	RoleMember         = "member"
)

// ValidRole reports whether r is a MemberRole.
func ValidRole(r string) bool {
	return r == RoleOwner || r == RoleBillingManager || r == RoleMember
}

// ErrInvalidRole is returned by Add for a role outside MemberRole; callers
// validate input first, so reaching it is a bug in the caller.
var ErrInvalidRole = errors.New("roster: invalid role")

// IfLive says what Add does when a live member already has the address.
type IfLive int

const (
	// KeepLive returns the live member unchanged (the portal's add: 201
	// with the existing member; the sign-in fallback).
	KeepLive IfLive = iota
	// UpdateLive gives the live member the requested name and role (the
	// owner of an individual customer's session).
	UpdateLive
)

// Input is one person to put on a team.
type Input struct {
	CustomerID  uuid.UUID
	WorkspaceID uuid.UUID
	// Email is matched exactly, as the unique (customer_id, email) key is.
	Email      string
	Name       *string
	Role       string
	ExternalID *string // kept when nil on a revived member
	IfLive     IfLive
}

// Outcome says what Add did.
type Outcome int

const (
	Created  Outcome = iota // a new row
	Revived                 // a removed member came back (D3), or a live one was updated (UpdateLive)
	Existing                // a live member was returned unchanged (KeepLive)
)

// Add puts in.Email on the customer's team within q's transaction. The
// caller must hold the customer's row lock (LockCustomer) so that its own
// checks and this write see one settled state. Database errors (a unique
// index caught a race) are returned as they are, for the caller to map.
func Add(ctx context.Context, q *dbgen.Queries, in Input) (dbgen.Member, Outcome, error) {
	if !ValidRole(in.Role) {
		return dbgen.Member{}, 0, fmt.Errorf("%w: %q", ErrInvalidRole, in.Role)
	}
	prev, err := q.MemberByExactEmail(ctx, dbgen.MemberByExactEmailParams{CustomerID: in.CustomerID, Email: in.Email})
	switch {
	case err == nil && prev.DeletedAt == nil && in.IfLive == KeepLive:
		return prev, Existing, nil
	case err == nil:
		m, err := q.ReviveMember(ctx, dbgen.ReviveMemberParams{ID: prev.ID, CustomerID: in.CustomerID,
			Name: in.Name, Role: in.Role, ExternalID: in.ExternalID})
		return m, Revived, err
	case db.IsNotFound(err):
		m, err := q.CreateMember(ctx, dbgen.CreateMemberParams{CustomerID: in.CustomerID, WorkspaceID: in.WorkspaceID,
			Email: in.Email, Name: in.Name, Role: in.Role, ExternalID: in.ExternalID})
		return m, Created, err
	}
	return dbgen.Member{}, 0, err
}
