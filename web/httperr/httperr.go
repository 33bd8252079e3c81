// Package httperr is the one mapping from an error kind to an HTTP status
// and the headers that go with it (WWW-Authenticate, Retry-After). The JSON
// surface (web/errors.go) and the pages (web/html) both use it, so a kind
// means the same status wherever it is answered.
package httperr

import (
	"fmt"
	"net/http"
	"strconv"

	"portal/internal/apperr"
)

// Status is the HTTP status of an error kind.
func Status(k apperr.Kind) int {
	switch k {
	case apperr.KindInvalid:
		return http.StatusUnprocessableEntity
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindUnauthenticated, apperr.KindInvalidToken:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindBadRequest:
		return http.StatusBadRequest
	case apperr.KindRateLimited:
		return http.StatusTooManyRequests
	case apperr.KindUnavailable:
		return http.StatusServiceUnavailable
	case apperr.KindProviderUnavailable:
		return http.StatusBadGateway
	case apperr.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.KindInternal:
	}
	return http.StatusInternalServerError
}

// SetHeaders sets the headers an error's status needs: the bearer
// challenge on 401s and Retry-After (whole seconds, at least 1) on 429 and
// 503 and on any error that names a wait.
func SetHeaders(h http.Header, e *apperr.Error) {
	switch e.Kind {
	case apperr.KindUnauthenticated:
		h.Set("WWW-Authenticate", `Bearer realm="rapidly"`)
	case apperr.KindInvalidToken:
		h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="rapidly", error="invalid_token", error_description=%q`, e.Detail))
	}
	if e.RetryAfter > 0 || e.Kind == apperr.KindRateLimited || e.Kind == apperr.KindUnavailable {
		h.Set("Retry-After", RetryAfterSeconds(e))
	}
}

// RetryAfterSeconds is the Retry-After value of an error: its wait rounded
// down to whole seconds, never less than 1.
func RetryAfterSeconds(e *apperr.Error) string {
	secs := int(e.RetryAfter.Seconds())
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}

// StatusOf is Status for an error: the kind's status, with Retry-After and
// WWW-Authenticate set on h. It is what a handler that renders its own body
// (a page with the form, a fragment for an island) calls instead of
// choosing a status itself.
func StatusOf(h http.Header, e *apperr.Error) int {
	SetHeaders(h, e)
	return Status(e.Kind)
}

// MsgFormExpired is the page answer to a refused CSRF token (pages show it
// in the customer's language, keyed on this text).
const MsgFormExpired = "Your form expired. Reload the page and try again."

// MsgBadQuery is the answer to a query string that cannot be parsed.
const MsgBadQuery = "The portal cannot read this address: its query string is malformed. Check the link and try again."
