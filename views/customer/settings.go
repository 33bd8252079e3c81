package customer

import "strings"

// Country is one option of the billing country select.
type Country struct {
	Code string
	Name string
	// PostalExample is a postal code of the country (data-postal on the
	// option; the script shows it as the postal code's hint).
	PostalExample string
	// Needs is which parts the country's addresses require (data-needs).
	Needs string
}

// optionalAlways marks a part that is optional in every country.
const optionalAlways = "always"

// optionalShown reports whether part is optional for the chosen country.
func (f BillingForm) optionalShown(part string) bool {
	if part == optionalAlways {
		return true
	}
	return f.NeedsKnown && !strings.Contains(f.Needs, part)
}

// BillingForm is the billing details form's values and errors.
type BillingForm struct {
	BillingName string
	Line1       string
	Line2       string
	PostalCode  string
	City        string
	State       string
	Country     string
	Errors      map[string]string // billing_name, line1, line2, postal_code, city, state, country
	Error       string            // for the whole form
	Saved       bool              // the HTMX answer announces the save (BillingSaved)
	Notice      string            // the values were kept from before the session ended
	// Needs is which parts the chosen country's addresses require (C
	// city, S state, Z postal code); NeedsKnown is false when no country
	// is chosen, and then no part is marked optional but line 2.
	Needs      string
	NeedsKnown bool
}

// SettingsProps is /{slug}/portal/settings.
type SettingsProps struct {
	CanBill       bool
	IsMember      bool
	PersonName    string
	PersonEmail   string
	CustomerEmail string
	Countries     []Country
	// StateCountries lists the codes whose addresses have a state,
	// province or region, space-separated: with JavaScript the state field
	// shows only for them.
	StateCountries string
	// PostalExample is the chosen country's example postal code ("" when
	// none is chosen or it has no postal codes); PostalHintTemplate is the
	// hint's words with {example} where the code goes, for the script.
	PostalExample      string
	PostalHintTemplate string
	Action             string
	CSRFField          string
	CSRFToken          string
	Form               BillingForm
	// Linked is the linked-accounts panel (owned by linked_accounts.templ);
	// nil renders nothing.
	Linked *LinkedAccountsProps
	// Devices is the "Sign-in and devices" section (devices.templ); nil
	// renders nothing.
	Devices *DevicesProps
	// Passkeys is the "Passkeys" section (passkeys.templ); nil when
	// passkeys are off.
	Passkeys *PasskeysProps
}

// firstInvalid is the first field, in page order, with an error: it takes
// focus (autofocus) when the form comes back refused, so keyboard and
// screen-reader users land at the error even without JavaScript.
func (f BillingForm) firstInvalid() string {
	for _, k := range []string{"billing_name", "country", "line1", "line2", "postal_code", "city", "state"} {
		if f.err(k) != "" {
			return k
		}
	}
	return ""
}

func (f BillingForm) err(k string) string {
	if f.Errors == nil {
		return ""
	}
	return f.Errors[k]
}
