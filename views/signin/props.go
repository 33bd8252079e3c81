// Package signin holds the sign-in pages: the email form, the account
// picker and the code form.
package signin

// Account is one choice in the account picker.
type Account struct {
	ID   string
	Name string // "" shows as "Unnamed account"
}

// RequestProps is the email form (and, when Accounts is set, the picker).
type RequestProps struct {
	Action   string // POST target
	Email    string
	Error    string // inline error under the field (422)
	Message  string // whole-form message (429, 503)
	Accounts []Account
	BackURL  string // picker's Back: the email form again
}

// AuthenticateProps is the code form.
type AuthenticateProps struct {
	Action       string
	ResendAction string
	RequestURL   string
	SentTo       string // masked address
	Error        string
	Ended        bool // the request ended (too many wrong codes)
	Message      string
	ResendIn     int // seconds until a resend is allowed, 0 = now
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
