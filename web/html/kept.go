package html

import (
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/workspace"
	"portal/views/paths"
	"portal/web/middleware"
	"portal/web/session"
)

// Kept form content (issue 16.4, docs/design.md "Kept form content"): a
// form posted just after its browser session ended keeps what was typed,
// in the sealed cookie, for the same person of the same workspace; after
// signing in again the form's page shows it once, with a notice, and
// nothing is saved until they save again.

// keptFor is how long kept content waits for the sign-in.
const keptFor = 30 * time.Minute

// billingFields are the billing form's fields, as the page posts them and
// in the flat form the handler also accepts (billingFormFrom).
var billingFields = []string{"billing_name",
	"billing_address[line1]", "billing_address[line2]", "billing_address[postal_code]", "billing_address[city]",
	"billing_address[state]", "billing_address[country]",
	"line1", "line2", "postal_code", "city", "state", "country"}

// keptForm is the form a POST to postPath submits: the page that shows it
// and the only fields kept from it. None of these forms has a password
// or a code, and the CSRF token is never kept.
func keptForm(slug, postPath string) (page string, fields []string) {
	switch postPath {
	case paths.SettingsPage(slug):
		return paths.SettingsPage(slug), billingFields
	case paths.TeamPage(slug, "/members"):
		return paths.TeamPage(slug, ""), []string{"email", "name", "role"}
	}
	return "", nil
}

// noteEndedSession remembers whose session just ended in this browser
// (the cookie holds only its id; the row says whose it was, even revoked
// or expired). A row already gone leaves nothing to bind to, so nothing
// will be kept.
func (h *Handlers) noteEndedSession(c echo.Context, st *session.State, sid, ws uuid.UUID) {
	who, err := h.S.Browser.SubjectOf(c.Request().Context(), sid, ws)
	if err != nil || who == uuid.Nil {
		st.Ended = session.Ended{}
		return
	}
	st.Ended = session.Ended{WorkspaceID: ws, Principal: who}
}

// keepPostedForm keeps a signed-out POST's form fields when the browser's
// session for ws just ended and the path is a form that keeps content. It
// returns the form's page ("" when nothing was kept), for sign-in to
// return to.
func (h *Handlers) keepPostedForm(c echo.Context, ws *workspace.Workspace) (string, error) {
	r := c.Request()
	if r.Method != http.MethodPost {
		return "", nil
	}
	st := *h.state(c)
	if st.Ended.WorkspaceID != ws.ID || st.Ended.Principal == uuid.Nil {
		return "", nil
	}
	page, names := keptForm(ws.Slug, r.URL.Path)
	if page == "" {
		return "", nil
	}
	if err := r.ParseForm(); err != nil {
		return "", nil //nolint:nilerr // an unreadable body keeps nothing
	}
	fields := url.Values{}
	for _, n := range names {
		if v := r.PostForm.Get(n); v != "" {
			fields.Set(n, v)
		}
	}
	if len(fields) == 0 || len(fields.Encode()) > session.MaxKept {
		return page, nil
	}
	st.Kept = session.Kept{WorkspaceID: ws.ID, Principal: st.Ended.Principal, Page: page, Fields: fields, Until: time.Now().Add(keptFor)}
	return page, h.writeState(c, st)
}

// carryKept is the kept content a new sign-in to ws by who may still
// show: only the same person's, of the same workspace, not expired.
func carryKept(k session.Kept, ws, who uuid.UUID) session.Kept {
	if k.Page == "" || k.WorkspaceID != ws || k.Principal != who || time.Now().After(k.Until) {
		return session.Kept{}
	}
	return k
}

// takeKept returns the content kept for page, once, when the signed-in
// principal is the one who typed it; content kept for another person, or
// expired, is dropped unseen.
func (h *Handlers) takeKept(c echo.Context, page string) url.Values {
	st := h.state(c)
	k, ws, p := st.Kept, Workspace(c), middleware.Principal(c)
	if k.Page == "" || ws == nil || p == nil || k.WorkspaceID != ws.ID {
		return nil
	}
	mine := carryKept(k, ws.ID, p.DeviceID()).Page != ""
	if mine && k.Page != page {
		return nil // kept for another page of the portal: it waits there
	}
	next := *st
	next.Kept = session.Kept{}
	if err := h.writeState(c, next); err != nil {
		middleware.Log(c).Warn("kept form content not cleared", "error", err.Error())
		return nil
	}
	if !mine {
		return nil
	}
	return k.Fields
}
