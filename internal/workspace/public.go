package workspace

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Public is GET /workspaces/{slug}: a live workspace and its public catalog.
type Public struct {
	Workspace Workspace
	Shares    []Share
}

// Share is a public share with the prices and media the response can show.
type Share struct {
	dbgen.Share
	Prices []dbgen.SharePrice
	Medias []Media
}

// Media is a share's media file with its computed fields.
type Media struct {
	dbgen.File
	SizeReadable string
	PublicURL    string
}

// DefaultMinimumAmount is what a custom price with no minimum shows (§1.9).
const DefaultMinimumAmount = 50

// presentment are the currencies the contract's prices may carry.
var presentment = map[string]bool{"aud": true, "brl": true, "cad": true, "chf": true, "eur": true,
	"inr": true, "gbp": true, "jpy": true, "sek": true, "usd": true}

// Public finds a live (not deleted, not blocked) workspace by slug,
// case-insensitively, with its public, non-archived shares. Anything else
// is 404 ResourceNotFound.
func (s *Service) Public(ctx context.Context, slug string) (Public, error) {
	q := dbgen.New(s.pool)
	ws, err := q.GetWorkspaceBySlug(ctx, slug)
	if err != nil {
		if db.IsNotFound(err) {
			return Public{}, apperr.NotFound("")
		}
		return Public{}, dbErr("workspace.public", err)
	}
	shares, err := q.ListPublicShares(ctx, ws.ID)
	if err != nil {
		return Public{}, dbErr("workspace.public", err)
	}
	out := Public{Workspace: newWorkspace(ws), Shares: make([]Share, 0, len(shares))}
	if len(shares) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(shares))
	for i, sh := range shares {
		ids[i] = sh.ID
	}
	prices, err := q.ListCatalogPrices(ctx, ids)
	if err != nil {
		return Public{}, dbErr("workspace.public", err)
	}
	medias, err := q.ListShareMedias(ctx, dbgen.ListShareMediasParams{ShareIds: ids, WorkspaceID: ws.ID})
	if err != nil {
		return Public{}, dbErr("workspace.public", err)
	}
	byShare := map[uuid.UUID]*Share{}
	for _, sh := range shares {
		out.Shares = append(out.Shares, Share{Share: sh, Prices: []dbgen.SharePrice{}, Medias: []Media{}})
	}
	for i := range out.Shares {
		byShare[out.Shares[i].ID] = &out.Shares[i]
	}
	for _, p := range prices {
		p, ok := representable(p)
		if !ok {
			continue
		}
		byShare[p.ShareID].Prices = append(byShare[p.ShareID].Prices, p)
	}
	for _, m := range medias {
		byShare[m.ShareID].Medias = append(byShare[m.ShareID].Medias,
			Media{File: m.File, SizeReadable: SizeReadable(m.File.Size), PublicURL: s.publicURL(m.File.Path)})
	}
	return out, nil
}

// representable reports whether the contract's price union can show p, and
// fills the custom minimum's default. The original answered 500 for a
// metered or seat-based catalog price on a public share (§3.22); skipping
// the price keeps the rest of the page working.
func representable(p dbgen.SharePrice) (dbgen.SharePrice, bool) {
	p.PriceCurrency = strings.ToLower(p.PriceCurrency)
	if !presentment[p.PriceCurrency] {
		return p, false
	}
	switch p.AmountType {
	case "fixed":
		return p, p.PriceAmount != nil
	case "custom":
		if p.MinimumAmount == nil {
			v := int32(DefaultMinimumAmount)
			p.MinimumAmount = &v
		}
		return p, true
	case "free":
		return p, true
	}
	return p, false
}

// SizeReadable formats a byte count the way the original's file schema
// does: binary multiples, one decimal ("512.0 B", "1.5 KB", "3.0 MB").
func SizeReadable(n int64) string {
	v := float64(n)
	for _, unit := range []string{"", "K", "M", "G", "T", "P", "E", "Z"} {
		if math.Abs(v) < 1024 {
			return fmt.Sprintf("%.1f %sB", v, unit)
		}
		v /= 1024
	}
	return fmt.Sprintf("%.1f YB", v)
}

// publicURL is where a media file is published: an absolute http(s) path
// is used as is (media hosted elsewhere); otherwise it lives under
// PORTAL_BASE_URL/media/.
func (s *Service) publicURL(path string) string {
	if u, err := url.Parse(path); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return path
	}
	parts := strings.Split(strings.TrimLeft(path, "/"), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return s.baseURL + "/media/" + strings.Join(parts, "/")
}
