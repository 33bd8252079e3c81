package fileshare

import (
	"net/url"
	"slices"
	"testing"

	"portal/internal/apperr"
)

// FuzzListQuery drives any query string through what both surfaces do with
// ?page=&limit=&sorting= — ParseListQuery, then planList — and checks that
// the result is either a 422 whose every field error is located under
// query.page, query.limit or query.sorting, or a plan with page ≥ 1,
// 1 ≤ limit ≤ 100 and sort keys from the whitelist with no column twice.
// Whatever ParseListQuery accepts, planList must accept too: otherwise a
// request would pass validation and fail later with a different error.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "page=2&limit=100&sorting=-download_count", "limit=0", "page=-1", "limit=101",
		"limit=99999999999999999999999", "page=99999999999999999999999", "sorting=status&sorting=-status",
		"sorting=created_at,-status", "sorting=%2Dcreated_at", "page=%201%20", "page=1e3", "limit=+5",
		"sorting=<script>", "page=1;DROP TABLE x", "sorting=", "limit=\x00", "page=١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// A malformed query keeps what could be parsed, as echo's
		// QueryParams does; the error itself is not the point here.
		q, _ := url.ParseQuery(raw)
		in, err := ParseListQuery(func(k string) []string { return q[k] })
		if err != nil {
			checkInvalid(t, raw, err, "page", "limit", "sorting")
			return
		}
		plan, err := planList(in)
		if err != nil {
			t.Fatalf("%q: parsed as %+v but not plannable: %v", raw, in, err)
		}
		if plan.page < 1 || plan.limit < 1 || plan.limit > MaxLimit {
			t.Fatalf("%q: page %d limit %d out of range", raw, plan.page, plan.limit)
		}
		if len(plan.keys) == 0 || len(plan.keys) != len(plan.terms) {
			t.Fatalf("%q: keys %v terms %v", raw, plan.keys, plan.terms)
		}
		seen := map[string]bool{}
		for i, k := range plan.keys {
			if !slices.Contains(SortKeys, k) {
				t.Fatalf("%q: sort key %q not whitelisted", raw, k)
			}
			col := plan.terms[i].column
			if seen[col] || !slices.Contains(SortKeys, col) {
				t.Fatalf("%q: column %q repeated or unknown in %v", raw, col, plan.keys)
			}
			seen[col] = true
			if want := (k[0] == '-'); plan.terms[i].desc != want {
				t.Fatalf("%q: key %q planned with desc=%v", raw, k, plan.terms[i].desc)
			}
		}
		if vals := q["page"]; len(vals) > 0 && plan.page == 1 && in.Page != 1 {
			t.Fatalf("%q: an explicit page %q became the default", raw, vals[0])
		}
	})
}

// FuzzPlanList: planList on any numbers answers a plan in range or a 422 on
// query.page / query.limit, never anything else (the service is also called
// with inputs that did not come from a query string).
func FuzzPlanList(f *testing.F) {
	f.Add(int64(0), int64(0), "")
	f.Add(int64(-1), int64(1<<62), "-status")
	f.Add(int64(1<<63-1), int64(-1<<63), "bogus")
	f.Fuzz(func(t *testing.T, page, limit int64, sort string) {
		var sorting []string
		if sort != "" {
			sorting = []string{sort}
		}
		plan, err := planList(ListInput{Page: page, Limit: limit, Sorting: sorting})
		if err != nil {
			checkInvalid(t, sort, err, "page", "limit", "sorting")
			return
		}
		if plan.page < 1 || plan.limit < 1 || plan.limit > MaxLimit || len(plan.keys) != 1 {
			t.Fatalf("(%d, %d, %q) → %+v", page, limit, sort, plan)
		}
	})
}

// checkInvalid asserts err is a 422 whose fields are all under query.<one of names>.
func checkInvalid(t *testing.T, input string, err error, names ...string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) == 0 {
		t.Fatalf("%q: %v is not a 422 with fields", input, err)
	}
	for _, fe := range e.Fields {
		if len(fe.Loc) < 2 || fe.Loc[0] != "query" || !slices.Contains(names, fe.Loc[1].(string)) || fe.Msg == "" || fe.Type == "" {
			t.Fatalf("%q: field error %+v", input, fe)
		}
	}
}
