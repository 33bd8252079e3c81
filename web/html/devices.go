package html

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/device"
	"portal/internal/i18n"
	customerview "portal/views/customer"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/middleware"
)

// The settings page's "Sign-in and devices" section (issue 18): the
// signed-in person's live browser sessions, signing one or all others out.
// A revoked session is dead on its next request: PageSession's Load refuses
// it, exactly as after a sign-out.

var methodLabels = map[auth.Method]string{
	auth.MethodCode: "security.with_code", auth.MethodPasskey: "security.with_passkey", auth.MethodLink: "security.with_link",
}

// DevicesSection builds the section for this request.
func (h *Handlers) DevicesSection(c echo.Context) (customerview.DevicesProps, error) {
	p := middleware.Principal(c)
	l := h.locale(c)
	devices, err := h.S.Browser.Devices(c.Request().Context(), p)
	if err != nil {
		return customerview.DevicesProps{}, err
	}
	slug := Workspace(c).Slug
	tok, field := csrfToken(c)
	props := customerview.DevicesProps{CSRFField: field, CSRFToken: tok, SignOutOthersAction: paths.DevicesOthersPage(slug)}
	for _, d := range devices {
		info := device.DescribeIn(l, d.UserAgent)
		props.Devices = append(props.Devices, customerview.DeviceRow{Name: info.Name, Kind: string(info.Kind), IP: d.IPMasked,
			Method: l.T(methodLabels[d.Method]), SignedInAt: d.SignedInAt, LastActiveAt: d.LastActiveAt, Current: d.Current,
			SignOutAction: paths.DeviceSignOutPage(slug, d.ID.String())})
	}
	events, err := h.S.Browser.History(c.Request().Context(), p)
	if err != nil {
		return customerview.DevicesProps{}, err
	}
	props.Events = historyRows(l, events)
	return props, nil
}

// MaxHistoryRows is how many entries "Recent sign-ins" shows.
const MaxHistoryRows = 30

var signedInWith = map[auth.Method]string{
	auth.MethodCode: "security.signed_in_code", auth.MethodPasskey: "security.signed_in_passkey", auth.MethodLink: "security.signed_in_link",
}

// historyRows turns the events (newest first) into the table's rows: each
// sign-in on its own line, and each run of failures of one kind (wrong
// codes, refused passkeys) from one address on one day summarised in a
// single line ("4 wrong codes"), at most MaxHistoryRows rows.
func historyRows(l *i18n.Locale, events []auth.SignInEvent) []customerview.SignInEventRow {
	rows := []customerview.SignInEventRow{}
	count := 0
	var runMethod auth.Method
	failures := func(m auth.Method, n int) string {
		if m == auth.MethodPasskey {
			return l.N("security.passkey_refusals", n)
		}
		return l.N("security.wrong_codes", n)
	}
	for _, e := range events {
		if !e.Success {
			last := len(rows) - 1
			if count > 0 && last >= 0 && !rows[last].Success && runMethod == e.Method && rows[last].IP == e.IPMasked &&
				rows[last].At.UTC().Format(time.DateOnly) == e.At.UTC().Format(time.DateOnly) {
				count++
				rows[last].What = failures(e.Method, count)
				continue
			}
		}
		if len(rows) == MaxHistoryRows {
			break
		}
		row := customerview.SignInEventRow{At: e.At, Success: e.Success, Device: device.DescribeIn(l, e.UserAgent).Name, IP: e.IPMasked}
		switch {
		case e.Success && e.API:
			row.What, count = l.T("security.signed_in_api"), 0
		case e.Success:
			row.What, count = l.T(signedInWith[e.Method]), 0
		default:
			count, runMethod = 1, e.Method
			row.What = failures(e.Method, 1)
		}
		rows = append(rows, row)
	}
	return rows
}

// DeviceSignOut is POST /{slug}/portal/settings/devices/{id}/sign-out.
// Another person's session, an ended one, or a malformed id is the same
// "already signed out" notice: nothing tells whether such a session exists.
func (h *Handlers) DeviceSignOut(c echo.Context) error {
	msg := "security.signed_out"
	if id, err := uuid.Parse(c.Param("id")); err != nil {
		msg = "security.already_signed_out"
	} else if err := h.S.Browser.SignOutDevice(c.Request().Context(), middleware.Principal(c), id); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindNotFound {
			return err
		}
		msg = "security.already_signed_out"
	}
	if err := h.setFlash(c, "success", h.locale(c).T(msg)); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.DevicesPage(Workspace(c).Slug))
}

// DevicesSignOutOthers is POST /{slug}/portal/settings/devices/sign-out-others:
// every other browser session of this person ends; this one stays.
func (h *Handlers) DevicesSignOutOthers(c echo.Context) error {
	n, err := h.S.Browser.SignOutOthers(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return err
	}
	msg := "security.signed_out_others"
	if n == 0 {
		msg = "security.no_others"
	}
	if err := h.setFlash(c, "success", h.locale(c).T(msg)); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.DevicesPage(Workspace(c).Slug))
}
