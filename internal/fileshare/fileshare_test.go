package fileshare_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/fileshare"
	"portal/internal/testkit"
)

type world struct {
	pool      *pgxpool.Pool
	svc       *fileshare.Service
	ws, ws2   uuid.UUID
	cust      uuid.UUID // individual customer of ws
	team      uuid.UUID // team customer of ws
	other     uuid.UUID // another customer of ws
	foreign   uuid.UUID // a customer of ws2
	memberID  uuid.UUID // member of team
	member2ID uuid.UUID // another member of team
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pool := testDB(t)
	w := &world{pool: pool, svc: fileshare.New(pool)}
	w.ws = testkit.Workspace(t, pool, "acme")
	w.ws2 = testkit.Workspace(t, pool, "other")
	w.cust = testkit.Customer(t, pool, w.ws, "ind@example.com", "individual")
	w.team = testkit.Customer(t, pool, w.ws, "team@example.com", "team")
	w.other = testkit.Customer(t, pool, w.ws, "other@example.com", "individual")
	w.foreign = testkit.Customer(t, pool, w.ws2, "ind@example.com", "individual")
	w.memberID = testkit.Member(t, pool, w.team, "owner@example.com", auth.RoleOwner)
	w.member2ID = testkit.Member(t, pool, w.team, "plain@example.com", auth.RoleMember)
	return w
}

func (w *world) custP() *auth.Principal { return testkit.CustomerPrincipal(w.ws, w.cust) }
func (w *world) memberP() *auth.Principal {
	return testkit.MemberPrincipal(w.ws, w.team, w.memberID, auth.RoleOwner)
}

func ids(rows []fileshare.Session) []uuid.UUID {
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func wantInvalid(t *testing.T, err error, loc ...any) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("want 422, got %v", err)
	}
	for _, f := range e.Fields {
		if reflect.DeepEqual(f.Loc, loc) {
			return
		}
	}
	t.Fatalf("want a field error at %v, got %+v", loc, e.Fields)
}

func wantKind(t *testing.T, err error, k apperr.Kind) {
	t.Helper()
	if !apperr.IsKind(err, k) {
		t.Fatalf("want kind %v, got %v", k, err)
	}
}

func parse(t *testing.T, raw string) (fileshare.ListInput, error) {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return fileshare.ParseListQuery(func(k string) []string { return q[k] })
}

func TestParseListQuery(t *testing.T) {
	ok := map[string]fileshare.ListInput{
		"":                                   {},
		"page=2&limit=5":                     {Page: 2, Limit: 5},
		"limit=101":                          {Limit: 101}, // clamped by List, not rejected
		"limit=99999999999999999999":         {Limit: 100},
		"sorting=status":                     {Sorting: []string{"status"}},
		"sorting=-status&sorting=created_at": {Sorting: []string{"-status", "created_at"}},
	}
	for raw, want := range ok {
		got, err := parse(t, raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %+v want %+v", raw, got, want)
		}
	}
	bad := map[string][]any{
		"page=0":                          {"query", "page"},
		"page=-1":                         {"query", "page"},
		"page=abc":                        {"query", "page"},
		"page=":                           {"query", "page"},
		"page=1.5":                        {"query", "page"},
		"limit=0":                         {"query", "limit"},
		"limit=-1":                        {"query", "limit"},
		"limit=ten":                       {"query", "limit"},
		"limit=":                          {"query", "limit"},
		"sorting=nope":                    {"query", "sorting", 0},
		"sorting=status&sorting=name":     {"query", "sorting", 1},
		"sorting=":                        {"query", "sorting", 0},
		"sorting=CREATED_AT":              {"query", "sorting", 0},
		"sorting=created_at%3Bdrop+table": {"query", "sorting", 0},
	}
	for raw, loc := range bad {
		_, err := parse(t, raw)
		wantInvalid(t, err, loc...)
	}
	// Every problem is reported at once.
	_, err := parse(t, "page=0&limit=x&sorting=a&sorting=b")
	e, _ := apperr.As(err)
	if e == nil || len(e.Fields) != 4 {
		t.Fatalf("want 4 field errors, got %v", err)
	}
}

// TestG19_Pagination pins §0/G19: defaults, clamping at 100, ≤0 → 422, and
// (better than the original's window count) a real total past the end.
func TestG19_Pagination(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 105; i++ {
		testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	p := w.custP()

	pg, err := w.svc.List(ctx, p, fileshare.ListInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Data) != 10 || pg.Meta != (fileshare.Meta{Total: 105, Page: 1, PerPage: 10, Pages: 11}) {
		t.Fatalf("defaults: %d rows, %+v", len(pg.Data), pg.Meta)
	}
	pg, _ = w.svc.List(ctx, p, fileshare.ListInput{Limit: 101})
	if len(pg.Data) != 100 || pg.Meta.PerPage != 100 || pg.Meta.Pages != 2 {
		t.Fatalf("clamp: %d rows, %+v", len(pg.Data), pg.Meta)
	}
	pg, _ = w.svc.List(ctx, p, fileshare.ListInput{Limit: 1000000})
	if pg.Meta.PerPage != 100 {
		t.Fatalf("clamp big: %+v", pg.Meta)
	}
	pg, _ = w.svc.List(ctx, p, fileshare.ListInput{Page: 11, Limit: 10})
	if len(pg.Data) != 5 || pg.Meta.Page != 11 {
		t.Fatalf("last page: %d rows %+v", len(pg.Data), pg.Meta)
	}
	for _, page := range []int64{12, 1000, 1 << 62} {
		pg, err = w.svc.List(ctx, p, fileshare.ListInput{Page: page, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Data) != 0 || pg.Data == nil || pg.Meta != (fileshare.Meta{Total: 105, Page: page, PerPage: 100, Pages: 2}) {
			t.Fatalf("past the end (page %d): %d rows %+v", page, len(pg.Data), pg.Meta)
		}
	}
	_, err = w.svc.List(ctx, p, fileshare.ListInput{Page: -1})
	wantInvalid(t, err, "query", "page")
	_, err = w.svc.List(ctx, p, fileshare.ListInput{Limit: -5})
	wantInvalid(t, err, "query", "limit")
	_, err = w.svc.List(ctx, p, fileshare.ListInput{Sorting: []string{"created_at", "bogus"}})
	wantInvalid(t, err, "query", "sorting", 1)

	// Walking every page of 7 returns each session exactly once.
	seen := map[uuid.UUID]bool{}
	for page := int64(1); page <= 15; page++ {
		pg, err := w.svc.List(ctx, p, fileshare.ListInput{Page: page, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pg.Data {
			if seen[r.ID] {
				t.Fatalf("page %d repeats %s", page, r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != 105 {
		t.Fatalf("saw %d sessions, want 105", len(seen))
	}
}

func TestEmptyList(t *testing.T) {
	w := newWorld(t)
	pg, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Page: 3, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Data == nil || len(pg.Data) != 0 || pg.Meta != (fileshare.Meta{Total: 0, Page: 3, PerPage: 20, Pages: 0}) {
		t.Fatalf("%+v", pg)
	}
}

// seedSortable makes sessions whose keys collide a lot, so ties decide.
func seedSortable(t *testing.T, w *world, n int) []fileshare.Session {
	t.Helper()
	statuses := fileshare.SessionStatuses
	same := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := 0; i < n; i++ {
		created := same
		if i%3 != 0 { // a third share one timestamp exactly
			created = same.Add(time.Duration(i) * time.Millisecond)
		}
		testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: statuses[i%len(statuses)], Downloads: int32(i % 4), CreatedAt: created})
	}
	var all []fileshare.Session
	for page := int64(1); ; page++ {
		pg, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Page: page, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pg.Data...)
		if page >= pg.Meta.Pages {
			break
		}
	}
	if len(all) != n {
		t.Fatalf("seeded %d, listed %d", n, len(all))
	}
	return all
}

// expected sorts like PostgreSQL would: the keys in order, then id in the
// last key's direction.
func expected(rows []fileshare.Session, sorting []string) []uuid.UUID {
	out := append([]fileshare.Session(nil), rows...)
	cmpKey := func(a, b fileshare.Session, col string) int {
		switch col {
		case "created_at":
			return a.CreatedAt.Compare(b.CreatedAt)
		case "status":
			return strings.Compare(a.Status, b.Status)
		case "download_count":
			return int(a.DownloadCount) - int(b.DownloadCount)
		}
		panic(col)
	}
	// dedupe columns, as the service does
	var keys []string
	seen := map[string]bool{}
	for _, s := range sorting {
		c := strings.TrimPrefix(s, "-")
		if !seen[c] {
			seen[c] = true
			keys = append(keys, s)
		}
	}
	lastDesc := strings.HasPrefix(keys[len(keys)-1], "-")
	sort.SliceStable(out, func(i, j int) bool {
		for _, k := range keys {
			c := cmpKey(out[i], out[j], strings.TrimPrefix(k, "-"))
			if strings.HasPrefix(k, "-") {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		c := strings.Compare(out[i].ID.String(), out[j].ID.String())
		if lastDesc {
			c = -c
		}
		return c < 0
	})
	return ids(out)
}

// TestSorting covers every single key, every ordered pair and a triple,
// through pages small enough that ties straddle page boundaries.
func TestSorting(t *testing.T) {
	w := newWorld(t)
	all := seedSortable(t, w, 37)
	cases := [][]string{nil}
	for _, k := range fileshare.SortKeys {
		cases = append(cases, []string{k})
	}
	for _, a := range fileshare.SortKeys {
		for _, b := range fileshare.SortKeys {
			cases = append(cases, []string{a, b})
		}
	}
	cases = append(cases, []string{"status", "-download_count", "created_at"}, []string{"-download_count", "status", "-created_at"})
	for _, sorting := range cases {
		var want []uuid.UUID
		if sorting == nil {
			want = expected(all, fileshare.DefaultSorting)
		} else {
			want = expected(all, sorting)
		}
		var got []uuid.UUID
		for page := int64(1); page <= 8; page++ {
			pg, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Page: page, Limit: 5, Sorting: sorting})
			if err != nil {
				t.Fatalf("%v: %v", sorting, err)
			}
			got = append(got, ids(pg.Data)...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("sorting %v: order differs\n got %v\nwant %v", sorting, got, want)
		}
	}
}

// TestStableTies: identical keys everywhere still page without repeats or
// gaps, and the same request always gives the same order.
func TestStableTies(t *testing.T) {
	w := newWorld(t)
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 23; i++ {
		testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: "active", Downloads: 2, CreatedAt: at})
	}
	for _, sorting := range [][]string{nil, {"status"}, {"-download_count"}, {"created_at"}, {"status", "-download_count"}} {
		var first []uuid.UUID
		for run := 0; run < 2; run++ {
			seen := map[uuid.UUID]bool{}
			var order []uuid.UUID
			for page := int64(1); page <= 5; page++ {
				pg, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Page: page, Limit: 5, Sorting: sorting})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range pg.Data {
					if seen[r.ID] {
						t.Fatalf("%v: repeated %s", sorting, r.ID)
					}
					seen[r.ID] = true
					order = append(order, r.ID)
				}
			}
			if len(order) != 23 {
				t.Fatalf("%v: %d rows", sorting, len(order))
			}
			if run == 0 {
				first = order
			} else if !reflect.DeepEqual(first, order) {
				t.Fatalf("%v: order changed between runs", sorting)
			}
		}
	}
}

// TestG18_D8_Scoping: both session kinds see exactly their own customer's
// sessions (D8 replaces G18); other customers, other workspaces and
// deleted rows are invisible and their ids are 404.
func TestG18_D8_Scoping(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	mine := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	teams := testkit.FileShare(t, w.pool, w.ws, w.team, testkit.FileShareRow{})
	others := testkit.FileShare(t, w.pool, w.ws, w.other, testkit.FileShareRow{})
	foreign := testkit.FileShare(t, w.pool, w.ws2, w.foreign, testkit.FileShareRow{})
	deleted := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Deleted: true})
	testkit.FileShare(t, w.pool, w.ws, w.team, testkit.FileShareRow{Deleted: true})

	plain := testkit.MemberPrincipal(w.ws, w.team, w.member2ID, auth.RoleMember)
	cases := []struct {
		name string
		p    *auth.Principal
		see  uuid.UUID
	}{
		{"customer session", w.custP(), mine},
		{"member session (owner)", w.memberP(), teams},
		{"member session (plain member)", plain, teams},
		{"foreign customer", testkit.CustomerPrincipal(w.ws2, w.foreign), foreign},
	}
	all := []uuid.UUID{mine, teams, others, foreign, deleted}
	for _, c := range cases {
		pg, err := w.svc.List(ctx, c.p, fileshare.ListInput{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(pg.Data); !reflect.DeepEqual(got, []uuid.UUID{c.see}) || pg.Meta.Total != 1 {
			t.Fatalf("%s: list %v total %d, want only %s", c.name, got, pg.Meta.Total, c.see)
		}
		for _, id := range append(all, uuid.New()) {
			_, gerr := w.svc.Get(ctx, c.p, id)
			_, derr := w.svc.Downloads(ctx, c.p, id)
			_, perr := w.svc.Payments(ctx, c.p, id)
			_, aerr := w.svc.Activity(ctx, c.p, id)
			if id == c.see {
				if gerr != nil || derr != nil || perr != nil || aerr != nil {
					t.Fatalf("%s: own id: %v %v %v %v", c.name, gerr, derr, perr, aerr)
				}
				continue
			}
			for _, err := range []error{gerr, derr, perr, aerr} {
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.KindNotFound || e.Name != "ResourceNotFound" || e.Detail != "Not found" {
					t.Fatalf("%s: id %s: want 404 ResourceNotFound, got %v", c.name, id, err)
				}
			}
		}
	}
	// A principal claiming the right customer but the wrong workspace sees
	// nothing (both columns are checked in SQL).
	pg, _ := w.svc.List(ctx, testkit.CustomerPrincipal(w.ws2, w.cust), fileshare.ListInput{})
	if pg.Meta.Total != 0 {
		t.Fatalf("workspace mismatch leaked %d", pg.Meta.Total)
	}
	if _, err := w.svc.Get(ctx, testkit.CustomerPrincipal(w.ws2, w.cust), mine); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("workspace mismatch get: %v", err)
	}
	if _, err := w.svc.List(ctx, nil, fileshare.ListInput{}); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Fatalf("nil principal: %v", err)
	}
}

func TestDownloadsAndPaymentsHideDeleted(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	t0 := time.Now().Add(-time.Hour)
	d2 := testkit.Download(t, w.pool, s, 2, t0.Add(2*time.Minute), false)
	d1 := testkit.Download(t, w.pool, s, 1, t0.Add(time.Minute), false)
	testkit.Download(t, w.pool, s, 3, t0.Add(3*time.Minute), true)
	p1 := testkit.Payment(t, w.pool, s, testkit.PaymentRow{Amount: 500, CreatedAt: t0})
	testkit.Payment(t, w.pool, s, testkit.PaymentRow{Amount: 700, Deleted: true})

	ds, err := w.svc.Downloads(ctx, w.custP(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].ID != d1 || ds[1].ID != d2 {
		t.Fatalf("downloads: %+v", ds)
	}
	ps, err := w.svc.Payments(ctx, w.custP(), s)
	if err != nil || len(ps) != 1 || ps[0].ID != p1 {
		t.Fatalf("payments: %+v %v", ps, err)
	}
	empty := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	ds, err = w.svc.Downloads(ctx, w.custP(), empty)
	if err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("empty downloads must be [] not nil: %#v %v", ds, err)
	}
}

// TestMultiSortColumnsMatchModel: the hand-written column list of the
// multi-key query scans into the sqlc model exactly like the sqlc query.
func TestMultiSortColumnsMatchModel(t *testing.T) {
	w := newWorld(t)
	title, name, size, price := "T", "f.pdf", int64(12345), int32(999)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Title: &title, FileName: &name, FileSizeBytes: &size, PriceCents: &price, Currency: "eur", ExpiresAt: &exp, Downloads: 3, MaxDownloads: 9})
	single, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Sorting: []string{"status"}})
	if err != nil {
		t.Fatal(err)
	}
	multi, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Sorting: []string{"status", "-created_at"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(single.Data, multi.Data) {
		t.Fatalf("multi-key scan differs:\n%+v\n%+v", single.Data, multi.Data)
	}
}

// ---- workspace API writes ----

func TestCreateSession(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s, err := w.svc.Create(ctx, w.ws, fileshare.CreateInput{CustomerID: w.cust})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "created" || s.Currency != "usd" || s.MaxDownloads != 0 || len(s.ShortSlug) != 10 || len(s.LongSlug) != 32 || s.ActivatedAt != nil {
		t.Fatalf("defaults: %+v", s)
	}
	cur, st, ttl, max, price := "JPY", "active", int64(3600), int64(5), int64(1500)
	s, err = w.svc.Create(ctx, w.ws, fileshare.CreateInput{CustomerID: w.cust, Currency: &cur, Status: &st, TTLSeconds: &ttl, MaxDownloads: &max, PriceCents: &price})
	if err != nil {
		t.Fatal(err)
	}
	if s.Currency != "jpy" || s.ActivatedAt == nil || s.ExpiresAt == nil || time.Until(*s.ExpiresAt) < 59*time.Minute || s.MaxDownloads != 5 {
		t.Fatalf("%+v", s)
	}
	// Customers of other workspaces, deleted and unknown ones do not exist.
	for _, c := range []uuid.UUID{w.foreign, uuid.New(), uuid.Nil} {
		_, err := w.svc.Create(ctx, w.ws, fileshare.CreateInput{CustomerID: c})
		wantInvalid(t, err, "body", "customer_id")
		if e, _ := apperr.As(err); e.Fields[0].Msg != "Customer does not exist." {
			t.Fatalf("msg %q", e.Fields[0].Msg)
		}
	}
	neg, bad, long, big := int64(-1), "us", strings.Repeat("x", 256), int64(1)<<31
	badStatus := "nope"
	for field, in := range map[string]fileshare.CreateInput{
		"file_size_bytes": {CustomerID: w.cust, FileSizeBytes: &neg},
		"max_downloads":   {CustomerID: w.cust, MaxDownloads: &neg},
		"price_cents":     {CustomerID: w.cust, PriceCents: &big},
		"currency":        {CustomerID: w.cust, Currency: &bad},
		"file_name":       {CustomerID: w.cust, FileName: &long},
		"status":          {CustomerID: w.cust, Status: &badStatus},
		"ttl_seconds":     {CustomerID: w.cust, TTLSeconds: &neg},
	} {
		_, err := w.svc.Create(ctx, w.ws, in)
		wantInvalid(t, err, "body", field)
	}
	var n int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM file_share_sessions`).Scan(&n)
	if n != 2 {
		t.Fatalf("invalid creates wrote rows: %d", n)
	}
}

func TestUpdateSession(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	title := "Old"
	id := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: "created", Title: &title})
	st := "completed"
	exp := time.Now().Add(time.Hour)
	s, err := w.svc.Update(ctx, w.ws, id, fileshare.UpdateInput{
		Status:    fileshare.Nullable[string]{Set: true, Value: &st},
		Title:     fileshare.Nullable[string]{Set: true}, // null clears
		ExpiresAt: fileshare.Nullable[time.Time]{Set: true, Value: &exp},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "completed" || s.CompletedAt == nil || s.Title != nil || s.ExpiresAt == nil || s.ModifiedAt == nil {
		t.Fatalf("%+v", s)
	}
	// Absent fields stay; non-nullable fields refuse null.
	s2, err := w.svc.Update(ctx, w.ws, id, fileshare.UpdateInput{})
	if err != nil || s2.Status != "completed" || s2.ExpiresAt == nil {
		t.Fatalf("%+v %v", s2, err)
	}
	_, err = w.svc.Update(ctx, w.ws, id, fileshare.UpdateInput{Status: fileshare.Nullable[string]{Set: true}})
	wantInvalid(t, err, "body", "status")
	// Another workspace's session is 404, as is a deleted one.
	if _, err := w.svc.Update(ctx, w.ws2, id, fileshare.UpdateInput{}); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("foreign update: %v", err)
	}
	del := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Deleted: true})
	if _, err := w.svc.Update(ctx, w.ws, del, fileshare.UpdateInput{}); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("deleted update: %v", err)
	}
}

// TestDownloadLimitUnderConcurrency: 20 parallel downloads of a session
// with max_downloads 5 create exactly 5 rows; the rest are 409.
func TestDownloadLimitUnderConcurrency(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{MaxDownloads: 5})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	slots := map[int32]bool{}
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			d, err := w.svc.RecordDownload(ctx, w.ws, id, fileshare.DownloadInput{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
				slots[d.SlotNumber] = true
			case apperr.IsKind(err, apperr.KindConflict):
				conflicts++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	var rows, count int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM file_share_downloads WHERE session_id = $1`, id).Scan(&rows)
	_ = w.pool.QueryRow(ctx, `SELECT download_count FROM file_share_sessions WHERE id = $1`, id).Scan(&count)
	if ok != 5 || conflicts != 15 || rows != 5 || count != 5 || len(slots) != 5 {
		t.Fatalf("ok %d conflicts %d rows %d count %d slots %v", ok, conflicts, rows, count, slots)
	}
	// Unlimited sessions never conflict; explicit slot numbers are kept.
	un := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	slot := int64(42)
	d, err := w.svc.RecordDownload(ctx, w.ws, un, fileshare.DownloadInput{SlotNumber: &slot})
	if err != nil || d.SlotNumber != 42 {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := w.svc.RecordDownload(ctx, w.ws2, un, fileshare.DownloadInput{}); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("foreign download: %v", err)
	}
}

func TestRecordPayment(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id := testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{})
	st, amt, cur, fee, email, cs := "completed", int64(1250), "EUR", int64(50), "Buyer@Example.COM", "cs_test_1"
	p, err := w.svc.RecordPayment(ctx, w.ws, id, fileshare.PaymentInput{Status: &st, AmountCents: &amt, Currency: &cur,
		PlatformFeeCents: &fee, BuyerEmail: &email, StripeCheckoutSessionID: &cs})
	if err != nil {
		t.Fatal(err)
	}
	if p.Currency != "eur" || p.AmountCents != 1250 || p.PlatformFeeCents != 50 || *p.BuyerEmail != "Buyer@example.com" || *p.CustomerID != w.cust {
		t.Fatalf("%+v", p)
	}
	_, err = w.svc.RecordPayment(ctx, w.ws, id, fileshare.PaymentInput{Status: &st, AmountCents: &amt, Currency: &cur, StripeCheckoutSessionID: &cs})
	wantKind(t, err, apperr.KindConflict)
	_, err = w.svc.RecordPayment(ctx, w.ws2, id, fileshare.PaymentInput{Status: &st, AmountCents: &amt, Currency: &cur})
	wantKind(t, err, apperr.KindNotFound)
	_, err = w.svc.RecordPayment(ctx, w.ws, id, fileshare.PaymentInput{})
	wantInvalid(t, err, "body", "status")
	wantInvalid(t, err, "body", "amount_cents")
	wantInvalid(t, err, "body", "currency")
	badEmail := "nope"
	_, err = w.svc.RecordPayment(ctx, w.ws, id, fileshare.PaymentInput{Status: &st, AmountCents: &amt, Currency: &cur, BuyerEmail: &badEmail})
	wantInvalid(t, err, "body", "buyer_email")
	if errors.Is(err, nil) {
		t.Fatal("unreachable")
	}
}

// TestDeepPages: a deep page (listDeep, an index-only id scan then the
// rows by key) lists exactly what the plain OFFSET query lists, for every
// single sort key and every page, ties included, and only the caller's rows.
func TestDeepPages(t *testing.T) {
	w := newWorld(t)
	all := seedSortable(t, w, 37)
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 6; i++ { // ties on every key
		testkit.FileShare(t, w.pool, w.ws, w.cust, testkit.FileShareRow{Status: "active", Downloads: 2, CreatedAt: at})
	}
	list := func(sorting []string) []uuid.UUID {
		var got []uuid.UUID
		for page := int64(1); page <= 10; page++ {
			pg, err := w.svc.List(context.Background(), w.custP(), fileshare.ListInput{Page: page, Limit: 5, Sorting: sorting})
			if err != nil {
				t.Fatalf("%v: %v", sorting, err)
			}
			got = append(got, ids(pg.Data)...)
		}
		return got
	}
	defer func(d int64) { fileshare.DeepOffset = d }(fileshare.DeepOffset)
	for _, k := range append([]string{""}, fileshare.SortKeys...) {
		var sorting []string
		if k != "" {
			sorting = []string{k}
		}
		fileshare.DeepOffset = 1 << 62
		plain := list(sorting)
		fileshare.DeepOffset = 0
		deep := list(sorting)
		if len(plain) != len(all)+6 || !reflect.DeepEqual(plain, deep) {
			t.Fatalf("sorting %v: deep pages differ from OFFSET pages (%d rows)\n deep %v\nplain %v", sorting, len(plain), deep, plain)
		}
	}
}
