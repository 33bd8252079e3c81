// Package oauthaccount owns linking Microsoft and Discord accounts to a
// customer or member (§5, D7). Unlike the original, linking needs a live
// session: the state is signed, single use, expires after 10 minutes and is
// bound to the session that asked for it, and the callback never creates a
// session (S1, S4 closed). Provider tokens are encrypted at rest.
package oauthaccount

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// StateLifetime is how long a user has to finish at the provider (D7).
const StateLifetime = 10 * time.Minute

// CallbackPath is the API route providers send the browser back to.
const CallbackPath = "/api/customer-portal/oauth-accounts/callback"

// The callback's user-facing failure messages (§5.2), shown by the pages.
const (
	MsgAuthorizeFailed = "Failed to authorize."
	MsgTokenFailed     = "Failed to get access token. Please try again later."
	MsgProfileFailed   = "Failed to get profile information. Please try again later."
	MsgInvalidState    = "Invalid state"
)

// Service is the oauthaccount domain.
type Service struct {
	pool      *pgxpool.Pool
	log       *slog.Logger
	base      *url.URL
	keys      *keys
	providers map[Platform]*provider
	client    *http.Client
}

// New builds the service from the configuration: PORTAL_BASE_URL for the
// callback and return_to origin, PORTAL_SECRET for state signatures and
// token encryption, OAUTH_* for the platforms.
func New(pool *pgxpool.Pool, cfg *config.Config, log *slog.Logger) (*Service, error) {
	rawBase := cfg.BaseURL
	if rawBase == "" {
		// config.Load fills this in; a hand-built Config (tests, commands)
		// gets the same default.
		addr := cfg.Addr
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		rawBase = "http://" + addr
	}
	base, err := url.Parse(strings.TrimRight(rawBase, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("oauthaccount: PORTAL_BASE_URL %q is not an absolute URL", cfg.BaseURL)
	}
	if cfg.Secret == "" {
		return nil, errors.New("oauthaccount: PORTAL_SECRET is required")
	}
	k, err := deriveKeys([]byte(cfg.Secret))
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	callback := base.Scheme + "://" + base.Host + CallbackPath
	return &Service{
		pool: pool, log: log, base: base, keys: k,
		providers: buildProviders(cfg, callback),
		client:    &http.Client{Timeout: providerTimeout},
	}, nil
}

// Platforms returns the configured platforms in display order; the pages
// show a connect button for exactly these.
func (s *Service) Platforms() []Platform {
	var out []Platform
	for _, p := range AllPlatforms {
		if s.providers[p] != nil {
			out = append(out, p)
		}
	}
	return out
}

// FormActionOrigins are the provider origins a page's connect form may
// redirect to; CSP form-action applies to the redirect after a form POST.
func (s *Service) FormActionOrigins() []string {
	var out []string
	for _, p := range s.Platforms() {
		if o := s.providers[p].origin; o != "" {
			out = append(out, o)
		}
	}
	return out
}

// AuthorizeInput is the authorize operation's query (§5.1).
type AuthorizeInput struct {
	Platform   Platform
	CustomerID uuid.UUID
	ReturnTo   string
}

// sessionRef names the session a state is bound to, with its kind, so a
// browser session id can never match an API session id.
func sessionRef(p *auth.Principal) string {
	switch {
	case p.Browser:
		return "browser:" + p.SessionID.String()
	case p.Kind == auth.SubjectMember:
		return "member_session:" + p.SessionID.String()
	default:
		return "customer_session:" + p.SessionID.String()
	}
}

// Authorize starts linking: it records a single-use state bound to the
// caller's session and answers the provider URL to send the browser to.
func (s *Service) Authorize(ctx context.Context, p *auth.Principal, in AuthorizeInput) (string, error) {
	if p == nil || p.SessionID == uuid.Nil {
		return "", apperr.Unauthorized()
	}
	prov := s.providers[in.Platform]
	if prov == nil {
		return "", apperr.InvalidField(fmt.Sprintf("Linking %s accounts is not available.", in.Platform.Label()),
			string(in.Platform), "query", "platform")
	}
	if in.CustomerID != p.CustomerID {
		return "", apperr.Forbidden("You can only link accounts to your own customer.")
	}
	var memberID *uuid.UUID
	if p.IsMember() {
		m := p.MemberID
		memberID = &m
	}
	id, err := dbgen.New(s.pool).CreateOAuthState(ctx, dbgen.CreateOAuthStateParams{
		ExpiresAt:  time.Now().Add(StateLifetime),
		Platform:   string(in.Platform),
		CustomerID: p.CustomerID,
		MemberID:   memberID,
		SessionRef: sessionRef(p),
		ReturnTo:   sanitizeReturnTo(s.base, in.ReturnTo),
	})
	if err != nil {
		return "", dbErr("oauthaccount.authorize", err)
	}
	return prov.conf.AuthCodeURL(s.keys.signState(id), prov.authOpts...), nil
}

// CallbackInput is the provider's redirect back to us (§5.2).
type CallbackInput struct {
	State string
	Code  string
	Error string
	// BrowserSessions are the browser sessions the request's portal cookie
	// names (one per workspace, D25); they only ever make the callback
	// stricter, never authenticate anything.
	BrowserSessions []uuid.UUID
}

// boundToCaller reports whether the callback request carries the session a
// state was started by. A state started from the pages ("browser:") needs
// that browser session's cookie and nothing else will do: no cookie, a
// cookie of another session, or a bearer token is refused (D30). A state
// started through the API stays bearer-bound: a caller that brings a
// bearer must bring the one that asked, and a portal cookie left in the
// same browser does not matter (the API ignores cookies, D21). Refusing
// rolls the consume back, so a stolen state does not burn the owner's
// attempt.
func boundToCaller(ref string, caller *auth.Principal, browsers []uuid.UUID) bool {
	if strings.HasPrefix(ref, "browser:") {
		if caller != nil && !caller.Browser {
			return false
		}
		if caller != nil && sessionRef(caller) == ref {
			return true
		}
		for _, id := range browsers {
			if "browser:"+id.String() == ref {
				return true
			}
		}
		return false
	}
	return caller == nil || caller.Browser || sessionRef(caller) == ref
}

// Callback finishes linking and returns where to send the browser (303).
// A bad, replayed, expired or foreign state is a 403 error; every provider
// outcome is a redirect to the state's return_to with linked= or error=.
// It never creates a session.
func (s *Service) Callback(ctx context.Context, caller *auth.Principal, in CallbackInput) (string, error) {
	id, ok := s.keys.verifyState(in.State)
	if !ok {
		s.log.InfoContext(ctx, "oauth state refused", "reason", "bad signature")
		return "", apperr.Forbidden(MsgInvalidState)
	}
	var st dbgen.OauthState
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		var err error
		st, err = q.ConsumeOAuthState(ctx, id)
		if err != nil {
			if db.IsNotFound(err) {
				s.log.InfoContext(ctx, "oauth state refused", "reason", "unknown, used or expired")
				return apperr.Forbidden(MsgInvalidState)
			}
			return err
		}
		if !boundToCaller(st.SessionRef, caller, in.BrowserSessions) {
			s.log.InfoContext(ctx, "oauth state refused", "reason", "another session")
			return apperr.Forbidden(MsgInvalidState)
		}
		alive, err := s.sessionAlive(ctx, q, st)
		if err != nil {
			return err
		}
		if !alive {
			s.log.InfoContext(ctx, "oauth state refused", "reason", "session ended")
			return apperr.Forbidden(MsgInvalidState)
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return "", err
		}
		return "", dbErr("oauthaccount.callback", err)
	}

	platform := Platform(st.Platform)
	failed := func(msg string, extra url.Values) string {
		v := url.Values{"error": {msg}, "error_platform": {string(platform)}}
		for k, vs := range extra {
			v[k] = vs
		}
		return withParams(st.ReturnTo, v)
	}
	prov := s.providers[platform]
	if prov == nil {
		// Credentials were removed while the user was at the provider.
		return failed(MsgAuthorizeFailed, nil), nil
	}
	if in.Error != "" || in.Code == "" {
		msg := in.Error
		if msg == "" {
			msg = MsgAuthorizeFailed
		}
		if r := []rune(msg); len(r) > 200 {
			msg = string(r[:200])
		}
		return failed(msg, nil), nil
	}

	pctx, cancel := context.WithTimeout(ctx, 2*providerTimeout)
	defer cancel()
	tok, err := prov.exchange(pctx, s.client, in.Code)
	if err != nil {
		s.log.WarnContext(ctx, "oauth token exchange failed", "platform", platform, "error", err.Error())
		var pe *providerError
		if errors.As(err, &pe) && pe.rateLimited {
			extra := url.Values{}
			if pe.retryAfter != "" {
				extra.Set("error_retry_after", pe.retryAfter)
			}
			return failed("Rate limited by "+platform.Label()+".", extra), nil
		}
		return failed(MsgTokenFailed, nil), nil
	}
	prof, err := prov.fetchProfile(pctx, s.client, tok)
	if err != nil {
		s.log.WarnContext(ctx, "oauth profile fetch failed", "platform", platform, "error", err.Error())
		return failed(MsgProfileFailed, nil), nil
	}

	key := string(platform) + ":" + prof.ID
	rec, err := s.record(key, tok, prof)
	if err != nil {
		return "", apperr.Internal("oauthaccount.callback", err)
	}
	q := dbgen.New(s.pool)
	var n int64
	if st.MemberID != nil {
		n, err = q.SetMemberOAuthAccount(ctx, dbgen.SetMemberOAuthAccountParams{Key: key, Record: rec, MemberID: *st.MemberID, CustomerID: st.CustomerID})
	} else {
		n, err = q.SetCustomerOAuthAccount(ctx, dbgen.SetCustomerOAuthAccountParams{Key: key, Record: rec, CustomerID: st.CustomerID})
	}
	if err != nil {
		return "", dbErr("oauthaccount.callback", err)
	}
	if n == 0 {
		// The member or customer went away while the user was at the provider.
		return "", apperr.Forbidden("Invalid customer")
	}
	return withParams(st.ReturnTo, url.Values{"linked": {string(platform)}}), nil
}

// sessionAlive checks that the session a state is bound to can still act
// (not signed out, expired, or belonging to a removed member or customer).
func (s *Service) sessionAlive(ctx context.Context, q *dbgen.Queries, st dbgen.OauthState) (bool, error) {
	kind, raw, ok := strings.Cut(st.SessionRef, ":")
	if !ok {
		return false, nil
	}
	sid, err := uuid.Parse(raw)
	if err != nil {
		return false, nil
	}
	switch kind {
	case "customer_session":
		if st.MemberID != nil {
			return false, nil
		}
		return q.CustomerSessionAlive(ctx, dbgen.CustomerSessionAliveParams{ID: sid, CustomerID: st.CustomerID})
	case "member_session":
		if st.MemberID == nil {
			return false, nil
		}
		return q.MemberSessionAlive(ctx, dbgen.MemberSessionAliveParams{ID: sid, MemberID: *st.MemberID, CustomerID: st.CustomerID})
	case "browser":
		return q.BrowserSessionAlive(ctx, dbgen.BrowserSessionAliveParams{ID: sid, CustomerID: st.CustomerID, MemberID: st.MemberID})
	}
	return false, nil
}

// storedAccount is §1.10's record. The token fields hold sealed values;
// account_id and account_username stay readable for GET /customers/me.
type storedAccount struct {
	AccessToken           string  `json:"access_token"`
	AccountID             string  `json:"account_id"`
	AccountUsername       *string `json:"account_username"`
	ExpiresAt             *int64  `json:"expires_at"`
	RefreshToken          *string `json:"refresh_token"`
	RefreshTokenExpiresAt *int64  `json:"refresh_token_expires_at"`
}

func (s *Service) record(key string, tok *oauth2.Token, prof profile) (json.RawMessage, error) {
	access, err := s.keys.seal(tok.AccessToken, key, "access_token")
	if err != nil {
		return nil, err
	}
	rec := storedAccount{AccessToken: access, AccountID: prof.ID}
	username := prof.Username
	rec.AccountUsername = &username
	if !tok.Expiry.IsZero() {
		exp := tok.Expiry.Unix()
		rec.ExpiresAt = &exp
	}
	// Microsoft sends no refresh token without offline_access; the original
	// crashed on that (§5.2 step 8), we store null.
	if tok.RefreshToken != "" {
		refresh, err := s.keys.seal(tok.RefreshToken, key, "refresh_token")
		if err != nil {
			return nil, err
		}
		rec.RefreshToken = &refresh
	}
	return json.Marshal(rec)
}

// Account is one linked account as the pages show it.
type Account struct {
	Key      string // "<platform>:<account_id>"
	Platform Platform
	ID       string
	Username string
}

// List returns the caller's linked accounts: the member's own for a member
// session (that is where the callback stores them), else the customer's.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Account, error) {
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	q := dbgen.New(s.pool)
	var raw json.RawMessage
	var err error
	if c := p.CustomerRow(); !p.IsMember() && c != nil && len(c.OauthAccounts) > 0 {
		// The customer's row came with the principal, in this request.
		raw = c.OauthAccounts
	} else if p.IsMember() {
		raw, err = q.GetMemberOAuthAccounts(ctx, dbgen.GetMemberOAuthAccountsParams{MemberID: p.MemberID, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	} else {
		raw, err = q.GetCustomerOAuthAccounts(ctx, dbgen.GetCustomerOAuthAccountsParams{CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	}
	if err != nil {
		if db.IsNotFound(err) {
			return nil, apperr.Unauthorized()
		}
		return nil, dbErr("oauthaccount.list", err)
	}
	var m map[string]struct {
		AccountID       string  `json:"account_id"`
		AccountUsername *string `json:"account_username"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, apperr.Internal("oauthaccount.list", err)
	}
	out := make([]Account, 0, len(m))
	for k, v := range m {
		platform, id, _ := strings.Cut(k, ":")
		if v.AccountID != "" {
			id = v.AccountID
		}
		a := Account{Key: k, Platform: Platform(platform), ID: id}
		if v.AccountUsername != nil {
			a.Username = *v.AccountUsername
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Unlink removes one linked account (key "<platform>:<account_id>") from
// the member's map for a member session, else from the customer's. An
// unknown key is 404.
func (s *Service) Unlink(ctx context.Context, p *auth.Principal, key string) error {
	if p == nil {
		return apperr.Unauthorized()
	}
	if key == "" || len(key) > 300 {
		return apperr.NotFound("Linked account not found")
	}
	q := dbgen.New(s.pool)
	var n int64
	var err error
	if p.IsMember() {
		n, err = q.RemoveMemberOAuthAccount(ctx, dbgen.RemoveMemberOAuthAccountParams{Key: key, MemberID: p.MemberID, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	} else {
		n, err = q.RemoveCustomerOAuthAccount(ctx, dbgen.RemoveCustomerOAuthAccountParams{Key: key, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	}
	if err != nil {
		return dbErr("oauthaccount.unlink", err)
	}
	if n == 0 {
		return apperr.NotFound("Linked account not found")
	}
	p.CustomerChanged()
	return nil
}

// OpenToken decrypts a sealed token field of the record stored under key
// (field "access_token" or "refresh_token"), for code that calls the
// provider on the user's behalf.
func (s *Service) OpenToken(key, field, sealed string) (string, error) {
	return s.keys.open(sealed, key, field)
}

// PurgeExpiredStates deletes states past their expiry (daily cleanup).
func (s *Service) PurgeExpiredStates(ctx context.Context) (int64, error) {
	n, err := dbgen.New(s.pool).DeleteExpiredOAuthStates(ctx)
	if err != nil {
		return 0, dbErr("oauthaccount.purge", err)
	}
	return n, nil
}

func dbErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}
