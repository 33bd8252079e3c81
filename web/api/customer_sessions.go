package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/validate"
	"portal/web/middleware"
)

// sessionRequestBody is CustomerSessionCodeRequest, kept raw so each field's
// type is checked with its own location, as the original's validation.
type sessionRequestBody struct {
	Email       json.RawMessage `json:"email"`
	WorkspaceID json.RawMessage `json:"workspace_id"`
	CustomerID  json.RawMessage `json:"customer_id"`
}

// RequestCode is POST /customer-session/request: 202 with body null whether
// or not a code was sent (G1), 409 picker, 422, 429, 503.
func (h *Handlers) RequestCode(c echo.Context) error {
	raw, err := ReadBody(c)
	if err != nil {
		return err
	}
	var body sessionRequestBody
	if err := DecodeJSONBytes(raw, &body); err != nil {
		return nonNullInputs(err, raw)
	}
	var whole any
	_ = json.Unmarshal(raw, &whole)
	var fields []apperr.FieldError
	email, ferr := requiredString(body.Email, "email", whole)
	if ferr != nil {
		fields = append(fields, *ferr)
	} else if _, err := validate.Email(email); err != nil {
		fields = append(fields, apperr.InvalidEmail(err.Error(), email, "body", "email"))
	}
	wsID, ferr := uuid4Field(body.WorkspaceID, "workspace_id", true, whole)
	if ferr != nil {
		fields = append(fields, *ferr)
	}
	customerID, ferr := uuid4Field(body.CustomerID, "customer_id", false, whole)
	if ferr != nil {
		fields = append(fields, *ferr)
	}
	if len(fields) > 0 {
		return apperr.Invalid(fields...)
	}
	in := auth.RequestInput{Email: email, WorkspaceID: *wsID, ClientIP: c.RealIP()}
	if customerID != nil {
		in.CustomerID = customerID
	}
	// The email speaks the request's Accept-Language (Language, in the
	// context), else the workspace's default_locale (the mail worker).
	if _, err := h.S.SignIn.Request(c.Request().Context(), in); err != nil {
		return err
	}
	return c.JSONBlob(http.StatusAccepted, []byte("null"))
}

type authenticateBody struct {
	Code  json.RawMessage `json:"code"`
	Email json.RawMessage `json:"email"`
}

// Authenticate is POST /customer-session/authenticate: {code, email?} →
// 200 {"token"} or 401 CustomerSessionCodeInvalidOrExpired.
func (h *Handlers) Authenticate(c echo.Context) error {
	raw, err := ReadBody(c)
	if err != nil {
		return err
	}
	var body authenticateBody
	if err := DecodeJSONBytes(raw, &body); err != nil {
		return nonNullInputs(err, raw)
	}
	var whole any
	_ = json.Unmarshal(raw, &whole)
	var fields []apperr.FieldError
	code, ferr := requiredString(body.Code, "code", whole)
	if ferr != nil {
		fields = append(fields, *ferr)
	}
	var email *string
	if !isAbsentOrNull(body.Email) {
		var s string
		if json.Unmarshal(body.Email, &s) != nil {
			fields = append(fields, apperr.NotString(rawValue(body.Email), "body", "email"))
		} else {
			email = &s
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid(fields...)
	}
	ctx := c.Request().Context()
	id, err := h.S.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, Email: email, ClientIP: c.RealIP(),
		UserAgent: c.Request().UserAgent(), API: true})
	if err != nil {
		return err
	}
	token, err := h.S.SignIn.IssueAPIToken(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"token": token})
}

// portalUser is PortalAuthenticatedUser.
type portalUser struct {
	Type       string     `json:"type"`
	Name       *string    `json:"name"`
	Email      string     `json:"email"`
	CustomerID uuid.UUID  `json:"customer_id"`
	MemberID   *uuid.UUID `json:"member_id"`
	Role       *string    `json:"role"`
}

// GetUser is GET /customer-session/user (§3.3).
func (h *Handlers) GetUser(c echo.Context) error {
	u, err := h.S.SignIn.User(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, portalUser{Type: u.Type, Name: u.Name, Email: u.Email, CustomerID: u.CustomerID, MemberID: u.MemberID, Role: u.Role})
}

// customerSession is CustomerCustomerSession.
type customerSession struct {
	ExpiresAt Time    `json:"expires_at"`
	ReturnURL *string `json:"return_url"`
}

// Introspect is GET /customer-session/introspect (§3.4).
func (h *Handlers) Introspect(c echo.Context) error {
	s, err := h.S.SignIn.Introspect(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, customerSession{ExpiresAt: Time(s.ExpiresAt), ReturnURL: s.ReturnURL})
}

// nonNullInputs gives body-level 422 entries the raw body as their input
// where the decoder had none: the contract's ValidationError.input is not
// nullable.
func nonNullInputs(err error, raw []byte) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		return err
	}
	for i := range e.Fields {
		if e.Fields[i].Input == nil {
			e.Fields[i].Input = string(raw)
		}
	}
	return e
}

func isAbsentOrNull(r json.RawMessage) bool {
	t := bytes.TrimSpace(r)
	return len(t) == 0 || string(t) == "null"
}

func rawValue(r json.RawMessage) any {
	var v any
	_ = json.Unmarshal(r, &v)
	return v
}

// requiredString checks a required string field.
func requiredString(r json.RawMessage, name string, whole any) (string, *apperr.FieldError) {
	if len(bytes.TrimSpace(r)) == 0 {
		return "", apperr.Required(whole, "body", name).Ref()
	}
	var s string
	if isAbsentOrNull(r) || json.Unmarshal(r, &s) != nil {
		// (A null's input is reported as the whole body: the contract's
		// ValidationError.input is not nullable.)
		in := rawValue(r)
		if in == nil {
			in = whole
		}
		return "", apperr.NotString(in, "body", name).Ref()
	}
	return s, nil
}

// uuid4Field checks a "uuid4" body field (§0: other versions are 422).
func uuid4Field(r json.RawMessage, name string, required bool, whole any) (*uuid.UUID, *apperr.FieldError) {
	if len(bytes.TrimSpace(r)) == 0 {
		if required {
			return nil, apperr.Required(whole, "body", name).Ref()
		}
		return nil, nil
	}
	if !required && isAbsentOrNull(r) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		return nil, apperr.Typed(apperr.CodeInvalidUUID, "uuid_type", "UUID input should be a string, bytes or UUID object", rawValue(r), "body", name).Ref()
	}
	id, err := uuid.Parse(s)
	if err != nil || (len(s) != 36 && len(s) != 32) {
		return nil, apperr.Typed(apperr.CodeInvalidUUID, "uuid_parsing", "Input should be a valid UUID", s, "body", name).Ref()
	}
	if id.Version() != 4 {
		return nil, apperr.Typed(apperr.CodeInvalidUUID, "uuid_version", "UUID version 4 expected", s, "body", name).Ref()
	}
	return &id, nil
}
