// Package paymentmethod holds the saved-cards pages: the billing page (list,
// make default, delete with confirmation, add a card through Stripe's
// Payment Element or the card sandbox) and the sandbox's 3-D Secure page.
package paymentmethod

// Card modes of the billing page.
const (
	ModeStripe  = "stripe"
	ModeSandbox = "sandbox"
	ModeOff     = ""
)

// CardRow is one saved card, formatted for display.
type CardRow struct {
	ID         string
	Brand      string // display name, e.g. "Visa"
	Last4      string
	Expiry     string // MM/YY, "" when unknown
	IsDefault  bool
	DefaultURL string
	DeleteURL  string
}

// Label is how a card is named in sentences and button labels.
func (c CardRow) Label() string {
	if c.Last4 == "" {
		return c.Brand
	}
	return c.Brand + " ending in " + c.Last4
}

// SandboxForm is the sandbox card form's state after a failed submit. The
// card number and CVC are never echoed back.
type SandboxForm struct {
	FormID     string // one per rendering: a double submit adds one card
	Expiry     string
	SetDefault bool
	Errors     map[string]string // number, expiry, cvc
	Error      string            // a decline or provider error for the whole form
}

// BillingProps is the billing page.
type BillingProps struct {
	Mode           string
	CanBill        bool
	Cards          []CardRow
	AddURL         string // POST target of the add form
	ConfirmURL     string // POST target after Stripe's next action (JS)
	ReturnURL      string // where a 3-D Secure redirect comes back
	PublishableKey string
	WorkspaceName  string
	Form           SandboxForm
	CSRFField      string
	CSRFToken      string
}

// DeleteProps is the no-JavaScript confirmation step before a delete.
type DeleteProps struct {
	Card      CardRow
	CancelURL string
	CSRFField string
	CSRFToken string
}

// ChallengeProps is the sandbox's 3-D Secure page.
type ChallengeProps struct {
	SetupIntentID string
	ClientSecret  string
	Card          string
	Action        string
	Answered      bool
	CSRFField     string
	CSRFToken     string
}
