package fileshare_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/fileshare"
	"portal/internal/testkit"
)

// TestListStatusFilter: the overview's status filter (issue 16.12, pages
// only) keeps exactly the customer's sessions in that status, with the
// filtered total and pages, in the same order as the unfiltered list,
// through every path: each single-key query, the multi-key sort and the
// deep-page query. An unknown status is a 422, never a 500; another
// customer's session in that status never shows.
func TestListStatusFilter(t *testing.T) {
	w := newWorld(t)
	all := seedSortable(t, w, 37) // statuses cycle through SessionStatuses
	testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{Status: "completed"})
	testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: "completed", Deleted: true})
	ctx := context.Background()
	list := func(status string, sorting []string) ([]uuid.UUID, fileshare.Meta) {
		var got []uuid.UUID
		var meta fileshare.Meta
		for page := int64(1); page <= 4; page++ {
			pg, err := w.svc.List(ctx, w.custP(), fileshare.ListInput{Page: page, Limit: 2, Sorting: sorting, Status: status})
			if err != nil {
				t.Fatalf("%s %v: %v", status, sorting, err)
			}
			got = append(got, ids(pg.Data)...)
			meta = pg.Meta
		}
		return got, meta
	}
	defer func(d int64) { fileshare.DeepOffset = d }(fileshare.DeepOffset)
	for _, status := range []string{"completed", "active", "reported"} {
		var in []fileshare.Session
		for _, s := range all {
			if s.Status == status {
				in = append(in, s)
			}
		}
		if len(in) < 3 {
			t.Fatalf("%s: only %d seeded", status, len(in))
		}
		for _, sorting := range [][]string{nil, {"created_at"}, {"-download_count"}, {"-status"}, {"download_count", "-created_at"}} {
			want := expected(in, fileshare.DefaultSorting)
			if sorting != nil {
				want = expected(in, sorting)
			}
			for _, deep := range []int64{1 << 62, 0} {
				fileshare.DeepOffset = deep
				got, meta := list(status, sorting)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s %v deep=%v: got %v\nwant %v", status, sorting, deep == 0, got, want)
				}
				if meta.Total != int64(len(in)) || meta.Pages != (int64(len(in))+1)/2 {
					t.Fatalf("%s %v: meta %+v, want total %d", status, sorting, meta, len(in))
				}
			}
		}
	}
	fileshare.DeepOffset = 1 << 62
	// Empty means every status.
	if pg, err := w.svc.List(ctx, w.custP(), fileshare.ListInput{Limit: 100}); err != nil || pg.Meta.Total != int64(len(all)) {
		t.Fatalf("no filter: total %d, err %v", pg.Meta.Total, err)
	}
	// A status no session has: an empty page, total 0.
	if pg, err := w.svc.List(ctx, testkit.CustomerPrincipal(w.ws, w.other), fileshare.ListInput{Status: "active"}); err != nil || pg.Meta.Total != 0 || len(pg.Data) != 0 {
		t.Fatalf("other customer, active: %+v %v", pg.Meta, err)
	}
	// Unknown values are refused as input, not as a server error.
	for _, bad := range []string{"paid", "ACTIVE", "active' OR '1'='1"} {
		_, err := w.svc.List(ctx, w.custP(), fileshare.ListInput{Status: bad})
		wantInvalid(t, err, "query", "status")
		if apperr.IsKind(err, apperr.KindInternal) {
			t.Fatalf("%q: internal error", bad)
		}
	}
}

// TestParseListQueryIgnoresStatus: the API's contract has no status
// filter; ParseListQuery leaves it empty whatever the query says, so the
// API lists every status exactly as before.
func TestParseListQueryIgnoresStatus(t *testing.T) {
	for _, raw := range []string{"status=active", "status=nonsense", "page=1&status=completed"} {
		in, err := parse(t, raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if in.Status != "" {
			t.Fatalf("%s: ParseListQuery set Status %q", raw, in.Status)
		}
	}
}
