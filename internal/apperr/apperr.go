// Package apperr defines the error kinds services return. web/errors.go is the
// only place that turns them into a status and a body, so services never
// think about HTTP and handlers never invent error shapes.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for mapping to a status.
type Kind int

const (
	KindInternal            Kind = iota
	KindInvalid                  // 422 RequestValidationError with field details
	KindNotFound                 // 404
	KindConflict                 // 409
	KindUnauthenticated          // 401 {"error":"Unauthorized"} or a named 401 (e.g. CustomerSessionCodeInvalidOrExpired)
	KindInvalidToken             // 401 invalid_token (RFC 6750 shape)
	KindForbidden                // 403
	KindBadRequest               // 400 (rule violations, payment method errors, customer not ready)
	KindRateLimited              // 429 {"detail": ...} + Retry-After
	KindUnavailable              // 503 {"detail": ...} + Retry-After
	KindProviderUnavailable      // 502 (Stripe unreachable)
	KindTooLarge                 // 413
)

// FieldError is one entry of a 422 body: {"type","loc","msg","input"}.
type FieldError struct {
	Type  string `json:"type"`
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Input any    `json:"input"`
}

// Error is the one error type that crosses from services to web.
type Error struct {
	Kind       Kind
	Name       string // the body's "error" value, e.g. "ResourceNotFound"
	Detail     string
	Fields     []FieldError
	RetryAfter time.Duration
	Extra      map[string]any // extra top-level body keys (the 409 picker's "customers")
	Err        error          // cause, logged, never shown
}

func (e *Error) Error() string {
	msg := e.Name
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf(" [%v %s]", f.Loc, f.Msg)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// As extracts an *Error from a chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsKind reports whether err carries the given kind.
func IsKind(err error, k Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == k
}

func NotFound(detail string) *Error {
	if detail == "" {
		detail = "Not found"
	}
	return &Error{Kind: KindNotFound, Name: "ResourceNotFound", Detail: detail}
}

// Invalid builds a 422 from field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Name: "RequestValidationError", Fields: fields}
}

// Field is a shorthand for one value_error at loc.
func Field(msg string, input any, loc ...any) FieldError {
	return FieldError{Type: "value_error", Loc: loc, Msg: msg, Input: input}
}

// InvalidField is a 422 with a single value_error.
func InvalidField(msg string, input any, loc ...any) *Error {
	return Invalid(Field(msg, input, loc...))
}

func Unauthorized() *Error {
	return &Error{Kind: KindUnauthenticated, Name: "Unauthorized", Detail: "Unauthorized"}
}

func InvalidToken() *Error {
	return &Error{Kind: KindInvalidToken, Name: "invalid_token",
		Detail: "The access token provided is expired, revoked, malformed, or invalid for other reasons."}
}

func Forbidden(detail string) *Error {
	return &Error{Kind: KindForbidden, Name: "NotPermitted", Detail: detail}
}

// BadRequest is a named 400, e.g. MemberRuleViolation or PaymentMethodError.
func BadRequest(name, detail string) *Error {
	return &Error{Kind: KindBadRequest, Name: name, Detail: detail}
}

func Conflict(name, detail string) *Error {
	return &Error{Kind: KindConflict, Name: name, Detail: detail}
}

func RateLimited(retryAfter time.Duration, detail string) *Error {
	if detail == "" {
		detail = "Too many verification attempts. Try again later."
	}
	return &Error{Kind: KindRateLimited, Name: "RateLimited", Detail: detail, RetryAfter: retryAfter}
}

func Unavailable(detail string, retryAfter time.Duration, cause error) *Error {
	if detail == "" {
		detail = "Service temporarily unavailable. Please try again shortly."
	}
	return &Error{Kind: KindUnavailable, Name: "ServiceUnavailable", Detail: detail, RetryAfter: retryAfter, Err: cause}
}

func ProviderUnavailable(cause error) *Error {
	return &Error{Kind: KindProviderUnavailable, Name: "PaymentProviderUnavailable",
		Detail: "The payment provider could not be reached. Please try again shortly.", Err: cause}
}

// Internal wraps an unexpected failure; its text is logged, never shown.
func Internal(op string, err error) *Error {
	return &Error{Kind: KindInternal, Name: "InternalServerError", Detail: "Internal server error", Err: fmt.Errorf("%s: %w", op, err)}
}
