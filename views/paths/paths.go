// Package paths is the one place page URLs are spelled. The route table
// (web/routes.go) registers every page under the names below, handlers and
// views build links with the functions below, and a test checks that every
// URL built here resolves to a registered route. It lives under views/
// because views link to pages too and web stands above views: both reach it
// downwards. It imports nothing of the portal.
package paths

import (
	"net/url"
	"strconv"
)

// Prefix is every page's route prefix: /{slug}/portal.
const Prefix = "/:slug/portal"

// Route names of the pages, for echo's Reverse and the routes test.
const (
	Entry           = "page.entry"
	Request         = "page.request"
	RequestSubmit   = "page.request.submit"
	Authenticate    = "page.authenticate"
	AuthSubmit      = "page.authenticate.submit"
	Resend          = "page.authenticate.resend"
	SignOut         = "page.sign_out"
	Continue        = "page.continue"
	ContinueSubmit  = "page.continue.submit"
	Overview        = "page.overview"
	Session         = "page.session"
	SessionActivity = "page.session.activity"
	SessionCSV      = "page.session.csv"
	Settings        = "page.settings"
	SettingsSave    = "page.settings.save"
	OAuthConnect    = "page.settings.oauth.connect"
	OAuthDisconnect = "page.settings.oauth.disconnect"
	DeviceSignOut   = "page.settings.devices.sign_out"
	DevicesOthers   = "page.settings.devices.sign_out_others"
	PasskeyBegin    = "page.passkeys.sign_in.begin"
	PasskeyFinish   = "page.passkeys.sign_in.finish"
	PasskeyAdd      = "page.settings.passkeys.begin"
	PasskeyAdded    = "page.settings.passkeys.finish"
	PasskeyRenameR  = "page.settings.passkeys.rename"
	PasskeyRemoveR  = "page.settings.passkeys.remove"
	PasskeyReverifR = "page.settings.passkeys.reverify"
	Billing         = "page.billing"
	BillingAddCard  = "page.billing.cards"
	BillingConfirm  = "page.billing.confirm"
	BillingReturn   = "page.billing.return"
	BillingDefault  = "page.billing.cards.default"
	BillingDelete   = "page.billing.cards.delete"
	Team            = "page.team"
	TeamAdd         = "page.team.members"
	TeamRole        = "page.team.members.role"
	TeamRemove      = "page.team.members.remove"
	SandboxThreeDS  = "page.sandbox.3ds"
	DevMail         = "page.dev.mail"
	TimeZone        = "page.timezone"
)

// Portal is a workspace's portal root, /{slug}/portal.
func Portal(slug string) string { return "/" + slug + "/portal" }

// Page is a page under the portal root: Page("acme", "overview") is
// /acme/portal/overview; an empty page is the root itself.
func Page(slug, page string) string {
	if page == "" {
		return Portal(slug)
	}
	return Portal(slug) + "/" + page
}

// TimeZonePage is where portal.js posts the browser's time zone.
func TimeZonePage(slug string) string { return Page(slug, "timezone") }

// SignIn is the sign-in (request a code) page.
func SignIn(slug string) string { return Page(slug, "request") }

// Settings is the settings page.
func SettingsPage(slug string) string { return Page(slug, "settings") }

// DevicesPage is the settings page's "Sign-in and devices" section.
func DevicesPage(slug string) string { return SettingsPage(slug) + "#devices" }

// DeviceSignOutPage signs out one of the person's other browser sessions.
func DeviceSignOutPage(slug, id string) string {
	return SettingsPage(slug) + "/devices/" + url.PathEscape(id) + "/sign-out"
}

// DevicesOthersPage is "Sign out everywhere else".
func DevicesOthersPage(slug string) string { return SettingsPage(slug) + "/devices/sign-out-others" }

// PasskeysPage is the settings page's "Passkeys" section.
func PasskeysPage(slug string) string { return SettingsPage(slug) + "#passkeys" }

// PasskeySignInBegin and PasskeySignInFinish are the sign-in page's
// passkey ceremony (JSON, called by static/js/passkey.js).
func PasskeySignInBegin(slug string) string { return Page(slug, "passkeys/sign-in/begin") }

// PasskeySignInFinish: see PasskeySignInBegin.
func PasskeySignInFinish(slug string) string { return Page(slug, "passkeys/sign-in/finish") }

// PasskeyAddBegin and PasskeyAddFinish add a passkey (JSON).
func PasskeyAddBegin(slug string) string { return SettingsPage(slug) + "/passkeys/begin" }

// PasskeyAddFinish: see PasskeyAddBegin.
func PasskeyAddFinish(slug string) string { return SettingsPage(slug) + "/passkeys/finish" }

// PasskeyRename renames one passkey (form).
func PasskeyRename(slug, id string) string {
	return SettingsPage(slug) + "/passkeys/" + url.PathEscape(id) + "/rename"
}

// PasskeyRemove removes one passkey (form, confirmed).
func PasskeyRemove(slug, id string) string {
	return SettingsPage(slug) + "/passkeys/" + url.PathEscape(id) + "/remove"
}

// PasskeyReverify starts a fresh code sign-in to add a passkey.
func PasskeyReverify(slug string) string { return SettingsPage(slug) + "/passkeys/reverify" }

// BillingPage is the cards page; rest ("/cards", "?added=1", ...) follows.
func BillingPage(slug, rest string) string { return Page(slug, "billing") + rest }

// TeamPage is the team page; rest ("/members", "?removed=1", ...) follows.
func TeamPage(slug, rest string) string { return Page(slug, "team") + rest }

// SessionPage is one file-share session's page.
func SessionPage(slug, id string) string { return Page(slug, "sessions/"+url.PathEscape(id)) }

// OverviewPage is the overview with its sort, page, page size and status
// filter (pages only, not the API's); the default sort (defaultSort) and
// empty values are left out so links stay short and canonical.
func OverviewPage(slug string, sorting []string, defaultSort string, page, limit int64, status string) string {
	q := url.Values{}
	if len(sorting) > 0 && (len(sorting) != 1 || sorting[0] != defaultSort) {
		q["sorting"] = sorting
	}
	if status != "" {
		q.Set("status", status)
	}
	if page > 1 {
		q.Set("page", strconv.FormatInt(page, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.FormatInt(limit, 10))
	}
	u := Page(slug, "overview")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
