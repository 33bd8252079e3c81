package html

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/i18n"
)

// LangCookie keeps a language chosen with ?lang= (docs/design.md
// "Languages and time zones"). It names a language and nothing else, so it
// is a plain cookie beside the encrypted session cookie.
const LangCookie = "portal_lang"

const keyLocale = "portal.locale"

// Locale chooses the page's language and time zone and puts them in the
// request context, where the views' i18n.T finds them: ?lang= (kept in a
// cookie), else the cookie, else Accept-Language, else the workspace's
// default_locale, else English. The zone is the one the browser posted
// into its session cookie (TimeZone), UTC until then.
func (h *Handlers) Locale(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h.locale(c)
		return next(c)
	}
}

// locale computes the request's Locale once (error pages call it too, when
// a middleware before Locale refused the request).
func (h *Handlers) locale(c echo.Context) *i18n.Locale {
	if l, ok := c.Get(keyLocale).(*i18n.Locale); ok {
		return l
	}
	r := c.Request()
	explicit := ""
	if q := r.URL.Query().Get("lang"); q != "" {
		if lang, ok := i18n.Parse(q); ok {
			explicit = lang
			if ck, err := r.Cookie(LangCookie); err != nil || ck.Value != lang {
				http.SetCookie(c.Response(), &http.Cookie{
					Name: LangCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
					Secure: h.S != nil && h.S.Config.Secure(), HttpOnly: true, SameSite: http.SameSiteLaxMode,
				})
			}
		}
	}
	if explicit == "" {
		if ck, err := r.Cookie(LangCookie); err == nil {
			explicit = ck.Value
		}
	}
	wsDefault := ""
	if ws := Workspace(c); ws != nil {
		wsDefault = ws.DefaultLocale
	}
	lang := i18n.Negotiate(explicit, r.Header.Get("Accept-Language"), wsDefault)
	var zone *time.Location
	if h.cookies != nil {
		if z, ok := i18n.Zone(h.state(c).TimeZone); ok {
			zone = z
		}
	}
	l := i18n.New(lang, zone)
	c.Set(keyLocale, l)
	c.SetRequest(r.WithContext(i18n.WithLocale(r.Context(), l)))
	return l
}

// TimeZone keeps the browser's IANA time zone (posted once by portal.js
// from Intl.DateTimeFormat) in its own cookie, so later pages render
// times in it. CSRF-protected like every page form; 204, or 422 for a
// name the tz database does not know.
func (h *Handlers) TimeZone(c echo.Context) error {
	name := c.FormValue("tz")
	if _, ok := i18n.Zone(name); !ok {
		return c.NoContent(http.StatusUnprocessableEntity)
	}
	// Only the zone's own cookie is written: rewriting the sealed state
	// here could undo a sign-in that finished while this post was on its way.
	if st := h.state(c); st.TimeZone != name {
		h.cookies.WriteZone(c.Response(), name)
		st.TimeZone = name
	}
	return c.NoContent(http.StatusNoContent)
}
