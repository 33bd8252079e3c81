package member

import (
	"testing"

	"portal/views/internal/htmlcheck"
	"portal/views/layout"
)

const nonce = "n0nc3"

func teamPage(name, email, ws string) (layout.Meta, TeamProps) {
	m := layout.Meta{Title: "Team", Nonce: nonce, CSRFToken: "csrf", CSRFField: "_csrf", Current: "team",
		Workspace: &layout.Workspace{Name: ws, Slug: "acme"}, User: &layout.User{Name: name, Email: email, Role: "owner", CanBill: true, CanTeam: true},
		Flash: name, FlashKind: "error"}
	row := func(id, role string, self bool) Row {
		return Row{ID: id, Name: name, Email: email, Role: role, IsSelf: self, RoleAction: "/acme/portal/team/" + id + "/role",
			RemoveAction: "/acme/portal/team/" + id + "/remove", SignInLink: "https://portal.example.test/acme/portal/request", Error: ws}
	}
	p := TeamProps{Allowed: true, Members: []Row{row("1", "owner", true), row("2", "member", false), row("3", "billing_manager", false)},
		Form:      AddForm{Email: email, Name: name, Role: "member", Errors: map[string]string{"email": ws, "name": name}, Error: email},
		AddAction: "/acme/portal/team", Notice: ws, Swap: true, CSRFField: "_csrf", CSRFToken: "csrf"}
	return m, p
}

// FuzzTeamEscapes renders the team page — member rows (names and emails
// in text, aria-labels and data-confirm attributes), the add form with its
// values and errors — plus the HTMX panel and the removal confirmation,
// with hostile names, emails and workspace name, and checks with
// htmlcheck.Same that they change nothing but text and read back verbatim.
func FuzzTeamEscapes(f *testing.F) {
	for i, s := range htmlcheck.Seeds {
		f.Add(s, htmlcheck.Seeds[(i+7)%len(htmlcheck.Seeds)], htmlcheck.Seeds[(i+11)%len(htmlcheck.Seeds)])
	}
	f.Fuzz(func(t *testing.T, name, email, ws string) {
		name, email, ws = htmlcheck.NonEmpty(name), htmlcheck.NonEmpty(email), htmlcheck.NonEmpty(ws)
		bm, bp := teamPage("benign-name", "benign-email", "benign-ws")
		hm, hp := teamPage(name, email, ws)
		benign, hostile := htmlcheck.Render(t, Team(bm, bp)), htmlcheck.Render(t, Team(hm, hp))
		htmlcheck.Same(t, benign, hostile, nonce)
		htmlcheck.Verbatim(t, benign, hostile, [2]string{"benign-name", name}, [2]string{"benign-email", email}, [2]string{"benign-ws", ws})
		htmlcheck.Same(t, htmlcheck.Render(t, Panel(bp)), htmlcheck.Render(t, Panel(hp)), nonce)
		br := RemoveProps{Member: bp.Members[1], CancelURL: "/acme/portal/team", CSRFField: "_csrf", CSRFToken: "csrf"}
		hr := RemoveProps{Member: hp.Members[1], CancelURL: "/acme/portal/team", CSRFField: "_csrf", CSRFToken: "csrf"}
		htmlcheck.Same(t, htmlcheck.Render(t, RemoveConfirm(bm, br)), htmlcheck.Render(t, RemoveConfirm(hm, hr)), nonce)
	})
}
