// Package api holds the JSON handlers: one file per resource, methods named
// after the contract's operations. Handlers decode, call one service method,
// and encode; rules live in the services.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/validate"
)

// Time marshals as the original does: ISO-8601 UTC with Z, microseconds
// only when non-zero (§0).
type Time time.Time

func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + FormatTime(time.Time(t)) + `"`), nil
}

// FormatTime formats a timestamp the way every JSON body does.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// TimePtr converts a nullable timestamp.
func TimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	v := Time(*t)
	return &v
}

// ReadBody reads at most 1 MiB; more is 413, nothing is 422.
func ReadBody(c echo.Context) ([]byte, error) {
	r := io.LimitReader(c.Request().Body, validate.MaxBody+1)
	b, err := io.ReadAll(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apperr.Error{Kind: apperr.KindTooLarge, Name: "RequestEntityTooLarge", Detail: "Request body is larger than 1 MiB."}
		}
		return nil, apperr.InvalidField("Could not read the request body", nil, "body")
	}
	if len(b) > validate.MaxBody {
		return nil, &apperr.Error{Kind: apperr.KindTooLarge, Name: "RequestEntityTooLarge", Detail: "Request body is larger than 1 MiB."}
	}
	return b, nil
}

// DecodeJSON decodes the body into v. Malformed JSON, a non-object body and
// wrong field types are 422 with the offending location, never 500.
// Unknown keys are ignored, as the original.
func DecodeJSON(c echo.Context, v any) error {
	b, err := ReadBody(c)
	if err != nil {
		return err
	}
	return DecodeJSONBytes(b, v)
}

// DecodeJSONBytes is DecodeJSON over bytes already read.
func DecodeJSONBytes(b []byte, v any) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return apperr.Invalid(apperr.Required(nil, "body"))
	}
	if trimmed[0] != '{' {
		var raw any
		if json.Unmarshal(trimmed, &raw) != nil {
			return jsonInvalid(trimmed, 0)
		}
		return apperr.Invalid(apperr.Typed(apperr.CodeWrongType, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", raw, "body"))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return jsonInvalid(trimmed, se.Offset)
		case errors.As(err, &te):
			loc := []any{"body"}
			if te.Field != "" {
				for _, part := range strings.Split(te.Field, ".") {
					loc = append(loc, part)
				}
			}
			return apperr.Invalid(apperr.OfType(typeName(te.Type.Kind().String()),
				"Input should be a valid "+friendlyType(te.Type.Kind().String()), te.Value, loc...))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return jsonInvalid(trimmed, int64(len(trimmed)))
		default:
			var ae *apperr.Error
			if errors.As(err, &ae) {
				return ae // a field type's own UnmarshalJSON rejected its value
			}
			return apperr.Invalid(apperr.Typed(apperr.CodeInvalid, "value_error", "Invalid request body", nil, "body"))
		}
	}
	if dec.More() {
		return jsonInvalid(trimmed, dec.InputOffset())
	}
	return nil
}

func jsonInvalid(_ []byte, offset int64) error {
	return apperr.Invalid(apperr.Typed(apperr.CodeInvalidJSON, "json_invalid", "JSON decode error", map[string]any{}, "body", offset))
}

func typeName(kind string) string {
	switch kind {
	case "string":
		return "string_type"
	case "bool":
		return "bool_type"
	case "int", "int32", "int64", "float64":
		return "int_type"
	case "map", "struct":
		return "dict_type"
	case "slice":
		return "list_type"
	}
	return "type_error"
}

func friendlyType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int32", "int64":
		return "integer"
	case "float64":
		return "number"
	case "map", "struct":
		return "dictionary"
	case "slice":
		return "list"
	}
	return "value"
}

// Optional distinguishes an absent JSON key from an explicit null for
// merge-patch bodies (D5): Set is true when the key was present.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(bytes.TrimSpace(b)) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// RejectUnparseableJSON answers a body that is not JSON at all with the
// 422 the handler would give, before the route's role guard runs: the
// original rejects unparseable JSON ahead of its guards (§2.2), so
// a plain member sending garbage learns it is garbage, not that it is
// forbidden. Well-formed JSON of the wrong shape still meets the guard
// first; the body is put back for the handler.
func RejectUnparseableJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost && r.Method != http.MethodPatch && r.Method != http.MethodPut {
			return next(c)
		}
		b, err := ReadBody(c)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		if t := bytes.TrimSpace(b); len(t) > 0 && !json.Valid(t) {
			var v any
			if err := DecodeJSONBytes(t, &v); err != nil {
				return err
			}
		}
		return next(c)
	}
}
