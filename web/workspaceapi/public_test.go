package workspaceapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const publicURL = "/api/customer-portal/workspaces/"

// catalog seeds ws's catalog: a public share with every price kind (and
// prices the answer must leave out), two media files stored out of order,
// and shares that must not show.
func (e *env) catalog(ws uuid.UUID) (share uuid.UUID) {
	e.t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	share = e.id(`INSERT INTO shares (workspace_id, name, description, created_at) VALUES ($1, 'Pro pack', 'All files', $2) RETURNING id`, ws, t0)
	price := func(typ, source string, archived bool, at time.Duration, cols string, vals ...any) {
		args := append([]any{share, typ, source, archived, t0.Add(at)}, vals...)
		ph := ""
		for i := range vals {
			ph += ", $" + string(rune('6'+i))
		}
		e.s.Exec(`INSERT INTO share_prices (share_id, amount_type, source, is_archived, created_at`+cols+`) VALUES ($1, $2, $3, $4, $5`+ph+`)`, args...)
	}
	price("custom", "catalog", false, 2*time.Minute, ", preset_amount", 500) // minimum null → 50
	price("fixed", "catalog", false, time.Minute, ", price_amount", 1500)
	price("free", "catalog", false, 3*time.Minute, "")
	price("metered_unit", "catalog", false, 4*time.Minute, "")          // not representable: skipped
	price("seat_based", "catalog", false, 5*time.Minute, "")            // skipped
	price("fixed", "catalog", true, 6*time.Minute, ", price_amount", 1) // archived
	price("fixed", "ad_hoc", false, 7*time.Minute, ", price_amount", 2) // not catalog
	f1 := e.id(`INSERT INTO files (workspace_id, name, path, mime_type, size) VALUES ($1, 'cover.png', 'acme/cover.png', 'image/png', 1536) RETURNING id`, ws)
	f2 := e.id(`INSERT INTO files (workspace_id, name, path, mime_type, size) VALUES ($1, 'shot.png', 'acme/shot one.png', 'image/png', 512) RETURNING id`, ws)
	gone := e.id(`INSERT INTO files (workspace_id, name, path, mime_type, size, deleted_at) VALUES ($1, 'gone.png', 'gone.png', 'image/png', 1, now()) RETURNING id`, ws)
	e.s.Exec(`INSERT INTO share_medias (share_id, file_id, "order") VALUES ($1, $2, 2), ($1, $3, 1), ($1, $4, 0)`, share, f1, f2, gone)
	for _, q := range []string{
		`INSERT INTO shares (workspace_id, name, visibility) VALUES ($1, 'draft', 'draft')`,
		`INSERT INTO shares (workspace_id, name, visibility) VALUES ($1, 'private', 'private')`,
		`INSERT INTO shares (workspace_id, name, is_archived) VALUES ($1, 'archived', true)`,
		`INSERT INTO shares (workspace_id, name, deleted_at) VALUES ($1, 'deleted', now())`,
	} {
		e.s.Exec(q, ws)
	}
	return share
}

// TestGetWorkspace_Contract: the answer validates against the contract and
// carries the original's hidden fields, prices in creation order (only the
// representable, non-archived catalog ones, custom minimum defaulting to
// 50) and media in their order.
func TestGetWorkspace_Contract(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	share := e.catalog(e.ws.ID)
	e.s.Exec(`UPDATE workspaces SET status = 'initial_review', website = 'https://acme.example', details_submitted_at = '2026-02-03T04:05:06.000123Z',
		socials = '[{"platform":"x","url":"https://x.com/acme"}]' WHERE id = $1`, e.ws.ID)

	r := e.c.GetJSON(publicURL+"acme").ExpectStatus(t, http.StatusOK)
	r.ValidateContract(t)
	b := body(t, r)
	ws := b["workspace"].(map[string]any)
	if ws["id"] != e.ws.ID.String() || ws["slug"] != "acme" || ws["name"] != "Workspace acme" || ws["avatar_url"] != nil || ws["modified_at"] != nil {
		t.Fatalf("workspace %v", ws)
	}
	// Hidden fields (§3.22, §8.4).
	if ws["email"] != "acme@example.com" || ws["website"] != "https://acme.example" || ws["status"] != "under_review" ||
		ws["details_submitted_at"] != "2026-02-03T04:05:06.000123Z" {
		t.Fatalf("hidden fields %v", ws)
	}
	if s := ws["socials"].([]any); len(s) != 1 || s[0].(map[string]any)["platform"] != "x" {
		t.Fatalf("socials %v", ws["socials"])
	}
	fs := ws["feature_settings"].(map[string]any)
	if fs["member_model_enabled"] != false || fs["seat_based_pricing_enabled"] != false || fs["tinybird_read"] != false || fs["tinybird_compare"] != false {
		t.Fatalf("feature_settings %v", fs)
	}
	if ws["workspace_features"].(map[string]any)["member_model_enabled"] != false ||
		ws["customer_portal_settings"].(map[string]any)["usage"].(map[string]any)["show"] != true ||
		ws["notification_settings"].(map[string]any)["new_payment"] != true ||
		ws["customer_email_settings"].(map[string]any)["payment_confirmation"] != true {
		t.Fatalf("settings %v", ws)
	}

	shares := b["shares"].([]any)
	if len(shares) != 1 {
		t.Fatalf("shares %v", shares)
	}
	sh := shares[0].(map[string]any)
	if sh["id"] != share.String() || sh["visibility"] != "public" || sh["description"] != "All files" || sh["workspace_id"] != e.ws.ID.String() {
		t.Fatalf("share %v", sh)
	}
	prices := sh["prices"].([]any)
	var kinds []string
	for _, p := range prices {
		kinds = append(kinds, p.(map[string]any)["amount_type"].(string))
	}
	if strings.Join(kinds, ",") != "fixed,custom,free" {
		t.Fatalf("price kinds %v", kinds)
	}
	if p := prices[0].(map[string]any); p["price_amount"] != 1500.0 || p["price_currency"] != "usd" || p["source"] != "catalog" {
		t.Fatalf("fixed %v", p)
	}
	if p := prices[1].(map[string]any); p["minimum_amount"] != 50.0 || p["preset_amount"] != 500.0 || p["maximum_amount"] != nil {
		t.Fatalf("custom %v", p)
	}
	medias := sh["medias"].([]any)
	if len(medias) != 2 {
		t.Fatalf("medias %v", medias)
	}
	m0, m1 := medias[0].(map[string]any), medias[1].(map[string]any)
	if m0["name"] != "shot.png" || m1["name"] != "cover.png" {
		t.Fatalf("media order %v, %v", m0["name"], m1["name"])
	}
	if m0["size_readable"] != "512.0 B" || m1["size_readable"] != "1.5 KB" || m0["service"] != "product_media" {
		t.Fatalf("size_readable %v %v", m0["size_readable"], m1["size_readable"])
	}
	if m0["public_url"] != baseURL+"/media/acme/shot%20one.png" {
		t.Fatalf("public_url %v", m0["public_url"])
	}
}

// TestGetWorkspace_CaseInsensitiveSlug: the slug lookup ignores case.
func TestGetWorkspace_CaseInsensitiveSlug(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	for _, slug := range []string{"acme", "ACME", "AcMe"} {
		r := e.c.GetJSON(publicURL+slug).ExpectStatus(t, http.StatusOK)
		r.ValidateContract(t)
		if b := body(t, r); b["workspace"].(map[string]any)["id"] != e.ws.ID.String() {
			t.Fatalf("%s: %s", slug, r.Body)
		}
	}
	// No shares is an empty list, not null; member mode shows in both flags.
	r := e.c.GetJSON(publicURL+"TeamCo").ExpectStatus(t, http.StatusOK)
	r.ValidateContract(t)
	b := body(t, r)
	if sh, ok := b["shares"].([]any); !ok || len(sh) != 0 {
		t.Fatalf("shares %v", b["shares"])
	}
	ws := b["workspace"].(map[string]any)
	if ws["workspace_features"].(map[string]any)["member_model_enabled"] != true ||
		ws["feature_settings"].(map[string]any)["seat_based_pricing_enabled"] != true {
		t.Fatalf("flags %v", ws)
	}
}

// TestGetWorkspace_NotFound: unknown, blocked and deleted workspaces are 404
// ResourceNotFound "Not found".
func TestGetWorkspace_NotFound(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	e.s.Exec(`UPDATE workspaces SET blocked_at = now() WHERE id = $1`, e.ws.ID)
	e.s.Exec(`UPDATE workspaces SET deleted_at = now() WHERE id = $1`, e.ws2.ID)
	for _, slug := range []string{"nope", "acme", "GLOBEX", "globex", "%20", strings.Repeat("x", 300)} {
		r := e.c.GetJSON(publicURL + slug)
		wantError(t, slug, r, http.StatusNotFound, "ResourceNotFound")
		r.ValidateContract(t)
		if !strings.Contains(r.Text(), `"detail":"Not found"`) {
			t.Fatalf("%s: %s", slug, r.Body)
		}
	}
}

// TestGetWorkspace_BadBearer: a bogus bearer token is 401 invalid_token even
// on this public route (D14, G15); a workspace token is not a portal token.
func TestGetWorkspace_BadBearer(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	wantInvalidToken(t, "bogus", e.c.GetJSON(publicURL+"acme", "Authorization", "Bearer rapidly_cst_nope"))
	wantInvalidToken(t, "workspace token", e.c.GetJSON(publicURL+"acme", "Authorization", e.authz))
}
