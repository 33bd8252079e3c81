package html

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/customer"
	"portal/internal/i18n"
	customerview "portal/views/customer"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/httperr"
	"portal/web/middleware"
)

// The settings page: profile and billing details (§3.1–3.2, docs/design.md "Pages")
// and the linked accounts panel (oauth_accounts.go).

const msgBillingSaved = "settings.saved"

var countryOptions = func() []customerview.Country {
	var out []customerview.Country
	for _, c := range customer.Countries() {
		out = append(out, customerview.Country{Code: c.Code, Name: c.Name, PostalExample: customer.RuleFor(c.Code).PostalExample, Needs: needs(c.Code)})
	}
	return out
}()

// needs is which parts addresses in country require: C city, S state, Z
// postal code (line 1 always).
func needs(country string) string {
	r, out := customer.RuleFor(country), ""
	if r.RequiresCity {
		out += "C"
	}
	if r.RequiresState {
		out += "S"
	}
	if r.RequiresPostalCode {
		out += "Z"
	}
	return out
}

// stateCountries feeds the state field's script (static/js/settings.js).
var stateCountries = strings.Join(customer.StateCountries(), " ")

// countriesFor is the country select's options. A country the address
// holds but that is no longer accepted (embargoed after it was stored, G21)
// is offered too, marked, so the form shows what is stored instead of
// silently switching to "Choose a country"; saving it is refused at the
// field.
func countriesFor(current string) []customerview.Country {
	code := strings.ToUpper(strings.TrimSpace(current))
	if !customer.IsEmbargoed(code) {
		return countryOptions
	}
	name := customer.CountryName(code)
	if name == "" {
		name = code
	}
	return append([]customerview.Country{{Code: code, Name: name + " (no longer accepted)"}}, countryOptions...)
}

// Settings is GET /{slug}/portal/settings.
func (h *Handlers) Settings(c echo.Context) error {
	p := middleware.Principal(c)
	prof, err := h.S.Customers.Get(c.Request().Context(), p)
	if err != nil {
		return err
	}
	form := formFromProfile(prof)
	if kept := h.takeKept(c, paths.SettingsPage(Workspace(c).Slug)); kept != nil && p.CanBill() {
		// Typed before the last session ended: shown, not saved.
		form = billingFormFrom(kept.Get)
		form.Notice = h.locale(c).T("kept.notice")
	}
	return h.renderSettings(c, http.StatusOK, prof, form)
}

// billingFormFrom reads the billing form's fields with get (a posted form,
// or kept content): billing_address[key], or the flat key (docs/design.md
// "Interface" allows either).
func billingFormFrom(get func(string) string) customerview.BillingForm {
	addr := func(key string) string {
		if v := get("billing_address[" + key + "]"); v != "" {
			return v
		}
		return get(key)
	}
	return customerview.BillingForm{
		BillingName: get("billing_name"),
		Line1:       addr("line1"), Line2: addr("line2"),
		PostalCode: addr("postal_code"), City: addr("city"),
		State: addr("state"), Country: addr("country"),
	}
}

func formFromProfile(p customer.Profile) customerview.BillingForm {
	f := customerview.BillingForm{BillingName: strOr(p.BillingName)}
	if a := p.BillingAddress; a != nil {
		// The form shows the state's short code; the service adds the prefix back.
		f.Line1, f.Line2, f.PostalCode, f.City, f.State, f.Country = strOr(a.Line1), strOr(a.Line2), strOr(a.PostalCode), strOr(a.City), a.ShortState(), a.Country
	}
	return f
}

func (h *Handlers) settingsProps(c echo.Context, prof customer.Profile, form customerview.BillingForm) (customerview.SettingsProps, error) {
	p := middleware.Principal(c)
	tok, field := csrfToken(c)
	if code := strings.ToUpper(strings.TrimSpace(form.Country)); customer.IsAllowed(code) {
		form.Needs, form.NeedsKnown = needs(code), true
	}
	props := customerview.SettingsProps{CanBill: p.CanBill(), IsMember: p.IsMember(), CustomerEmail: prof.Email,
		PersonEmail: prof.Email, PersonName: strOr(prof.Name), Countries: localCountries(h.locale(c), countriesFor(form.Country)), StateCountries: stateCountries,
		Action: paths.SettingsPage(Workspace(c).Slug), CSRFField: field, CSRFToken: tok, Form: form,
		PostalExample:      customer.RuleFor(form.Country).PostalExample,
		PostalHintTemplate: h.locale(c).T("settings.postal_example", map[string]any{"Example": "{example}"})}
	if bs, _ := c.Get(keyBrowser).(*auth.BrowserSession); bs != nil {
		props.PersonName, props.PersonEmail = bs.Name, bs.Email
	}
	return props, nil
}

func (h *Handlers) renderSettings(c echo.Context, status int, prof customer.Profile, form customerview.BillingForm) error {
	props, err := h.settingsProps(c, prof, form)
	if err != nil {
		return err
	}
	if htmx.IsRequest(c) && c.Request().Method == http.MethodPost {
		if form.Saved {
			return Render(c, status, customerview.BillingSaved(props))
		}
		return Render(c, status, customerview.BillingDetailsForm(props))
	}
	linked, err := h.LinkedAccounts(c)
	if err != nil {
		return err
	}
	props.Linked = &linked
	devices, err := h.DevicesSection(c)
	if err != nil {
		return err
	}
	props.Devices = &devices
	if props.Passkeys, err = h.PasskeysSection(c); err != nil {
		return err
	}
	return Render(c, status, customerview.Settings(h.Meta(c, "nav.settings", "settings"), props))
}

// SettingsSave is POST /{slug}/portal/settings: the whole form is the new
// state, so an empty billing name clears it and an empty address (no
// field filled) clears the address. 303 with a flash; HTMX gets the form
// back with the success message; 422 re-renders with inline errors.
func (h *Handlers) SettingsSave(c echo.Context) error {
	p := middleware.Principal(c)
	form := billingFormFrom(c.FormValue)
	if !customer.StateApplies(form.Country) {
		form.State = "" // the country's addresses have none
	}
	// The pages refuse an incomplete address (a country alone, or without
	// the parts the country requires); the JSON API does not (§3.2,
	// docs/design.md "Billing addresses").
	in := customer.UpdateInput{SetBillingName: true, BillingName: &form.BillingName, SetBillingAddress: true,
		BillingAddress:  customer.FormAddress(form.Line1, form.Line2, form.PostalCode, form.City, form.State, form.Country),
		CompleteAddress: true}
	prof, err := h.S.Customers.Update(c.Request().Context(), p, in)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindBadRequest && e.Kind != apperr.KindProviderUnavailable) {
			return err
		}
		cur, gerr := h.S.Customers.Get(c.Request().Context(), p)
		if gerr != nil {
			return gerr
		}
		form.Errors = map[string]string{}
		status := httperr.StatusOf(c.Response().Header(), e)
		switch e.Kind {
		case apperr.KindInvalid:
			for _, f := range e.Fields {
				key := f.Name()
				if key == "" {
					key = "billing_address"
				}
				form.Errors[key] = settingsMessage(h.locale(c), key, form.Country, f)
			}
		case apperr.KindProviderUnavailable:
			form.Error = h.locale(c).T("settings.form.provider_down")
		default:
			form.Error = detail(h.locale(c), e.Detail, "error.generic_message")
		}
		return h.renderSettings(c, status, cur, form)
	}
	if htmx.IsRequest(c) {
		f := formFromProfile(prof)
		f.Saved = true
		return h.renderSettings(c, http.StatusOK, prof, f)
	}
	if err := h.setFlash(c, "success", h.locale(c).T(msgBillingSaved)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, paths.SettingsPage(Workspace(c).Slug))
}

// settingsMessage words a field error for people, by its code, in l's
// language; postal-code errors give an example of the country's form.
func settingsMessage(l *i18n.Locale, key, country string, f apperr.FieldError) string {
	switch {
	case key == "postal_code" && (f.Code == apperr.CodeInvalidPostalCode || f.Code == apperr.CodeRequired):
		if ex := customer.RuleFor(country).PostalExample; ex != "" {
			return l.T("settings.form.postal_format", map[string]any{"Example": ex})
		}
		return l.T("settings.form.postal_required")
	case key == "line1" && f.Code == apperr.CodeRequired:
		return l.T("settings.form.line1_required")
	case key == "city" && f.Code == apperr.CodeRequired:
		return l.T("settings.form.city_required")
	case key == "state" && f.Code == apperr.CodeRequired:
		return l.T("settings.form.state_required")
	case key == "country" && f.Code == apperr.CodeRequired:
		return l.T("settings.form.choose_country")
	case key == "country":
		return l.T("settings.form.country_unsupported")
	case f.Code == apperr.CodeInvalidUSState:
		return l.T("settings.form.us_state")
	case f.Code == apperr.CodeInvalidCAProvince:
		return l.T("settings.form.ca_province")
	case f.Code == apperr.CodeTooLong:
		return l.T("settings.form.too_long")
	}
	return fieldMsg(l, f)
}

// localCountries names the countries in l's language (CLDR, via
// x/text/language/display) and orders them as that language sorts.
func localCountries(l *i18n.Locale, in []customerview.Country) []customerview.Country {
	if l.Lang == i18n.Default {
		return in
	}
	tag := language.MustParse(l.Lang)
	names := display.Regions(tag)
	out := make([]customerview.Country, len(in))
	for i, c := range in {
		out[i] = c
		if r, err := language.ParseRegion(c.Code); err == nil {
			if n := names.Name(r); n != "" {
				out[i].Name = n
			}
		}
	}
	col := collate.New(tag)
	slices.SortStableFunc(out, func(a, b customerview.Country) int { return col.CompareString(a.Name, b.Name) })
	return out
}

func strOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
