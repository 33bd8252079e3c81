package auth

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Resolver turns bearer tokens into principals (§2.1, D14).
type Resolver struct {
	pool   *pgxpool.Pool
	hasher *Hasher
}

func NewResolver(pool *pgxpool.Pool, h *Hasher) *Resolver { return &Resolver{pool: pool, hasher: h} }

// ParseBearer extracts the token from an Authorization header value. ok is
// false when there is no usable bearer token (treated as anonymous, §2.1).
func ParseBearer(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 512 {
		return "", token != "" // an absurdly long token is an invalid token, not anonymity
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7e {
			return "", false
		}
	}
	return token, true
}

// Resolve returns the principal for a portal bearer token, or an
// InvalidToken error for anything that is not a live customer/member session.
func (r *Resolver) Resolve(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, apperr.InvalidToken()
	}
	q := dbgen.New(r.pool)
	h := r.hasher.Hash(token)
	switch {
	case strings.HasPrefix(token, PrefixMemberSession):
		row, err := q.GetMemberSessionPrincipal(ctx, h)
		if err != nil {
			return nil, lookupErr(err)
		}
		return &Principal{Kind: SubjectMember, SessionID: row.SessionID, CustomerID: row.CustomerID,
			WorkspaceID: row.WorkspaceID, MemberID: row.MemberID, Role: row.Role,
			CustomerType: deref(row.CustomerType), ExpiresAt: row.ExpiresAt, ReturnURL: row.ReturnUrl,
			Customer: &row.Customer}, nil
	case strings.HasPrefix(token, PrefixCustomerSession):
		row, err := q.GetCustomerSessionPrincipal(ctx, h)
		if err != nil {
			return nil, lookupErr(err)
		}
		return &Principal{Kind: SubjectCustomer, SessionID: row.SessionID, CustomerID: row.CustomerID,
			WorkspaceID: row.WorkspaceID, CustomerType: deref(row.CustomerType),
			ExpiresAt: row.ExpiresAt, ReturnURL: row.ReturnUrl, Customer: &row.Customer}, nil
	}
	return nil, apperr.InvalidToken()
}

func lookupErr(err error) error {
	if db.IsNotFound(err) {
		return apperr.InvalidToken()
	}
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal("auth.resolve", err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
