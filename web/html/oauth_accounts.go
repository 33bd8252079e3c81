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
	"portal/internal/i18n"
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
	props.Notice, props.NoticeKind = linkNotice(i18n.From(c.Request().Context()), c.QueryParams())
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
// disconnect handler) put on the settings URL, in the page's language.
func linkNotice(l *i18n.Locale, q url.Values) (string, string) {
	// label names the platform; an unknown one (the parameter is attacker
	// controlled) reads as "the provider" / "your external account", which
	// is the message variant without a platform name.
	label := func(key string) string {
		switch p := oauthaccount.Platform(q.Get(key)); p {
		case oauthaccount.Microsoft, oauthaccount.Discord:
			return p.Label()
		}
		return ""
	}
	// say picks the message naming the platform, or the one that does not
	// when the platform is unknown.
	say := func(key, named, unnamed string, data map[string]any) string {
		if data == nil {
			data = map[string]any{}
		}
		if lb := label(key); lb != "" {
			data["Platform"] = lb
			return l.T(named, data)
		}
		return l.T(unnamed, data)
	}
	switch {
	case q.Has("linked"):
		return say("linked", "linked.notice.linked", "linked.notice.linked_any", nil), "success"
	case q.Has("unlinked"):
		return say("unlinked", "linked.notice.unlinked", "linked.notice.unlinked_any", nil), "success"
	case q.Has("error"):
		const pk = "error_platform"
		e := q.Get("error")
		var msg string
		switch {
		case e == oauthaccount.MsgAuthorizeFailed:
			msg = say(pk, "linked.notice.not_authorized", "linked.notice.not_authorized_any", nil)
		case e == oauthaccount.MsgTokenFailed:
			msg = say(pk, "linked.notice.token_failed", "linked.notice.token_failed_any", nil)
		case e == oauthaccount.MsgProfileFailed:
			msg = say(pk, "linked.notice.profile_failed", "linked.notice.profile_failed_any", nil)
		case strings.HasPrefix(e, "Rate limited by "):
			msg = say(pk, "linked.notice.busy", "linked.notice.busy_any", nil)
			if n, err := strconv.Atoi(q.Get("error_retry_after")); err == nil && n >= 0 && n < 1e6 {
				msg += " " + l.N("linked.notice.retry_seconds", n)
			} else {
				msg += " " + l.T("linked.notice.retry_moment")
			}
		case e == "access_denied":
			msg = say(pk, "linked.notice.cancelled", "linked.notice.cancelled_any", nil)
		case e == errNotAvailable:
			msg = say(pk, "linked.notice.not_available", "linked.notice.not_available_any", nil)
		case e == "unlink_missing":
			msg = l.T("linked.notice.unlink_missing")
		case providerCode.MatchString(e):
			msg = say(pk, "linked.notice.provider_said", "linked.notice.provider_said_any", map[string]any{"Code": e})
		default:
			msg = say(pk, "linked.notice.failed", "linked.notice.failed_any", nil)
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
		props.Notice, props.NoticeKind = linkNotice(i18n.From(c.Request().Context()), q)
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
