// Package signin holds the sign-in pages: the email form, the account
// picker and the code form.
package signin

import (
	"strconv"
	"time"
)

// Retry says when a refused sign-in step will be accepted again: a time
// (rendered as <time datetime>, shown in the viewer's zone by
// static/js/portal.js, UTC without JavaScript) and the minutes until then.
type Retry struct {
	At      time.Time
	Minutes int
}

// Datetime is the machine-readable form of At.
func (r Retry) Datetime() string { return r.At.UTC().Format(time.RFC3339) }

// Clock is At as UTC hours and minutes, the text without JavaScript.
func (r Retry) Clock() string { return r.At.UTC().Format("15:04") + " UTC" }

// InMinutes words the wait: "1 minute", "15 minutes".
func (r Retry) InMinutes() string {
	if r.Minutes <= 1 {
		return "1 minute"
	}
	return strconv.Itoa(r.Minutes) + " minutes"
}

// Account is one choice in the account picker.
type Account struct {
	ID   string
	Name string // "" shows as "Unnamed account" (signin.unnamed)
}

// RequestProps is the email form (and, when Accounts is set, the picker).
type RequestProps struct {
	Action   string // POST target
	Email    string
	Error    string // inline error under the field (422)
	Message  string // whole-form message (429, 503)
	Retry    *Retry // with a 429: when to try again
	Next     string // page to return to after sign-in (checked), a hidden field
	Accounts []Account
	BackURL  string // picker's Back: the email form again
	// Passkey is the "Sign in with a passkey" button (nil when passkeys
	// are off): the email field then also offers passkey autofill.
	Passkey *PasskeyProps
}

// emailAutocomplete asks for passkey autofill on the email field when
// passkeys are on (conditional mediation needs the webauthn token).
func (p RequestProps) emailAutocomplete() string {
	if p.Passkey != nil {
		return "username webauthn"
	}
	return "email"
}

// AuthenticateProps is the code form.
type AuthenticateProps struct {
	Action       string
	ResendAction string
	RequestURL   string
	// SentTo is the address as the person typed it: the page is theirs,
	// and masking would hide a typo from the one person who can fix it.
	SentTo string
	// BoundEmail is set when the form was opened from the email's link in
	// a browser without that sign-in under way: the code is then bound to
	// this address (a hidden field) and no resend is offered here.
	BoundEmail string
	// Code is what was typed, shown again with the error of a wrong code.
	Code    string
	Error   string
	Ended   bool // the request ended (too many wrong codes)
	Message string
	Retry   *Retry // with a 429: when to try again
	// Held is set when nothing was mailed because the address is over its
	// mail cap: the page says when to try again, with the same words
	// whether or not the address has an account.
	Held *Retry
	// ResendIn is the seconds until a resend is allowed (0 = now),
	// rendered on every card; static/js/portal.js counts down whichever
	// card is live, so a card htmx swapped in keeps counting.
	ResendIn int
	// ExpiresInMinutes is the code's lifetime, said in the page's language.
	ExpiresInMinutes int
}

// DisplayName is an account's label in the picker.
func (a Account) DisplayName() string {
	if a.Name == "" {
		return "Unnamed account"
	}
	return a.Name
}

// ContinueProps is the page a pre-authenticated link leads to (D23):
// "Continue as <email> · <workspace>".
type ContinueProps struct {
	Action     string // POST target
	Email      string // whom the link signs in
	Workspace  string
	RequestURL string // "Not you?": the email sign-in
	// Current is the address signed in to this workspace now, when it is
	// someone else: continuing switches accounts.
	Current string
}
