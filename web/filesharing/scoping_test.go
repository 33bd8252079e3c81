package filesharing_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/fileshare"
	"portal/internal/testkit"
)

// Every sort goes through its own query (one per single key, an assembled
// one for several keys), so "only my sessions" is checked for each of them:
// every single sort key, both directions, and multi-key sorts.
func everySorting() [][]string {
	out := [][]string{nil}
	for _, k := range fileshare.SortKeys {
		out = append(out, []string{k})
	}
	return append(out,
		[]string{"-status", "created_at"},
		[]string{"download_count", "-created_at", "status"},
		[]string{"status", "-download_count"},
	)
}

// scopingData gives the caller's customer three sessions and everyone else
// (another customer of the workspace, a team, a customer of another
// workspace) sessions that sort before, between and after them.
func scopingData(t *testing.T, e *env) (mine map[string]bool, theirs []string) {
	mine = map[string]bool{}
	statuses := []string{"active", "completed", "expired"}
	for i, st := range statuses {
		id := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Title: strp("mine " + st), Status: st, Downloads: int32(i * 2)})
		mine[id.String()] = true
	}
	for _, owner := range []struct {
		ws, cust uuid.UUID
		name     string
	}{{e.ws, e.other, "neighbour"}, {e.ws, e.team, "team"}, {e.ws2, e.frn, "foreign"}} {
		for i, st := range []string{"created", "active", "destroyed", "reported"} {
			title := "theirs " + owner.name + " " + st
			id := testkit.FileShare(t, e.pool, owner.ws, owner.cust, testkit.FileShareRow{Title: strp(title), Status: st, Downloads: int32(i*2 + 1)})
			theirs = append(theirs, id.String(), title)
		}
	}
	return mine, theirs
}

func sortingQuery(sorting []string) url.Values {
	q := url.Values{}
	for _, s := range sorting {
		q.Add("sorting", s)
	}
	return q
}

func TestAPI_OnlyMySessionsInEverySort(t *testing.T) {
	e := newEnv(t)
	mine, _ := scopingData(t, e)
	for _, sorting := range everySorting() {
		q := sortingQuery(sorting)
		q.Set("limit", "100")
		rec := e.do(http.MethodGet, listURL+"?"+q.Encode(), e.custTok, nil)
		wantStatus(t, rec, http.StatusOK)
		b := testkit.Decode[pageBody](t, rec)
		if b.Meta.Total != int64(len(mine)) || len(b.Data) != len(mine) {
			t.Fatalf("sorting %v: total %d, %d rows, want %d: %s", sorting, b.Meta.Total, len(b.Data), len(mine), rec.Text())
		}
		for _, s := range b.Data {
			if !mine[s["id"].(string)] {
				t.Fatalf("sorting %v: someone else's session %v", sorting, s["id"])
			}
		}
	}
}

func TestPages_OnlyMySessionsInEverySort(t *testing.T) {
	e := newEnv(t)
	mine, theirs := scopingData(t, e)
	b := e.signedIn(t, "customer")
	for _, sorting := range everySorting() {
		path := "/acme/portal/overview"
		if q := sortingQuery(sorting); len(q) > 0 {
			path += "?" + q.Encode()
		}
		for _, htmx := range []bool{false, true} {
			rec := b.get(path, htmx)
			wantStatus(t, rec, http.StatusOK)
			d := doc(t, rec)
			if n := d.Find(`[data-testid="session-row"]`).Length(); n != len(mine) {
				t.Fatalf("%s (htmx %v): %d rows, want %d", path, htmx, n, len(mine))
			}
			body := rec.Text()
			for _, s := range theirs {
				if strings.Contains(body, s) {
					t.Fatalf("%s (htmx %v): someone else's session on the page: %q", path, htmx, s)
				}
			}
		}
	}
}
