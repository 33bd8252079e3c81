// Package apperr defines the error kinds services return. web/errors.go is the
// only place that turns them into a status and a body, so services never
// think about HTTP and handlers never invent error shapes.
package apperr

import (
	"errors"
	"fmt"
	"strings"
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

// Code is a field error's stable meaning. Pages choose their words by it
// (and translations will key on it); the JSON body keeps the contract's
// pydantic-shaped type, loc and msg, which clients may already parse.
type Code string

const (
	CodeInvalid           Code = "invalid"            // any other value error
	CodeRequired          Code = "required"           // missing or empty
	CodeTooLong           Code = "too_long"           // over the length limit
	CodeTooShort          Code = "too_short"          // under the length minimum
	CodeInvalidEmail      Code = "invalid_email"      // not a deliverable address
	CodeInvalidChoice     Code = "invalid_choice"     // not one of the allowed values
	CodeInvalidUUID       Code = "invalid_uuid"       // not a (version 4) UUID
	CodeInvalidText       Code = "invalid_text"       // text PostgreSQL cannot store
	CodeWrongType         Code = "wrong_type"         // a JSON value of the wrong type
	CodeInvalidJSON       Code = "invalid_json"       // a body that is not JSON
	CodeInvalidNumber     Code = "invalid_number"     // not a whole number, or not above 0
	CodeInvalidDate       Code = "invalid_date"       // not an RFC 3339 date-time
	CodeInvalidURL        Code = "invalid_url"        // not an absolute http(s) URL, or too long
	CodeUnknownReference  Code = "unknown_reference"  // an id in the body names nothing the caller may use
	CodeUnsupportedRegion Code = "unsupported_region" // a billing country that is not served
	CodeInvalidUSState    Code = "invalid_us_state"   // a US address's state
	CodeInvalidCAProvince Code = "invalid_ca_province"
	CodeInvalidPostalCode Code = "invalid_postal_code" // not the billing country's postal-code form
	CodeInvalidCard       Code = "invalid_card"        // the card sandbox's number, expiry or CVC
)

// FieldError is one entry of a 422 body: {"type","loc","msg","input"}, plus
// its stable Code (not sent). Build it with the constructors below.
type FieldError struct {
	Code  Code   `json:"-"`
	Type  string `json:"type"`
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Input any    `json:"input"`
}

// Path is the field's path without its place in the request: loc
// ["body", "billing_address", "state"] is "billing_address.state", and
// ["query", "sorting", 0] is "sorting.0".
func (f FieldError) Path() string {
	var b strings.Builder
	for i, part := range f.Loc {
		if i == 0 {
			if s, ok := part.(string); ok && (s == "body" || s == "query" || s == "path") {
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, part)
	}
	return b.String()
}

// Name is the last named part of the path ("state" for
// billing_address.state), or "" for the request body as a whole.
func (f FieldError) Name() string {
	for i := len(f.Loc) - 1; i >= 1; i-- {
		if s, ok := f.Loc[i].(string); ok {
			return s
		}
	}
	return ""
}

// WithMsg replaces the message, keeping the code.
func (f FieldError) WithMsg(msg string) FieldError { f.Msg = msg; return f }

// WithCode replaces the code, keeping the body.
func (f FieldError) WithCode(c Code) FieldError { f.Code = c; return f }

// Typed is a field error with an explicit pydantic type; the constructors
// below cover the common ones.
func Typed(code Code, typ, msg string, input any, loc ...any) FieldError {
	return FieldError{Code: code, Type: typ, Loc: loc, Msg: msg, Input: input}
}

// codeOfType is the Code of each pydantic error type the portal sends.
var codeOfType = map[string]Code{
	"missing": CodeRequired, "string_too_long": CodeTooLong, "string_too_short": CodeTooShort, "enum": CodeInvalidChoice,
	"uuid_parsing": CodeInvalidUUID, "uuid_version": CodeInvalidUUID, "uuid_type": CodeInvalidUUID,
	"string_type": CodeWrongType, "bool_type": CodeWrongType, "int_type": CodeWrongType, "float_type": CodeWrongType,
	"model_type": CodeWrongType, "model_attributes_type": CodeWrongType, "list_type": CodeWrongType, "dict_type": CodeWrongType,
	"json_invalid": CodeInvalidJSON, "int_parsing": CodeInvalidNumber, "greater_than": CodeInvalidNumber,
	"datetime_from_date_parsing": CodeInvalidDate, "datetime_parsing": CodeInvalidDate,
	"url_parsing": CodeInvalidURL, "url_too_long": CodeInvalidURL,
}

// OfType is a field error whose code follows from its pydantic type (for
// code that passes the type along, such as a JSON decoder's type errors).
func OfType(typ, msg string, input any, loc ...any) FieldError {
	code, ok := codeOfType[typ]
	if !ok {
		code = CodeInvalid
	}
	return Typed(code, typ, msg, input, loc...)
}

// Ref returns a pointer to a copy of f, for functions that return
// *FieldError.
func (f FieldError) Ref() *FieldError { return &f }

// Required is a missing field.
func Required(input any, loc ...any) FieldError {
	return Typed(CodeRequired, "missing", "Field required", input, loc...)
}

// TooLong is a string over max characters.
func TooLong(max int, input any, loc ...any) FieldError {
	return Typed(CodeTooLong, "string_too_long", fmt.Sprintf("String should have at most %d characters", max), input, loc...)
}

// InvalidEmail is an address the validator refused, with its reason.
func InvalidEmail(reason string, input any, loc ...any) FieldError {
	return Typed(CodeInvalidEmail, "value_error", reason, input, loc...)
}

// Choice is a value outside an enumeration; msg lists the allowed values.
func Choice(msg string, input any, loc ...any) FieldError {
	return Typed(CodeInvalidChoice, "enum", msg, input, loc...)
}

// NotString is a JSON value that should have been a string.
func NotString(input any, loc ...any) FieldError {
	return Typed(CodeWrongType, "string_type", "Input should be a valid string", input, loc...)
}

// BadText is text PostgreSQL cannot store (NUL, invalid UTF-8).
func BadText(msg string, input any, loc ...any) FieldError {
	return Typed(CodeInvalidText, "string_type", msg, input, loc...)
}

// UnknownReference is an id in the body that names nothing the caller may
// use, with the original's message ("Customer does not exist.").
func UnknownReference(msg string, input any, loc ...any) FieldError {
	return Typed(CodeUnknownReference, "value_error", msg, input, loc...)
}

// BodyFields is typed detail an error carries for its caller (a page reads
// it with a type assertion); BodyFields gives the extra top-level keys of its
// JSON body.
type BodyFields interface {
	BodyFields() map[string]any
}

// Error is the one error type that crosses from services to web.
type Error struct {
	Kind       Kind
	Name       string // the body's "error" value, e.g. "ResourceNotFound"
	Detail     string
	Fields     []FieldError
	RetryAfter time.Duration
	Data       BodyFields // typed detail some errors carry (the 409 picker's accounts)
	Err        error      // cause, logged, never shown
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

// Field is a value_error at loc with no more specific code.
func Field(msg string, input any, loc ...any) FieldError {
	return Typed(CodeInvalid, "value_error", msg, input, loc...)
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
