package workspaceapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portal/internal/testkit"
)

// TestWorkspaceAPI_UpdateWorkspace: PATCH /api/workspaces/me changes the
// token's own workspace (merge-patch), which the public endpoint then shows.
func TestWorkspaceAPI_UpdateWorkspace(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	r := e.c.PatchJSON("/api/workspaces/me", map[string]any{
		"name": " Acme Corp ", "email": "help@acme.example", "website": "https://acme.example", "avatar_url": "https://cdn.acme.example/a.png",
		"accent_color": "#FF8800", "member_model_enabled": true, "customer_portal_settings": map[string]any{"usage": map[string]any{"show": false}, "x": 1},
	}, "Authorization", e.authz).ExpectStatus(t, http.StatusOK)
	w := body(t, r)
	if w["name"] != "Acme Corp" || w["email"] != "help@acme.example" || w["website"] != "https://acme.example" ||
		w["avatar_url"] != "https://cdn.acme.example/a.png" || w["accent_color"] != "#ff8800" || w["modified_at"] == nil ||
		w["workspace_features"].(map[string]any)["member_model_enabled"] != true ||
		w["customer_portal_settings"].(map[string]any)["usage"].(map[string]any)["show"] != false {
		t.Fatalf("%s", r.Body)
	}
	pub := e.c.GetJSON(publicURL+"acme").ExpectStatus(t, http.StatusOK)
	pub.ValidateContract(t)
	if ws := body(t, pub)["workspace"].(map[string]any); ws["name"] != "Acme Corp" || ws["avatar_url"] != "https://cdn.acme.example/a.png" ||
		ws["customer_portal_settings"].(map[string]any)["usage"].(map[string]any)["show"] != false {
		t.Fatalf("public %s", pub.Body)
	}
	// Null clears the nullable fields; absent ones stay.
	r = e.c.PatchJSON("/api/workspaces/me", map[string]any{"email": nil, "website": nil, "avatar_url": nil, "accent_color": nil, "seat_based_pricing_enabled": true},
		"Authorization", e.authz).ExpectStatus(t, http.StatusOK)
	w = body(t, r)
	if w["email"] != nil || w["website"] != nil || w["avatar_url"] != nil || w["accent_color"] != nil || w["name"] != "Acme Corp" ||
		w["feature_settings"].(map[string]any)["seat_based_pricing_enabled"] != true {
		t.Fatalf("%s", r.Body)
	}
	// Only the token's workspace changed.
	if n := e.s.Count(`SELECT count(*) FROM workspaces WHERE name = 'Acme Corp'`); n != 1 {
		t.Fatalf("%d renamed", n)
	}
}

// TestWorkspaceAPI_UpdateWorkspaceBadInput: 422 at the field, nothing written.
func TestWorkspaceAPI_UpdateWorkspaceBadInput(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	cases := []struct {
		name string
		body any
		loc  []any
	}{
		{"malformed", `{"name":}`, nil},
		{"not object", `"x"`, []any{"body"}},
		{"null name", map[string]any{"name": nil}, []any{"body", "name"}},
		{"empty name", map[string]any{"name": "  "}, []any{"body", "name"}},
		{"long name", map[string]any{"name": strings.Repeat("n", 257)}, []any{"body", "name"}},
		{"name wrong type", map[string]any{"name": 1}, []any{"body", "name"}},
		{"bad email", map[string]any{"email": "x"}, []any{"body", "email"}},
		{"relative website", map[string]any{"website": "acme.example"}, []any{"body", "website"}},
		{"long avatar", map[string]any{"avatar_url": "https://x.example/" + strings.Repeat("a", 2048)}, []any{"body", "avatar_url"}},
		{"bad accent", map[string]any{"accent_color": "red"}, []any{"body", "accent_color"}},
		{"short accent", map[string]any{"accent_color": "#fff"}, []any{"body", "accent_color"}},
		{"null member model", map[string]any{"member_model_enabled": nil}, []any{"body", "member_model_enabled"}},
		{"member model wrong type", map[string]any{"member_model_enabled": "yes"}, []any{"body", "member_model_enabled"}},
		{"null portal settings", map[string]any{"customer_portal_settings": nil}, []any{"body", "customer_portal_settings"}},
		{"portal settings not object", map[string]any{"customer_portal_settings": []int{1}}, []any{"body", "customer_portal_settings"}},
		{"portal settings no usage", map[string]any{"customer_portal_settings": map[string]any{}}, []any{"body", "customer_portal_settings", "usage"}},
		{"portal settings show not bool", map[string]any{"customer_portal_settings": map[string]any{"usage": map[string]any{"show": "no"}}},
			[]any{"body", "customer_portal_settings", "usage", "show"}},
	}
	for _, c := range cases {
		want422(t, c.name, e.c.PatchJSON("/api/workspaces/me", c.body, "Authorization", e.authz), c.loc, "")
	}
	if n := e.s.Count(`SELECT count(*) FROM workspaces WHERE modified_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d workspaces modified", n)
	}
}

// TestWorkspaceAPI_DefaultLocale: default_locale is "en" until set, accepts
// exactly the six locales, refuses anything else (and null) with 422 at the
// field, and is what a browser that names no supported language gets.
func TestWorkspaceAPI_DefaultLocale(t *testing.T) {
	e := newEnv(t)
	t.Parallel()
	r := e.c.PatchJSON("/api/workspaces/me", map[string]any{}, "Authorization", e.authz).ExpectStatus(t, http.StatusOK)
	if got := body(t, r)["default_locale"]; got != "en" {
		t.Fatalf("default_locale before any change = %v", got)
	}
	for _, l := range []string{"de", "fr", "es", "pt-BR", "ja", "en"} {
		r := e.c.PatchJSON("/api/workspaces/me", map[string]any{"default_locale": l}, "Authorization", e.authz).ExpectStatus(t, http.StatusOK)
		if got := body(t, r)["default_locale"]; got != l {
			t.Fatalf("set %s: got %v", l, got)
		}
	}
	for _, bad := range []any{"xx", "DE", "pt", "pt_BR", "", nil, 1} {
		want422(t, fmt.Sprintf("default_locale %v", bad), e.c.PatchJSON("/api/workspaces/me", map[string]any{"default_locale": bad}, "Authorization", e.authz),
			[]any{"body", "default_locale"}, "")
	}
	e.c.PatchJSON("/api/workspaces/me", map[string]any{"default_locale": "ja"}, "Authorization", e.authz).ExpectStatus(t, http.StatusOK)
	page := testkit.NewClient(t, e.h).Get("/acme/portal/request", "Accept-Language", "zh-CN").ExpectStatus(t, http.StatusOK)
	if !strings.Contains(page.Text(), `<html lang="ja"`) {
		t.Errorf("unsupported browser language: page is not in the workspace default (ja)")
	}
	page = testkit.NewClient(t, e.h).Get("/acme/portal/request", "Accept-Language", "de-CH").ExpectStatus(t, http.StatusOK)
	if !strings.Contains(page.Text(), `<html lang="de"`) {
		t.Errorf("the browser's supported language does not beat the workspace default")
	}
	// Another workspace keeps its own default.
	page = testkit.NewClient(t, e.h).Get("/globex/portal/request").ExpectStatus(t, http.StatusOK)
	if !strings.Contains(page.Text(), `<html lang="en"`) {
		t.Errorf("globex is not English")
	}
}
