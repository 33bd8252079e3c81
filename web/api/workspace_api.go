package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/customer"
	"portal/internal/member"
)

// Workspace API: customers and members come in from the workspace's own
// servers (docs/design.md "Interface", D17). Handlers decode, call one service method
// with the token's workspace, and encode.

// WorkspaceCustomerJSON is a customer as the workspace API shows it: the
// contract's CustomerPortalCustomer fields (the same serializer as the
// portal's own GET /customers/me) plus workspace_id and external_id.
type WorkspaceCustomerJSON struct {
	CustomerJSON
	WorkspaceID uuid.UUID `json:"workspace_id"`
	ExternalID  *string   `json:"external_id"`
}

// NewWorkspaceCustomer serializes a customer for the workspace API.
func NewWorkspaceCustomer(c customer.WorkspaceCustomer) WorkspaceCustomerJSON {
	return WorkspaceCustomerJSON{CustomerJSON: NewCustomer(c.Profile), WorkspaceID: c.WorkspaceID, ExternalID: c.ExternalID}
}

// WorkspaceMemberJSON is a member as the workspace API shows it: the
// contract's CustomerPortalMember fields plus customer_id (and its
// workspace and external id).
type WorkspaceMemberJSON struct {
	ID          uuid.UUID `json:"id"`
	CreatedAt   Time      `json:"created_at"`
	ModifiedAt  *Time     `json:"modified_at"`
	Email       string    `json:"email"`
	Name        *string   `json:"name"`
	Role        string    `json:"role"`
	CustomerID  uuid.UUID `json:"customer_id"`
	WorkspaceID uuid.UUID `json:"workspace_id"`
	ExternalID  *string   `json:"external_id"`
}

// NewWorkspaceMember serializes a member for the workspace API.
func NewWorkspaceMember(m member.Member) WorkspaceMemberJSON {
	return WorkspaceMemberJSON{ID: m.ID, CreatedAt: Time(m.CreatedAt), ModifiedAt: TimePtr(m.ModifiedAt), Email: m.Email,
		Name: m.Name, Role: m.Role, CustomerID: m.CustomerID, WorkspaceID: m.WorkspaceID, ExternalID: m.ExternalID}
}

type waCustomerBody struct {
	Email          *string                `json:"email"`
	Name           *string                `json:"name"`
	Type           *string                `json:"type"`
	BillingName    *string                `json:"billing_name"`
	BillingAddress *customer.AddressInput `json:"billing_address"`
	ExternalID     *string                `json:"external_id"`
}

type waCustomerPatchBody struct {
	Email          Optional[string]                `json:"email"`
	Name           Optional[string]                `json:"name"`
	Type           Optional[string]                `json:"type"`
	BillingName    Optional[string]                `json:"billing_name"`
	BillingAddress Optional[customer.AddressInput] `json:"billing_address"`
	ExternalID     Optional[string]                `json:"external_id"`
}

type waMemberBody struct {
	CustomerID *string `json:"customer_id"`
	Email      *string `json:"email"`
	Name       *string `json:"name"`
	Role       *string `json:"role"`
	ExternalID *string `json:"external_id"`
}

// WorkspaceCreateCustomer is POST /api/customers/: 201, or 409 when the
// email (or external id) is taken in the workspace.
func (h *Handlers) WorkspaceCreateCustomer(c echo.Context) error {
	var b waCustomerBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	cust, err := h.S.Customers.CreateForWorkspace(c.Request().Context(), TokenWorkspaceID(c), customer.WorkspaceCreateInput{
		Email: b.Email, Name: b.Name, Type: b.Type, BillingName: b.BillingName, BillingAddress: b.BillingAddress, ExternalID: b.ExternalID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, NewWorkspaceCustomer(cust))
}

// WorkspaceGetCustomer is GET /api/customers/{id}; another workspace's
// customer is 404.
func (h *Handlers) WorkspaceGetCustomer(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	cust, err := h.S.Customers.GetForWorkspace(c.Request().Context(), TokenWorkspaceID(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewWorkspaceCustomer(cust))
}

// WorkspaceUpdateCustomer is PATCH /api/customers/{id} (merge-patch).
func (h *Handlers) WorkspaceUpdateCustomer(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	var b waCustomerPatchBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	in := customer.WorkspacePatchInput{
		SetEmail: b.Email.Set, Email: optValue(b.Email),
		SetName: b.Name.Set, Name: optValue(b.Name),
		SetType: b.Type.Set, Type: optValue(b.Type),
		SetBillingName: b.BillingName.Set, BillingName: optValue(b.BillingName),
		SetBillingAddress: b.BillingAddress.Set, BillingAddress: optValue(b.BillingAddress),
		SetExternalID: b.ExternalID.Set, ExternalID: optValue(b.ExternalID),
	}
	cust, err := h.S.Customers.UpdateForWorkspace(c.Request().Context(), TokenWorkspaceID(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewWorkspaceCustomer(cust))
}

// WorkspaceCreateMember is POST /api/members/: 201 with the member; 409 for
// a duplicate email or a second owner; 422 for a customer that is not the
// workspace's.
func (h *Handlers) WorkspaceCreateMember(c echo.Context) error {
	var b waMemberBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	custID, err := bodyUUID(b.CustomerID, "customer_id", true)
	if err != nil {
		return err
	}
	m, err := h.S.Members.CreateForWorkspace(c.Request().Context(), TokenWorkspaceID(c), member.WorkspaceCreateInput{
		CustomerID: *custID, Email: b.Email, Name: b.Name, Role: b.Role, ExternalID: b.ExternalID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, NewWorkspaceMember(m))
}

// optValue is a merge-patch field's value: nil when absent or null.
func optValue[T any](o Optional[T]) *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.Value
	return &v
}

// bodyUUID parses a UUID body field; a missing required one or a malformed
// one is 422 at ["body", name].
func bodyUUID(raw *string, name string, required bool) (*uuid.UUID, error) {
	if raw == nil {
		if required {
			return nil, apperr.Invalid(apperr.Required(nil, "body", name))
		}
		return nil, nil
	}
	id, err := uuid.Parse(*raw)
	// uuid.Parse also takes urn: and {braced} forms; the API does not.
	if err != nil || len(*raw) != 36 {
		return nil, apperr.Invalid(apperr.Typed(apperr.CodeInvalidUUID, "uuid_parsing", "Input should be a valid UUID", *raw, "body", name))
	}
	return &id, nil
}
