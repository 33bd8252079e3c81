package customer

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/validate"
)

// The workspace API's customer operations (docs/design.md "Interface"): the workspace's own
// servers create and edit their customers. The actor is the workspace of the
// access token; every query is confined to it, so another workspace's
// customer is 404.

// Customer types the workspace API accepts.
const (
	waIndividual = "individual"
	waTeam       = "team"
)

// WorkspaceCreateInput is POST /api/customers/. Nil means absent.
type WorkspaceCreateInput struct {
	Email          *string
	Name           *string
	Type           *string
	BillingName    *string
	BillingAddress *AddressInput
	ExternalID     *string
}

// WorkspacePatchInput is PATCH /api/customers/{id} as a merge-patch: Set*
// says the key was present; a nil value with Set is an explicit null.
type WorkspacePatchInput struct {
	SetEmail          bool
	Email             *string
	SetName           bool
	Name              *string
	SetType           bool
	Type              *string
	SetBillingName    bool
	BillingName       *string
	SetBillingAddress bool
	BillingAddress    *AddressInput
	SetExternalID     bool
	ExternalID        *string
}

// CreateForWorkspace creates a customer of the workspace; 409 when a live
// customer already has the email (case-insensitively) or the external id.
func (s *Service) CreateForWorkspace(ctx context.Context, workspaceID uuid.UUID, in WorkspaceCreateInput) (WorkspaceCustomer, error) {
	var errs []apperr.FieldError
	if in.Email == nil {
		errs = append(errs, apperr.Required(nil, "body", "email"))
	}
	p := dbgen.WorkspaceAPICreateCustomerParams{WorkspaceID: workspaceID}
	if in.Email != nil {
		email, fe := waEmail(*in.Email)
		if fe != nil {
			errs = append(errs, *fe)
		}
		p.Email = email
	}
	p.Name, errs = validate.OptionalName(in.Name, "name", errs)
	p.BillingName, errs = validate.OptionalName(in.BillingName, "billing_name", errs)
	p.ExternalID, errs = validate.OptionalName(in.ExternalID, "external_id", errs)
	if in.Type != nil {
		if fe := waType(*in.Type); fe != nil {
			errs = append(errs, *fe)
		}
		p.Type = in.Type
	}
	if in.BillingAddress != nil {
		raw, fes := normalizeWorkspaceAddress(in.BillingAddress)
		errs = append(errs, fes...)
		p.BillingAddress = raw
	}
	if len(errs) > 0 {
		return WorkspaceCustomer{}, apperr.Invalid(errs...)
	}
	c, err := dbgen.New(s.pool).WorkspaceAPICreateCustomer(ctx, p)
	if err != nil {
		return WorkspaceCustomer{}, waWriteErr("customer.create", err)
	}
	return NewWorkspaceCustomer(c), nil
}

// GetForWorkspace returns a live customer of the workspace, else 404.
func (s *Service) GetForWorkspace(ctx context.Context, workspaceID, id uuid.UUID) (WorkspaceCustomer, error) {
	c, err := dbgen.New(s.pool).GetCustomer(ctx, dbgen.GetCustomerParams{ID: id, WorkspaceID: workspaceID})
	if err != nil {
		if db.IsNotFound(err) {
			return WorkspaceCustomer{}, apperr.NotFound("Customer not found")
		}
		return WorkspaceCustomer{}, waDBErr("customer.get", err)
	}
	return NewWorkspaceCustomer(c), nil
}

// UpdateForWorkspace applies a merge-patch to a customer of the workspace.
// email cannot be null; the other fields are cleared by null.
func (s *Service) UpdateForWorkspace(ctx context.Context, workspaceID, id uuid.UUID, in WorkspacePatchInput) (WorkspaceCustomer, error) {
	var errs []apperr.FieldError
	p := dbgen.WorkspaceAPIUpdateCustomerParams{ID: id, WorkspaceID: workspaceID}
	if in.SetEmail {
		if in.Email == nil {
			errs = append(errs, apperr.NotString(nil, "body", "email"))
		} else {
			email, fe := waEmail(*in.Email)
			if fe != nil {
				errs = append(errs, *fe)
			}
			p.SetEmail, p.Email = true, email
		}
	}
	if in.SetName {
		p.SetName = true
		p.Name, errs = validate.OptionalName(in.Name, "name", errs)
	}
	if in.SetBillingName {
		p.SetBillingName = true
		p.BillingName, errs = validate.OptionalName(in.BillingName, "billing_name", errs)
	}
	if in.SetExternalID {
		p.SetExternalID = true
		p.ExternalID, errs = validate.OptionalName(in.ExternalID, "external_id", errs)
	}
	if in.SetType {
		p.SetType, p.Type = true, in.Type
		if in.Type != nil {
			if fe := waType(*in.Type); fe != nil {
				errs = append(errs, *fe)
			}
		}
	}
	if in.SetBillingAddress {
		p.SetBillingAddress = true
		if in.BillingAddress != nil {
			raw, fes := normalizeWorkspaceAddress(in.BillingAddress)
			errs = append(errs, fes...)
			p.BillingAddress = raw
		}
	}
	if len(errs) > 0 {
		return WorkspaceCustomer{}, apperr.Invalid(errs...)
	}
	c, err := dbgen.New(s.pool).WorkspaceAPIUpdateCustomer(ctx, p)
	if err != nil {
		if db.IsNotFound(err) {
			return WorkspaceCustomer{}, apperr.NotFound("Customer not found")
		}
		return WorkspaceCustomer{}, waWriteErr("customer.update", err)
	}
	return NewWorkspaceCustomer(c), nil
}

// waWriteErr maps the unique indexes to 409s.
func waWriteErr(op string, err error) error {
	switch db.UniqueViolation(err) {
	case "customers_workspace_email_key":
		return apperr.Conflict("CustomerAlreadyExists", "A customer with this email already exists in this workspace.")
	case "customers_workspace_external_id_key":
		return apperr.Conflict("CustomerAlreadyExists", "A customer with this external_id already exists in this workspace.")
	}
	return waDBErr(op, err)
}

func waDBErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}

// waEmail validates and normalizes an address (§2.8) at ["body","email"].
func waEmail(raw string) (string, *apperr.FieldError) {
	email, err := validate.Email(raw)
	if err != nil {
		fe := apperr.InvalidEmail(err.Error(), raw, "body", "email")
		return "", &fe
	}
	return email, nil
}

func waType(t string) *apperr.FieldError {
	if t == waIndividual || t == waTeam {
		return nil
	}
	return apperr.Choice("Input should be 'individual' or 'team'", t, "body", "type").Ref()
}

// normalizeWorkspaceAddress applies the portal's address rules (§3.2,
// NormalizeAddress) and returns the JSON to store.
func normalizeWorkspaceAddress(a *AddressInput) (json.RawMessage, []apperr.FieldError) {
	addr, errs := NormalizeAddress(*a, "body", "billing_address")
	if len(errs) > 0 {
		return nil, errs
	}
	raw, err := json.Marshal(addr)
	if err != nil {
		return nil, []apperr.FieldError{apperr.Field("Invalid address", nil, "body", "billing_address")}
	}
	return raw, nil
}
