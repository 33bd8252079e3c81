// Package oauthtest is an OAuth provider for tests: one httptest server that
// plays Microsoft (login.microsoftonline.com's /{tenant}/oauth2/v2.0/token
// and Graph's /v1.0/me) and Discord (/api/oauth2/token, /api/users/@me).
// Point OAUTH_MICROSOFT_BASE_URL and OAUTH_DISCORD_BASE_URL at URL. Only
// tests import it.
package oauthtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"portal/internal/config"
)

// Credentials and identities the fake provider knows.
const (
	Tenant             = "contoso"
	MicrosoftClientID  = "ms-client"
	MicrosoftSecret    = "ms-secret"
	DiscordClientID    = "dc-client"
	DiscordSecret      = "dc-secret"
	MicrosoftAccountID = "ms-user-1"
	MicrosoftName      = "Ada Lovelace"
	DiscordAccountID   = "80351110224678912"
	DiscordName        = "nelly"
)

// Provider is the fake. Its knobs may be changed between requests with Set.
type Provider struct {
	URL string
	srv *httptest.Server

	// The callback URL the token endpoint insists on (redirect_uri).
	CallbackURL string

	mu            sync.Mutex
	tokenStatus   int
	tokenHeaders  map[string]string
	profileStatus int
	noRefresh     bool
	tokenCalls    int
	lastForm      map[string]string
	lastBasicUser string
}

// Knobs is what a test may change.
type Knobs struct {
	TokenStatus   int               // non-200: the token endpoint fails with it
	TokenHeaders  map[string]string // extra headers on token answers (rate limits)
	ProfileStatus int               // non-zero: the profile endpoint fails with it
	NoRefresh     bool              // answer without a refresh_token
}

// New starts the provider; baseURL is PORTAL_BASE_URL (for redirect_uri).
func New(t testing.TB, baseURL string) *Provider {
	p := &Provider{CallbackURL: strings.TrimRight(baseURL, "/") + "/api/customer-portal/oauth-accounts/callback"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /"+Tenant+"/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) { p.token(w, r, "ms") })
	mux.HandleFunc("POST /api/oauth2/token", func(w http.ResponseWriter, r *http.Request) { p.token(w, r, "dc") })
	mux.HandleFunc("GET /v1.0/me", func(w http.ResponseWriter, r *http.Request) {
		p.profile(w, r, "ms", map[string]any{"id": MicrosoftAccountID, "displayName": MicrosoftName, "userPrincipalName": "ada@contoso.test"})
	})
	mux.HandleFunc("GET /api/users/@me", func(w http.ResponseWriter, r *http.Request) {
		p.profile(w, r, "dc", map[string]any{"id": DiscordAccountID, "username": DiscordName})
	})
	p.srv = httptest.NewServer(mux)
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// Configure points cfg's OAuth settings at the provider, both platforms on.
func (p *Provider) Configure(cfg *config.Config) {
	cfg.MicrosoftClientID, cfg.MicrosoftClientSecret, cfg.MicrosoftTenant = MicrosoftClientID, MicrosoftSecret, Tenant
	cfg.MicrosoftBaseURL = p.URL
	cfg.DiscordClientID, cfg.DiscordClientSecret = DiscordClientID, DiscordSecret
	cfg.DiscordBaseURL = p.URL
}

// Set changes the provider's behaviour.
func (p *Provider) Set(k Knobs) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenStatus, p.tokenHeaders, p.profileStatus, p.noRefresh = k.TokenStatus, k.TokenHeaders, k.ProfileStatus, k.NoRefresh
}

// TokenCalls is how many token requests arrived.
func (p *Provider) TokenCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenCalls
}

// LastTokenRequest returns the last token request's form and basic-auth user.
func (p *Provider) LastTokenRequest() (map[string]string, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastForm, p.lastBasicUser
}

// AccessToken and RefreshToken are the tokens issued for a code.
func AccessToken(platformPrefix, code string) string  { return platformPrefix + "-access-" + code }
func RefreshToken(platformPrefix, code string) string { return platformPrefix + "-refresh-" + code }

func (p *Provider) token(w http.ResponseWriter, r *http.Request, prefix string) {
	_ = r.ParseForm()
	p.mu.Lock()
	p.tokenCalls++
	p.lastForm = map[string]string{}
	for k := range r.PostForm {
		p.lastForm[k] = r.PostForm.Get(k)
	}
	p.lastBasicUser, _, _ = r.BasicAuth()
	status, headers, noRefresh := p.tokenStatus, p.tokenHeaders, p.noRefresh
	p.mu.Unlock()
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	if status != 0 && status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	// The client must authenticate the way the platform requires: Microsoft
	// in the body, Discord with HTTP basic auth.
	if prefix == "ms" && (r.PostForm.Get("client_secret") != MicrosoftSecret || r.PostForm.Get("client_id") != MicrosoftClientID) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if prefix == "dc" {
		if u, s, ok := r.BasicAuth(); !ok || u != DiscordClientID || s != DiscordSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	if r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != p.CallbackURL || r.PostForm.Get("code") == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
		return
	}
	code := r.PostForm.Get("code")
	resp := map[string]any{"access_token": AccessToken(prefix, code), "token_type": "Bearer", "expires_in": 3600}
	if !noRefresh {
		resp["refresh_token"] = RefreshToken(prefix, code)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (p *Provider) profile(w http.ResponseWriter, r *http.Request, prefix string, body map[string]any) {
	p.mu.Lock()
	status := p.profileStatus
	p.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "+prefix+"-access-") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}
