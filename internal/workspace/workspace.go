// Package workspace owns workspaces, their access tokens and settings, the
// public workspace endpoint (§3.22) and the workspace API's session minting
// (§2.10).
package workspace

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Workspace is a live workspace as the services give it out.
type Workspace struct {
	ID                      uuid.UUID
	CreatedAt               time.Time
	ModifiedAt              *time.Time
	Name                    string
	Slug                    string
	Email                   *string
	Website                 *string
	AvatarUrl               *string
	AccentColor             *string
	Socials                 json.RawMessage
	Status                  string
	DetailsSubmittedAt      *time.Time
	MemberModelEnabled      bool
	SeatBasedPricingEnabled bool
	CustomerPortalSettings  json.RawMessage
	NotificationSettings    json.RawMessage
	CustomerEmailSettings   json.RawMessage
	DefaultLocale           string // one of i18n.Locales
}

// FromRow is the workspace of a row another service read (the page
// middleware's auth.BrowserSessions.LoadPage reads it in one round trip with
// the browser's session).
func FromRow(w dbgen.Workspace) Workspace { return newWorkspace(w) }

func newWorkspace(w dbgen.Workspace) Workspace {
	return Workspace{ID: w.ID, CreatedAt: w.CreatedAt, ModifiedAt: w.ModifiedAt, Name: w.Name, Slug: w.Slug,
		Email: w.Email, Website: w.Website, AvatarUrl: w.AvatarUrl, AccentColor: w.AccentColor, Socials: w.Socials,
		Status: w.Status, DetailsSubmittedAt: w.DetailsSubmittedAt, MemberModelEnabled: w.MemberModelEnabled,
		SeatBasedPricingEnabled: w.SeatBasedPricingEnabled, CustomerPortalSettings: w.CustomerPortalSettings,
		NotificationSettings: w.NotificationSettings, CustomerEmailSettings: w.CustomerEmailSettings,
		DefaultLocale: w.DefaultLocale}
}

// Service is the workspace domain.
type Service struct {
	pool   *pgxpool.Pool
	hasher *auth.Hasher
	// baseURL is PORTAL_BASE_URL without a trailing slash: portal links and
	// media URLs are built on it.
	baseURL string
}

// New builds the service; baseURL is the portal's public URL.
func New(pool *pgxpool.Pool, h *auth.Hasher, baseURL string) *Service {
	return &Service{pool: pool, hasher: h, baseURL: baseURL}
}

// dbErr classifies an unexpected database error: unreachable is 503,
// anything else 500 with the cause logged.
func dbErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}

// BySlug returns the live (not deleted, not blocked) workspace with this
// slug, case-insensitively: the pages' tenant. Unknown is 404; a database
// outage is 503, never a misleading 404.
func (s *Service) BySlug(ctx context.Context, slug string) (Workspace, error) {
	ws, err := dbgen.New(s.pool).GetWorkspaceBySlug(ctx, slug)
	if err != nil {
		if db.IsNotFound(err) {
			return Workspace{}, apperr.NotFound("")
		}
		return Workspace{}, dbErr("workspace.by_slug", err)
	}
	return newWorkspace(ws), nil
}
