package member

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/member/roster"
	"portal/internal/validate"
)

// The workspace API's member creation (POST /api/members/, docs/design.md "Interface").
// The actor is the access token's workspace; the customer must be one of its
// live customers.

// WorkspaceCreateInput is POST /api/members/. Nil means absent; Role
// defaults to "member".
type WorkspaceCreateInput struct {
	CustomerID uuid.UUID
	Email      *string
	Name       *string
	Role       *string
	ExternalID *string
}

// CreateForWorkspace adds a member to a customer of the workspace. A live
// member with the same email (case-insensitively) is 409; a removed member
// with exactly this email is reactivated with the requested name and role
// (D3); a second owner is 409, held by the one-owner index under races.
func (s *Service) CreateForWorkspace(ctx context.Context, workspaceID uuid.UUID, in WorkspaceCreateInput) (Member, error) {
	var errs []apperr.FieldError
	var email string
	if in.Email == nil {
		errs = append(errs, apperr.Required(nil, "body", "email"))
	} else if e, err := validate.Email(*in.Email); err != nil {
		errs = append(errs, apperr.InvalidEmail(err.Error(), *in.Email, "body", "email"))
	} else {
		email = e
	}
	name, errs := validate.OptionalName(in.Name, "name", errs)
	externalID, errs := validate.OptionalName(in.ExternalID, "external_id", errs)
	role := roster.RoleMember
	if in.Role != nil {
		role = *in.Role
		if !ValidRole(role) {
			errs = append(errs, roleEnumError(role))
		}
	}
	if len(errs) > 0 {
		return Member{}, apperr.Invalid(errs...)
	}

	var out dbgen.Member
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		// The customer row lock serialises member writes of one customer,
		// so the owner and duplicate checks below see a settled state.
		c, err := q.LockCustomer(ctx, dbgen.LockCustomerParams{ID: in.CustomerID, WorkspaceID: workspaceID})
		if err != nil {
			if db.IsNotFound(err) {
				return apperr.Invalid(apperr.UnknownReference("Customer does not exist.", in.CustomerID.String(), "body", "customer_id"))
			}
			return waDBErr("member.create", err)
		}
		if _, err := q.WorkspaceAPIActiveMemberByEmail(ctx, dbgen.WorkspaceAPIActiveMemberByEmailParams{CustomerID: c.ID, Email: email}); err == nil {
			return errMemberExists()
		} else if !db.IsNotFound(err) {
			return waDBErr("member.create", err)
		}
		if role == roster.RoleOwner {
			if _, err := q.WorkspaceAPIGetOwner(ctx, c.ID); err == nil {
				return errOwnerExists()
			} else if !db.IsNotFound(err) {
				return waDBErr("member.create", err)
			}
		}
		// A live member was caught above, so Add creates or revives (D3).
		out, _, err = roster.Add(ctx, q, roster.Input{CustomerID: c.ID, WorkspaceID: workspaceID,
			Email: email, Name: name, Role: role, ExternalID: externalID})
		if err != nil {
			return waMemberWriteErr(err)
		}
		return nil
	})
	if err != nil {
		return Member{}, err
	}
	return NewMember(out), nil
}

func errMemberExists() error {
	return apperr.Conflict("MemberAlreadyExists", "A member with this email already exists for this customer.")
}

func errOwnerExists() error {
	return apperr.Conflict("OwnerAlreadyExists", "This customer already has an owner. There must be exactly one owner.")
}

// waMemberWriteErr maps the members table's unique indexes to 409s, so a
// race that slips past the checks is still a clean answer, never a 500.
func waMemberWriteErr(err error) error {
	switch db.UniqueViolation(err) {
	case "members_one_owner_key":
		return errOwnerExists()
	case "members_customer_email_key":
		return errMemberExists()
	case "members_customer_external_id_key":
		return apperr.Conflict("MemberAlreadyExists", "A member with this external_id already exists for this customer.")
	}
	return waDBErr("member.create", err)
}

func waDBErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}
