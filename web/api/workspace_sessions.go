package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/validate"
	"portal/internal/workspace"
)

// The workspace API's session minting (§2.10): the only non-email way to
// get a portal token, for the workspace's own "open the portal" links.

type waCustomerSessionBody struct {
	CustomerID         *string `json:"customer_id"`
	ExternalCustomerID *string `json:"external_customer_id"`
	// CustomerExternalID is the original's alias of external_customer_id.
	CustomerExternalID *string `json:"customer_external_id"`
	MemberID           *string `json:"member_id"`
	ExternalMemberID   *string `json:"external_member_id"`
	ReturnURL          *string `json:"return_url"`
}

type waMemberSessionBody struct {
	MemberID  *string `json:"member_id"`
	ReturnURL *string `json:"return_url"`
}

// WorkspaceCustomerSessionJSON is POST /api/customer-sessions/'s answer.
// member_id is set when a member session was minted (member mode).
type WorkspaceCustomerSessionJSON struct {
	ID                uuid.UUID             `json:"id"`
	CreatedAt         Time                  `json:"created_at"`
	ModifiedAt        *Time                 `json:"modified_at"`
	Token             string                `json:"token"`
	ExpiresAt         Time                  `json:"expires_at"`
	ReturnURL         *string               `json:"return_url"`
	CustomerPortalURL string                `json:"customer_portal_url"`
	CustomerID        uuid.UUID             `json:"customer_id"`
	MemberID          *uuid.UUID            `json:"member_id"`
	Customer          WorkspaceCustomerJSON `json:"customer"`
}

// WorkspaceMemberSessionJSON is POST /api/member-sessions/'s answer.
type WorkspaceMemberSessionJSON struct {
	ID              uuid.UUID             `json:"id"`
	CreatedAt       Time                  `json:"created_at"`
	ModifiedAt      *Time                 `json:"modified_at"`
	Token           string                `json:"token"`
	ExpiresAt       Time                  `json:"expires_at"`
	ReturnURL       *string               `json:"return_url"`
	MemberPortalURL string                `json:"member_portal_url"`
	MemberID        uuid.UUID             `json:"member_id"`
	CustomerID      uuid.UUID             `json:"customer_id"`
	Member          WorkspaceMemberJSON   `json:"member"`
	Customer        WorkspaceCustomerJSON `json:"customer"`
}

// WorkspaceCreateCustomerSession is POST /api/customer-sessions/.
func (h *Handlers) WorkspaceCreateCustomerSession(c echo.Context) error {
	var b waCustomerSessionBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	if b.ExternalCustomerID == nil {
		b.ExternalCustomerID = b.CustomerExternalID
	}
	in := workspace.CustomerSessionInput{ReturnURL: b.ReturnURL}
	var err error
	if in.CustomerID, err = bodyUUID(b.CustomerID, "customer_id", false); err != nil {
		return err
	}
	if in.MemberID, err = bodyUUID(b.MemberID, "member_id", false); err != nil {
		return err
	}
	if in.ExternalCustomerID, err = externalID(b.ExternalCustomerID, "external_customer_id"); err != nil {
		return err
	}
	if in.ExternalMemberID, err = externalID(b.ExternalMemberID, "external_member_id"); err != nil {
		return err
	}
	s, err := h.S.Workspaces.CreateCustomerSession(c.Request().Context(), TokenWorkspaceID(c), in)
	if err != nil {
		return err
	}
	out := WorkspaceCustomerSessionJSON{ID: s.ID, CreatedAt: Time(s.CreatedAt), ModifiedAt: TimePtr(s.ModifiedAt),
		Token: s.Token, ExpiresAt: Time(s.ExpiresAt), ReturnURL: s.ReturnURL, CustomerPortalURL: s.PortalURL,
		CustomerID: s.Customer.ID, Customer: NewWorkspaceCustomer(s.Customer)}
	if s.Member != nil {
		out.MemberID = &s.Member.ID
	}
	return c.JSON(http.StatusCreated, out)
}

// WorkspaceCreateMemberSession is POST /api/member-sessions/.
func (h *Handlers) WorkspaceCreateMemberSession(c echo.Context) error {
	var b waMemberSessionBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	id, err := bodyUUID(b.MemberID, "member_id", true)
	if err != nil {
		return err
	}
	s, err := h.S.Workspaces.CreateMemberSession(c.Request().Context(), TokenWorkspaceID(c),
		workspace.MemberSessionInput{MemberID: *id, ReturnURL: b.ReturnURL})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, WorkspaceMemberSessionJSON{ID: s.ID, CreatedAt: Time(s.CreatedAt),
		ModifiedAt: TimePtr(s.ModifiedAt), Token: s.Token, ExpiresAt: Time(s.ExpiresAt), ReturnURL: s.ReturnURL,
		MemberPortalURL: s.PortalURL, MemberID: s.Member.ID, CustomerID: s.Customer.ID,
		Member: NewWorkspaceMember(*s.Member), Customer: NewWorkspaceCustomer(s.Customer)})
}

// externalID bounds an external id by the name limit.
func externalID(v *string, name string) (*string, error) {
	if v != nil && validate.TooLong(*v, validate.MaxName) {
		return nil, apperr.Invalid(apperr.TooLong(256, *v, "body", name))
	}
	return v, nil
}
