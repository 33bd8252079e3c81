package oauthaccount

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"portal/internal/config"
)

// Platform is a CustomerOAuthPlatform value.
type Platform string

const (
	Microsoft Platform = "microsoft"
	Discord   Platform = "discord"
)

// AllPlatforms is the contract's enum, in display order.
var AllPlatforms = []Platform{Microsoft, Discord}

// Label is the platform's display name.
func (p Platform) Label() string {
	switch p {
	case Microsoft:
		return "Microsoft"
	case Discord:
		return "Discord"
	}
	return string(p)
}

// provider is one configured platform: its OAuth endpoints and how to read
// its profile.
type provider struct {
	platform   Platform
	conf       *oauth2.Config
	authOpts   []oauth2.AuthCodeOption
	profileURL string
	// origin is the authorize endpoint's scheme://host, for the pages' CSP.
	origin string
}

const (
	defaultMicrosoftBase  = "https://login.microsoftonline.com"
	defaultMicrosoftGraph = "https://graph.microsoft.com"
	defaultDiscordBase    = "https://discord.com"
)

// buildProviders returns the platforms that have credentials (§5,
// docs/design.md "Interface"): a platform without them does not exist for callers.
func buildProviders(cfg *config.Config, callbackURL string) map[Platform]*provider {
	out := map[Platform]*provider{}
	if cfg.MicrosoftClientID != "" && cfg.MicrosoftClientSecret != "" {
		base, graph := defaultMicrosoftBase, defaultMicrosoftGraph
		if cfg.MicrosoftBaseURL != "" {
			// One override serves both hosts, so a single test server can
			// play login.microsoftonline.com and graph.microsoft.com.
			base = strings.TrimRight(cfg.MicrosoftBaseURL, "/")
			graph = base
		}
		tenant := cfg.MicrosoftTenant
		if tenant == "" {
			tenant = "common"
		}
		tenant = url.PathEscape(tenant)
		out[Microsoft] = &provider{
			platform: Microsoft,
			conf: &oauth2.Config{
				ClientID:     cfg.MicrosoftClientID,
				ClientSecret: cfg.MicrosoftClientSecret,
				Endpoint: oauth2.Endpoint{
					AuthURL:   base + "/" + tenant + "/oauth2/v2.0/authorize",
					TokenURL:  base + "/" + tenant + "/oauth2/v2.0/token",
					AuthStyle: oauth2.AuthStyleInParams,
				},
				RedirectURL: callbackURL,
				Scopes:      []string{"User.Read"},
			},
			authOpts:   []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_mode", "query")},
			profileURL: graph + "/v1.0/me",
			origin:     origin(base),
		}
	}
	if cfg.DiscordClientID != "" && cfg.DiscordClientSecret != "" {
		base := defaultDiscordBase
		if cfg.DiscordBaseURL != "" {
			base = strings.TrimRight(cfg.DiscordBaseURL, "/")
		}
		out[Discord] = &provider{
			platform: Discord,
			conf: &oauth2.Config{
				ClientID:     cfg.DiscordClientID,
				ClientSecret: cfg.DiscordClientSecret,
				Endpoint: oauth2.Endpoint{
					AuthURL:   base + "/api/oauth2/authorize",
					TokenURL:  base + "/api/oauth2/token",
					AuthStyle: oauth2.AuthStyleInHeader, // HTTP basic client auth (§5)
				},
				RedirectURL: callbackURL,
				Scopes:      []string{"identify", "email", "guilds.join"},
			},
			profileURL: base + "/api/users/@me",
			origin:     origin(base),
		}
	}
	return out
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// providerError is a failed token exchange or profile fetch. retryAfter is
// set when the provider rate-limited us and said for how long.
type providerError struct {
	rateLimited bool
	retryAfter  string
	err         error
}

func (e *providerError) Error() string { return e.err.Error() }
func (e *providerError) Unwrap() error { return e.err }

// exchange trades the code for tokens at the provider's token endpoint.
func (p *provider) exchange(ctx context.Context, client *http.Client, code string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	tok, err := p.conf.Exchange(ctx, code)
	if err != nil {
		pe := &providerError{err: fmt.Errorf("oauthaccount: %s token exchange: %w", p.platform, err)}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusTooManyRequests {
			pe.rateLimited = true
			pe.retryAfter = retryAfter(p.platform, re.Response.Header)
		}
		return nil, pe
	}
	return tok, nil
}

// retryAfter reads how long a rate-limited provider asks us to wait, in
// whole seconds (§5.2 step 6): X-RateLimit-Reset-After first (Discord sends
// fractional seconds; rounded up so the user never retries too early), else
// Retry-After. The original divides Discord's Retry-After by 1000, treating
// it as milliseconds; Discord documents seconds, so a value under 1000 is
// taken as seconds and only larger ones as milliseconds, which keeps the
// original's answer for millisecond values without telling users "0 seconds".
func retryAfter(platform Platform, h http.Header) string {
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset-After")); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e9 {
			return strconv.Itoa(int(math.Ceil(f)))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return ""
		}
		if platform == Discord && n >= 1000 {
			n = int(math.Ceil(float64(n) / 1000))
		}
		return strconv.Itoa(n)
	}
	return ""
}

// profile is what we keep of the provider's user.
type profile struct {
	ID       string
	Username string
}

// fetchProfile reads the signed-in user at the provider.
func (p *provider) fetchProfile(ctx context.Context, client *http.Client, tok *oauth2.Token) (profile, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.profileURL, nil)
	if err != nil {
		return profile{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return profile{}, fmt.Errorf("oauthaccount: %s profile: %w", p.platform, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return profile{}, fmt.Errorf("oauthaccount: %s profile read: %w", p.platform, err)
	}
	if resp.StatusCode != http.StatusOK {
		return profile{}, fmt.Errorf("oauthaccount: %s profile: status %d", p.platform, resp.StatusCode)
	}
	var raw struct {
		ID                json.RawMessage `json:"id"`
		DisplayName       *string         `json:"displayName"`
		UserPrincipalName *string         `json:"userPrincipalName"`
		Username          *string         `json:"username"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return profile{}, fmt.Errorf("oauthaccount: %s profile decode: %w", p.platform, err)
	}
	id := idString(raw.ID)
	if id == "" || len(id) > 256 {
		return profile{}, fmt.Errorf("oauthaccount: %s profile without a usable id", p.platform)
	}
	out := profile{ID: id}
	switch p.platform {
	case Microsoft:
		// displayName, else userPrincipalName, else "" (§5.2 step 8).
		switch {
		case raw.DisplayName != nil && *raw.DisplayName != "":
			out.Username = *raw.DisplayName
		case raw.UserPrincipalName != nil:
			out.Username = *raw.UserPrincipalName
		}
	case Discord:
		if raw.Username != nil {
			out.Username = *raw.Username
		}
	}
	if r := []rune(out.Username); len(r) > 256 {
		out.Username = string(r[:256])
	}
	return out, nil
}

// idString accepts the id as a JSON string or number (str(profile.id)).
func idString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String()
	}
	return ""
}

// providerTimeout bounds every call to a provider so a hanging provider
// cannot hold a request.
const providerTimeout = 10 * time.Second
