package auth

import (
	"time"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/db/dbgen"
	"portal/internal/member/roster"
)

// SubjectKind says whether a principal is a whole customer or one member.
type SubjectKind string

const (
	SubjectCustomer SubjectKind = "customer"
	SubjectMember   SubjectKind = "member"
)

// Member roles (defined once, in roster).
const (
	RoleOwner          = roster.RoleOwner
	RoleBillingManager = roster.RoleBillingManager
	RoleMember         = roster.RoleMember
)

// Principal is the signed-in caller, from a bearer token (API) or a browser
// session (pages). Every service method takes one.
type Principal struct {
	Kind         SubjectKind
	SessionID    uuid.UUID // customer_sessions/member_sessions id, or browser_sessions id
	Browser      bool      // true when from a browser session cookie
	CustomerID   uuid.UUID
	WorkspaceID  uuid.UUID
	MemberID     uuid.UUID // zero for customer principals
	Role         string    // "" for customer principals
	CustomerType string    // "individual", "team" or ""
	ExpiresAt    time.Time
	ReturnURL    *string
	// SignedInAt is when a browser session signed in (zero for API
	// tokens): adding a passkey needs a recent one (issue 18).
	SignedInAt time.Time
	// Customer is the customer's row as read by the same query that
	// authenticated the request (a member's team customer for member
	// sessions), so a request that needs the profile makes no second round
	// trip. It lives only as long as the request: nothing caches it, and
	// revocation stays immediate (D10). Nil when the principal was built
	// without it.
	Customer *dbgen.Customer
}

// CustomerRow returns the customer's row read with the principal, or nil
// when there is none or a write of this request has made it stale.
func (p *Principal) CustomerRow() *dbgen.Customer {
	if p == nil || p.Customer == nil || p.Customer.ID != p.CustomerID || p.Customer.WorkspaceID != p.WorkspaceID ||
		p.Customer.DeletedAt != nil {
		return nil
	}
	return p.Customer
}

// CustomerChanged drops the customer's row read with the principal: a
// service that writes the customer calls it, so a later read in the same
// request goes to the database.
func (p *Principal) CustomerChanged() {
	if p != nil {
		p.Customer = nil
	}
}

// IsMember reports whether the principal is a member session.
func (p *Principal) IsMember() bool { return p != nil && p.Kind == SubjectMember }

// CanBill is the BILL guard's rule (§2.2): customers always, members when
// owner or billing manager.
func (p *Principal) CanBill() bool {
	if p == nil {
		return false
	}
	if p.Kind == SubjectCustomer {
		return true
	}
	return p.Role == RoleOwner || p.Role == RoleBillingManager
}

// CanManageTeam is TEAM-ADMIN's role rule; the team check is separate.
func (p *Principal) CanManageTeam() bool {
	return p.IsMember() && (p.Role == RoleOwner || p.Role == RoleBillingManager)
}

// Messages of the role guards, shared by the services and the web layer.
const (
	MsgBillingForbidden = "Only owners and billing managers can access billing features."
	MsgInsufficientRole = "Insufficient role for this operation"
)

// RequireBilling is the BILL rule every billing operation starts with: no
// principal is Unauthorized, a plain member is Forbidden.
func RequireBilling(p *Principal) error {
	if p == nil {
		return apperr.Unauthorized()
	}
	if !p.CanBill() {
		return apperr.Forbidden(MsgBillingForbidden)
	}
	return nil
}

// RequireTeamAdmin is TEAM-ADMIN's role rule: only a member session may
// manage a team (a customer session or none is Unauthorized), and only as
// owner or billing manager (Forbidden). Whether the customer is a team is
// checked by the member service.
func RequireTeamAdmin(p *Principal) error {
	if p == nil || !p.IsMember() {
		return apperr.Unauthorized()
	}
	if !p.CanManageTeam() {
		return apperr.Forbidden(MsgInsufficientRole)
	}
	return nil
}
