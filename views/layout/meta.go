// Package layout holds the page shell every portal page renders in.
package layout

import "portal/web/paths"

// Workspace is the branding a page shows.
type Workspace struct {
	Name    string
	Slug    string
	LogoURL string
	Accent  string // CSS colour, validated before it gets here
	Website string
}

// User is the signed-in person, when there is one.
type User struct {
	Name    string
	Email   string
	Role    string // "" for customer sessions
	CanBill bool
	CanTeam bool
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
