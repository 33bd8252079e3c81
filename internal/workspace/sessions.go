package workspace

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/customer"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/member"
	"portal/internal/member/roster"
	"portal/internal/validate"
)

// SessionTTL is the lifetime of API sessions minted here (§2.5).
const SessionTTL = time.Hour

// CustomerSessionInput is POST /api/customer-sessions/ (§2.10).
type CustomerSessionInput struct {
	CustomerID         *uuid.UUID
	ExternalCustomerID *string
	MemberID           *uuid.UUID
	ExternalMemberID   *string
	ReturnURL          *string
}

// MemberSessionInput is POST /api/member-sessions/.
type MemberSessionInput struct {
	MemberID  uuid.UUID
	ReturnURL *string
}

// Session is a minted session. Token is the raw bearer token, returned only
// here; the database keeps its hash.
type Session struct {
	ID         uuid.UUID
	CreatedAt  time.Time
	ModifiedAt *time.Time
	Token      string
	ExpiresAt  time.Time
	ReturnURL  *string
	// PortalURL is the pre-authenticated portal link.
	PortalURL string
	Customer  customer.WorkspaceCustomer
	// Member is set when the session is a member session.
	Member *member.Member
}

// CreateCustomerSession mints a portal session for a customer of the
// workspace, as §2.10: a customer session in legacy workspaces; in member
// mode a member session for the given member, or for an individual
// customer's owner (created when missing). Unknown ids are 422.
func (s *Service) CreateCustomerSession(ctx context.Context, workspaceID uuid.UUID, in CustomerSessionInput) (Session, error) {
	if err := checkReturnURL(in.ReturnURL); err != nil {
		return Session{}, err
	}
	if in.CustomerID == nil && in.ExternalCustomerID == nil {
		return Session{}, apperr.Invalid(apperr.Required(nil, "body", "customer_id").WithMsg("Field required: customer_id or external_customer_id"))
	}
	var out Session
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		ws, err := q.GetWorkspaceByID(ctx, workspaceID)
		if err != nil {
			return sessionLookupErr(err)
		}
		c, err := lockSessionCustomer(ctx, q, workspaceID, in)
		if err != nil {
			return err
		}
		out.Customer = customer.NewWorkspaceCustomer(c)
		expires := time.Now().Add(SessionTTL)
		if !ws.MemberModelEnabled {
			out.Token = auth.NewToken(auth.PrefixCustomerSession)
			row, err := q.CreateCustomerSession(ctx, dbgen.CreateCustomerSessionParams{
				TokenHash: s.hasher.Hash(out.Token), ExpiresAt: expires, ReturnUrl: in.ReturnURL, CustomerID: c.ID})
			if err != nil {
				return dbErr("workspace.customer_session", err)
			}
			out.ID, out.CreatedAt, out.ModifiedAt, out.ExpiresAt, out.ReturnURL = row.ID, row.CreatedAt, row.ModifiedAt, row.ExpiresAt, row.ReturnUrl
		} else {
			m, err := sessionMember(ctx, q, c, in)
			if err != nil {
				return err
			}
			mm := member.NewMember(m)
			out.Member = &mm
			out.Token = auth.NewToken(auth.PrefixMemberSession)
			row, err := q.CreateMemberSession(ctx, dbgen.CreateMemberSessionParams{
				TokenHash: s.hasher.Hash(out.Token), ExpiresAt: expires, ReturnUrl: in.ReturnURL, MemberID: m.ID})
			if err != nil {
				return dbErr("workspace.customer_session", err)
			}
			out.ID, out.CreatedAt, out.ModifiedAt, out.ExpiresAt, out.ReturnURL = row.ID, row.CreatedAt, row.ModifiedAt, row.ExpiresAt, row.ReturnUrl
		}
		// The original names the parameter customer_session_token even for
		// an mst_ token (G26).
		out.PortalURL = s.portalURL(ws.Slug, "customer_session_token", out.Token, c.Email)
		return nil
	})
	return out, err
}

// CreateMemberSession mints a member session for a member of the workspace.
// The workspace must have both the member model and seat-based pricing
// (else 403, §2.10).
func (s *Service) CreateMemberSession(ctx context.Context, workspaceID uuid.UUID, in MemberSessionInput) (Session, error) {
	if err := checkReturnURL(in.ReturnURL); err != nil {
		return Session{}, err
	}
	var out Session
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		ws, err := q.GetWorkspaceByID(ctx, workspaceID)
		if err != nil {
			return sessionLookupErr(err)
		}
		if !ws.MemberModelEnabled || !ws.SeatBasedPricingEnabled {
			return apperr.Forbidden("Member sessions need member_model_enabled and seat_based_pricing_enabled on the workspace.")
		}
		m, err := q.WorkspaceAPIGetMember(ctx, dbgen.WorkspaceAPIGetMemberParams{ID: in.MemberID, WorkspaceID: workspaceID})
		if err != nil {
			if db.IsNotFound(err) {
				return apperr.Invalid(apperr.UnknownReference("Member does not exist.", in.MemberID.String(), "body", "member_id"))
			}
			return dbErr("workspace.member_session", err)
		}
		c, err := q.GetCustomer(ctx, dbgen.GetCustomerParams{ID: m.CustomerID, WorkspaceID: workspaceID})
		if err != nil {
			if db.IsNotFound(err) {
				return apperr.Invalid(apperr.UnknownReference("Member does not exist.", in.MemberID.String(), "body", "member_id"))
			}
			return dbErr("workspace.member_session", err)
		}
		mm := member.NewMember(m)
		out.Customer, out.Member = customer.NewWorkspaceCustomer(c), &mm
		out.Token = auth.NewToken(auth.PrefixMemberSession)
		row, err := q.CreateMemberSession(ctx, dbgen.CreateMemberSessionParams{
			TokenHash: s.hasher.Hash(out.Token), ExpiresAt: time.Now().Add(SessionTTL), ReturnUrl: in.ReturnURL, MemberID: m.ID})
		if err != nil {
			return dbErr("workspace.member_session", err)
		}
		out.ID, out.CreatedAt, out.ModifiedAt, out.ExpiresAt, out.ReturnURL = row.ID, row.CreatedAt, row.ModifiedAt, row.ExpiresAt, row.ReturnUrl
		out.PortalURL = s.portalURL(ws.Slug, "member_session_token", out.Token, m.Email)
		return nil
	})
	return out, err
}

// lockSessionCustomer finds the customer by id or external id within the
// workspace and locks it (an owner may be created for it).
func lockSessionCustomer(ctx context.Context, q *dbgen.Queries, workspaceID uuid.UUID, in CustomerSessionInput) (dbgen.Customer, error) {
	var id uuid.UUID
	loc, input := "customer_id", any(nil)
	if in.CustomerID != nil {
		id, input = *in.CustomerID, in.CustomerID.String()
	} else {
		loc, input = "external_customer_id", *in.ExternalCustomerID
		c, err := q.WorkspaceAPIGetCustomerByExternalID(ctx, dbgen.WorkspaceAPIGetCustomerByExternalIDParams{WorkspaceID: workspaceID, ExternalID: in.ExternalCustomerID})
		if err != nil {
			if db.IsNotFound(err) {
				return dbgen.Customer{}, apperr.Invalid(apperr.UnknownReference("Customer does not exist.", input, "body", loc))
			}
			return dbgen.Customer{}, dbErr("workspace.customer_session", err)
		}
		id = c.ID
	}
	c, err := q.LockCustomer(ctx, dbgen.LockCustomerParams{ID: id, WorkspaceID: workspaceID})
	if err != nil {
		if db.IsNotFound(err) {
			return dbgen.Customer{}, apperr.Invalid(apperr.UnknownReference("Customer does not exist.", input, "body", loc))
		}
		return dbgen.Customer{}, dbErr("workspace.customer_session", err)
	}
	return c, nil
}

// sessionMember picks the member a member-mode customer session is for
// (§2.10): the given member of the customer; else, for a team, 422; else
// the individual customer's owner, created from the customer when missing.
func sessionMember(ctx context.Context, q *dbgen.Queries, c dbgen.Customer, in CustomerSessionInput) (dbgen.Member, error) {
	switch {
	case in.MemberID != nil:
		m, err := q.GetMemberOfCustomer(ctx, dbgen.GetMemberOfCustomerParams{ID: *in.MemberID, CustomerID: c.ID})
		if err != nil {
			if db.IsNotFound(err) {
				return m, apperr.Invalid(apperr.UnknownReference("Member does not exist.", in.MemberID.String(), "body", "member_id"))
			}
			return m, dbErr("workspace.customer_session", err)
		}
		return m, nil
	case in.ExternalMemberID != nil:
		m, err := q.WorkspaceAPIGetMemberByExternalID(ctx, dbgen.WorkspaceAPIGetMemberByExternalIDParams{CustomerID: c.ID, ExternalID: in.ExternalMemberID})
		if err != nil {
			if db.IsNotFound(err) {
				return m, apperr.Invalid(apperr.UnknownReference("Member does not exist.", *in.ExternalMemberID, "body", "external_member_id"))
			}
			return m, dbErr("workspace.customer_session", err)
		}
		return m, nil
	case c.Type != nil && *c.Type == "team":
		return dbgen.Member{}, apperr.InvalidField("member_id is required for team customers.", nil, "body", "member_id")
	}
	m, err := q.WorkspaceAPIGetOwner(ctx, c.ID)
	if err == nil {
		return m, nil
	}
	if !db.IsNotFound(err) {
		return m, dbErr("workspace.customer_session", err)
	}
	name := c.Email
	if c.Name != nil && *c.Name != "" {
		name = *c.Name
	}
	// A member row with the customer's email (removed, or live without the
	// owner role) would collide with the unique (customer_id, email) index:
	// make that one the owner instead.
	m, _, err = roster.Add(ctx, q, roster.Input{CustomerID: c.ID, WorkspaceID: c.WorkspaceID,
		Email: c.Email, Name: &name, Role: roster.RoleOwner, IfLive: roster.UpdateLive})
	if err != nil {
		return m, dbErr("workspace.customer_session", err)
	}
	return m, nil
}

func sessionLookupErr(err error) error {
	if db.IsNotFound(err) {
		// The token's workspace went away between the middleware and here.
		return apperr.InvalidToken()
	}
	return dbErr("workspace.session", err)
}

// checkReturnURL: return_url is optional; when given it must be an
// absolute http(s) URL within the URL limit (§2.10).
func checkReturnURL(u *string) error {
	if u == nil {
		return nil
	}
	if validate.TooLong(*u, validate.MaxURL) {
		return apperr.Invalid(apperr.Typed(apperr.CodeInvalidURL, "url_too_long", "URL should have at most 2048 characters", *u, "body", "return_url"))
	}
	if !isHTTPURL(*u) {
		return apperr.Invalid(apperr.Typed(apperr.CodeInvalidURL, "url_parsing", "Input should be an absolute http or https URL", *u, "body", "return_url"))
	}
	return nil
}

// portalURL is <PORTAL_BASE_URL>/<slug>/portal?<param>=<token>&email=<email>,
// the email percent-encoded as Python's quote does (space %20, '+' %2B).
func (s *Service) portalURL(slug, param, token, email string) string {
	return s.baseURL + "/" + url.PathEscape(slug) + "/portal?" + param + "=" + url.QueryEscape(token) +
		"&email=" + strings.ReplaceAll(url.QueryEscape(email), "+", "%20")
}
