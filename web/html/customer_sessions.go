package html

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/i18n"
	"portal/internal/validate"
	"portal/views/paths"
	"portal/views/signin"
	"portal/web/htmx"
	"portal/web/httperr"
	"portal/web/middleware"
	"portal/web/session"
)

// ResendCooldown is how long the code page waits before offering a resend
// (config.Config.ResendCooldown overrides it in tests).
const ResendCooldown = 30 * time.Second

func (h *Handlers) resendCooldown() time.Duration {
	if d := h.S.Config.ResendCooldown; d > 0 {
		return d
	}
	return ResendCooldown
}

// renderCard answers a sign-in form: the card alone for htmx, else the page.
func renderCard(c echo.Context, status int, card, page templ.Component) error {
	if htmx.IsRequest(c) {
		return Render(c, status, card)
	}
	return Render(c, status, page)
}

// RequestPage is GET /{slug}/portal/request: the email form.
func (h *Handlers) RequestPage(c echo.Context) error {
	slug := Workspace(c).Slug
	next := SafeNext(slug, c.QueryParam("next"))
	if middleware.Principal(c) != nil {
		return c.Redirect(http.StatusSeeOther, h.afterSignIn(slug, next))
	}
	email := c.QueryParam("email")
	if len(email) > validate.MaxEmail {
		email = ""
	}
	return h.renderRequest(c, http.StatusOK, signin.RequestProps{Email: email, Next: next})
}

// afterSignIn is where a sign-in lands: the remembered page, else the
// overview.
func (h *Handlers) afterSignIn(slug, next string) string {
	if next = SafeNext(slug, next); next != "" {
		return next
	}
	return paths.Page(slug, "overview")
}

func (h *Handlers) renderRequest(c echo.Context, status int, p signin.RequestProps) error {
	m := h.Meta(c, "title.sign_in", "")
	p.Action = paths.Page(Workspace(c).Slug, "request")
	if len(p.Accounts) == 0 {
		p.Passkey = h.PasskeySignIn(c)
	}
	p.BackURL = p.Action
	q := url.Values{}
	if p.Email != "" {
		q.Set("email", p.Email)
	}
	if p.Next != "" {
		q.Set("next", p.Next)
	}
	if len(q) > 0 {
		p.BackURL += "?" + q.Encode()
	}
	return renderCard(c, status, signin.RequestCard(m, p), signin.RequestPage(m, p))
}

// RequestSubmit is POST /{slug}/portal/request: asks for a code (or, with
// customer_id, for the account chosen in the picker), keeps the request in
// the cookie and goes on to the code page.
func (h *Handlers) RequestSubmit(c echo.Context) error {
	ws := Workspace(c)
	email := strings.TrimSpace(c.FormValue("email"))
	next := SafeNext(ws.Slug, c.FormValue("next"))
	in := auth.RequestInput{Email: email, WorkspaceID: ws.ID, ClientIP: c.RealIP(), Browser: true,
		Device: h.deviceValue(c)}
	if raw := c.FormValue("customer_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return h.renderRequest(c, http.StatusUnprocessableEntity, signin.RequestProps{Email: email, Next: next, Error: h.locale(c).T("signin.choose_account")})
		}
		in.CustomerID = &id
	}
	res, err := h.S.SignIn.Request(c.Request().Context(), in)
	if err != nil {
		return h.requestError(c, email, next, err)
	}
	st := *h.state(c)
	st.RequestID, st.SentAt = res.SignInRequestID, time.Now()
	st.HeldUntil = heldUntil(res)
	st.Next = next
	st.Picked = in.CustomerID != nil
	st.Email = email
	if n, verr := validate.Email(email); verr == nil {
		st.Email = n
	}
	if err := h.writeState(c, st); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.Page(Workspace(c).Slug, "authenticate"))
}

// requestError shows what went wrong on the form itself.
func (h *Handlers) requestError(c echo.Context, email, next string, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	p := signin.RequestProps{Email: email, Next: next}
	switch ae.Kind {
	case apperr.KindConflict:
		choices, _ := ae.Data.(auth.AccountChoices)
		p.Accounts = pickerAccounts(choices)
		if len(p.Accounts) == 0 {
			return err
		}
		return h.renderRequest(c, http.StatusOK, p)
	case apperr.KindInvalid:
		p.Error = h.locale(c).T("fielderr.invalid_email")
		if len(ae.Fields) > 0 {
			p.Error = fieldMsg(h.locale(c), ae.Fields[0])
		}
		return h.renderRequest(c, http.StatusUnprocessableEntity, p)
	case apperr.KindRateLimited, apperr.KindUnavailable:
		var status int
		p.Message, status = signInRefusal(c, ae)
		p.Retry = retryOf(ae)
		return h.renderRequest(c, status, p)
	}
	return err
}

// pickerAccounts is the picker's list as the sign-in view takes it.
func pickerAccounts(choices auth.AccountChoices) []signin.Account {
	out := make([]signin.Account, 0, len(choices))
	for _, ch := range choices {
		name := ""
		if ch.Name != nil {
			name = *ch.Name
		}
		out = append(out, signin.Account{ID: ch.ID.String(), Name: name})
	}
	return out
}

// signInRefusal words a rate limit or an outage for the sign-in forms and
// returns its status, with Retry-After set: one place for the request,
// code and resend forms. A rate limit's form also says when to try again
// (retryOf).
func signInRefusal(c echo.Context, ae *apperr.Error) (string, int) {
	status := httperr.StatusOf(c.Response().Header(), ae)
	if ae.Kind == apperr.KindRateLimited {
		return i18n.From(c.Request().Context()).T("signin.more.too_many_short"), status
	}
	return i18n.From(c.Request().Context()).T("signin.unavailable"), status
}

// retryOf is when a rate-limited sign-in step is accepted again: the same
// moment Retry-After names (a refused call never moves it, issue 16.3).
func retryOf(ae *apperr.Error) *signin.Retry {
	if ae.Kind != apperr.KindRateLimited {
		return nil
	}
	return retryAfter(ae.RetryAfter, time.Now())
}

// retryAfter is the Retry of a wait d from now, in whole minutes rounded up
// (at least 1).
func retryAfter(d time.Duration, now time.Time) *signin.Retry {
	if d < time.Second {
		d = time.Second
	}
	mins := int((d + time.Minute - 1) / time.Minute)
	return &signin.Retry{At: now.Add(d), Minutes: max(mins, 1)}
}

// pending returns the browser's live sign-in request, or nil when it has
// none or it has ended (expired, used, or too many wrong codes).
func (h *Handlers) pending(c echo.Context) (*auth.PendingRequest, error) {
	st := h.state(c)
	if st.RequestID == uuid.Nil {
		return nil, nil
	}
	pr, err := h.S.SignIn.SignInRequest(c.Request().Context(), Workspace(c).ID, st.RequestID)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindNotFound {
		return nil, nil
	}
	return pr, err
}

func (h *Handlers) authProps(c echo.Context) signin.AuthenticateProps {
	st := h.state(c)
	p := signin.AuthenticateProps{Action: paths.Page(Workspace(c).Slug, "authenticate"), ResendAction: paths.Page(Workspace(c).Slug, "authenticate/resend"),
		RequestURL: paths.Page(Workspace(c).Slug, "request"), SentTo: st.Email,
		ExpiresInMinutes: int(auth.CodeTTL / time.Minute)}
	if st.Email != "" {
		p.RequestURL += "?" + url.Values{"email": {st.Email}}.Encode()
	}
	wait := time.Until(st.SentAt.Add(h.resendCooldown()))
	if held := time.Until(st.HeldUntil); held > 0 {
		// The address is over its mail cap: the same words whether or not
		// it has an account (D12, issue 16.3), and no resend before then.
		p.Held = &signin.Retry{At: st.HeldUntil, Minutes: int((held + time.Minute - 1) / time.Minute)}
		wait = max(wait, held)
	}
	if wait > 0 {
		p.ResendIn = int((wait + time.Second - 1) / time.Second)
	}
	return p
}

func (h *Handlers) renderAuth(c echo.Context, status int, p signin.AuthenticateProps) error {
	m := h.Meta(c, "title.code", "")
	return renderCard(c, status, signin.AuthenticateCard(m, p), signin.AuthenticatePage(m, p))
}

// AuthenticatePage is GET /{slug}/portal/authenticate: the code form for
// the request kept in the cookie; without one, back to the email form.
func (h *Handlers) AuthenticatePage(c echo.Context) error {
	// Signed in, the code page is only for switching accounts (a sign-in
	// under way); otherwise there is nothing to enter here.
	if middleware.Principal(c) != nil && h.state(c).RequestID == uuid.Nil {
		return c.Redirect(http.StatusSeeOther, paths.Page(Workspace(c).Slug, "overview"))
	}
	pr, err := h.pending(c)
	if err != nil {
		return err
	}
	// The email's link names the address (issue 16.2): without this
	// address's sign-in under way in this browser (a phone, a mail app),
	// the form binds the code to the address instead.
	if linked := linkEmail(c.QueryParam("email")); linked != "" && (pr == nil || !strings.EqualFold(pr.Email, linked)) {
		return h.renderAuth(c, http.StatusOK, h.boundProps(c, linked))
	}
	if pr == nil {
		if h.state(c).RequestID != uuid.Nil {
			if err := h.setFlash(c, "error", h.locale(c).T("signin.request_ended")); err != nil {
				return err
			}
		}
		return c.Redirect(http.StatusSeeOther, h.authProps(c).RequestURL)
	}
	return h.renderAuth(c, http.StatusOK, h.authProps(c))
}

// AuthenticateSubmit is POST /{slug}/portal/authenticate: the code, bound
// to the browser's request (D18). Success starts a new browser session.
func (h *Handlers) AuthenticateSubmit(c echo.Context) error {
	st := h.state(c)
	if linked := linkEmail(c.FormValue("email")); linked != "" {
		return h.authenticateBound(c, st, linked)
	}
	if st.RequestID == uuid.Nil {
		return htmx.Redirect(c, paths.Page(Workspace(c).Slug, "request"))
	}
	reqID := st.RequestID
	id, err := h.S.SignIn.Authenticate(c.Request().Context(), auth.AuthenticateInput{Code: c.FormValue("code"),
		ClientIP: c.RealIP(), SignInRequestID: &reqID, Device: h.deviceValue(c), UserAgent: c.Request().UserAgent()})
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return err
		}
		p := h.authProps(c)
		switch ae.Kind {
		case apperr.KindUnauthenticated:
			pr, perr := h.pending(c)
			if perr != nil {
				return perr
			}
			if pr == nil {
				p.Ended = true
			} else {
				p.Error = h.locale(c).T("signin.code_invalid")
				p.Code = typedCode(c.FormValue("code"))
			}
			return h.renderAuth(c, http.StatusUnprocessableEntity, p)
		case apperr.KindRateLimited, apperr.KindUnavailable:
			var status int
			p.Message, status = signInRefusal(c, ae)
			p.Retry = retryOf(ae)
			p.Code = typedCode(c.FormValue("code"))
			return h.renderAuth(c, status, p)
		}
		return err
	}
	target := h.afterSignIn(Workspace(c).Slug, st.Next)
	if err := h.startSession(c, st, auth.SubjectOf(id)); err != nil {
		return err
	}
	return htmx.Redirect(c, target)
}

// linkEmail is the address a sign-in email's link carries, normalized, or
// "" when there is none or it is not an address.
func linkEmail(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > validate.MaxEmail {
		return ""
	}
	n, err := validate.Email(raw)
	if err != nil {
		return ""
	}
	return n
}

// boundProps is the code form for an address from the email's link.
func (h *Handlers) boundProps(c echo.Context, email string) signin.AuthenticateProps {
	slug := Workspace(c).Slug
	return signin.AuthenticateProps{Action: paths.Page(slug, "authenticate"), SentTo: email, BoundEmail: email,
		RequestURL: paths.Page(slug, "request") + "?" + url.Values{"email": {email}}.Encode()}
}

// authenticateBound signs in with a code bound to an address and this
// workspace (D18), from the form the email's link opened in a browser that
// did not ask for the code (issue 16.2). Wrong codes count against the
// caller's IP like every code (and per address, D26).
func (h *Handlers) authenticateBound(c echo.Context, st *session.State, email string) error {
	ws := Workspace(c)
	wsID := ws.ID
	id, err := h.S.SignIn.Authenticate(c.Request().Context(), auth.AuthenticateInput{Code: c.FormValue("code"),
		Email: &email, WorkspaceID: &wsID, ClientIP: c.RealIP(), Device: h.deviceValue(c), UserAgent: c.Request().UserAgent()})
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return err
		}
		p := h.boundProps(c, email)
		p.Code = typedCode(c.FormValue("code"))
		switch ae.Kind {
		case apperr.KindUnauthenticated:
			p.Error = h.locale(c).T("signin.code_invalid")
			return h.renderAuth(c, http.StatusUnprocessableEntity, p)
		case apperr.KindRateLimited, apperr.KindUnavailable:
			var status int
			p.Message, status = signInRefusal(c, ae)
			p.Retry = retryOf(ae)
			return h.renderAuth(c, status, p)
		}
		return err
	}
	target := h.afterSignIn(ws.Slug, st.Next)
	if err := h.startSession(c, st, auth.SubjectOf(id)); err != nil {
		return err
	}
	return htmx.Redirect(c, target)
}

// ResendCode is POST /{slug}/portal/authenticate/resend: another code for
// the same request (earlier codes stay valid, D18), after a cooldown.
func (h *Handlers) ResendCode(c echo.Context) error {
	pr, err := h.pending(c)
	if err != nil {
		return err
	}
	if pr == nil {
		return htmx.Redirect(c, h.authProps(c).RequestURL)
	}
	p := h.authProps(c)
	if p.ResendIn > 0 {
		p.Message = h.locale(c).N("signin.wait_seconds", p.ResendIn)
		return h.renderAuth(c, http.StatusTooManyRequests, p)
	}
	st := *h.state(c)
	id := pr.ID
	res, err := h.S.SignIn.Request(c.Request().Context(), auth.RequestInput{Email: pr.Email, WorkspaceID: Workspace(c).ID,
		CustomerID: pr.CustomerID, ClientIP: c.RealIP(), Browser: true, SignInRequestID: &id,
		Device: h.deviceValue(c)})
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			switch ae.Kind {
			case apperr.KindNotFound:
				return htmx.Redirect(c, p.RequestURL)
			case apperr.KindRateLimited, apperr.KindUnavailable:
				var status int
				p.Message, status = signInRefusal(c, ae)
				p.Retry = retryOf(ae)
				return h.renderAuth(c, status, p)
			}
		}
		return err
	}
	st.SentAt = time.Now()
	st.HeldUntil = heldUntil(res)
	st.Flash, st.FlashKind = h.locale(c).T("signin.new_code_sent"), "success"
	if !st.HeldUntil.IsZero() {
		// Nothing went out; the page says when to try again (issue 16.3).
		st.Flash, st.FlashKind = "", ""
	}
	if err := h.writeState(c, st); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.Page(Workspace(c).Slug, "authenticate"))
}

// SignOut is POST /{slug}/portal/sign-out: revokes the browser session
// server-side and forgets it in the cookie (D10, D19).
func (h *Handlers) SignOut(c echo.Context) error {
	st := h.state(c)
	ws := Workspace(c).ID
	if sid := st.Session(ws); sid != uuid.Nil {
		if err := h.S.Browser.Revoke(c.Request().Context(), sid); err != nil {
			return err
		}
	}
	// Only this workspace's session ends (D25); the pending sign-in and
	// link, if any, go with it.
	next := session.State{Sessions: st.Sessions, Switch: st.Switch, Flash: h.locale(c).T("signin.signed_out"), FlashKind: "success"}
	next.DropSession(ws)
	next.SetSwitch(ws, false)
	*st = next
	h.rotateCSRF(c)
	if err := h.writeState(c, *st); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.Page(Workspace(c).Slug, "request"))
}

// heldUntil is when a request that mailed nothing (the address over its
// cap) may be tried again; zero when a code went out or the address is
// unknown and under its cap alike.
func heldUntil(res *auth.RequestResult) time.Time {
	if res == nil || res.Held <= 0 {
		return time.Time{}
	}
	return time.Now().Add(res.Held).Truncate(time.Second)
}

// typedCode is the code as typed, for showing it again beside its error;
// anything longer than a code (the field's maxlength) is not echoed.
func typedCode(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 16 {
		return ""
	}
	return s
}

// MaskEmail shows where a code went without spelling the address out:
// "alice@example.com" → "a***@example.com".
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "your email address"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
