package customer

import (
	"testing"

	"portal/views/internal/htmlcheck"
	"portal/views/layout"
)

const nonce = "n0nc3"

func settingsPage(name, email, line string, canBill bool) (layout.Meta, SettingsProps) {
	m := layout.Meta{Title: "Settings", Nonce: nonce, CSRFToken: "csrf", CSRFField: "_csrf", Current: "settings",
		Workspace: &layout.Workspace{Name: line, Slug: "acme"}, User: &layout.User{Name: name, Email: email, CanBill: canBill}}
	p := SettingsProps{CanBill: canBill, IsMember: !canBill, PersonName: name, PersonEmail: email, CustomerEmail: email,
		Countries: []Country{{Code: "US", Name: "United States"}, {Code: "FR", Name: "France"}}, Action: "/acme/portal/settings",
		CSRFField: "_csrf", CSRFToken: "csrf",
		Form: BillingForm{BillingName: name, Line1: line, Line2: email, PostalCode: line, City: name, State: email, Country: "US",
			Errors: map[string]string{"line1": line, "state": "Invalid US state"}, Error: name},
		Linked: &LinkedAccountsProps{CSRFField: "_csrf", CSRFToken: "csrf", DisconnectAction: "/acme/portal/settings/linked-accounts/disconnect",
			Platforms: []LinkedPlatform{{Key: "discord", Label: "Discord", ConnectAction: "/acme/portal/settings/linked-accounts/discord"}},
			Accounts:  []LinkedAccount{{Key: "discord:1", PlatformLabel: "Discord", ID: "1", Username: name}}, Notice: line, NoticeKind: "error"}}
	return m, p
}

// FuzzSettingsEscapes renders the settings page for a billing manager (the
// billing form, with the hostile values in input values and inline errors)
// and for a plain member (the read-only profile), with the linked-accounts
// panel, and checks with htmlcheck.Same that hostile names, emails and
// address lines change nothing but text and read back verbatim.
func FuzzSettingsEscapes(f *testing.F) {
	for i, s := range htmlcheck.Seeds {
		f.Add(s, htmlcheck.Seeds[(i+3)%len(htmlcheck.Seeds)], htmlcheck.Seeds[(i+5)%len(htmlcheck.Seeds)])
	}
	f.Fuzz(func(t *testing.T, name, email, line string) {
		name, email, line = htmlcheck.NonEmpty(name), htmlcheck.NonEmpty(email), htmlcheck.NonEmpty(line)
		for _, canBill := range []bool{true, false} {
			bm, bp := settingsPage("benign-name", "benign-email", "benign-line", canBill)
			hm, hp := settingsPage(name, email, line, canBill)
			benign, hostile := htmlcheck.Render(t, Settings(bm, bp)), htmlcheck.Render(t, Settings(hm, hp))
			htmlcheck.Same(t, benign, hostile, nonce)
			htmlcheck.Verbatim(t, benign, hostile, [2]string{"benign-name", name}, [2]string{"benign-email", email}, [2]string{"benign-line", line})
			// The HTMX answer to a save is a fragment of its own.
			htmlcheck.Same(t, htmlcheck.Render(t, BillingSaved(bp)), htmlcheck.Render(t, BillingSaved(hp)), nonce)
		}
	})
}
