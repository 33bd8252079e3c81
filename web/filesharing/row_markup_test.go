package filesharing_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/testkit"
)

// TestPages_OverviewOneRowPerShare (issue 16.12): each share is one table
// row, its "Downloads and payments" inside the row (a link to the share's
// page that portal.js makes an in-place toggle), never a second row; the
// file cell carries the full name in title attributes so a long name can
// end in an ellipsis at 1280 px without being lost; the file cell is found
// by class, not by its English label, so the phone layout holds in every
// language.
func TestPages_OverviewOneRowPerShare(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "customer")
	long := "contract-v2-final-signed-by-both-parties-2026-12-07.docx"
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Title: strp("Contract for the Acme and Globex merger, second revision"), FileName: strp(long)})
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{FileName: strp("notes.txt")})
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})

	for _, lang := range []string{"en", "de", "ja"} {
		rec := b.get("/acme/portal/overview?lang="+lang, false)
		rec.ExpectStatus(t, http.StatusOK)
		d := doc(t, rec)
		shares := d.Find(`tbody[data-testid="session-row"]`)
		if shares.Length() != 3 {
			t.Fatalf("%s: %d shares", lang, shares.Length())
		}
		if n := d.Find(`table.sessions tbody tr`).Length(); n != 3 {
			t.Fatalf("%s: %d body rows for 3 shares, want one each", lang, n)
		}
		if d.Find(`.activity-row, details.activity`).Length() != 0 {
			t.Fatalf("%s: a second row per share is rendered", lang)
		}
		shares.Each(func(i int, s *goquery.Selection) {
			cell := s.Find(`td.cell-file`)
			if cell.Length() != 1 {
				t.Fatalf("%s row %d: no file cell", lang, i)
			}
			toggle := cell.Find(`a[data-testid="activity-toggle"]`)
			href, _ := toggle.Attr("href")
			if toggle.Length() != 1 || !strings.HasPrefix(href, "/acme/portal/sessions/") || toggle.AttrOr("data-activity", "") != href+"/activity" {
				t.Fatalf("%s row %d: activity toggle %q", lang, i, href)
			}
			if strings.TrimSpace(toggle.Text()) == "" {
				t.Fatalf("%s row %d: toggle without words", lang, i)
			}
			// The row's cells all carry their label for the phone layout.
			s.Find("td").Each(func(_ int, td *goquery.Selection) {
				if td.AttrOr("data-label", "") == "" {
					t.Fatalf("%s row %d: a cell without data-label", lang, i)
				}
			})
		})
		first := shares.FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find(".file-name").Length() == 1 })
		if got := first.Find(`.file-title`).AttrOr("title", ""); got != "Contract for the Acme and Globex merger, second revision" {
			t.Fatalf("%s: title attribute %q", lang, got)
		}
		if got := first.Find(`.file-name`).AttrOr("title", ""); got != long {
			t.Fatalf("%s: file name title %q", lang, got)
		}
	}
}
