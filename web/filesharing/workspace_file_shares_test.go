package filesharing_test

import (
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"portal/internal/testkit"
)

const wsURL = "/api/file-sharing/sessions"

// TestWorkspaceAPI_CreateSession: 201 with the contract's session shape and
// generated slugs; the customer must be the token's workspace's.
func TestWorkspaceAPI_CreateSession(t *testing.T) {
	e := newEnv(t)
	rec := e.do(http.MethodPost, wsURL, e.wsTok, map[string]any{
		"customer_id": e.cust, "title": "Q3 report", "file_name": "q3.pdf", "file_size_bytes": 1048576,
		"max_downloads": 3, "price_cents": 500, "currency": "EUR", "status": "active", "ttl_seconds": 86400,
	})
	wantStatus(t, rec, http.StatusCreated)
	s := testkit.Decode[map[string]any](t, rec)
	want := append([]string(nil), sessionKeys...)
	sort.Strings(want)
	if got := keys(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys %v", got)
	}
	if s["currency"] != "eur" || s["status"] != "active" || s["activated_at"] == nil || s["expires_at"] == nil ||
		s["workspace_id"] != e.ws.String() || len(s["short_slug"].(string)) != 10 || len(s["long_slug"].(string)) != 32 {
		t.Fatalf("%s", rec.Text())
	}
	testkit.ValidateSchema(t, "FileShareSessionSchema", rec.Body)
	// The customer sees it through the portal API.
	got := e.do(http.MethodGet, listURL+"/"+s["id"].(string), e.custTok, nil)
	wantStatus(t, got, http.StatusOK)

	// Trailing slash works too; defaults apply.
	rec = e.do(http.MethodPost, wsURL+"/", e.wsTok, map[string]any{"customer_id": e.cust})
	wantStatus(t, rec, http.StatusCreated)
	if s := testkit.Decode[map[string]any](t, rec); s["status"] != "created" || s["currency"] != "usd" || s["max_downloads"] != 0.0 {
		t.Fatalf("%s", rec.Text())
	}

	for name, c := range map[string]struct {
		body any
		loc  []any
		msg  string
	}{
		"other workspace's customer": {map[string]any{"customer_id": e.frn}, []any{"body", "customer_id"}, "Customer does not exist."},
		"unknown customer":           {map[string]any{"customer_id": uuid.New()}, []any{"body", "customer_id"}, "Customer does not exist."},
		"missing customer":           {map[string]any{"title": "x"}, []any{"body", "customer_id"}, "Field required"},
		"malformed customer":         {map[string]any{"customer_id": "nope"}, []any{"body", "customer_id"}, ""},
		"negative size":              {map[string]any{"customer_id": e.cust, "file_size_bytes": -1}, []any{"body", "file_size_bytes"}, ""},
		"negative max":               {map[string]any{"customer_id": e.cust, "max_downloads": -1}, []any{"body", "max_downloads"}, ""},
		"negative price":             {map[string]any{"customer_id": e.cust, "price_cents": -1}, []any{"body", "price_cents"}, ""},
		"bad currency":               {map[string]any{"customer_id": e.cust, "currency": "dollars"}, []any{"body", "currency"}, ""},
		"bad status":                 {map[string]any{"customer_id": e.cust, "status": "paused"}, []any{"body", "status"}, ""},
		"long file name":             {map[string]any{"customer_id": e.cust, "file_name": strings.Repeat("a", 256)}, []any{"body", "file_name"}, ""},
		"bad expires_at":             {map[string]any{"customer_id": e.cust, "expires_at": "tomorrow"}, []any{"body", "expires_at"}, ""},
		"wrong type":                 {map[string]any{"customer_id": e.cust, "max_downloads": "3"}, []any{"body", "max_downloads"}, ""},
	} {
		rec := e.do(http.MethodPost, wsURL, e.wsTok, c.body)
		if rec.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %s", name, rec.Status, rec.Text())
		}
		b := testkit.Decode[validationBody](t, rec)
		if b.Error != "RequestValidationError" || !reflect.DeepEqual(b.Detail[0].Loc, c.loc) || (c.msg != "" && b.Detail[0].Msg != c.msg) {
			t.Fatalf("%s: %s", name, rec.Text())
		}
	}
	wantStatus(t, e.do(http.MethodPost, wsURL, e.wsTok, "{not json"), http.StatusUnprocessableEntity)
	wantStatus(t, e.do(http.MethodPost, wsURL, "", map[string]any{"customer_id": e.cust}), http.StatusUnauthorized)
	wantStatus(t, e.do(http.MethodPost, wsURL, e.custTok, map[string]any{"customer_id": e.cust}), http.StatusUnauthorized)
	var n int
	_ = e.pool.QueryRow(t.Context(), `SELECT count(*) FROM file_share_sessions`).Scan(&n)
	if n != 2 {
		t.Fatalf("rejected requests wrote rows: %d sessions", n)
	}
}

func TestWorkspaceAPI_UpdateSession(t *testing.T) {
	e := newEnv(t)
	title := "Draft"
	id := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{Status: "created", Title: &title})
	rec := e.do(http.MethodPatch, wsURL+"/"+id.String(), e.wsTok, map[string]any{"status": "expired", "expires_at": "2026-01-01T00:00:00Z", "title": nil})
	wantStatus(t, rec, http.StatusOK)
	s := testkit.Decode[map[string]any](t, rec)
	if s["status"] != "expired" || s["expires_at"] != "2026-01-01T00:00:00Z" || s["title"] != nil || s["modified_at"] == nil {
		t.Fatalf("%s", rec.Text())
	}
	testkit.ValidateSchema(t, "FileShareSessionSchema", rec.Body)
	// Another workspace's token, unknown and malformed ids.
	wantStatus(t, e.do(http.MethodPatch, wsURL+"/"+id.String(), e.ws2Tok, map[string]any{"status": "active"}), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodPatch, wsURL+"/"+uuid.NewString(), e.wsTok, map[string]any{"status": "active"}), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodPatch, wsURL+"/nope", e.wsTok, map[string]any{"status": "active"}), http.StatusUnprocessableEntity)
	wantStatus(t, e.do(http.MethodPatch, wsURL+"/"+id.String(), e.wsTok, map[string]any{"status": nil}), http.StatusUnprocessableEntity)
	wantStatus(t, e.do(http.MethodPatch, wsURL+"/"+id.String(), e.wsTok, map[string]any{"max_downloads": -3}), http.StatusUnprocessableEntity)
	var status string
	_ = e.pool.QueryRow(t.Context(), `SELECT status FROM file_share_sessions WHERE id = $1`, id).Scan(&status)
	if status != "expired" {
		t.Fatalf("foreign or invalid patch changed the row: %s", status)
	}
}

// TestWorkspaceAPI_DownloadLimitUnderConcurrency: 20 parallel downloads of
// a session with max_downloads 5 → exactly 5 created, 15 answered 409.
func TestWorkspaceAPI_DownloadLimitUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	id := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{MaxDownloads: 5})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	start := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := e.do(http.MethodPost, wsURL+"/"+id.String()+"/downloads", e.wsTok, nil)
			mu.Lock()
			codes[rec.Status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if codes[http.StatusCreated] != 5 || codes[http.StatusConflict] != 15 {
		t.Fatalf("codes %v", codes)
	}
	var rows, count int
	_ = e.pool.QueryRow(t.Context(), `SELECT count(*) FROM file_share_downloads WHERE session_id = $1`, id).Scan(&rows)
	_ = e.pool.QueryRow(t.Context(), `SELECT download_count FROM file_share_sessions WHERE id = $1`, id).Scan(&count)
	if rows != 5 || count != 5 {
		t.Fatalf("rows %d count %d", rows, count)
	}
	rec := e.do(http.MethodPost, wsURL+"/"+id.String()+"/downloads", e.wsTok, map[string]any{})
	wantStatus(t, rec, http.StatusConflict)
	if b := testkit.Decode[map[string]any](t, rec); b["error"] == nil || b["detail"] == nil {
		t.Fatalf("409 body %s", rec.Text())
	}
}

func TestWorkspaceAPI_RecordDownload(t *testing.T) {
	e := newEnv(t)
	id := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	rec := e.do(http.MethodPost, wsURL+"/"+id.String()+"/downloads", e.wsTok, map[string]any{"slot_number": 7})
	wantStatus(t, rec, http.StatusCreated)
	testkit.ValidateSchema(t, "FileShareDownloadSchema", rec.Body)
	if d := testkit.Decode[map[string]any](t, rec); d["slot_number"] != 7.0 || d["session_id"] != id.String() {
		t.Fatalf("%s", rec.Text())
	}
	rec = e.do(http.MethodPost, wsURL+"/"+id.String()+"/downloads", e.wsTok, nil)
	wantStatus(t, rec, http.StatusCreated)
	if d := testkit.Decode[map[string]any](t, rec); d["slot_number"] != 2.0 {
		t.Fatalf("default slot is the new count: %s", rec.Text())
	}
	wantStatus(t, e.do(http.MethodPost, wsURL+"/"+id.String()+"/downloads", e.ws2Tok, nil), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodPost, wsURL+"/"+id.String()+"/downloads", e.wsTok, map[string]any{"slot_number": -1}), http.StatusUnprocessableEntity)
	// The customer sees both downloads.
	rec = e.do(http.MethodGet, listURL+"/"+id.String()+"/downloads", e.custTok, nil)
	if ds := testkit.Decode[[]map[string]any](t, rec); len(ds) != 2 {
		t.Fatalf("%s", rec.Text())
	}
}

func TestWorkspaceAPI_RecordPayment(t *testing.T) {
	e := newEnv(t)
	id := testkit.FileShare(t, e.pool, e.ws, e.cust, testkit.FileShareRow{})
	body := map[string]any{"status": "completed", "amount_cents": 1500, "currency": "JPY", "platform_fee_cents": 30,
		"buyer_email": "buyer@example.com", "buyer_name": "Bo Buyer", "stripe_checkout_session_id": "cs_test_a",
		"stripe_payment_intent_id": "pi_test_a"}
	rec := e.do(http.MethodPost, wsURL+"/"+id.String()+"/payments", e.wsTok, body)
	wantStatus(t, rec, http.StatusCreated)
	testkit.ValidateSchema(t, "FileSharePaymentSchema", rec.Body)
	p := testkit.Decode[map[string]any](t, rec)
	if p["currency"] != "jpy" || p["amount_cents"] != 1500.0 || p["buyer_name"] != "Bo Buyer" || p["stripe_payment_intent_id"] != "pi_test_a" {
		t.Fatalf("%s", rec.Text())
	}
	// The same checkout session again is a conflict, and writes nothing.
	wantStatus(t, e.do(http.MethodPost, wsURL+"/"+id.String()+"/payments", e.wsTok, body), http.StatusConflict)
	wantStatus(t, e.do(http.MethodPost, wsURL+"/"+id.String()+"/payments", e.ws2Tok, map[string]any{"status": "pending", "amount_cents": 1, "currency": "usd"}), http.StatusNotFound)
	rec = e.do(http.MethodPost, wsURL+"/"+id.String()+"/payments", e.wsTok, map[string]any{"amount_cents": -5, "currency": "usd", "status": "paid"})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if b := testkit.Decode[validationBody](t, rec); len(b.Detail) != 2 {
		t.Fatalf("want both problems reported: %s", rec.Text())
	}
	var n int
	_ = e.pool.QueryRow(t.Context(), `SELECT count(*) FROM file_share_payments`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d payments", n)
	}
}
