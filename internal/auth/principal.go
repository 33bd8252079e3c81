package auth

import (
	"time"

	"github.com/google/uuid"
)

// SubjectKind says whether a principal is a whole customer or one member.
type SubjectKind string

const (
	SubjectCustomer SubjectKind = "customer"
	SubjectMember   SubjectKind = "member"
)

// Member roles.
const (
	RoleOwner          = "owner"
	RoleBillingManager = "billing_manager"
	RoleMember         = "member"
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
