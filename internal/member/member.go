// Package member owns team members and their role rules (§3.11–3.14).
package member

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/mail"
	"portal/internal/member/roster"
	"portal/internal/validate"
)

// Member is a team member as the services give it out: no linked-account
// tokens, no deletion marker (removed members are never returned).
type Member struct {
	ID          uuid.UUID
	CustomerID  uuid.UUID
	WorkspaceID uuid.UUID
	CreatedAt   time.Time
	ModifiedAt  *time.Time
	Email       string
	Name        *string
	ExternalID  *string
	Role        string
}

// NewMember is the Member of a row (for services that read members in
// their own transactions).
func NewMember(m dbgen.Member) Member {
	return Member{ID: m.ID, CustomerID: m.CustomerID, WorkspaceID: m.WorkspaceID, CreatedAt: m.CreatedAt,
		ModifiedAt: m.ModifiedAt, Email: m.Email, Name: m.Name, ExternalID: m.ExternalID, Role: m.Role}
}

func newMembers(rows []dbgen.Member) []Member {
	out := make([]Member, len(rows))
	for i, m := range rows {
		out[i] = NewMember(m)
	}
	return out
}

// Service is the member domain.
type Service struct {
	pool    *pgxpool.Pool
	inviter Inviter
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// Inviter queues the invitation a member gets when the team adds them
// (the mail queue; nil sends none).
type Inviter interface {
	EnqueueInviteTx(ctx context.Context, tx pgx.Tx, a mail.InviteArgs) error
}

// SetInviter makes Create send invitations through i.
func (s *Service) SetInviter(i Inviter) { s.inviter = i }

// The original's messages (§3.11–3.14); rule violations are 400
// MemberRuleViolation (D2).
const (
	MsgInsufficientRole = auth.MsgInsufficientRole
	MsgNotTeam          = "Member management is only available for team customers. Purchase a seat-based share to enable team features."
	MsgNotFound         = "Member not found"
	MsgAddOwner         = "Cannot add a member as owner. There must be exactly one owner."
	MsgOwnRole          = "You cannot modify your own role."
	MsgOnlyOwnerCan     = "Only the owner can transfer ownership."
	MsgExactlyOneOwner  = "Customer must have exactly one owner."
	MsgRemoveSelf       = "You cannot remove yourself from the team."
	MsgRemoveOnlyOwner  = "Cannot remove the only owner — transfer ownership first."
	RuleViolation       = "MemberRuleViolation"
)

func rule(msg string) error { return apperr.BadRequest(RuleViolation, msg) }

// ValidRole reports whether r is a MemberRole.
func ValidRole(r string) bool { return roster.ValidRole(r) }

// roleEnumError is the 422 for a role outside MemberRole.
func roleEnumError(role string) apperr.FieldError {
	return apperr.Choice("Input should be 'owner', 'billing_manager' or 'member'", role, "body", "role")
}

// team is the locked state one operation works on.
type team struct {
	q        *dbgen.Queries
	customer dbgen.Customer
	caller   dbgen.Member
	members  []dbgen.Member
}

func (t *team) owners() int {
	n := 0
	for _, m := range t.members {
		if m.Role == auth.RoleOwner {
			n++
		}
	}
	return n
}

// lockTeam runs the checks every operation shares, in the original's order
// (G11): the caller must (still) be an owner or billing manager, then the
// customer must be a team. The customer row and every live member row are
// locked first, so owner counts read here stay true until commit.
func (s *Service) lockTeam(ctx context.Context, q *dbgen.Queries, p *auth.Principal) (*team, error) {
	if err := auth.RequireTeamAdmin(p); err != nil {
		return nil, err
	}
	c, err := q.LockCustomer(ctx, dbgen.LockCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, dbErr("member.lock", err)
	}
	members, err := q.TeamLockMembers(ctx, dbgen.TeamLockMembersParams{CustomerID: c.ID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, dbErr("member.lock", err)
	}
	t := &team{q: q, customer: c, members: members}
	found := false
	for _, m := range members {
		if m.ID == p.MemberID {
			t.caller, found = m, true
		}
	}
	// The session's role was read when it was resolved; a concurrent
	// change (a transfer, a removal) may have moved it since.
	if !found {
		return nil, apperr.Unauthorized()
	}
	if t.caller.Role != auth.RoleOwner && t.caller.Role != auth.RoleBillingManager {
		return nil, apperr.Forbidden(MsgInsufficientRole)
	}
	if c.Type == nil || *c.Type != "team" {
		return nil, apperr.Forbidden(MsgNotTeam)
	}
	return t, nil
}

func (t *team) find(id uuid.UUID) (dbgen.Member, error) {
	for _, m := range t.members {
		if m.ID == id {
			return m, nil
		}
	}
	return dbgen.Member{}, apperr.NotFound(MsgNotFound)
}

// List is GET /members: every live member of the caller's team.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Member, error) {
	if err := auth.RequireTeamAdmin(p); err != nil {
		return nil, err
	}
	q := dbgen.New(s.pool)
	c, err := q.GetCustomer(ctx, dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, dbErr("member.list", err)
	}
	if c.Type == nil || *c.Type != "team" {
		return nil, apperr.Forbidden(MsgNotTeam)
	}
	out, err := q.TeamListMembers(ctx, dbgen.TeamListMembersParams{CustomerID: c.ID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, dbErr("member.list", err)
	}
	return newMembers(out), nil
}

// Get is one live member of the caller's team, under the same rules as
// List (the pages' confirmation and messages need one member, not the list).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id uuid.UUID) (Member, error) {
	if err := auth.RequireTeamAdmin(p); err != nil {
		return Member{}, err
	}
	q := dbgen.New(s.pool)
	c, err := q.GetCustomer(ctx, dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return Member{}, dbErr("member.get", err)
	}
	if c.Type == nil || *c.Type != "team" {
		return Member{}, apperr.Forbidden(MsgNotTeam)
	}
	m, err := q.GetMemberOfCustomer(ctx, dbgen.GetMemberOfCustomerParams{ID: id, CustomerID: c.ID})
	if err != nil {
		if db.IsNotFound(err) {
			return Member{}, apperr.NotFound(MsgNotFound)
		}
		return Member{}, dbErr("member.get", err)
	}
	return NewMember(m), nil
}

// CreateInput is POST /members. Role nil means the default, member.
type CreateInput struct {
	Email string
	Name  *string
	Role  *string
}

// Validate checks the body (422) before any rule runs (§3.12 order).
func (in *CreateInput) validate() (string, *string, string, error) {
	var errs []apperr.FieldError
	email, err := validate.Email(in.Email)
	if err != nil {
		errs = append(errs, apperr.InvalidEmail(err.Error(), in.Email, "body", "email"))
	}
	var name *string
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if validate.TooLong(n, validate.MaxName) {
			errs = append(errs, apperr.TooLong(256, *in.Name, "body", "name"))
		} else if n != "" {
			name = &n
		}
	}
	role := auth.RoleMember
	if in.Role != nil {
		role = *in.Role
		if !ValidRole(role) {
			errs = append(errs, roleEnumError(role))
		}
	}
	if len(errs) > 0 {
		return "", nil, "", apperr.Invalid(errs...)
	}
	return email, name, role, nil
}

// Create is POST /members (§3.12, D2, D3). created is false when a live
// member with exactly this email already existed and is returned unchanged
// (still 201, as the seed says).
func (s *Service) Create(ctx context.Context, p *auth.Principal, in CreateInput) (_ Member, created bool, err error) {
	var m dbgen.Member
	if err := auth.RequireTeamAdmin(p); err != nil {
		return Member{}, false, err
	}
	email, name, role, err := in.validate()
	if err != nil {
		return Member{}, false, err
	}
	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, tx pgx.Tx) error {
		t, err := s.lockTeam(ctx, q, p)
		if err != nil {
			return err
		}
		if role == auth.RoleOwner {
			return rule(MsgAddOwner)
		}
		var how roster.Outcome
		m, how, err = roster.Add(ctx, q, roster.Input{CustomerID: t.caller.CustomerID, WorkspaceID: t.caller.WorkspaceID,
			Email: email, Name: name, Role: role})
		if err != nil {
			return writeErr("member.create", err)
		}
		if how == roster.Existing {
			return nil // a live member with exactly this email: 201 unchanged
		}
		created = true
		return s.invite(ctx, q, tx, t, m)
	})
	if err != nil {
		return Member{}, false, err
	}
	return NewMember(m), created, nil
}

// UpdateInput is PATCH /members/{id}; Role nil means "no change" (G12).
type UpdateInput struct {
	Role *string
}

// Update is PATCH /members/{id} (§3.13 in its order, D2).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id uuid.UUID, in UpdateInput) (Member, error) {
	if err := auth.RequireTeamAdmin(p); err != nil {
		return Member{}, err
	}
	if in.Role != nil && !ValidRole(*in.Role) {
		return Member{}, apperr.Invalid(roleEnumError(*in.Role))
	}
	var out dbgen.Member
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		t, err := s.lockTeam(ctx, q, p)
		if err != nil {
			return err
		}
		target, err := t.find(id)
		if err != nil {
			return err
		}
		if in.Role == nil {
			out = target
			return nil
		}
		if target.ID == t.caller.ID {
			return rule(MsgOwnRole)
		}
		role := *in.Role
		if role == auth.RoleOwner {
			if t.caller.Role != auth.RoleOwner {
				return rule(MsgOnlyOwnerCan)
			}
			// Ownership transfer in one transaction: the old owner steps down
			// first, so the one-owner index never sees two owners.
			if _, err := q.TeamSetRole(ctx, dbgen.TeamSetRoleParams{ID: t.caller.ID, CustomerID: t.caller.CustomerID, Role: auth.RoleBillingManager}); err != nil {
				return writeErr("member.transfer", err)
			}
			out, err = q.TeamSetRole(ctx, dbgen.TeamSetRoleParams{ID: target.ID, CustomerID: target.CustomerID, Role: auth.RoleOwner})
			if err != nil {
				return writeErr("member.transfer", err)
			}
			return nil
		}
		if target.Role == auth.RoleOwner && t.owners() <= 1 {
			return rule(MsgExactlyOneOwner)
		}
		if target.Role == role {
			out = target
			return nil
		}
		out, err = q.TeamSetRole(ctx, dbgen.TeamSetRoleParams{ID: target.ID, CustomerID: target.CustomerID, Role: role})
		if err != nil {
			return writeErr("member.update", err)
		}
		return nil
	})
	if err != nil {
		return Member{}, err
	}
	return NewMember(out), nil
}

// Delete is DELETE /members/{id} (§3.14, D2): a soft delete that ends the
// member's API and browser sessions at once.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	if err := auth.RequireTeamAdmin(p); err != nil {
		return err
	}
	return db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		t, err := s.lockTeam(ctx, q, p)
		if err != nil {
			return err
		}
		target, err := t.find(id)
		if err != nil {
			return err
		}
		if target.ID == t.caller.ID {
			return rule(MsgRemoveSelf)
		}
		if target.Role == auth.RoleOwner && t.owners() <= 1 {
			return rule(MsgRemoveOnlyOwner)
		}
		n, err := q.TeamRemoveMember(ctx, dbgen.TeamRemoveMemberParams{ID: target.ID, CustomerID: target.CustomerID})
		if err != nil {
			return writeErr("member.delete", err)
		}
		if n == 0 {
			return apperr.NotFound(MsgNotFound)
		}
		if err := q.TeamEndMemberSessions(ctx, target.ID); err != nil {
			return dbErr("member.delete", err)
		}
		if err := q.TeamRevokeMemberBrowserSessions(ctx, dbgen.TeamRevokeMemberBrowserSessionsParams{MemberID: &target.ID, CustomerID: target.CustomerID}); err != nil {
			return dbErr("member.delete", err)
		}
		return nil
	})
}

// writeErr keeps a race that slips past the checks a clean answer: the
// one-owner index says "exactly one owner", never a 500.
func writeErr(op string, err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	switch db.UniqueViolation(err) {
	case "members_one_owner_key":
		return rule(MsgExactlyOneOwner)
	case "members_customer_email_key":
		return apperr.Conflict("MemberAlreadyExists", "A member with this email already exists for this customer.")
	}
	return dbErr(op, err)
}

func dbErr(op string, err error) error {
	if db.IsNotFound(err) {
		return apperr.Unauthorized()
	}
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}

// invite queues the new member's invitation in the transaction that adds
// them: "<inviter> added you to <team> on <workspace>", with the sign-in
// link (docs/design.md "Team members").
func (s *Service) invite(ctx context.Context, q *dbgen.Queries, tx pgx.Tx, t *team, m dbgen.Member) error {
	if s.inviter == nil {
		return nil
	}
	ws, err := q.GetWorkspaceByID(ctx, t.caller.WorkspaceID)
	if err != nil {
		return dbErr("member.invite", err)
	}
	// Lang: the workspace's default unless the request chose a language
	// (EnqueueInviteTx takes it from ctx).
	a := mail.InviteArgs{To: m.Email, Inviter: t.caller.Email, Team: t.customer.Email, WorkspaceName: ws.Name, WorkspaceSlug: ws.Slug,
		Lang: ws.DefaultLocale}
	if t.caller.Name != nil && *t.caller.Name != "" {
		a.Inviter = *t.caller.Name
	}
	if t.customer.Name != nil && *t.customer.Name != "" {
		a.Team = *t.customer.Name
	}
	if ws.Email != nil {
		a.ReplyTo = *ws.Email
	}
	if ws.AvatarUrl != nil {
		a.LogoURL = *ws.AvatarUrl
	}
	return s.inviter.EnqueueInviteTx(ctx, tx, a)
}
