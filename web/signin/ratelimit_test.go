package signin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/ratelimit"
	"portal/internal/testkit"
)

func TestG23_TenPerBucketPerIPThen429(t *testing.T) {
	e := newEnv(t, envOpt{})
	body := reqBody("x@example.com", e.legacy, nil)
	for i := 0; i < 10; i++ {
		e.request(nil, body).ExpectStatus(t, http.StatusAccepted)
	}
	r := e.request(nil, body).ExpectStatus(t, http.StatusTooManyRequests)
	var b map[string]any
	r.JSON(t, &b)
	if b["detail"] != "Too many verification attempts. Try again later." {
		t.Errorf("429 body %s", r.Body)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// The other bucket is separate…
	e.authenticate(nil, map[string]any{"code": "ZZZZZZZZ"}).ExpectStatus(t, http.StatusUnauthorized)
	// …and so is another IP.
	e.request(e.clientAt(1), body).ExpectStatus(t, http.StatusAccepted)

	// Authenticate: right and wrong codes count alike (G30).
	e.customer(e.legacy, "right@example.com", nil, "individual")
	c := e.clientAt(2)
	e.request(c, reqBody("right@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(c, map[string]any{"code": e.lastCode("right@example.com")}).ExpectStatus(t, http.StatusOK)
	for i := 0; i < 9; i++ {
		e.authenticate(c, map[string]any{"code": "ZZZZZZZZ"}).ExpectStatus(t, http.StatusUnauthorized)
	}
	e.authenticate(c, map[string]any{"code": "ZZZZZZZZ"}).ExpectStatus(t, http.StatusTooManyRequests)

	// Stored as a 16-hex HMAC of the IP, never the IP.
	rows, err := e.pool.Query(t.Context(), `SELECT bucket, key FROM rate_limit_buckets`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var bucket, key string
		if err := rows.Scan(&bucket, &key); err != nil {
			t.Fatal(err)
		}
		seen[bucket] = true
		if bucket == ratelimit.BucketFailures {
			continue // one global counter
		}
		if len(key) != 16 || strings.Contains(key, "192.0.2") || strings.Contains(key, "198.51") {
			t.Errorf("key %q in %s", key, bucket)
		}
	}
	if !seen[ratelimit.BucketRequest] || !seen[ratelimit.BucketAuthenticate] {
		t.Errorf("buckets %v", seen)
	}
	if want := e.svc.Limiter.Key("192.0.2.10"); e.s.Count(`SELECT count(*) FROM rate_limit_buckets WHERE key = $1`, want) == 0 {
		t.Error("IP key is not HMAC-SHA256(secret, ip)[:16]")
	}
}

// TestG23_WindowSlidesOnAllowedCallsOnly: the per-IP window restarts on
// every allowed call (§2.6), but a refused call never extends it (issue
// 16.3: before, every call while limited restarted the 15 minutes).
func TestG23_WindowSlidesOnAllowedCallsOnly(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()
	key := e.svc.Limiter.Key("203.0.113.9")
	for i := 0; i < 9; i++ {
		if err := e.svc.Limiter.CheckIP(ctx, ratelimit.BucketRequest, "203.0.113.9"); err != nil {
			t.Fatal(err)
		}
	}
	// An allowed call (the 10th) pushes the end a full window away.
	e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = now() + interval '1 minute' WHERE key = $1`, key)
	if err := e.svc.Limiter.CheckIP(ctx, ratelimit.BucketRequest, "203.0.113.9"); err != nil {
		t.Fatal(err)
	}
	if n := e.s.Count(`SELECT count(*) FROM rate_limit_buckets WHERE key = $1 AND expires_at > now() + interval '14 minutes'`, key); n != 1 {
		t.Error("window did not slide on an allowed call")
	}
	// Age the window to 1 second from its end; a blocked call leaves it.
	e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = now() + interval '1 second' WHERE key = $1`, key)
	if err := e.svc.Limiter.CheckIP(ctx, ratelimit.BucketRequest, "203.0.113.9"); err == nil {
		t.Fatal("11th call allowed")
	}
	if n := e.s.Count(`SELECT count(*) FROM rate_limit_buckets WHERE key = $1 AND expires_at <= now() + interval '1 second'`, key); n != 1 {
		t.Error("a blocked call extended the window")
	}
	// A window that passed starts again at 1.
	e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = now() - interval '1 second' WHERE key = $1`, key)
	if err := e.svc.Limiter.CheckIP(ctx, ratelimit.BucketRequest, "203.0.113.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := e.s.Count(`SELECT count FROM rate_limit_buckets WHERE key = $1`, key); n != 1 {
		t.Errorf("count %d after reset", n)
	}
}

// TestRetryAfterCountsDown (issue 16.3): once limited, each refused call
// answers 429 with a Retry-After that counts down to the same moment,
// never reset to 900 by the refusals themselves, on both buckets.
func TestRetryAfterCountsDown(t *testing.T) {
	e := newEnv(t, envOpt{})
	body := reqBody("x@example.com", e.legacy, nil)
	for i := 0; i < 10; i++ {
		e.request(nil, body).ExpectStatus(t, http.StatusAccepted)
		e.authenticate(nil, map[string]any{"code": "ZZZZZZZZ"}).ExpectStatus(t, http.StatusUnauthorized)
	}
	// Ten minutes of the window have passed.
	e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = now() + interval '5 minutes' WHERE bucket IN ($1, $2)`,
		ratelimit.BucketRequest, ratelimit.BucketAuthenticate)
	for _, call := range []func() *testkit.Response{
		func() *testkit.Response { return e.request(nil, body) },
		func() *testkit.Response { return e.authenticate(nil, map[string]any{"code": "ZZZZZZZZ"}) },
	} {
		prev := 301
		for i := 0; i < 3; i++ {
			r := call().ExpectStatus(t, http.StatusTooManyRequests)
			ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || ra > prev || ra < 290 {
				t.Fatalf("refusal %d: Retry-After %q after %d, want it to count down from 300", i+1, r.Header.Get("Retry-After"), prev)
			}
			prev = ra
		}
	}
}

func TestG30_ValidationErrorsDoNotConsumeBudget(t *testing.T) {
	e := newEnv(t, envOpt{})
	for i := 0; i < 15; i++ {
		e.request(nil, map[string]any{"email": "bad", "workspace_id": e.legacy.String()}).ExpectStatus(t, http.StatusUnprocessableEntity)
		e.authenticate(nil, map[string]any{}).ExpectStatus(t, http.StatusUnprocessableEntity)
	}
	if n := e.s.Count(`SELECT count(*) FROM rate_limit_buckets`); n != 0 {
		t.Errorf("%d counters after only 422s", n)
	}
	e.request(nil, reqBody("x@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
}

func TestD12_AddressBucketMailsAtMostFivePerWindow(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "flood@example.com", nil, "individual")
	for i := 0; i < 7; i++ {
		r := e.request(e.clientAt(i), reqBody("Flood@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
		if strings.TrimSpace(r.Text()) != "null" {
			t.Errorf("body %q", r.Text())
		}
	}
	if n := len(e.queued("flood@example.com")); n != 5 {
		t.Errorf("%d mails queued for one address, want 5", n)
	}
}

func TestD12_GlobalFailureBudgetStopsUnboundCodesOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("1001 wrong codes")
	}
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "victim@example.com", nil, "individual")
	ctx := t.Context()
	// 1001 wrong codes from many addresses (each within its own IP limit).
	for i := 0; i <= ratelimit.FailureBudget; i++ {
		_, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: "ZZZZZZZZ", ClientIP: fmt.Sprintf("10.%d.%d.1", i/200, i%200)})
		if err == nil {
			t.Fatal("wrong code accepted")
		}
	}
	e.request(nil, reqBody("victim@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("victim@example.com")
	// Unbound: refused, even with the right code.
	r := e.authenticate(e.clientAt(1), map[string]any{"code": code}).ExpectStatus(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Bound to the address: goes on working.
	e.authenticate(e.clientAt(2), map[string]any{"code": code, "email": "victim@example.com"}).ExpectStatus(t, http.StatusOK)
	// When the window passes, unbound codes work again.
	e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = now() - interval '1 second' WHERE bucket = $1`, ratelimit.BucketFailures)
	e.request(e.clientAt(3), reqBody("victim@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(e.clientAt(3), map[string]any{"code": e.lastCode("victim@example.com")}).ExpectStatus(t, http.StatusOK)
}

func TestD12_RateLimitsSharedByTwoServersOnOneDatabase(t *testing.T) {
	a := newEnv(t, envOpt{})
	b := newEnv(t, envOpt{pool: a.pool, noSeed: true})
	body := reqBody("x@example.com", a.legacy, nil)
	for i := 0; i < 5; i++ {
		a.request(nil, body).ExpectStatus(t, http.StatusAccepted)
		b.request(nil, body).ExpectStatus(t, http.StatusAccepted)
	}
	a.request(nil, body).ExpectStatus(t, http.StatusTooManyRequests)
	b.request(nil, body).ExpectStatus(t, http.StatusTooManyRequests)
}

func TestD12_ClientIPFromTrustedProxyOnly(t *testing.T) {
	e := newEnv(t, envOpt{})
	// Without trusted proxies X-Forwarded-For is ignored: rotating it does
	// not escape the limit.
	for i := 0; i < 10; i++ {
		e.c.PostJSON(pRequest, reqBody("x@example.com", e.legacy, nil), "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)).ExpectStatus(t, http.StatusAccepted)
	}
	e.c.PostJSON(pRequest, reqBody("x@example.com", e.legacy, nil), "X-Forwarded-For", "203.0.113.99").ExpectStatus(t, http.StatusTooManyRequests)
}

func TestD12_ClientIPFromXFFBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, envOpt{trusted: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	body := reqBody("x@example.com", e.legacy, nil)
	for i := 0; i < 10; i++ {
		e.c.PostJSON(pRequest, body, "X-Forwarded-For", "203.0.113.7").ExpectStatus(t, http.StatusAccepted)
	}
	e.c.PostJSON(pRequest, body, "X-Forwarded-For", "203.0.113.7").ExpectStatus(t, http.StatusTooManyRequests)
	// Another client behind the same proxy has its own budget.
	e.c.PostJSON(pRequest, body, "X-Forwarded-For", "203.0.113.8").ExpectStatus(t, http.StatusAccepted)
	if e.s.Count(`SELECT count(*) FROM rate_limit_buckets WHERE key = $1`, e.svc.Limiter.Key("203.0.113.7")) != 1 {
		t.Error("limit not keyed by the forwarded client address")
	}
}

func TestG23_DatabaseDownIs503(t *testing.T) {
	e := newEnv(t, envOpt{})
	// A server whose pool can no longer reach the database.
	cfg, err := pgxpool.ParseConfig(testkit.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	dead, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := newEnv(t, envOpt{pool: dead, noSeed: true})
	dead.Close()
	for _, p := range []string{pRequest, pAuthenticate} {
		r := d.c.PostJSON(p, map[string]any{"email": "x@example.com", "workspace_id": e.legacy.String(), "code": "ABCD2345"})
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s with the database gone -> %d %s", p, r.Status, r.Body)
		}
		d.check(r)
		var b map[string]any
		r.JSON(t, &b)
		if b["detail"] != ratelimit.UnavailableDetail {
			t.Errorf("503 body %s", r.Body)
		}
	}
}

// TestDevelopmentIPLimitsTenTimesHigher (issue 16.15): with PORTAL_ENV=
// development the per-IP limits are 10× (100 calls per bucket per 15
// minutes), so trying the demo people from one browser does not lock it
// out; production (and test) keep 10.
func TestDevelopmentIPLimitsTenTimesHigher(t *testing.T) {
	for n, tc := range []struct {
		env   string
		limit int
	}{{"development", 100}, {"production", 10}, {"test", 10}} {
		ip := fmt.Sprintf("198.51.100.%d", n+1)
		e := newEnv(t, envOpt{env: tc.env, noSeed: true})
		if got := e.svc.Limiter.IPLimit(); got != tc.limit {
			t.Errorf("%s: IP limit %d, want %d", tc.env, got, tc.limit)
		}
		for _, bucket := range []string{ratelimit.BucketRequest, ratelimit.BucketAuthenticate} {
			for i := 0; i < tc.limit; i++ {
				if err := e.svc.Limiter.CheckIP(t.Context(), bucket, ip); err != nil {
					t.Fatalf("%s %s: call %d refused: %v", tc.env, bucket, i+1, err)
				}
			}
			if err := e.svc.Limiter.CheckIP(t.Context(), bucket, ip); err == nil {
				t.Errorf("%s %s: call %d allowed", tc.env, bucket, tc.limit+1)
			}
		}
	}
}
