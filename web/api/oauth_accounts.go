package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/oauthaccount"
	"portal/web/middleware"
)

// authorizeResponse is the contract's AuthorizeResponse.
type authorizeResponse struct {
	URL string `json:"url"`
}

// OAuthAuthorize is GET /oauth-accounts/authorize (§5.1, D7). Anonymous
// callers get through the route's middleware; the service answers 401.
func (h *Handlers) OAuthAuthorize(c echo.Context) error {
	in, err := parseAuthorizeQuery(c)
	if err != nil {
		return err
	}
	u, err := h.S.OAuth.Authorize(c.Request().Context(), middleware.Principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, authorizeResponse{URL: u})
}

// parseAuthorizeQuery validates the query as the contract does: platform is
// the CustomerOAuthPlatform enum, customer_id a UUID, both required.
func parseAuthorizeQuery(c echo.Context) (oauthaccount.AuthorizeInput, error) {
	var in oauthaccount.AuthorizeInput
	var fields []apperr.FieldError
	q := c.QueryParams()
	switch {
	case !q.Has("platform"):
		fields = append(fields, missing("platform"))
	default:
		v := q.Get("platform")
		switch oauthaccount.Platform(v) {
		case oauthaccount.Microsoft, oauthaccount.Discord:
			in.Platform = oauthaccount.Platform(v)
		default:
			fields = append(fields, apperr.Choice("Input should be 'microsoft' or 'discord'", v, "query", "platform"))
		}
	}
	switch {
	case !q.Has("customer_id"):
		fields = append(fields, missing("customer_id"))
	default:
		v := q.Get("customer_id")
		id, err := uuid.Parse(v)
		// uuid.Parse also accepts urn: and {braced} forms; the contract does not.
		if err != nil || len(v) != 36 {
			fields = append(fields, apperr.Typed(apperr.CodeInvalidUUID, "uuid_parsing", "Input should be a valid UUID", v, "query", "customer_id"))
		} else {
			in.CustomerID = id
		}
	}
	if len(fields) > 0 {
		return in, apperr.Invalid(fields...)
	}
	in.ReturnTo = q.Get("return_to")
	return in, nil
}

func missing(name string) apperr.FieldError {
	return apperr.Required(nil, "query", name)
}

// OAuthCallback is GET /oauth-accounts/callback (§5.2, D7): the provider
// sends the browser here. Outcomes are 303 redirects to the state's
// return_to; a bad state is 403 JSON. No session is ever created here.
func (h *Handlers) OAuthCallback(c echo.Context) error {
	q := c.QueryParams()
	if !q.Has("state") {
		return apperr.Invalid(missing("state"))
	}
	in := oauthaccount.CallbackInput{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error")}
	in.BrowserSessions, _ = c.Get(keyCallbackBrowser).([]uuid.UUID)
	target, err := h.S.OAuth.Callback(c.Request().Context(), callbackCaller(c), in)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// keyCallbackBrowser is where CallbackBrowserSession leaves the browser
// session ids the callback request's cookie refers to.
const keyCallbackBrowser = "portal.oauth_callback_browser"

// CallbackBrowserSession reads the pages' cookie on the callback route only,
// for the state's session binding (D30): the provider's redirect is a
// top-level navigation, so it carries the portal's cookie (when SameSite
// allows) and no bearer. read returns the browser session ids the cookie
// names (one per workspace). The cookie never authenticates anything here
// (D21); it can only make the callback stricter.
func CallbackBrowserSession(read func(*http.Request) []uuid.UUID) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if ids := read(c.Request()); len(ids) > 0 {
				c.Set(keyCallbackBrowser, ids)
			}
			return next(c)
		}
	}
}

// callbackCaller is the bearer session the callback request carries, if
// any; the service refuses a state bound to another session than this one.
func callbackCaller(c echo.Context) *auth.Principal {
	return middleware.Principal(c)
}
