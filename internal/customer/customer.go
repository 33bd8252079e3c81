// Package customer owns the customer's profile and billing details (§3.1–3.2).
package customer

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/validate"
)

// BillingSync pushes billing details to the payments provider's customer
// (§3.2). It runs inside the update's transaction, before commit: when it
// fails nothing is written and its error is returned as is.
type BillingSync interface {
	SyncCustomer(ctx context.Context, stripeCustomerID string, in SyncInput) error
}

// SyncInput is what §3.2 sends to Stripe: the customer's email always;
// Name (the billing name) only when one was set and the customer has no
// name of its own; Address only when a new address was set. Nil means
// "leave the provider's value alone".
type SyncInput struct {
	Email   string
	Name    *string
	Address *Address
}

type noSync struct{}

func (noSync) SyncCustomer(context.Context, string, SyncInput) error { return nil }

// Service is the customer domain.
type Service struct {
	pool *pgxpool.Pool
	sync BillingSync
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool, sync: noSync{}} }

// SetBillingSync replaces the provider sync (nil restores the no-op).
func (s *Service) SetBillingSync(b BillingSync) {
	if b == nil {
		b = noSync{}
	}
	s.sync = b
}

// OAuthAccount is the part of a linked account the portal shows (§1.10).
type OAuthAccount struct {
	AccountID       string  `json:"account_id"`
	AccountUsername *string `json:"account_username"`
}

// Profile is CustomerPortalCustomer (§3.1).
type Profile struct {
	ID            uuid.UUID
	CreatedAt     time.Time
	ModifiedAt    *time.Time
	Email         string
	EmailVerified bool
	Name          *string
	// BillingName falls back to Name when none is stored (§1.2);
	// StoredBillingName is the stored value, for forms.
	BillingName       *string
	StoredBillingName *string
	BillingAddress    *Address
	OAuthAccounts     map[string]OAuthAccount
	Type              *string
}

// AccountKeys returns the linked-account keys in a stable order.
func (p Profile) AccountKeys() []string {
	keys := make([]string, 0, len(p.OAuthAccounts))
	for k := range p.OAuthAccounts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WorkspaceCustomer is a customer as the workspace API shows it: the profile
// plus the workspace and the workspace's own id for it.
type WorkspaceCustomer struct {
	Profile
	WorkspaceID uuid.UUID
	ExternalID  *string
}

// NewWorkspaceCustomer builds the workspace API's view of a customer row.
func NewWorkspaceCustomer(c dbgen.Customer) WorkspaceCustomer {
	return WorkspaceCustomer{Profile: NewProfile(c), WorkspaceID: c.WorkspaceID, ExternalID: c.ExternalID}
}

// NewProfile builds the profile of a customer row.
func NewProfile(c dbgen.Customer) Profile {
	p := Profile{ID: c.ID, CreatedAt: c.CreatedAt, ModifiedAt: c.ModifiedAt, Email: c.Email,
		EmailVerified: c.EmailVerified, Name: c.Name, BillingName: c.BillingName, StoredBillingName: c.BillingName,
		Type: c.Type, OAuthAccounts: map[string]OAuthAccount{}}
	if p.BillingName == nil || *p.BillingName == "" {
		p.BillingName = c.Name
	}
	if len(c.BillingAddress) > 0 && string(c.BillingAddress) != "null" {
		var a Address
		if json.Unmarshal(c.BillingAddress, &a) == nil && a.Country != "" {
			p.BillingAddress = &a
		}
	}
	// Only account_id and account_username ever leave the server: the
	// stored record also holds the provider's tokens.
	// Most customers have linked nothing: "{}" needs no decoding.
	var accounts map[string]OAuthAccount
	if s := string(c.OauthAccounts); s != "{}" && s != "" && json.Unmarshal(c.OauthAccounts, &accounts) == nil {
		for k, v := range accounts {
			p.OAuthAccounts[k] = OAuthAccount{AccountID: v.AccountID, AccountUsername: v.AccountUsername}
		}
	}
	return p
}

// Get is GET /customers/me: the principal's customer (a member gets its
// team's customer). The principal's lookup already read the row, in the
// same request, under the same liveness rules as PortalGetCustomer: it is
// used as is, so the request makes one round trip, not two.
func (s *Service) Get(ctx context.Context, p *auth.Principal) (Profile, error) {
	if p == nil {
		return Profile{}, apperr.Unauthorized()
	}
	if c := p.CustomerRow(); c != nil {
		return NewProfile(*c), nil
	}
	c, err := dbgen.New(s.pool).GetCustomer(ctx, dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return Profile{}, dbErr("customer.get", err)
	}
	return NewProfile(c), nil
}

// UpdateInput is PATCH /customers/me as a merge-patch (D5): Set* says the
// key was present; a nil value with Set is an explicit null, which clears.
type UpdateInput struct {
	SetBillingName    bool
	BillingName       *string
	SetBillingAddress bool
	BillingAddress    *AddressInput
	// CompleteAddress applies the pages' rule to a new address: a country
	// alone is refused, the country's required parts must be there
	// (CompleteAddress, docs/design.md "Billing addresses"). The JSON API
	// leaves it off (§3.2).
	CompleteAddress bool
}

// Errors of Update, shared with the page.
const (
	MsgBillingForbidden = auth.MsgBillingForbidden
)

// Update is PATCH /customers/me (§3.2 with D5). Plain members are refused
// (the route guard refuses them first). With a provider customer, the
// provider is updated inside the transaction: its failure writes nothing.
func (s *Service) Update(ctx context.Context, p *auth.Principal, in UpdateInput) (Profile, error) {
	if err := auth.RequireBilling(p); err != nil {
		return Profile{}, err
	}
	params := dbgen.PortalUpdateCustomerBillingParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID}
	var errs []apperr.FieldError
	if in.SetBillingName {
		params.SetBillingName = true
		if in.BillingName != nil {
			name := strings.TrimSpace(*in.BillingName)
			switch {
			case !validate.StorableText(name):
				errs = append(errs, apperr.BadText(validate.MsgBadText, *in.BillingName, "body", "billing_name"))
			case validate.TooLong(name, validate.MaxName):
				errs = append(errs, apperr.Typed(apperr.CodeTooLong, "string_too_long", MsgTooLong, *in.BillingName, "body", "billing_name"))
			case name != "":
				params.BillingName = &name
			}
		}
	}
	var addr *Address
	if in.SetBillingAddress {
		params.SetBillingAddress = true
		if in.BillingAddress != nil {
			a, fes := NormalizeAddress(*in.BillingAddress, "body", "billing_address")
			errs = append(errs, fes...)
			if in.CompleteAddress {
				missing := CompleteAddress(*in.BillingAddress, fes, "body", "billing_address")
				errs = append(errs, missing...)
				if len(missing) > 0 {
					a = nil
				}
			}
			if a != nil {
				raw, err := json.Marshal(a)
				if err != nil {
					return Profile{}, apperr.Internal("customer.update", err)
				}
				params.BillingAddress, addr = raw, a
			}
		}
	}
	if len(errs) > 0 {
		return Profile{}, apperr.Invalid(errs...)
	}

	var out dbgen.Customer
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		c, err := q.PortalUpdateCustomerBilling(ctx, params)
		if err != nil {
			return dbErr("customer.update", err)
		}
		if c.StripeCustomerID != nil && *c.StripeCustomerID != "" {
			sync := SyncInput{Email: c.Email, Address: addr}
			if params.BillingName != nil && (c.Name == nil || *c.Name == "") {
				sync.Name = params.BillingName
			}
			if err := s.sync.SyncCustomer(ctx, *c.StripeCustomerID, sync); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return Profile{}, err
	}
	p.CustomerChanged()
	return NewProfile(out), nil
}

func dbErr(op string, err error) error {
	if db.IsNotFound(err) {
		// The session's customer vanished between resolution and now.
		return apperr.Unauthorized()
	}
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}
