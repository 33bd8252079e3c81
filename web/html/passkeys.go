package html

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/device"
	"portal/internal/i18n"
	"portal/internal/passkey"
	customerview "portal/views/customer"
	"portal/views/paths"
	"portal/views/signin"
	"portal/web/htmx"
	"portal/web/httperr"
	"portal/web/middleware"
	"portal/web/session"
)

// Passkeys on the pages (issue 18). The ceremonies are JSON calls made by
// static/js/passkey.js (CSRF token in X-CSRF-Token); rename and remove are
// plain forms. Without JavaScript the passkey buttons stay hidden and codes
// work as before.

// maxCredentialBody bounds a ceremony's JSON answer.
const maxCredentialBody = 64 << 10

const msgPasskeyAdded = "security.passkey_added"

// finishBody is what passkey.js posts to finish a ceremony.
type finishBody struct {
	ChallengeID uuid.UUID       `json:"challenge_id"`
	Credential  json.RawMessage `json:"credential"`
}

func readFinish(c echo.Context) (finishBody, error) {
	var b finishBody
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, maxCredentialBody+1))
	if err != nil || len(raw) > maxCredentialBody {
		return b, passkeyBadAnswer()
	}
	if err := json.Unmarshal(raw, &b); err != nil || len(b.Credential) == 0 {
		return b, passkeyBadAnswer()
	}
	return b, nil
}

// passkeyBadAnswer is a ceremony answer that is not the JSON passkey.js
// sends (too big, malformed): the ceremony cannot be checked.
func passkeyBadAnswer() error {
	return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PasskeyBadAnswer", Detail: "The passkey answer could not be read. Please try again."}
}

// passkeyJSONError answers a ceremony's failure as JSON the script shows
// (detail), with the status and headers of its kind. Internal errors go to
// the central handler (logged once there, no detail leaks).
func passkeyJSONError(c echo.Context, err error, extra map[string]any) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		return err
	}
	httperr.SetHeaders(c.Response().Header(), ae)
	c.Response().Header().Del("WWW-Authenticate") // a page call, not a bearer one
	body := map[string]any{"name": ae.Name, "detail": passkeyDetail(i18n.From(c.Request().Context()), ae)}
	for k, v := range extra {
		body[k] = v
	}
	return c.JSON(httperr.Status(ae.Kind), body)
}

// passkeyErrorIDs name the catalog message for a passkey error by its
// name; passkeyDetail falls back to its kind.
var passkeyErrorIDs = map[string]string{
	"PasskeyBadAnswer":        "passkeys.error.bad_answer",
	"PasskeyUnknown":          "passkeys.error.unknown",
	"PasskeySignCount":        "passkeys.error.sign_count",
	"PasskeyChallengeExpired": "passkeys.error.expired",
	"PasskeyNotVerified":      "passkeys.error.not_verified",
	"PasskeyReverify":         "passkeys.error.reverify",
	"passkey_exists":          "passkeys.error.exists",
}

// passkeyDetail is the sentence the passkey script shows for ae, in l's
// language (the JSON API keeps the service's English; these are page
// calls): by the error's name, else its kind, so no English detail reaches
// a German page.
func passkeyDetail(l *i18n.Locale, ae *apperr.Error) string {
	if id, ok := passkeyErrorIDs[ae.Name]; ok {
		return l.T(id)
	}
	switch {
	case ae.Kind == apperr.KindNotFound && ae.Detail == passkey.MsgDisabled:
		return l.T("passkeys.error.disabled")
	case ae.Kind == apperr.KindRateLimited:
		return l.T("passkeys.error.too_many")
	case ae.Kind == apperr.KindUnavailable:
		return l.T("passkeys.error.busy")
	case ae.Kind == apperr.KindInvalid:
		// The only field of a ceremony is the passkey's name.
		return l.T("security.passkey_name_long")
	case ae.Kind == apperr.KindUnauthenticated:
		return l.T("passkeys.error.signed_out")
	case ae.Kind == apperr.KindNotFound:
		return l.T("passkeys.error.not_found")
	}
	return l.T("passkeys.error.failed")
}

// PasskeySignIn is the sign-in card's passkey button (nil when passkeys
// are off for this portal's base URL).
func (h *Handlers) PasskeySignIn(c echo.Context) *signin.PasskeyProps {
	if !h.S.Passkeys.Enabled() {
		return nil
	}
	slug := Workspace(c).Slug
	return &signin.PasskeyProps{BeginURL: paths.PasskeySignInBegin(slug), FinishURL: paths.PasskeySignInFinish(slug)}
}

// PasskeyLoginBegin is POST /{slug}/portal/passkeys/sign-in/begin.
func (h *Handlers) PasskeyLoginBegin(c echo.Context) error {
	b, err := h.S.Passkeys.BeginLogin(c.Request().Context(), Workspace(c).ID, c.RealIP())
	if err != nil {
		return passkeyJSONError(c, err, nil)
	}
	return c.JSON(http.StatusOK, b)
}

// PasskeyLoginFinish is POST /{slug}/portal/passkeys/sign-in/finish: a
// verified assertion signs the browser in exactly as a code does (a new
// browser session, D19/D25, through signIn); the credential names its
// principal, so there is no account picker.
func (h *Handlers) PasskeyLoginFinish(c echo.Context) error {
	body, err := readFinish(c)
	if err != nil {
		return passkeyJSONError(c, err, nil)
	}
	ws := Workspace(c)
	subject, err := h.S.Passkeys.FinishLogin(c.Request().Context(), ws.ID, c.RealIP(), c.Request().UserAgent(), body.ChallengeID, body.Credential)
	if err != nil {
		return passkeyJSONError(c, err, nil)
	}
	st := h.state(c)
	if err := h.signIn(c, st, ws.ID, func(ctx context.Context) (uuid.UUID, error) {
		return h.S.Browser.CreateWith(ctx, subject, h.signInMeta(c, auth.MethodPasskey))
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"redirect": paths.Page(ws.Slug, "overview")})
}

// PasskeysSection builds the settings page's passkeys section.
func (h *Handlers) PasskeysSection(c echo.Context) (*customerview.PasskeysProps, error) {
	if !h.S.Passkeys.Enabled() {
		return nil, nil
	}
	p := middleware.Principal(c)
	list, err := h.S.Passkeys.List(c.Request().Context(), p)
	if err != nil {
		return nil, err
	}
	slug := Workspace(c).Slug
	tok, field := csrfToken(c)
	props := &customerview.PasskeysProps{CSRFField: field, CSRFToken: tok, Fresh: h.S.Passkeys.Fresh(p),
		BeginURL: paths.PasskeyAddBegin(slug), FinishURL: paths.PasskeyAddFinish(slug), ReverifyURL: paths.PasskeyReverify(slug),
		Nonce: middleware.Nonce(c)}
	for _, k := range list {
		props.Passkeys = append(props.Passkeys, customerview.PasskeyRow{ID: k.ID.String(), Name: k.Name, CreatedAt: k.CreatedAt,
			LastUsedAt: k.LastUsedAt, RenameAction: paths.PasskeyRename(slug, k.ID.String()), RemoveAction: paths.PasskeyRemove(slug, k.ID.String())})
	}
	return props, nil
}

// PasskeyAddBegin is POST /{slug}/portal/settings/passkeys/begin: only a
// browser session younger than ten minutes may add a passkey; an older one
// is told to re-verify with a code (reverify: the form to do so).
func (h *Handlers) PasskeyAddBegin(c echo.Context) error {
	p := middleware.Principal(c)
	label := ""
	if bs, _ := c.Get(keyBrowser).(*auth.BrowserSession); bs != nil {
		label = bs.Email
	}
	b, err := h.S.Passkeys.BeginRegistration(c.Request().Context(), p, label)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Name == "PasskeyReverify" {
			return passkeyJSONError(c, err, map[string]any{"reverify": true})
		}
		return passkeyJSONError(c, err, nil)
	}
	return c.JSON(http.StatusOK, b)
}

// PasskeyAddFinish is POST /{slug}/portal/settings/passkeys/finish: the
// new passkey is named after this browser ("Chrome on macOS"); it can be
// renamed later.
func (h *Handlers) PasskeyAddFinish(c echo.Context) error {
	body, err := readFinish(c)
	if err != nil {
		return passkeyJSONError(c, err, nil)
	}
	if _, err := h.S.Passkeys.FinishRegistration(c.Request().Context(), middleware.Principal(c), body.ChallengeID, newPasskeyName(c), body.Credential); err != nil {
		return passkeyJSONError(c, err, nil)
	}
	if err := h.setFlash(c, "success", h.locale(c).T(msgPasskeyAdded)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"redirect": paths.PasskeysPage(Workspace(c).Slug)})
}

// newPasskeyName names a new passkey after the browser adding it, in the
// page's language ("Chrome unter macOS"), as the devices list names it.
func newPasskeyName(c echo.Context) string {
	return device.DescribeIn(i18n.From(c.Request().Context()), c.Request().UserAgent()).Name
}

// PasskeyRename is POST /{slug}/portal/settings/passkeys/{id}/rename.
func (h *Handlers) PasskeyRename(c echo.Context) error {
	msg, kind := "security.passkey_renamed", "success"
	id, perr := uuid.Parse(c.Param("id"))
	var err error = apperr.NotFound("")
	if perr == nil {
		name := c.FormValue("name")
		if strings.TrimSpace(strings.ToValidUTF8(name, "")) == "" {
			// No name: the word for a passkey in the page's language.
			name = h.locale(c).T("passkeys.default_name")
		}
		err = h.S.Passkeys.Rename(c.Request().Context(), middleware.Principal(c), id, name)
	}
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return err
		}
		switch ae.Kind {
		case apperr.KindNotFound:
			msg, kind = "security.passkey_gone", "error"
		case apperr.KindInvalid:
			msg, kind = "security.passkey_name_long", "error"
		default:
			return err
		}
	}
	if err := h.setFlash(c, kind, h.locale(c).T(msg)); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.PasskeysPage(Workspace(c).Slug))
}

// PasskeyRemove is POST /{slug}/portal/settings/passkeys/{id}/remove
// (confirmed on the page): the passkey stops signing in at once.
func (h *Handlers) PasskeyRemove(c echo.Context) error {
	msg := "security.passkey_removed"
	id, perr := uuid.Parse(c.Param("id"))
	var err error = apperr.NotFound("")
	if perr == nil {
		err = h.S.Passkeys.Remove(c.Request().Context(), middleware.Principal(c), id)
	}
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindNotFound {
			return err
		}
		msg = "security.passkey_already_removed"
	}
	if err := h.setFlash(c, "success", h.locale(c).T(msg)); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.PasskeysPage(Workspace(c).Slug))
}

// PasskeyReverify is POST /{slug}/portal/settings/passkeys/reverify: a
// session too old to add a passkey signs out and starts a code sign-in for
// the same address; the next sign-in is fresh.
func (h *Handlers) PasskeyReverify(c echo.Context) error {
	st := h.state(c)
	ws := Workspace(c)
	email := ""
	if bs, _ := c.Get(keyBrowser).(*auth.BrowserSession); bs != nil {
		email = bs.Email
	}
	if sid := st.Session(ws.ID); sid != uuid.Nil {
		if err := h.S.Browser.Revoke(c.Request().Context(), sid); err != nil {
			return err
		}
	}
	next := session.State{Sessions: st.Sessions, Flash: h.locale(c).T("security.reverify_flash"), FlashKind: "success"}
	next.DropSession(ws.ID)
	*st = next
	h.rotateCSRF(c)
	if err := h.writeState(c, *st); err != nil {
		return err
	}
	target := paths.SignIn(ws.Slug)
	if email = strings.TrimSpace(email); email != "" {
		target += "?" + url.Values{"email": {email}}.Encode()
	}
	return htmx.Redirect(c, target)
}
