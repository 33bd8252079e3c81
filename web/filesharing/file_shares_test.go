package filesharing_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/testkit"
)

type pageBody struct {
	Data []map[string]any `json:"data"`
	Meta struct {
		Total   int64 `json:"total"`
		Page    int64 `json:"page"`
		PerPage int64 `json:"per_page"`
		Pages   int64 `json:"pages"`
	} `json:"meta"`
}

type validationBody struct {
	Error  string `json:"error"`
	Detail []struct {
		Type string `json:"type"`
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
	} `json:"detail"`
}

const listURL = "/api/customer-portal/file-sharing/sessions"

var sessionKeys = []string{"id", "created_at", "modified_at", "short_slug", "long_slug", "status", "max_downloads",
	"download_count", "price_cents", "currency", "title", "file_name", "file_size_bytes", "ttl_seconds", "expires_at",
	"activated_at", "completed_at", "user_id", "workspace_id", "share_id"}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestAPI_D8_ListScopedToCustomer: customer and member sessions list exactly
// their customer's sessions (D8, replacing G18's empty list / whole
// workspace), with every contract field present.
func TestAPI_D8_ListScopedToCustomer(t *testing.T) {
	e := newEnv(t)
	mine := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	teams := testkit.FileShare(t, e.pool, e.ws, e.team, testkit.FileShareRow{})
	testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{})
	frn := testkit.FileShare(t, e.pool, e.ws2, e.frn, testkit.FileShareRow{})
	testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Deleted: true})

	for _, c := range []struct {
		name, tok string
		want      uuid.UUID
	}{{"customer", e.custTok, mine}, {"owner", e.ownerTok, teams}, {"plain member", e.plainTok, teams}, {"foreign", e.frnTok, frn}} {
		rec := e.do(http.MethodGet, listURL, c.tok, nil)
		wantStatus(t, rec, http.StatusOK)
		b := testkit.Decode[pageBody](t, rec)
		if len(b.Data) != 1 || b.Data[0]["id"] != c.want.String() || b.Meta.Total != 1 || b.Meta.Page != 1 || b.Meta.PerPage != 10 || b.Meta.Pages != 1 {
			t.Fatalf("%s: %s", c.name, rec.Text())
		}
		want := append([]string(nil), sessionKeys...)
		sort.Strings(want)
		if got := keys(b.Data[0]); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: keys %v", c.name, got)
		}
	}
	// Anonymous is 401; a bad token is 401 invalid_token (G15).
	rec := e.do(http.MethodGet, listURL, "", nil)
	wantStatus(t, rec, http.StatusUnauthorized)
	rec = e.do(http.MethodGet, listURL, "rapidly_cst_nope", nil)
	wantStatus(t, rec, http.StatusUnauthorized)
	if b := testkit.Decode[map[string]any](t, rec); b["error"] != "invalid_token" {
		t.Fatalf("%s", rec.Text())
	}
}

// TestAPI_SessionShape pins the JSON encoding: nulls as null, timestamps
// with Z and microseconds only when non-zero.
func TestAPI_SessionShape(t *testing.T) {
	e := newEnv(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 123000, time.UTC)
	title, name, size, price := "Report", "report.pdf", int64(2048), int32(1999)
	exp := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	full := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{CreatedAt: created, Title: &title, FileName: &name,
		FileSizeBytes: &size, PriceCents: &price, Currency: "eur", ExpiresAt: &exp, Downloads: 2, MaxDownloads: 5})
	bare := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{CreatedAt: created.Add(-time.Hour).Truncate(time.Second), Status: "created"})

	rec := e.do(http.MethodGet, listURL+"/"+full.String(), e.custTok, nil)
	wantStatus(t, rec, http.StatusOK)
	got := testkit.Decode[map[string]any](t, rec)
	want := map[string]any{"id": full.String(), "created_at": "2026-01-02T03:04:05.000123Z", "modified_at": nil,
		"status": "active", "max_downloads": 5.0, "download_count": 2.0, "price_cents": 1999.0, "currency": "eur",
		"title": "Report", "file_name": "report.pdf", "file_size_bytes": 2048.0, "ttl_seconds": nil,
		"expires_at": "2026-02-01T00:00:00Z", "activated_at": nil, "completed_at": nil, "user_id": nil,
		"workspace_id": e.ws.String(), "share_id": nil}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Fatalf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	rec = e.do(http.MethodGet, listURL+"/"+bare.String(), e.custTok, nil)
	wantStatus(t, rec, http.StatusOK)
	got = testkit.Decode[map[string]any](t, rec)
	for _, k := range []string{"title", "file_name", "file_size_bytes", "price_cents", "expires_at", "modified_at"} {
		if v, ok := got[k]; !ok || v != nil {
			t.Fatalf("%s should be present and null: %s", k, rec.Text())
		}
	}
	if ok, _ := regexp.MatchString(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, got["created_at"].(string)); !ok {
		t.Fatalf("created_at %v", got["created_at"])
	}
}

// TestAPI_G19_PaginationEdges: §0 and G19 through HTTP, every answer
// contract-validated.
func TestAPI_G19_PaginationEdges(t *testing.T) {
	e := newEnv(t)
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 12; i++ {
		testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	ok := map[string][4]int64{ // query → total, page, per_page, pages; len(data) checked separately
		"":                   {12, 1, 10, 2},
		"?page=2":            {12, 2, 10, 2},
		"?limit=101":         {12, 1, 100, 1},
		"?limit=100&page=1":  {12, 1, 100, 1},
		"?page=3":            {12, 3, 10, 2}, // past the end: real total (the original said 0)
		"?page=999999999999": {12, 999999999999, 10, 2},
		"?limit=5&page=3":    {12, 3, 5, 3},
	}
	rows := map[string]int{"": 10, "?page=2": 2, "?limit=101": 12, "?limit=100&page=1": 12, "?page=3": 0, "?page=999999999999": 0, "?limit=5&page=3": 2}
	for q, m := range ok {
		rec := e.do(http.MethodGet, listURL+q, e.custTok, nil)
		wantStatus(t, rec, http.StatusOK)
		b := testkit.Decode[pageBody](t, rec)
		if got := [4]int64{b.Meta.Total, b.Meta.Page, b.Meta.PerPage, b.Meta.Pages}; got != m || len(b.Data) != rows[q] {
			t.Fatalf("%q: meta %v rows %d, want %v rows %d", q, got, len(b.Data), m, rows[q])
		}
		if b.Data == nil {
			t.Fatalf("%q: data must be [] not null", q)
		}
	}
	bad := map[string][]any{
		"?page=0":                        {"query", "page"},
		"?page=-1":                       {"query", "page"},
		"?page=abc":                      {"query", "page"},
		"?page=":                         {"query", "page"},
		"?limit=0":                       {"query", "limit"},
		"?limit=-1":                      {"query", "limit"},
		"?limit=1e3":                     {"query", "limit"},
		"?limit=":                        {"query", "limit"},
		"?sorting=name":                  {"query", "sorting", 0.0},
		"?sorting=status&sorting=-title": {"query", "sorting", 1.0},
		"?sorting=":                      {"query", "sorting", 0.0},
	}
	for q, loc := range bad {
		rec := e.do(http.MethodGet, listURL+q, e.custTok, nil)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		b := testkit.Decode[validationBody](t, rec)
		if b.Error != "RequestValidationError" || len(b.Detail) == 0 || !reflect.DeepEqual(b.Detail[0].Loc, loc) {
			t.Fatalf("%q: %s", q, rec.Text())
		}
	}
}

// TestAPI_SortingThroughHTTP: every sort key and a combination come back in
// the right order and stay stable across pages.
func TestAPI_SortingThroughHTTP(t *testing.T) {
	e := newEnv(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	statuses := []string{"active", "completed", "created", "expired"}
	for i := 0; i < 16; i++ {
		testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Status: statuses[i%4], Downloads: int32(i % 3), CreatedAt: at.Add(time.Duration(i/2) * time.Second)})
	}
	all := func(q string) []map[string]any {
		var out []map[string]any
		for page := 1; page <= 4; page++ {
			rec := e.do(http.MethodGet, fmt.Sprintf("%s?limit=5&page=%d%s", listURL, page, q), e.custTok, nil)
			wantStatus(t, rec, http.StatusOK)
			out = append(out, testkit.Decode[pageBody](t, rec).Data...)
		}
		if len(out) != 16 {
			t.Fatalf("%s: %d rows", q, len(out))
		}
		seen := map[any]bool{}
		for _, r := range out {
			if seen[r["id"]] {
				t.Fatalf("%s: repeated row", q)
			}
			seen[r["id"]] = true
		}
		return out
	}
	check := func(q string, less func(a, b map[string]any) int) {
		rows := all(q)
		for i := 1; i < len(rows); i++ {
			if less(rows[i-1], rows[i]) > 0 {
				t.Fatalf("%s: rows %d and %d out of order: %v / %v", q, i-1, i, rows[i-1], rows[i])
			}
		}
	}
	str := func(k string) func(a, b map[string]any) int {
		return func(a, b map[string]any) int { return cmpStr(a[k].(string), b[k].(string)) }
	}
	num := func(k string) func(a, b map[string]any) int {
		return func(a, b map[string]any) int { return int(a[k].(float64) - b[k].(float64)) }
	}
	neg := func(f func(a, b map[string]any) int) func(a, b map[string]any) int {
		return func(a, b map[string]any) int { return -f(a, b) }
	}
	then := func(fs ...func(a, b map[string]any) int) func(a, b map[string]any) int {
		return func(a, b map[string]any) int {
			for _, f := range fs {
				if c := f(a, b); c != 0 {
					return c
				}
			}
			return 0
		}
	}
	check("", then(neg(str("created_at")), neg(str("id"))))
	check("&sorting=created_at", then(str("created_at"), str("id")))
	check("&sorting=-created_at", then(neg(str("created_at")), neg(str("id"))))
	check("&sorting=status", then(str("status"), str("id")))
	check("&sorting=-status", then(neg(str("status")), neg(str("id"))))
	check("&sorting=download_count", then(num("download_count"), str("id")))
	check("&sorting=-download_count", then(neg(num("download_count")), neg(str("id"))))
	check("&sorting=-download_count&sorting=status", then(neg(num("download_count")), str("status"), str("id")))
	check("&sorting=status&sorting=-created_at&sorting=download_count",
		then(str("status"), neg(str("created_at")), num("download_count"), str("id")))
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestAPI_IDORMatrix: every {id} route × own / other customer / other
// workspace / deleted / missing / malformed / non-v4 × each session kind.
func TestAPI_IDORMatrix(t *testing.T) {
	e := newEnv(t)
	mine := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	teams := testkit.FileShare(t, e.pool, e.ws, e.team, testkit.FileShareRow{})
	others := testkit.FileShare(t, e.pool, e.ws, e.other, testkit.FileShareRow{})
	frn := testkit.FileShare(t, e.pool, e.ws2, e.frn, testkit.FileShareRow{})
	delMine := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Deleted: true})
	delTeam := testkit.FileShare(t, e.pool, e.ws, e.team, testkit.FileShareRow{Deleted: true})
	testkit.Download(t, e.pool, mine, 1, time.Now(), false)
	testkit.Payment(t, e.pool, teams, testkit.PaymentRow{Amount: 100})

	v1 := "6ba7b810-9dad-11d1-80b4-00c04fd430c8" // a valid version-1 UUID
	type who struct {
		name, tok    string
		own, deleted uuid.UUID
	}
	for _, w := range []who{{"customer", e.custTok, mine, delMine}, {"owner", e.ownerTok, teams, delTeam}, {"plain member", e.plainTok, teams, delTeam}} {
		cases := map[string]int{
			w.own.String():     http.StatusOK,
			others.String():    http.StatusNotFound,
			frn.String():       http.StatusNotFound,
			w.deleted.String(): http.StatusNotFound,
			uuid.NewString():   http.StatusNotFound,
			"not-a-uuid":       http.StatusUnprocessableEntity,
			v1:                 http.StatusUnprocessableEntity,
		}
		if w.own == mine {
			cases[teams.String()] = http.StatusNotFound
		} else {
			cases[mine.String()] = http.StatusNotFound
		}
		for id, status := range cases {
			for _, suffix := range []string{"", "/downloads", "/payments"} {
				rec := e.do(http.MethodGet, listURL+"/"+id+suffix, w.tok, nil)
				if rec.Status != status {
					t.Fatalf("%s GET %s%s: %d, want %d: %s", w.name, id, suffix, rec.Status, status, rec.Text())
				}
				if status == http.StatusNotFound {
					if b := testkit.Decode[map[string]any](t, rec); b["error"] != "ResourceNotFound" || b["detail"] != "Not found" {
						t.Fatalf("404 body %s", rec.Text())
					}
				}
				if status == http.StatusUnprocessableEntity {
					b := testkit.Decode[validationBody](t, rec)
					if !reflect.DeepEqual(b.Detail[0].Loc, []any{"path", "id"}) {
						t.Fatalf("422 body %s", rec.Text())
					}
				}
			}
		}
	}
	for _, suffix := range []string{"", "/downloads", "/payments"} {
		wantStatus(t, e.do(http.MethodGet, listURL+"/"+mine.String()+suffix, "", nil), http.StatusUnauthorized)
	}
}

func TestAPI_DownloadsAndPayments(t *testing.T) {
	e := newEnv(t)
	s := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	testkit.Download(t, e.pool, s, 2, t0.Add(time.Minute), false)
	testkit.Download(t, e.pool, s, 1, t0, false)
	testkit.Download(t, e.pool, s, 3, t0, true)
	bn, be, cs := "Ann Buyer", "ann@example.com", "cs_test_123"
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 1500, Fee: 75, Currency: "usd", BuyerName: &bn, BuyerEmail: &be, Checkout: &cs, CreatedAt: t0})
	testkit.Payment(t, e.pool, s, testkit.PaymentRow{Amount: 9, Deleted: true})

	rec := e.do(http.MethodGet, listURL+"/"+s.String()+"/downloads", e.custTok, nil)
	wantStatus(t, rec, http.StatusOK)
	ds := testkit.Decode[[]map[string]any](t, rec)
	if len(ds) != 2 || ds[0]["slot_number"] != 1.0 || ds[1]["slot_number"] != 2.0 || ds[0]["created_at"] != "2026-03-01T12:00:00Z" || ds[0]["session_id"] != s.String() {
		t.Fatalf("%s", rec.Text())
	}
	if got := keys(ds[0]); !reflect.DeepEqual(got, []string{"created_at", "id", "modified_at", "session_id", "slot_number"}) {
		t.Fatalf("download keys %v", got)
	}
	rec = e.do(http.MethodGet, listURL+"/"+s.String()+"/payments", e.custTok, nil)
	wantStatus(t, rec, http.StatusOK)
	ps := testkit.Decode[[]map[string]any](t, rec)
	if len(ps) != 1 {
		t.Fatalf("%s", rec.Text())
	}
	want := map[string]any{"session_id": s.String(), "status": "completed", "amount_cents": 1500.0, "currency": "usd",
		"platform_fee_cents": 75.0, "stripe_checkout_session_id": "cs_test_123", "stripe_payment_intent_id": nil,
		"buyer_email": "ann@example.com", "buyer_name": "Ann Buyer", "modified_at": nil, "created_at": "2026-03-01T12:00:00Z"}
	for k, v := range want {
		if !reflect.DeepEqual(ps[0][k], v) {
			t.Fatalf("%s = %#v want %#v", k, ps[0][k], v)
		}
	}
	if len(ps[0]) != 12 {
		t.Fatalf("payment has %d keys: %v", len(ps[0]), keys(ps[0]))
	}
	// An empty session answers [] (not null).
	empty := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	for _, suffix := range []string{"/downloads", "/payments"} {
		rec := e.do(http.MethodGet, listURL+"/"+empty.String()+suffix, e.custTok, nil)
		wantStatus(t, rec, http.StatusOK)
		var raw json.RawMessage = rec.Body
		if string(raw) != "[]\n" && string(raw) != "[]" {
			t.Fatalf("%s: %q", suffix, raw)
		}
	}
}
