// Package html holds the page handlers: same file names as api/, each
// calling the same service methods as its JSON twin and rendering templ
// views. Every form works without JavaScript; HTMX requests get fragments.
package html

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/app"
	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/i18n"
	"portal/internal/workspace"
	"portal/views/layout"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/middleware"
	"portal/web/session"
)

// Handlers are the page handlers.
type Handlers struct {
	S       *app.Services
	cookies *session.Store
}

func New(s *app.Services) *Handlers {
	return &Handlers{S: s, cookies: session.New([]byte(s.Config.Secret), s.Config.Secure())}
}

const keyWorkspace = "portal.workspace"

// LoadWorkspace resolves /{slug}/ to a live workspace, else the 404 page.
// When the cookie holds browser sessions, the session of that workspace is
// read in the same round trip (auth.BrowserSessions.LoadPage) and left for
// PageSession, which decides what it means (docs/design.md "Round trips").
func (h *Handlers) LoadWorkspace(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, slug := c.Request().Context(), c.Param("slug")
		st := h.cookies.Read(c.Request())
		c.Set(keyState, &st)
		if len(st.Sessions) == 0 {
			ws, err := h.S.Workspaces.BySlug(ctx, slug)
			if err != nil {
				return err
			}
			c.Set(keyWorkspace, &ws)
			return next(c)
		}
		ids := make([]uuid.UUID, len(st.Sessions))
		for i, s := range st.Sessions {
			ids[i] = s.SessionID
		}
		pg, err := h.S.Browser.LoadPage(ctx, slug, ids, st.Session)
		if err != nil {
			return err
		}
		ws := workspace.FromRow(pg.Workspace)
		c.Set(keyWorkspace, &ws)
		if pg.Looked {
			c.Set(keyPreloaded, preloaded{pg.Session})
		}
		return next(c)
	}
}

// keyPreloaded holds the preloaded browser session of the page's workspace
// (nil: none live) when LoadWorkspace read it.
const keyPreloaded = "portal.preloaded_session"

type preloaded struct{ bs *auth.BrowserSession }

// Workspace returns the workspace of this page.
func Workspace(c echo.Context) *workspace.Workspace {
	w, _ := c.Get(keyWorkspace).(*workspace.Workspace)
	return w
}

// Render writes a templ component with a status. Signed-in pages are never
// cached (D19).
func Render(c echo.Context, status int, comp templ.Component) error {
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	if hdr.Get("Cache-Control") == "" {
		hdr.Set("Cache-Control", "no-store")
	}
	if !htmx.IsRequest(c) {
		c.Response().WriteHeader(status)
		return comp.Render(c.Request().Context(), c.Response())
	}
	// A flash lives for one page view: an HTMX answer replaces the
	// layout's #flash region. A fragment with its own outcome (the team
	// panel, the saved billing form) swaps it itself; any other one gets
	// an empty region after its content, so "Card added." never stays
	// above "Your card was declined." (docs/design.md "Pages").
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	if !bytes.Contains(buf.Bytes(), []byte(`id="flash"`)) && !bytes.Contains(buf.Bytes(), []byte(`:#flash"`)) {
		if err := layout.FlashReset().Render(c.Request().Context(), &buf); err != nil {
			return err
		}
	}
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// Meta builds the request-wide page data; title is a catalog id (or text
// already in the page's language, as error pages pass).
func (h *Handlers) Meta(c echo.Context, title, current string) layout.Meta {
	if i18n.Has(title) {
		title = h.locale(c).T(title)
	}
	m := layout.Meta{Title: title, Nonce: middleware.Nonce(c), Current: current, Theme: theme(c)}
	if ws := Workspace(c); ws != nil {
		lw := &layout.Workspace{Name: ws.Name, Slug: ws.Slug}
		if ws.AvatarUrl != nil {
			lw.LogoURL = *ws.AvatarUrl
		}
		if ws.AccentColor != nil {
			lw.Accent = *ws.AccentColor
		}
		if ws.Website != nil {
			lw.Website = *ws.Website
		}
		if ws.Email != nil {
			lw.Email = *ws.Email
		}
		m.Workspace = lw
	}
	if r := c.Request(); r.Method == http.MethodGet && !htmx.IsRequest(c) {
		m.Here = r.URL.Path
	}
	m.CSRFToken, m.CSRFField = csrfToken(c)
	m.Flash, m.FlashKind = h.takeFlash(c)
	h.fillUser(c, &m)
	return m
}

func theme(c echo.Context) string {
	switch c.QueryParam("theme") {
	case "light", "dark":
		return c.QueryParam("theme")
	}
	return ""
}

// RenderError is the page form of every error (friendly 404/429/500 pages
// in the portal's look; 401 sends the browser to sign in).
func (h *Handlers) RenderError(c echo.Context, status int, e *apperr.Error) error {
	if status == http.StatusUnauthorized {
		return h.redirectToSignIn(c)
	}
	l := h.locale(c)
	heading, msg := l.T("error.generic_heading"), l.T("error.generic_message")
	switch status {
	case http.StatusBadRequest:
		heading, msg = l.T("error.bad_request"), detail(l, e.Detail, "error.generic_message")
	case http.StatusNotFound:
		heading, msg = l.T("error.not_found_heading"), l.T("error.not_found_message")
	case http.StatusForbidden:
		heading, msg = l.T("error.forbidden"), detail(l, e.Detail, "error.forbidden_message")
	case http.StatusTooManyRequests:
		heading, msg = l.T("error.too_many_heading"), l.T("error.too_many_message")
	case http.StatusServiceUnavailable:
		heading, msg = l.T("error.unavailable_heading"), l.T("error.unavailable_message")
	}
	m := h.Meta(c, heading, "")
	var links []layout.Link
	if status == http.StatusNotFound && m.Workspace == nil {
		example := h.S.Config.BaseURL + paths.Page(l.T("error.example_workspace"), "")
		msg, links = l.T("error.no_portal_message", map[string]any{"Example": example}), h.unknownWorkspaceLinks(c, l)
	}
	if htmx.IsRequest(c) {
		// Whatever the form targeted, the message replaces the page content.
		c.Response().Header().Set("HX-Retarget", "#main")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		// The card replaces <main>, #flash included: it brings its own.
		return Render(c, status, layout.ErrorFragment(m, status, heading, msg, links))
	}
	return Render(c, status, layout.ErrorPage(m, status, heading, msg, links))
}

// unknownWorkspaceLinks are the ways on from the page of a workspace that
// does not exist: the portal the address most likely meant (the slug
// without the punctuation a link picks up at the end of a sentence, in
// lower case) and the page the visitor came from.
func (h *Handlers) unknownWorkspaceLinks(c echo.Context, l *i18n.Locale) []layout.Link {
	var out []layout.Link
	if slug := c.Param("slug"); slug != "" {
		want := strings.TrimFunc(strings.ToLower(slug), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
		if want != "" && want != slug {
			if ws, err := h.S.Workspaces.BySlug(c.Request().Context(), want); err == nil {
				out = append(out, layout.Link{Label: l.T("error.link_workspace", map[string]any{"Workspace": ws.Name}), URL: paths.Page(ws.Slug, "")})
			}
		}
	}
	if ref, err := url.Parse(c.Request().Referer()); err == nil && (ref.Scheme == "https" || ref.Scheme == "http") && ref.Host != "" &&
		!(ref.Host == c.Request().Host && ref.Path == c.Request().URL.Path) {
		out = append(out, layout.Link{Label: l.T("error.link_back"), URL: ref.String()})
	}
	return out
}
