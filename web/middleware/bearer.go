package middleware

import (
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
)

// Bearer resolves the Authorization header on every portal API route (§2.1):
// no usable bearer → anonymous; a bearer that is not a live session → 401
// invalid_token, even on public routes (D14, G15). Cookies are ignored (D21).
func Bearer(r *auth.Resolver) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			hdr := c.Request().Header.Get(echo.HeaderAuthorization)
			if strings.TrimSpace(hdr) == "" {
				return next(c)
			}
			token, ok := auth.ParseBearer(hdr)
			if !ok {
				if len(strings.TrimSpace(hdr)) > 0 && strings.HasPrefix(strings.ToLower(strings.TrimSpace(hdr)), "bearer ") {
					// A Bearer scheme with an unusable value is a bad token, not anonymity.
					return apperr.InvalidToken()
				}
				return next(c)
			}
			p, err := r.Resolve(c.Request().Context(), token)
			if err != nil {
				return err
			}
			SetPrincipal(c, p)
			return next(c)
		}
	}
}

// RequireSession is the U-READ/U-WRITE guard: a customer or member session.
func RequireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if Principal(c) == nil {
			return apperr.Unauthorized()
		}
		return next(c)
	}
}

// RequireBilling is the BILL guard (§2.2).
func RequireBilling(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := auth.RequireBilling(Principal(c)); err != nil {
			return err
		}
		return next(c)
	}
}

// RequireTeamAdmin is the TEAM-ADMIN guard: member sessions only (a customer
// session is 401, G10), role owner or billing manager (403). The team check
// comes after body validation, in the service (§3.12).
func RequireTeamAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := auth.RequireTeamAdmin(Principal(c)); err != nil {
			return err
		}
		return next(c)
	}
}
