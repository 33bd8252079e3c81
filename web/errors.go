package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/validate"
	"portal/web/htmx"
	"portal/web/httperr"
	"portal/web/middleware"
)

// toAppErr turns anything a handler returned into an *apperr.Error.
func toAppErr(err error, api bool) *apperr.Error {
	if db.IsBadText(err) {
		// Text PostgreSQL cannot store (NUL, invalid UTF-8) in a field no
		// validator knew about: the input is at fault, not the server.
		return apperr.Invalid(apperr.BadText(validate.MsgBadText, nil, "body"))
	}
	if e, ok := apperr.As(err); ok {
		if e.Kind == apperr.KindInternal && db.IsUnavailable(e.Err) {
			// A service that wrapped a lost database connection as
			// internal: the database is away, not the code broken. 503
			// tells clients to retry (R1: never a 500).
			return apperr.Unavailable("", 0, e.Err)
		}
		return e
	}
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return apperr.NotFound("")
		case http.StatusMethodNotAllowed:
			return &apperr.Error{Kind: apperr.KindNotFound, Name: "ResourceNotFound", Detail: "Not found"}
		case http.StatusRequestEntityTooLarge:
			return &apperr.Error{Kind: apperr.KindTooLarge, Name: "RequestEntityTooLarge", Detail: "Request body is larger than 1 MiB."}
		case http.StatusForbidden, http.StatusBadRequest:
			if !api {
				// echo's CSRF middleware answers 400 (no token) or 403 (wrong token).
				return apperr.Forbidden(httperr.MsgFormExpired)
			}
			return apperr.BadRequest("BadRequest", http.StatusText(he.Code))
		case http.StatusServiceUnavailable:
			return apperr.Unavailable("", 0, err)
		}
		return apperr.Internal("http", err)
	}
	return apperr.Internal("handler", err)
}

// ErrorBody renders the JSON body for an error (D1).
func ErrorBody(e *apperr.Error) any {
	switch e.Kind {
	case apperr.KindInvalid:
		// pydantic reports the containing object as the input of a missing
		// field; a null input also trips strict contract validators (the
		// contract's untyped "input" is read as non-nullable by OpenAPI 3.0
		// tooling), so a nil input becomes {}.
		fields := make([]apperr.FieldError, len(e.Fields))
		for i, f := range e.Fields {
			if f.Input == nil {
				f.Input = map[string]any{}
			}
			fields[i] = f
		}
		return map[string]any{"error": "RequestValidationError", "detail": fields}
	case apperr.KindInvalidToken:
		return map[string]any{"error": "invalid_token", "error_description": e.Detail}
	case apperr.KindRateLimited, apperr.KindUnavailable:
		return map[string]any{"detail": e.Detail}
	case apperr.KindProviderUnavailable:
		return map[string]any{"error": "PaymentProviderUnavailable", "detail": e.Detail}
	case apperr.KindInternal:
		return map[string]any{"error": "InternalServerError", "detail": "Internal server error"}
	}
	body := map[string]any{"error": e.Name, "detail": e.Detail}
	if e.Data != nil {
		for k, v := range e.Data.BodyFields() {
			body[k] = v
		}
	}
	return body
}

// isAPI reports whether the request is for a JSON surface.
func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/webhooks/")
}

// httpErrorHandler is echo's error handler: the only place errors become
// responses, as JSON for the APIs and as pages or fragments for browsers.
func (s *Server) httpErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := toAppErr(err, isAPI(c))
	status := httperr.Status(e.Kind)
	if status >= 500 && e.Kind != apperr.KindUnavailable && e.Kind != apperr.KindProviderUnavailable {
		middleware.Log(c).Error("request failed", "error", err.Error())
	} else if e.Err != nil {
		middleware.Log(c).Warn("request degraded", "error", e.Err.Error(), "status", status)
	}
	httperr.SetHeaders(c.Response().Header(), e)
	if isAPI(c) {
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, ErrorBody(e))
		return
	}
	if s.pageError != nil {
		if perr := s.pageError(c, status, e); perr == nil {
			return
		}
	}
	if htmx.IsRequest(c) && status == http.StatusUnauthorized {
		c.Response().Header().Set("HX-Redirect", "/")
	}
	_ = c.String(status, http.StatusText(status))
}
