package workspace

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/i18n"
	"portal/internal/validate"
)

// Field is one merge-patch field: Set says the key was present, and a nil
// Value with Set is an explicit null.
type Field[T any] struct {
	Set   bool
	Value *T
}

// UpdateInput is PATCH /api/workspaces/me.
type UpdateInput struct {
	Name                    Field[string]
	Email                   Field[string]
	Website                 Field[string]
	AvatarURL               Field[string]
	AccentColor             Field[string]
	MemberModelEnabled      Field[bool]
	SeatBasedPricingEnabled Field[bool]
	// CustomerPortalSettings is the raw JSON value of the key.
	CustomerPortalSettings Field[json.RawMessage]
	// DefaultLocale is one of i18n.Locales, exactly as spelled there.
	DefaultLocale Field[string]
}

var accentPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Update changes the token's own workspace. name and the booleans cannot be
// null; email, website, avatar_url and accent_color are cleared by null.
func (s *Service) Update(ctx context.Context, workspaceID uuid.UUID, in UpdateInput) (Workspace, error) {
	var errs []apperr.FieldError
	notNull := func(field string, typ, what string) {
		errs = append(errs, apperr.OfType(typ, "Input should be a valid "+what, nil, "body", field))
	}
	p := dbgen.UpdateWorkspaceParams{ID: workspaceID}
	if in.Name.Set {
		switch {
		case in.Name.Value == nil:
			notNull("name", "string_type", "string")
		case strings.TrimSpace(*in.Name.Value) == "":
			errs = append(errs, apperr.Typed(apperr.CodeTooShort, "string_too_short", "String should have at least 1 character", *in.Name.Value, "body", "name"))
		case validate.TooLong(strings.TrimSpace(*in.Name.Value), validate.MaxName):
			errs = append(errs, tooLong("name", *in.Name.Value, validate.MaxName))
		default:
			p.SetName, p.Name = true, strings.TrimSpace(*in.Name.Value)
		}
	}
	if in.Email.Set {
		p.SetEmail = true
		if v := in.Email.Value; v != nil && strings.TrimSpace(*v) != "" {
			e, err := validate.Email(*v)
			if err != nil {
				errs = append(errs, apperr.InvalidEmail(err.Error(), *v, "body", "email"))
			}
			p.Email = &e
		}
	}
	for _, f := range []struct {
		name string
		in   Field[string]
		set  *bool
		dst  **string
	}{{"website", in.Website, &p.SetWebsite, &p.Website}, {"avatar_url", in.AvatarURL, &p.SetAvatarUrl, &p.AvatarUrl}} {
		if !f.in.Set {
			continue
		}
		*f.set = true
		if v := f.in.Value; v != nil && strings.TrimSpace(*v) != "" {
			raw := strings.TrimSpace(*v)
			switch {
			case validate.TooLong(raw, validate.MaxURL):
				errs = append(errs, tooLong(f.name, *v, validate.MaxURL))
			case !isHTTPURL(raw):
				errs = append(errs, apperr.Typed(apperr.CodeInvalidURL, "url_parsing", "Input should be an absolute http or https URL", *v, "body", f.name))
			default:
				*f.dst = &raw
			}
		}
	}
	if in.AccentColor.Set {
		p.SetAccentColor = true
		if v := in.AccentColor.Value; v != nil {
			if !accentPattern.MatchString(*v) {
				errs = append(errs, apperr.Typed(apperr.CodeInvalid, "string_pattern_mismatch", "String should match pattern '^#[0-9a-fA-F]{6}$'", *v, "body", "accent_color"))
			} else {
				c := strings.ToLower(*v)
				p.AccentColor = &c
			}
		}
	}
	if in.MemberModelEnabled.Set {
		if in.MemberModelEnabled.Value == nil {
			notNull("member_model_enabled", "bool_type", "boolean")
		} else {
			p.SetMemberModelEnabled, p.MemberModelEnabled = true, *in.MemberModelEnabled.Value
		}
	}
	if in.SeatBasedPricingEnabled.Set {
		if in.SeatBasedPricingEnabled.Value == nil {
			notNull("seat_based_pricing_enabled", "bool_type", "boolean")
		} else {
			p.SetSeatBasedPricingEnabled, p.SeatBasedPricingEnabled = true, *in.SeatBasedPricingEnabled.Value
		}
	}
	if in.CustomerPortalSettings.Set {
		raw, fe := portalSettings(in.CustomerPortalSettings.Value)
		if fe != nil {
			errs = append(errs, *fe)
		} else {
			p.SetCustomerPortalSettings, p.CustomerPortalSettings = true, raw
		}
	}
	if in.DefaultLocale.Set {
		if fe := localeError(in.DefaultLocale.Value, "body", "default_locale"); fe != nil {
			errs = append(errs, *fe)
		} else {
			p.SetDefaultLocale, p.DefaultLocale = true, *in.DefaultLocale.Value
		}
	}
	if len(errs) > 0 {
		return Workspace{}, apperr.Invalid(errs...)
	}
	ws, err := dbgen.New(s.pool).UpdateWorkspace(ctx, p)
	if err != nil {
		if db.IsNotFound(err) {
			return Workspace{}, apperr.NotFound("")
		}
		return Workspace{}, dbErr("workspace.update", err)
	}
	return newWorkspace(ws), nil
}

// localeError refuses a default_locale that is not one of i18n.Locales
// (null included: every workspace has a default).
func localeError(v *string, loc ...any) *apperr.FieldError {
	if v != nil && i18n.Valid(*v) {
		return nil
	}
	var input any
	if v != nil {
		input = *v
	}
	msg := "Input should be " + quotedList(i18n.Locales)
	return apperr.Typed(apperr.CodeInvalidChoice, "enum", msg, input, loc...).Ref()
}

// quotedList is pydantic's enum wording: 'en', 'de' or 'ja'.
func quotedList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + v + "'"
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// portalSettings validates customer_portal_settings against the contract's
// WorkspaceCustomerPortalSettings ({"usage":{"show":bool}}) and stores only
// that shape, so what the public endpoint echoes always validates.
func portalSettings(raw *json.RawMessage) (json.RawMessage, *apperr.FieldError) {
	loc := []any{"body", "customer_portal_settings"}
	if raw == nil || bytes.Equal(bytes.TrimSpace(*raw), []byte("null")) {
		return nil, apperr.Typed(apperr.CodeWrongType, "model_type", "Input should be a valid dictionary or object", nil, loc...).Ref()
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(*raw, &top); err != nil {
		return nil, apperr.Typed(apperr.CodeWrongType, "model_type", "Input should be a valid dictionary or object", rawAny(*raw), loc...).Ref()
	}
	usageRaw, ok := top["usage"]
	if !ok {
		return nil, apperr.Required(rawAny(*raw), append(loc, "usage")...).Ref()
	}
	var usage map[string]json.RawMessage
	if err := json.Unmarshal(usageRaw, &usage); err != nil || usage == nil {
		return nil, apperr.Typed(apperr.CodeWrongType, "model_type", "Input should be a valid dictionary or object", rawAny(usageRaw), append(loc, "usage")...).Ref()
	}
	showRaw, ok := usage["show"]
	if !ok {
		return nil, apperr.Required(rawAny(usageRaw), append(loc, "usage", "show")...).Ref()
	}
	var show bool
	if err := json.Unmarshal(showRaw, &show); err != nil || bytes.Equal(bytes.TrimSpace(showRaw), []byte("null")) {
		return nil, apperr.Typed(apperr.CodeWrongType, "bool_type", "Input should be a valid boolean", rawAny(showRaw), append(loc, "usage", "show")...).Ref()
	}
	out, _ := json.Marshal(map[string]any{"usage": map[string]bool{"show": show}})
	return out, nil
}

func rawAny(b []byte) any {
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

func tooLong(field, input string, max int) apperr.FieldError {
	return apperr.Typed(apperr.CodeTooLong, "string_too_long", "String should have at most "+strconv.Itoa(max)+" characters", input, "body", field)
}

// isHTTPURL reports whether raw is an absolute http(s) URL with a host.
func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(raw, " \t\r\n")
}
