// Package layout holds the page shell every portal page renders in.
package layout

import (
	"net/url"

	"portal/internal/i18n"
	"portal/views/paths"
)

// Workspace is the branding a page shows.
type Workspace struct {
	Name    string
	Slug    string
	LogoURL string
	Accent  string // CSS colour, validated before it gets here
	Website string
	Email   string // support address, shown in the footer
}

// Link is a labelled link (the unknown-workspace page's ways on).
type Link struct {
	Label string
	URL   string
}

// User is the signed-in person, when there is one.
type User struct {
	Name  string
	Email string
	// Account is the customer a member session acts for, shown before
	// the member's name ("Design Studio · Pat Shared"); "" for customer
	// sessions.
	Account string
	// CanSwitch offers "Switch account": the address chose this account
	// in the account picker, so it has several.
	CanSwitch bool
	Role      string // "" for customer sessions
	CanBill   bool
	CanTeam   bool
}

// Meta is the request-wide data every page needs, in one value, so that
// views take typed props and nothing else.
type Meta struct {
	Title     string
	Nonce     string
	CSRFToken string
	CSRFField string
	Workspace *Workspace
	User      *User
	Current   string // nav key of this page: overview, billing, team, settings
	Flash     string
	FlashKind string // "success" or "error"
	ReturnURL string // "Back to workspace" link, https only
	Theme     string // "", "light" or "dark" (?theme= override)
	// Here is this page's address without its query, for the language
	// switcher's ?lang= links (the portal root when the page answered a
	// form post, which a GET link cannot repeat).
	Here string
}

// Who is the signed-in person as the layout names them: "Account · Name"
// for a member, the name alone for a customer ("" when there is none).
func (u *User) Who() string {
	switch {
	case u.Account != "" && u.Name != "":
		return u.Account + " · " + u.Name
	case u.Account != "":
		return u.Account
	}
	return u.Name
}

// Initials is the avatar fallback when a workspace has no logo.
func (w *Workspace) Initials() string {
	out := []rune{}
	prev := ' '
	for _, r := range w.Name {
		if prev == ' ' && r != ' ' {
			out = append(out, r)
			if len(out) == 2 {
				break
			}
		}
		prev = r
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

func (m Meta) PortalURL(page string) string {
	if m.Workspace == nil {
		return "/"
	}
	return paths.Page(m.Workspace.Slug, page)
}

// LangURL is this page in another language (the footer's switcher).
func (m Meta) LangURL(lang string) string {
	here := m.Here
	if here == "" {
		here = m.PortalURL("")
	}
	return here + "?lang=" + url.QueryEscape(lang)
}

// Languages are the switcher's entries, each in its own language.
func Languages() []string { return i18n.Locales }

// TimeZoneURL is where portal.js posts the browser's zone, or "" when the
// server already knows it (or the page belongs to no workspace).
func (m Meta) TimeZoneURL(l *i18n.Locale) string {
	if l.ZoneKnown || m.Workspace == nil {
		return ""
	}
	return paths.TimeZonePage(m.Workspace.Slug)
}
