package middleware

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/web/httperr"
)

// MaxLogged is the most bytes of any attacker-controlled string (path,
// method, request id, client address, user agent) that reaches a log line
// (D28).
const MaxLogged = 256

// Clip cuts s to MaxLogged bytes, at a character boundary.
func Clip(s string) string { return ClipN(s, MaxLogged) }

// ClipN cuts s to at most n bytes without splitting a UTF-8 sequence.
func ClipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Drop a multi-byte character cut in half (at most 3 trailing bytes).
	for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// validRequestID is [A-Za-z0-9._-]{1,64} (D28).
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// RequestID echoes an upstream X-Request-Id only when it is well formed
// ([A-Za-z0-9._-]{1,64}); otherwise the request gets a fresh id from gen.
// Either way the id is in the response header, where Logger and Log read it.
func RequestID(gen func() string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				id = gen()
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			return next(c)
		}
	}
}

// tooLarge is the 413 of every body over the limit.
func tooLarge() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindTooLarge, Name: "RequestEntityTooLarge", Detail: "Request body is larger than 1 MiB."}
}

// BodyLimit refuses bodies over limit bytes with 413: at once when
// Content-Length says so, and while reading when the body is chunked (the
// reader is an http.MaxBytesReader, whose error every body reader maps to
// 413). Form posts are parsed here, so an oversized or malformed form is
// refused rather than read as empty fields.
func BodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return tooLarge()
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			if r.Method != http.MethodGet && r.Method != http.MethodHead && isForm(r) {
				if err := r.ParseForm(); err != nil {
					var mbe *http.MaxBytesError
					if errors.As(err, &mbe) {
						return tooLarge()
					}
					return apperr.Invalid(apperr.Field("The form body could not be read.", nil, "body"))
				}
			}
			return next(c)
		}
	}
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get(echo.HeaderContentType)
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), echo.MIMEApplicationForm)
}

// StrictQuery refuses a query string Go cannot parse (a ";" separator, a
// bad escape) instead of silently dropping the part it could not read
// (D28): 422 with loc ["query"] on the JSON surfaces, 400 on the pages.
func StrictQuery(api func(c echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw := c.Request().URL.RawQuery
			if raw == "" {
				return next(c)
			}
			if _, err := url.ParseQuery(raw); err != nil {
				if api(c) {
					return apperr.Invalid(apperr.FieldError{Type: "query_invalid", Loc: []any{"query"},
						Msg:   "Query string could not be parsed; separate parameters with '&' and percent-encode reserved characters.",
						Input: Clip(raw)})
				}
				return apperr.BadRequest("BadQuery", httperr.MsgBadQuery)
			}
			return next(c)
		}
	}
}
