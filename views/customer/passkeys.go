package customer

import "time"

// PasskeysProps is the settings page's "Passkeys" section (issue 18).
type PasskeysProps struct {
	CSRFField string
	CSRFToken string
	Passkeys  []PasskeyRow
	// Fresh: the browser session is young enough to add a passkey; else
	// the add button re-verifies with a code first (ReverifyURL).
	Fresh       bool
	BeginURL    string
	FinishURL   string
	ReverifyURL string
	Nonce       string // the page's CSP nonce, for passkey.js
}

// PasskeyRow is one passkey.
type PasskeyRow struct {
	ID           string
	Name         string
	CreatedAt    time.Time
	LastUsedAt   *time.Time
	RenameAction string
	RemoveAction string
}
