package apperr

import (
	"encoding/json"
	"testing"
)

func TestFieldErrorPathAndName(t *testing.T) {
	for _, tc := range []struct {
		loc        []any
		path, name string
	}{
		{[]any{"body", "billing_address", "state"}, "billing_address.state", "state"},
		{[]any{"query", "sorting", 0}, "sorting.0", "sorting"},
		{[]any{"path", "id"}, "id", "id"},
		{[]any{"body"}, "", ""},
		{[]any{"name"}, "name", ""},
		{nil, "", ""},
	} {
		f := Field("x", nil, tc.loc...)
		if f.Path() != tc.path || f.Name() != tc.name {
			t.Errorf("%v: path %q name %q, want %q %q", tc.loc, f.Path(), f.Name(), tc.path, tc.name)
		}
	}
}

// The constructors give each error its stable code and the contract's
// pydantic type and message; the code never reaches the JSON body.
func TestConstructors(t *testing.T) {
	for _, tc := range []struct {
		f         FieldError
		code      Code
		typ, msg  string
		wantLoc   string
		wantInput any
	}{
		{Required(nil, "body", "email"), CodeRequired, "missing", "Field required", "email", nil},
		{TooLong(256, "x", "body", "name"), CodeTooLong, "string_too_long", "String should have at most 256 characters", "name", "x"},
		{InvalidEmail("bad address", "a@", "body", "email"), CodeInvalidEmail, "value_error", "bad address", "email", "a@"},
		{Choice("Input should be 'a' or 'b'", "c", "body", "role"), CodeInvalidChoice, "enum", "Input should be 'a' or 'b'", "role", "c"},
		{NotString(1, "body", "email"), CodeWrongType, "string_type", "Input should be a valid string", "email", 1},
		{BadText("no NUL", "\x00", "body", "name"), CodeInvalidText, "string_type", "no NUL", "name", "\x00"},
		{UnknownReference("Customer does not exist.", "id", "body", "customer_id"), CodeUnknownReference, "value_error", "Customer does not exist.", "customer_id", "id"},
		{OfType("uuid_parsing", "Input should be a valid UUID", "x", "path", "id"), CodeInvalidUUID, "uuid_parsing", "Input should be a valid UUID", "id", "x"},
		{OfType("json_invalid", "JSON decode error", nil, "body", 3), CodeInvalidJSON, "json_invalid", "JSON decode error", "3", nil},
		{OfType("something_new", "m", nil, "body", "x"), CodeInvalid, "something_new", "m", "x", nil},
		{Field("Invalid US state", "ZZ", "body", "billing_address", "state").WithCode(CodeInvalidUSState), CodeInvalidUSState, "value_error", "Invalid US state", "billing_address.state", "ZZ"},
		{Required(nil, "body", "country").WithMsg("Pick one"), CodeRequired, "missing", "Pick one", "country", nil},
	} {
		f := tc.f
		if f.Code != tc.code || f.Type != tc.typ || f.Msg != tc.msg || f.Path() != tc.wantLoc || f.Input != tc.wantInput {
			t.Errorf("%+v: want code %s type %s msg %q path %s input %v", f, tc.code, tc.typ, tc.msg, tc.wantLoc, tc.wantInput)
		}
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != 4 || m["type"] != tc.typ || m["msg"] != tc.msg {
			t.Errorf("JSON %s: want exactly type, loc, msg, input", b)
		}
	}
	if r := Required(nil, "body", "x").Ref(); r == nil || r.Code != CodeRequired {
		t.Errorf("Ref: %+v", r)
	}
}
