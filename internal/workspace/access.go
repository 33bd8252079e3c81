package workspace

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/i18n"
	"portal/internal/validate"
)

// CreateInput is `portal workspace create`. Nil means absent.
type CreateInput struct {
	Name        string
	Slug        string
	Email       *string
	Website     *string
	MemberModel bool
	// Locale is the default_locale; "" is English.
	Locale string
}

// Issued is a workspace with a freshly minted access token; the raw token
// exists only here, the database keeps its hash.
type Issued struct {
	ID          uuid.UUID `json:"id"`
	Slug        string    `json:"slug"`
	AccessToken string    `json:"access_token"`
}

// slugPattern: slugs are URL segments (/{slug}/portal), so letters, digits,
// '-' and '_' only, starting with a letter or digit.
var slugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// reservedSlugs would shadow the server's own top-level paths.
var reservedSlugs = map[string]bool{"api": true, "v1": true, "static": true, "webhooks": true, "healthz": true,
	"readyz": true, "metrics": true, "_dev": true, "media": true, "favicon.ico": true, "robots.txt": true}

// Create makes a workspace and its first access token in one transaction.
// Validation errors carry the flag name as loc; a taken slug (any case) is
// 409 WorkspaceSlugTaken.
func (s *Service) Create(ctx context.Context, in CreateInput) (Issued, error) {
	var errs []apperr.FieldError
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		errs = append(errs, apperr.Required(in.Name, "name").WithMsg("is required"))
	case validate.TooLong(name, validate.MaxName):
		errs = append(errs, apperr.Field("must be at most 256 characters", in.Name, "name").WithCode(apperr.CodeTooLong))
	}
	slug := strings.TrimSpace(in.Slug)
	switch {
	case slug == "":
		errs = append(errs, apperr.Required(in.Slug, "slug").WithMsg("is required"))
	case !slugPattern.MatchString(slug):
		errs = append(errs, apperr.Field("must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit", in.Slug, "slug"))
	case reservedSlugs[strings.ToLower(slug)]:
		errs = append(errs, apperr.Field(fmt.Sprintf("%q is reserved", slug), in.Slug, "slug"))
	}
	p := dbgen.CreateWorkspaceParams{Name: name, Slug: slug, MemberModelEnabled: in.MemberModel, DefaultLocale: i18n.Default}
	if in.Locale != "" {
		if fe := localeError(&in.Locale, "locale"); fe != nil {
			errs = append(errs, *fe)
		} else {
			p.DefaultLocale = in.Locale
		}
	}
	if in.Email != nil && *in.Email != "" {
		e, err := validate.Email(*in.Email)
		if err != nil {
			errs = append(errs, apperr.InvalidEmail(err.Error(), *in.Email, "email"))
		}
		p.Email = &e
	}
	if in.Website != nil && *in.Website != "" {
		if msg := checkURL(*in.Website); msg != "" {
			errs = append(errs, apperr.Field(msg, *in.Website, "website"))
		}
		p.Website = in.Website
	}
	if len(errs) > 0 {
		return Issued{}, apperr.Invalid(errs...)
	}
	token := auth.NewToken(auth.PrefixWorkspaceToken)
	var out Issued
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		ws, err := q.CreateWorkspace(ctx, p)
		if err != nil {
			if db.UniqueViolation(err) == "workspaces_slug_key" {
				return apperr.Conflict("WorkspaceSlugTaken", fmt.Sprintf("slug %q is already taken", slug))
			}
			return dbErr("workspace.create", err)
		}
		if _, err := q.CreateWorkspaceAccessToken(ctx, dbgen.CreateWorkspaceAccessTokenParams{WorkspaceID: ws.ID, TokenHash: s.hasher.Hash(token)}); err != nil {
			return dbErr("workspace.create", err)
		}
		out = Issued{ID: ws.ID, Slug: ws.Slug, AccessToken: token}
		return nil
	})
	return out, err
}

// IssueToken mints another access token for a live workspace.
func (s *Service) IssueToken(ctx context.Context, slug string) (Issued, error) {
	q := dbgen.New(s.pool)
	ws, err := q.GetWorkspaceBySlug(ctx, slug)
	if err != nil {
		if db.IsNotFound(err) {
			return Issued{}, apperr.NotFound(fmt.Sprintf("no workspace with slug %q", slug))
		}
		return Issued{}, dbErr("workspace.token", err)
	}
	token := auth.NewToken(auth.PrefixWorkspaceToken)
	if _, err := q.CreateWorkspaceAccessToken(ctx, dbgen.CreateWorkspaceAccessTokenParams{WorkspaceID: ws.ID, TokenHash: s.hasher.Hash(token)}); err != nil {
		return Issued{}, dbErr("workspace.token", err)
	}
	return Issued{ID: ws.ID, Slug: ws.Slug, AccessToken: token}, nil
}

// Authenticate resolves a workspace access token (rapidly_wat_) to its live
// workspace. Anything else — another kind of token, a revoked token, a
// blocked or deleted workspace — is 401 invalid_token.
func (s *Service) Authenticate(ctx context.Context, token string) (Workspace, error) {
	if !strings.HasPrefix(token, auth.PrefixWorkspaceToken) {
		return Workspace{}, apperr.InvalidToken()
	}
	q := dbgen.New(s.pool)
	hash := s.hasher.Hash(token)
	ws, err := q.GetWorkspaceByAccessToken(ctx, hash)
	if err != nil {
		if db.IsNotFound(err) {
			return Workspace{}, apperr.InvalidToken()
		}
		return Workspace{}, dbErr("workspace.authenticate", err)
	}
	// Bookkeeping only: a failure here must not refuse a valid token.
	_ = q.TouchWorkspaceAccessToken(ctx, hash)
	return newWorkspace(ws), nil
}

// checkURL returns why raw is not an absolute http(s) URL within the limit,
// or "".
func checkURL(raw string) string {
	if validate.TooLong(raw, validate.MaxURL) {
		return "URL should have at most 2048 characters"
	}
	if !isHTTPURL(raw) {
		return "Input should be an absolute http or https URL"
	}
	return ""
}
