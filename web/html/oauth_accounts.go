package html

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/oauthaccount"
	customerview "portal/views/customer"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/middleware"
)

// Linked accounts on the settings page (D7, D16). Connecting starts the
// same flow as the API's authorize, bound to this browser session; the
// provider returns through the API's callback, which redirects back to the
// settings page with linked= or error= parameters that the panel explains.

// LinkedAccounts builds the panel for this request: the caller's accounts,
// the configured platforms, and the outcome carried in the query string.
// The settings page renders it with customerview.LinkedAccounts.
func (h *Handlers) LinkedAccounts(c echo.Context) (customerview.LinkedAccountsProps, error) {
	p := middleware.Principal(c)
	accounts, err := h.S.OAuth.List(c.Request().Context(), p)
	if err != nil {
		return customerview.LinkedAccountsProps{}, err
	}
	token, field := csrfToken(c)
	props := customerview.LinkedAccountsProps{
		CSRFField: field, CSRFToken: token, WorkspaceName: Workspace(c).Name,
		DisconnectAction: paths.SettingsPage(Workspace(c).Slug) + "/oauth/disconnect",
	}
	for _, pl := range h.S.OAuth.Platforms() {
		props.Platforms = append(props.Platforms, customerview.LinkedPlatform{
			Key: string(pl), Label: pl.Label(),
			ConnectAction: paths.SettingsPage(Workspace(c).Slug) + "/oauth/" + string(pl) + "/connect",
		})
	}
	for _, a := range accounts {
		props.Accounts = append(props.Accounts, customerview.LinkedAccount{
			Key: a.Key, PlatformLabel: a.Platform.Label(), ID: a.ID, Username: a.Username,
		})
	}
	props.Notice, props.NoticeKind = linkNotice(c.QueryParams())
	return props, nil
}

// providerCode is what a provider's own error code looks like
// (access_denied, consent_required...). Anything else in error= is shown
// only when it is one of our own messages: the query string is attacker
// controlled, so the page never repeats free text from it.
var providerCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// errNotAvailable is the error= value the connect handler uses for a
// platform without credentials.
const errNotAvailable = "not_available"

// linkNotice explains the outcome parameters the callback (or the
// disconnect handler) put on the settings URL.
func linkNotice(q url.Values) (string, string) {
	// label names the platform; an unknown one (the parameter is attacker
	// controlled) reads as "the provider" / "your external account".
	label := func(key string) string {
		switch p := oauthaccount.Platform(q.Get(key)); p {
		case oauthaccount.Microsoft, oauthaccount.Discord:
			return p.Label()
		}
		return ""
	}
	account := func(key string) string {
		if l := label(key); l != "" {
			return "your " + l + " account"
		}
		return "your external account"
	}
	provider := func(key string) string {
		if l := label(key); l != "" {
			return l
		}
		return "the provider"
	}
	upper := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	switch {
	case q.Has("linked"):
		return upper(account("linked")) + " is now linked.", "success"
	case q.Has("unlinked"):
		return upper(account("unlinked")) + " was disconnected.", "success"
	case q.Has("error"):
		acc, prov := account("error_platform"), provider("error_platform")
		e := q.Get("error")
		var msg string
		switch {
		case e == oauthaccount.MsgAuthorizeFailed:
			msg = "Linking " + acc + " failed: " + prov + " did not authorize it."
		case e == oauthaccount.MsgTokenFailed, e == oauthaccount.MsgProfileFailed:
			msg = "Linking " + acc + " failed. " + e
		case strings.HasPrefix(e, "Rate limited by "):
			msg = upper(prov) + " is receiving too many requests right now."
			if n, err := strconv.Atoi(q.Get("error_retry_after")); err == nil && n >= 0 && n < 1e6 {
				unit := "seconds"
				if n == 1 {
					unit = "second"
				}
				msg += " Please try again in " + strconv.Itoa(n) + " " + unit + "."
			} else {
				msg += " Please try again in a moment."
			}
		case e == "access_denied":
			msg = "You cancelled linking at " + prov + "; nothing was linked."
		case e == errNotAvailable:
			if l := label("error_platform"); l != "" {
				msg = "Linking " + l + " accounts is not available."
			} else {
				msg = "Linking this kind of account is not available."
			}
		case e == "unlink_missing":
			msg = "That account is not linked any more."
		case providerCode.MatchString(e):
			msg = "Linking " + acc + " failed (" + prov + " said: " + e + "). Please try again."
		default:
			msg = "Linking " + acc + " failed. Please try again."
		}
		return msg, "error"
	}
	return "", ""
}

// OAuthConnect is POST /{slug}/portal/settings/oauth/{platform}/connect: it
// records a state bound to this browser session and sends the browser to the
// provider. The settings page's CSP allows the provider in form-action, which
// also governs the redirect after a form POST.
func (h *Handlers) OAuthConnect(c echo.Context) error {
	p := middleware.Principal(c)
	platform := oauthaccount.Platform(c.Param("platform"))
	target, err := h.S.OAuth.Authorize(c.Request().Context(), p, oauthaccount.AuthorizeInput{
		Platform: platform, CustomerID: p.CustomerID, ReturnTo: paths.SettingsPage(Workspace(c).Slug),
	})
	if err != nil {
		if apperr.IsKind(err, apperr.KindInvalid) {
			back := paths.SettingsPage(Workspace(c).Slug) + "?" + url.Values{"error": {errNotAvailable}, "error_platform": {string(platform)}}.Encode()
			return htmx.Redirect(c, back)
		}
		return err
	}
	return htmx.Redirect(c, target)
}

// OAuthDisconnect is POST /{slug}/portal/settings/oauth/disconnect (form
// field key = "<platform>:<account_id>"). HTMX gets the panel back; a plain
// form gets a redirect to the settings page.
func (h *Handlers) OAuthDisconnect(c echo.Context) error {
	p := middleware.Principal(c)
	key := c.FormValue("key")
	q := url.Values{}
	err := h.S.OAuth.Unlink(c.Request().Context(), p, key)
	switch {
	case err == nil:
		platform, _, _ := strings.Cut(key, ":")
		q.Set("unlinked", platform)
	case apperr.IsKind(err, apperr.KindNotFound):
		q.Set("error", "unlink_missing")
	default:
		return err
	}
	if htmx.IsRequest(c) {
		props, err := h.LinkedAccounts(c)
		if err != nil {
			return err
		}
		props.Notice, props.NoticeKind = linkNotice(q)
		return Render(c, http.StatusOK, customerview.LinkedAccounts(props))
	}
	return c.Redirect(http.StatusSeeOther, paths.SettingsPage(Workspace(c).Slug)+"?"+q.Encode())
}

// BrowserSessionIDs are the browser session ids in r's portal cookie; the
// API's OAuth callback uses them to check a state's binding (D30).
func (h *Handlers) BrowserSessionIDs(r *http.Request) []uuid.UUID {
	st := h.cookies.Read(r)
	return st.SessionIDs()
}

// AllowProviderFormAction widens the page's CSP form-action to the
// configured providers' origins, so the connect forms may redirect there
// (browsers apply form-action to the redirect that answers a form POST).
func (h *Handlers) AllowProviderFormAction(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hdr := c.Response().Header()
		if csp := hdr.Get("Content-Security-Policy"); csp != "" {
			if origins := h.S.OAuth.FormActionOrigins(); len(origins) > 0 {
				hdr.Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'",
					"form-action 'self' "+strings.Join(origins, " "), 1))
			}
		}
		return next(c)
	}
}
