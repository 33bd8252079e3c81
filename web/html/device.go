package html

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/auth"
	"portal/web/middleware"
)

// deviceCookieName is the device cookie (D26): __Host- over https.
func deviceCookieName(secure bool) string {
	if secure {
		return auth.DeviceCookieSecure
	}
	return auth.DeviceCookiePlain
}

// deviceValue is the browser's device cookie value ("" when none); the
// sign-in service verifies it.
func (h *Handlers) deviceValue(c echo.Context) string {
	ck, err := c.Cookie(deviceCookieName(h.S.Config.Secure()))
	if err != nil {
		return ""
	}
	return ck.Value
}

// rememberDevice adds the principal of the browser session just created to
// the device cookie (HttpOnly, SameSite=Lax, one year): this browser is
// then exempt from the per-address sign-in caps for that account (D26). The
// cookie never signs anyone in. Failing to write it does not fail the
// sign-in.
func (h *Handlers) rememberDevice(c echo.Context, sessionID, ws uuid.UUID) {
	bs, err := h.S.Browser.Load(c.Request().Context(), sessionID, ws)
	if err != nil {
		middleware.Log(c).Warn("device cookie not written", "error", err.Error())
		return
	}
	secure := h.S.Config.Secure()
	c.SetCookie(&http.Cookie{Name: deviceCookieName(secure), Value: h.S.SignIn.Devices.Remember(h.deviceValue(c), bs.Principal.DeviceID()),
		Path: "/", MaxAge: int(auth.DeviceMaxAge / time.Second), Expires: time.Now().Add(auth.DeviceMaxAge),
		Secure: secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
