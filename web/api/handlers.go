package api

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/app"
	"portal/internal/apperr"
	"portal/internal/i18n"
)

// Handlers are the JSON handlers of both APIs. Each resource adds its
// methods in its own file.
type Handlers struct {
	S *app.Services
}

// PathUUID parses a path parameter as a UUID; version4 requires a v4 UUID
// (the original's "uuid4" type, §8.13). Bad input is a 422 at ["path", name].
func PathUUID(c echo.Context, name string, version4 bool) (uuid.UUID, error) {
	raw := c.Param(name)
	id, err := uuid.Parse(raw)
	// uuid.Parse also accepts urn: and {braced} forms; the contract does not.
	if err != nil || len(raw) != 36 {
		return uuid.Nil, apperr.Invalid(apperr.Typed(apperr.CodeInvalidUUID, "uuid_parsing", "Input should be a valid UUID", raw, "path", name))
	}
	if version4 && id.Version() != 4 {
		return uuid.Nil, apperr.Invalid(apperr.Typed(apperr.CodeInvalidUUID, "uuid_version", "UUID version 4 expected", raw, "path", name))
	}
	return id, nil
}

// Language puts the request's Accept-Language in its context when it
// names one of the portal's languages, so emails the request causes (the
// sign-in code, a member's invitation) speak it; otherwise they speak the
// workspace's default_locale. JSON answers keep the contract's English.
func Language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if lang, ok := i18n.Match(c.Request().Header.Get("Accept-Language")); ok {
			r := c.Request()
			c.SetRequest(r.WithContext(i18n.WithLocale(r.Context(), i18n.New(lang, nil))))
		}
		return next(c)
	}
}
