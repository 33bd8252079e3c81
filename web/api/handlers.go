package api

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/app"
	"portal/internal/apperr"
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
