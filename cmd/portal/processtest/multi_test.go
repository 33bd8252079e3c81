package processtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/ratelimit"
	"portal/internal/testkit"
)

const (
	pRequest      = "/api/customer-portal/customer-session/request"
	pAuthenticate = "/api/customer-portal/customer-session/authenticate"
	pUser         = "/api/customer-portal/customer-session/user"
	pMe           = "/api/customer-portal/customers/me"
	pMembers      = "/api/customer-portal/members"
	pCards        = "/api/customer-portal/payment-methods"
)

// checkAPI validates an API answer: the contract where it documents the
// status, else the decided shapes (429/503 {"detail"} with Retry-After, the
// bearer 401s of web/errors.go, the billing guard's 403).
func checkAPI(t *testing.T, r *testkit.Response) {
	t.Helper()
	switch r.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		var b map[string]any
		r.JSON(t, &b)
		if _, ok := b["detail"].(string); !ok || len(b) != 1 {
			t.Errorf("%s %s -> %d body %s: want {\"detail\": string}", r.Method, r.Path, r.Status, r.Body)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s -> %d without Retry-After", r.Method, r.Path, r.Status)
		}
	case http.StatusUnauthorized:
		var b map[string]any
		r.JSON(t, &b)
		if b["error"] == nil {
			t.Errorf("%s %s -> 401 body %s", r.Method, r.Path, r.Body)
		}
	default:
		err := testkit.LoadContract(t).CheckResponse(r.Method, r.Path, r.Status, r.Header, r.Body)
		if err != nil && r.Status == http.StatusForbidden && strings.Contains(err.Error(), "status not documented") {
			// The billing guard's 403 (§2.2 BILL-READ) on routes whose
			// contract lists only their success: the error shape.
			var b map[string]any
			r.JSON(t, &b)
			if _, ok := b["detail"].(string); !ok || b["error"] == nil {
				t.Errorf("%s %s -> 403 body %s", r.Method, r.Path, r.Body)
			}
			return
		}
		if err != nil {
			t.Errorf("contract: %v", err)
		}
	}
}

// TestTwoInstancesShareState runs two `portal serve` processes on one
// database behind a stand-in load balancer and shows that nothing that
// matters lives in one process: sign-in codes, browser sessions and their
// revocation, member removal and role changes, the one-owner rule, and the
// sign-in rate limits all hold across both.
func TestTwoInstancesShareState(t *testing.T) {
	pool := testkit.DB(t)
	dsn := testkit.DSN(t)
	sink := testkit.NewSMTPSink(t)
	extra := map[string]string{"SMTP_URL": sink.URL()}

	// Start both at once, as a deploy would: both run the (already applied)
	// migrations and start their mail queue workers on the same tables.
	var a, b *instance
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startInstance(t, "a", dsn, extra) }()
	go func() { defer wg.Done(); b = startInstance(t, "b", dsn, extra) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow() // startInstance reported why
	}
	lb := newBalancer(t, a, b)
	hasher, err := auth.NewHasher([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}

	legacy := testkit.Workspace(t, pool, "legacy")
	teams := testkit.Workspace(t, pool, "teams")
	dbExec(t, pool, `UPDATE workspaces SET member_model_enabled = true WHERE id = $1`, teams)

	t.Run("CodeFromAWorksOnB", func(t *testing.T) {
		testkit.Customer(t, pool, legacy, "api@example.com", "individual")
		c := testkit.NewClient(t, lb)
		r := c.PostJSON(pRequest, map[string]any{"email": "api@example.com", "workspace_id": legacy.String()}, via("a")...)
		checkAPI(t, r.ExpectStatus(t, http.StatusAccepted))
		code := codeFrom(t, sink, "api@example.com")
		r = c.PostJSON(pAuthenticate, map[string]any{"code": code}, via("b")...)
		checkAPI(t, r.ExpectStatus(t, http.StatusOK))
		var tok struct{ Token string }
		r.JSON(t, &tok)
		for _, in := range []string{"a", "b"} {
			r := c.GetJSON(pUser, via(in, bearer(tok.Token)...)...)
			checkAPI(t, r.ExpectStatus(t, http.StatusOK))
		}
		// Single use across instances: B consumed it, A refuses it.
		r = c.PostJSON(pAuthenticate, map[string]any{"code": code}, via("a")...)
		checkAPI(t, r.ExpectStatus(t, http.StatusUnauthorized))
		// Both instances run mail workers on one queue: one mail, not two.
		if n := mailsTo(sink, "api@example.com"); n != 1 {
			t.Errorf("%d mails for one request", n)
		}
	})

	t.Run("PageSignOutOnARevokesOnB", func(t *testing.T) {
		// The contract has no API sign-out; sign-out is the page's POST
		// /{slug}/portal/sign-out, which revokes the server-side browser
		// session the cookie points at (D10, D19).
		testkit.Customer(t, pool, legacy, "page@example.com", "individual")
		c := testkit.NewClient(t, lb)
		c.Get("/legacy/portal/request", via("a")...).ExpectStatus(t, http.StatusOK)
		r := c.PostForm("/legacy/portal/request", url.Values{"email": {"page@example.com"}, "_csrf": {csrf(t, c)}}, via("a")...)
		r.ExpectStatus(t, http.StatusSeeOther)
		code := codeFrom(t, sink, "page@example.com")
		// The pending request lives in the cookie A wrote; B reads it with
		// the shared secret.
		r = c.PostForm("/legacy/portal/authenticate", url.Values{"code": {code}, "_csrf": {csrf(t, c)}}, via("b")...)
		if r.ExpectStatus(t, http.StatusSeeOther).Location() != "/legacy/portal/overview" {
			t.Fatalf("authenticate on b -> %q", r.Location())
		}
		for _, in := range []string{"a", "b"} {
			c.Get("/legacy/portal/overview", via(in)...).ExpectStatus(t, http.StatusOK)
		}
		// Keep the signed-in cookies, as an attacker who copied them would.
		stolen := testkit.NewClient(t, lb)
		for _, ck := range c.Cookies() {
			stolen.SetCookie(ck)
		}
		r = c.PostForm("/legacy/portal/sign-out", url.Values{"_csrf": {csrf(t, c)}}, via("a")...)
		if r.ExpectStatus(t, http.StatusSeeOther).Location() != "/legacy/portal/request" {
			t.Fatalf("sign-out on a -> %q", r.Location())
		}
		// At once, on the other instance, the old cookie signs nobody in.
		r = stolen.Get("/legacy/portal/overview", via("b")...)
		if r.Status != http.StatusSeeOther || r.Location() != "/legacy/portal/request" {
			t.Fatalf("old cookie on b after sign-out on a: %d %q", r.Status, r.Location())
		}
		if n := count(t, pool, `SELECT count(*) FROM browser_sessions bs JOIN customers c ON c.id = bs.customer_id
			WHERE c.email = 'page@example.com' AND bs.revoked_at IS NULL AND bs.expires_at > now()`); n != 0 {
			t.Errorf("%d live browser sessions after sign-out", n)
		}
	})

	t.Run("MemberRemovedOnARefusedOnB", func(t *testing.T) {
		team := testkit.Customer(t, pool, teams, "team1@example.com", "team")
		owner := testkit.Member(t, pool, team, "owner1@example.com", "owner")
		gone := testkit.Member(t, pool, team, "gone1@example.com", "member")
		demoted := testkit.Member(t, pool, team, "bm1@example.com", "billing_manager")
		ownerTok := testkit.MemberToken(t, pool, hasher, owner)
		goneTok := testkit.MemberToken(t, pool, hasher, gone)
		demotedTok := testkit.MemberToken(t, pool, hasher, demoted)
		c := testkit.NewClient(t, lb)

		checkAPI(t, c.GetJSON(pUser, via("b", bearer(goneTok)...)...).ExpectStatus(t, http.StatusOK))
		checkAPI(t, c.Delete(pMembers+"/"+gone.String(), via("a", bearer(ownerTok)...)...).ExpectStatus(t, http.StatusNoContent))
		for _, in := range []string{"b", "a"} {
			checkAPI(t, c.GetJSON(pUser, via(in, bearer(goneTok)...)...).ExpectStatus(t, http.StatusUnauthorized))
		}

		// A role lowered on A bites on B's next request (ASVS 8.3.2).
		checkAPI(t, c.GetJSON(pCards, via("b", bearer(demotedTok)...)...).ExpectStatus(t, http.StatusOK))
		r := c.PatchJSON(pMembers+"/"+demoted.String(), map[string]any{"role": "member"}, via("a", bearer(ownerTok)...)...)
		checkAPI(t, r.ExpectStatus(t, http.StatusOK))
		checkAPI(t, c.GetJSON(pCards, via("b", bearer(demotedTok)...)...).ExpectStatus(t, http.StatusForbidden))
		checkAPI(t, c.GetJSON(pMembers, via("b", bearer(demotedTok)...)...).ExpectStatus(t, http.StatusForbidden))
	})

	t.Run("OneOwnerUnderConcurrentChangesOnBoth", func(t *testing.T) {
		oneOwnerRounds(t, pool, hasher, a, b, teams)
	})

	t.Run("RateLimitsSpanInstances", func(t *testing.T) {
		// Earlier subtests spent part of 127.0.0.1's budget; start clean so
		// the counts below are exact.
		dbExec(t, pool, `DELETE FROM rate_limit_buckets`)
		testkit.Customer(t, pool, legacy, "flood@example.com", "individual")
		c := testkit.NewClient(t, lb)
		body := map[string]any{"email": "flood@example.com", "workspace_id": legacy.String()}
		// Ten requests, alternating instances and forging X-Forwarded-For
		// (no PORTAL_TRUSTED_PROXIES, so it must be ignored): all one
		// client, one budget.
		// The instances run in development, where the per-IP limit is
		// DevIPFactor × IPLimit (issue 16.15): spend all of it.
		limit := ratelimit.IPLimit * ratelimit.DevIPFactor
		// The first ten one at a time, as a person would: five codes are
		// made and each is mailed before the next trims older ones (at
		// most three live codes per address); the rest, over the address's
		// cap, only spend the per-IP budget.
		spendInBatches(t, limit, 10, func(i int) {
			in := []string{"a", "b"}[i%2]
			r := c.PostJSON(pRequest, body, via(in, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i%250))...)
			if r.Status != http.StatusAccepted {
				t.Errorf("request %d of %d via %s: %d %.300s", i+1, limit, in, r.Status, r.Body)
			}
		})
		for _, in := range []string{"a", "b"} {
			r := c.PostJSON(pRequest, body, via(in, "X-Forwarded-For", "198.51.100.7")...)
			checkAPI(t, r.ExpectStatus(t, http.StatusTooManyRequests))
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
				t.Errorf("Retry-After %q from %s", r.Header.Get("Retry-After"), in)
			}
		}
		// The per-address bucket held across both as well: all accepted
		// requests, five codes queued (D12).
		if n := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND lower(args->>'to') = 'flood@example.com'`); n != 5 {
			t.Errorf("%d codes queued for one address across two instances, want 5", n)
		}
		for i := 0; i < 5; i++ {
			codeFrom(t, sink, "flood@example.com")
		}
		// Authenticate has its own bucket, shared the same way.
		spendInBatches(t, limit, 0, func(i int) {
			in := []string{"b", "a"}[i%2]
			r := c.PostJSON(pAuthenticate, map[string]any{"code": "ZZZZ-ZZZZ"}, via(in)...)
			if r.Status != http.StatusUnauthorized {
				t.Errorf("authenticate %d of %d via %s: %d %.300s", i+1, limit, in, r.Status, r.Body)
			}
		})
		for _, in := range []string{"a", "b"} {
			checkAPI(t, c.PostJSON(pAuthenticate, map[string]any{"code": "ZZZZ-ZZZZ"}, via(in)...).ExpectStatus(t, http.StatusTooManyRequests))
		}
		// The pages count in the same buckets as the API.
		c.Get("/legacy/portal/request", via("b")...).ExpectStatus(t, http.StatusOK)
		r := c.PostForm("/legacy/portal/request", url.Values{"email": {"flood@example.com"}, "_csrf": {csrf(t, c)}}, via("b")...)
		r.ExpectStatus(t, http.StatusTooManyRequests)
		// Five mails delivered by the two workers together, none twice.
		if n := mailsTo(sink, "flood@example.com"); n != 5 {
			t.Errorf("%d mails delivered to one address, want 5", n)
		}
	})
}

// oneOwnerRounds races ownership transfers, demotions and removals for one
// team at both instances at once, round after round, and checks the
// database keeps exactly one owner and that only one transfer by the owner
// can win.
func oneOwnerRounds(t *testing.T, pool *pgxpool.Pool, hasher *auth.Hasher, a, b *instance, ws uuid.UUID) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	type call struct {
		label  string // who does what, for the log (never the token)
		in     *instance
		tok    string
		method string
		target uuid.UUID
		body   string
	}
	const rounds = 12
	for round := 0; round < rounds; round++ {
		team := testkit.Customer(t, pool, ws, fmt.Sprintf("race%d@example.com", round), "team")
		owner := testkit.Member(t, pool, team, fmt.Sprintf("o%d@example.com", round), "owner")
		var bm [3]uuid.UUID
		var bmTok [3]string
		for i := range bm {
			bm[i] = testkit.Member(t, pool, team, fmt.Sprintf("bm%d-%d@example.com", round, i), "billing_manager")
			bmTok[i] = testkit.MemberToken(t, pool, hasher, bm[i])
		}
		ownerTok := testkit.MemberToken(t, pool, hasher, owner)
		calls := []call{
			// The owner hands ownership to three people at once, via both
			// instances: at most one can be the owner's own transfer.
			{"owner→bm0 owner", a, ownerTok, http.MethodPatch, bm[0], `{"role":"owner"}`},
			{"owner→bm1 owner", b, ownerTok, http.MethodPatch, bm[1], `{"role":"owner"}`},
			{"owner→bm2 owner", a, ownerTok, http.MethodPatch, bm[2], `{"role":"owner"}`},
			// Meanwhile billing managers try to demote and remove the owner
			// and each other.
			{"bm0→owner member", b, bmTok[0], http.MethodPatch, owner, `{"role":"member"}`},
			{"bm1 removes owner", a, bmTok[1], http.MethodDelete, owner, ``},
			{"bm2→bm0 member", b, bmTok[2], http.MethodPatch, bm[0], `{"role":"member"}`},
			{"bm0 removes bm1", a, bmTok[0], http.MethodDelete, bm[1], ``},
		}
		if round%2 == 1 { // swap instances so each side takes each role
			for i := range calls {
				if calls[i].in == a {
					calls[i].in = b
				} else {
					calls[i].in = a
				}
			}
		}
		results := make([]int, len(calls))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, cl := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var body io.Reader
				if cl.body != "" {
					body = bytes.NewBufferString(cl.body)
				}
				req, _ := http.NewRequest(cl.method, cl.in.URL+pMembers+"/"+cl.target.String(), body)
				req.Header.Set("Authorization", "Bearer "+cl.tok)
				if cl.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				<-start
				resp, err := hc.Do(req)
				if err != nil {
					t.Errorf("round %d %s %s via %s: %v", round, cl.method, cl.target, cl.in.name, err)
					return
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				results[i] = resp.StatusCode
				r := &testkit.Response{Method: cl.method, Path: pMembers + "/" + cl.target.String(), Status: resp.StatusCode, Header: resp.Header, Body: raw}
				switch resp.StatusCode {
				case http.StatusOK, http.StatusNoContent, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnauthorized:
					checkAPI(t, r)
				default:
					t.Errorf("round %d %s %s via %s -> %d %s", round, cl.method, cl.target, cl.in.name, resp.StatusCode, raw)
				}
			}()
		}
		close(start)
		wg.Wait()
		var outcome strings.Builder
		for i, cl := range calls {
			fmt.Fprintf(&outcome, " [%s via %s: %d]", cl.label, cl.in.name, results[i])
		}
		if n := count(t, pool, `SELECT count(*) FROM members WHERE customer_id = $1 AND role = 'owner' AND deleted_at IS NULL`, team); n != 1 {
			t.Fatalf("round %d: %d owners after%s", round, n, outcome.String())
		}
		won := 0
		for _, st := range results[:3] {
			if st == http.StatusOK {
				won++
			}
		}
		if won > 1 {
			t.Fatalf("round %d: %d ownership transfers by one owner succeeded:%s", round, won, outcome.String())
		}
		t.Logf("round %d:%s", round, outcome.String())
	}
}

func dbExec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// mailsTo counts the mails the sink holds for one recipient.
func mailsTo(sink *testkit.SMTPSink, to string) int {
	n := 0
	for _, m := range sink.Messages() {
		for _, r := range m.To {
			if strings.EqualFold(r, to) {
				n++
			}
		}
	}
	return n
}

// csrf is the page CSRF token in c's jar (the cookie a GET of any page
// under /{slug}/portal sets).
func csrf(t *testing.T, c *testkit.Client) string {
	t.Helper()
	if ck := c.Cookie("csrf"); ck != nil {
		return ck.Value
	}
	t.Fatal("no csrf cookie")
	return ""
}

// TestTwoInstancesMigrateAtOnce: a deploy starts every instance at once on
// a database with pending migrations; `portal serve` migrates first
// (docs/design.md "Interface"), so they must not trip over each other.
func TestTwoInstancesMigrateAtOnce(t *testing.T) {
	pool := testkit.DB(t)
	if err := db.MigrateDown(t.Context(), pool, true); err != nil {
		t.Fatal(err)
	}
	dsn := testkit.DSN(t)
	var a, b *instance
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startInstance(t, "a", dsn, nil) }()
	go func() { defer wg.Done(); b = startInstance(t, "b", dsn, nil) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
}

// spendInBatches calls fn(0) … fn(n-1): the first `first` one at a time,
// the rest ten at a time (each sign-in answer is held to a floor, so one at
// a time would be slow). fn reports with t.Errorf: it may not run on the
// test's goroutine.
func spendInBatches(t *testing.T, n, first int, fn func(i int)) {
	t.Helper()
	for i := 0; i < first && i < n; i++ {
		fn(i)
	}
	var wg sync.WaitGroup
	for batch := first; batch < n; batch += 10 {
		for i := batch; i < batch+10 && i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn(i)
			}()
		}
		wg.Wait()
	}
}
