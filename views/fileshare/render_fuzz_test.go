package fileshare

import (
	"testing"

	"portal/views/internal/htmlcheck"
	"portal/views/layout"
)

const nonce = "n0nc3"

func overviewPage(title, file, ws string, rows bool) (layout.Meta, OverviewProps) {
	m := layout.Meta{Title: "Overview", Nonce: nonce, CSRFToken: "csrf", CSRFField: "_csrf", Current: "overview",
		Workspace: &layout.Workspace{Name: ws, Slug: "acme", Accent: "#336699", Website: "https://acme.example"},
		User:      &layout.User{Name: title, Email: file, CanBill: true, CanTeam: true}, Flash: ws, FlashKind: "success"}
	p := OverviewProps{WorkspaceName: ws, WorkspaceEmail: file, WorkspaceWebsite: title, FirstPageURL: "/acme/portal/overview",
		Columns: []Column{{Key: "file", Label: "File"}, {Key: "created", Label: "Shared", URL: "/acme/portal/overview?sorting=created_at", AriaSort: "descending"}}}
	if rows {
		p.Total, p.Page, p.Pages = 2, 1, 1
		p.Rows = []SessionRow{
			{ID: "1", Status: "active", Title: title, FileName: file, Size: "1 KB", Downloads: "1 / 3", Price: "Free",
				CreatedLabel: "today", CreatedISO: "2026-01-01T00:00:00Z", DetailURL: "/acme/portal/overview/1", ActivityURL: "/acme/portal/overview/1/activity", ShortSlug: "abc"},
			{ID: "2", Status: "completed", FileName: file, Size: "1 KB", Downloads: "1 / 3", Price: "Free",
				CreatedLabel: "today", CreatedISO: "2026-01-01T00:00:00Z", DetailURL: "/acme/portal/overview/2", ActivityURL: "/acme/portal/overview/2/activity", ShortSlug: "def"},
		}
	}
	return m, p
}

// FuzzOverviewEscapes renders the overview page — its rows, and its empty
// state with the workspace's contact links — with hostile file titles,
// file names and workspace name (also used as the signed-in name, email,
// flash message, contact email and website), and checks with
// htmlcheck.Same that they change nothing but text, and that each one reads
// back verbatim where the benign value was shown.
func FuzzOverviewEscapes(f *testing.F) {
	for i, s := range htmlcheck.Seeds {
		f.Add(s, htmlcheck.Seeds[(i+1)%len(htmlcheck.Seeds)], htmlcheck.Seeds[(i+2)%len(htmlcheck.Seeds)])
	}
	f.Fuzz(func(t *testing.T, title, file, ws string) {
		title, file, ws = htmlcheck.NonEmpty(title), htmlcheck.NonEmpty(file), htmlcheck.NonEmpty(ws)
		for _, rows := range []bool{true, false} {
			bm, bp := overviewPage("benign-title", "benign-file", "benign-ws", rows)
			hm, hp := overviewPage(title, file, ws, rows)
			benign, hostile := htmlcheck.Render(t, Overview(bm, bp)), htmlcheck.Render(t, Overview(hm, hp))
			htmlcheck.Same(t, benign, hostile, nonce)
			htmlcheck.Verbatim(t, benign, hostile, [2]string{"benign-title", title}, [2]string{"benign-file", file}, [2]string{"benign-ws", ws})
		}
	})
}
