package linkedaccounts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/oauthaccount"
	"portal/internal/oauthaccount/oauthtest"
)

// authorize calls the API and returns the provider URL and its state.
func (e *env) authorize(bearer, platform string, customerID uuid.UUID, returnTo string) (*url.URL, string) {
	e.t.Helper()
	q := url.Values{"platform": {platform}, "customer_id": {customerID.String()}}
	if returnTo != "" {
		q.Set("return_to", returnTo)
	}
	rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/authorize?"+q.Encode(), bearer)
	if rec.Status != http.StatusOK {
		e.t.Fatalf("authorize: %d %s", rec.Status, rec.Body)
	}
	var body struct{ URL string }
	if err := json.Unmarshal(rec.Body, &body); err != nil {
		e.t.Fatal(err)
	}
	u, err := url.Parse(body.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	return u, u.Query().Get("state")
}

// callback plays the provider's redirect back to us.
func (e *env) callback(bearer string, params url.Values) (int, string, string) {
	e.t.Helper()
	rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/callback?"+params.Encode(), bearer)
	return rec.Status, rec.Header.Get("Location"), rec.Text()
}

func redirectQuery(t *testing.T, loc string) url.Values {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme+"://"+u.Host != baseURL {
		t.Fatalf("redirect leaves our origin: %s", loc)
	}
	return u.Query()
}

// accounts reads an oauth_accounts map straight from the database.
func (e *env) accounts(table string, id uuid.UUID) map[string]map[string]any {
	e.t.Helper()
	var raw []byte
	if err := e.pool.QueryRow(context.Background(), "SELECT oauth_accounts FROM "+table+" WHERE id = $1", id).Scan(&raw); err != nil {
		e.t.Fatal(err)
	}
	m := map[string]map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func assertNoTokenInURL(t *testing.T, loc string) {
	t.Helper()
	for _, bad := range []string{"session_token", "rapidly_cst_", "rapidly_mst_", "access", "refresh"} {
		if strings.Contains(loc, bad) {
			t.Fatalf("redirect carries %q: %s", bad, loc)
		}
	}
}

func TestOAuthLinkMicrosoftToCustomer(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	before := e.sessionCounts()

	u, state := e.authorize(tok, "microsoft", f.customerID, "/acme/portal/settings?tab=accounts")
	if got := u.Scheme + "://" + u.Host + u.Path; got != e.provider.URL+"/contoso/oauth2/v2.0/authorize" {
		t.Fatalf("authorize endpoint = %s", got)
	}
	q := u.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": "ms-client", "scope": "User.Read",
		"response_mode": "query", "redirect_uri": baseURL + "/api/customer-portal/oauth-accounts/callback"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if state == "" || !strings.Contains(state, ".") {
		t.Fatalf("state = %q", state)
	}

	// The browser comes back from the provider with no bearer header.
	// G25 as changed by D7: success is 303 (not 307) and carries no token.
	code, loc, body := e.callback("", url.Values{"state": {state}, "code": {"abc"}})
	if code != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", code, body)
	}
	rq := redirectQuery(t, loc)
	if rq.Get("linked") != "microsoft" || rq.Get("tab") != "accounts" || rq.Has("error") {
		t.Fatalf("redirect = %s", loc)
	}
	if !strings.HasPrefix(loc, baseURL+"/acme/portal/settings?") {
		t.Fatalf("redirect = %s", loc)
	}
	assertNoTokenInURL(t, loc)
	if e.sessionCounts() != before {
		t.Fatalf("callback created sessions: %v → %v", before, e.sessionCounts())
	}

	acc := e.accounts("customers", f.customerID)
	rec, ok := acc["microsoft:ms-user-1"]
	if !ok || len(acc) != 1 {
		t.Fatalf("oauth_accounts = %v", acc)
	}
	if rec["account_id"] != "ms-user-1" || rec["account_username"] != "Ada Lovelace" {
		t.Fatalf("record = %v", rec)
	}
	if _, ok := rec["expires_at"].(float64); !ok {
		t.Fatalf("expires_at = %v", rec["expires_at"])
	}
	// Tokens are encrypted at rest and open with the service's key.
	access, _ := rec["access_token"].(string)
	refresh, _ := rec["refresh_token"].(string)
	if strings.Contains(access, "ms-access-abc") || strings.Contains(refresh, "ms-refresh-abc") {
		t.Fatalf("tokens stored in clear: %v", rec)
	}
	if got, err := e.svc.OAuth.OpenToken("microsoft:ms-user-1", "access_token", access); err != nil || got != "ms-access-abc" {
		t.Fatalf("open access token = %q, %v", got, err)
	}
	if got, err := e.svc.OAuth.OpenToken("microsoft:ms-user-1", "refresh_token", refresh); err != nil || got != "ms-refresh-abc" {
		t.Fatalf("open refresh token = %q, %v", got, err)
	}
	// A sealed value does not open under another account key or field.
	if _, err := e.svc.OAuth.OpenToken("microsoft:other", "access_token", access); err == nil {
		t.Fatal("sealed token opened under another key")
	}
	if _, err := e.svc.OAuth.OpenToken("microsoft:ms-user-1", "refresh_token", access); err == nil {
		t.Fatal("sealed token opened as another field")
	}
	var raw string
	_ = e.pool.QueryRow(context.Background(), "SELECT oauth_accounts::text FROM customers WHERE id=$1", f.customerID).Scan(&raw)
	if strings.Contains(raw, "ms-access-abc") || strings.Contains(raw, "ms-refresh-abc") {
		t.Fatalf("plaintext token in the database: %s", raw)
	}

	// GET /customers/me shows the account as {account_id, account_username}.
	me := e.do(http.MethodGet, "/api/customer-portal/customers/me", tok)
	if me.Status != http.StatusOK {
		t.Fatalf("GET /customers/me: %d %s", me.Status, me.Text())
	}
	{
		var c struct {
			OAuthAccounts map[string]map[string]any `json:"oauth_accounts"`
		}
		if err := json.Unmarshal(me.Body, &c); err != nil {
			t.Fatal(err)
		}
		a := c.OAuthAccounts["microsoft:ms-user-1"]
		if a["account_id"] != "ms-user-1" || a["account_username"] != "Ada Lovelace" {
			t.Fatalf("customers/me oauth_accounts = %v", c.OAuthAccounts)
		}
		if _, leaked := a["access_token"]; leaked {
			t.Fatal("customers/me leaks the access token")
		}
	}
}

func TestOAuthLinkDiscordToMember(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.memberToken(f.memberID)
	before := e.sessionCounts()

	u, state := e.authorize(tok, "discord", f.teamID, baseURL+"/acme/portal/settings")
	if got := u.Scheme + "://" + u.Host + u.Path; got != e.provider.URL+"/api/oauth2/authorize" {
		t.Fatalf("authorize endpoint = %s", got)
	}
	if s := u.Query().Get("scope"); s != "identify email guilds.join" {
		t.Fatalf("scope = %q", s)
	}
	code, loc, body := e.callback("", url.Values{"state": {state}, "code": {"xyz"}})
	if code != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", code, body)
	}
	if q := redirectQuery(t, loc); q.Get("linked") != "discord" {
		t.Fatalf("redirect = %s", loc)
	}
	if form, user := e.provider.LastTokenRequest(); user != oauthtest.DiscordClientID {
		t.Errorf("discord token call did not use HTTP basic auth (user %q)", user)
	} else if _, inBody := form["client_secret"]; inBody {
		t.Error("discord client secret sent in the body")
	}
	if e.sessionCounts() != before {
		t.Fatal("callback created sessions")
	}
	m := e.accounts("members", f.memberID)
	rec, ok := m["discord:80351110224678912"]
	if !ok || rec["account_username"] != "nelly" || rec["account_id"] != "80351110224678912" {
		t.Fatalf("member oauth_accounts = %v", m)
	}
	if strings.Contains(rec["access_token"].(string), "dc-access-xyz") {
		t.Fatal("token stored in clear")
	}
	if c := e.accounts("customers", f.teamID); len(c) != 0 {
		t.Fatalf("member link landed on the customer: %v", c)
	}
	if o := e.accounts("members", f.ownerID); len(o) != 0 {
		t.Fatalf("member link landed on another member: %v", o)
	}

	// The member can unlink it again; an unknown key is 404.
	p := &auth.Principal{Kind: auth.SubjectMember, CustomerID: f.teamID, WorkspaceID: f.workspaceID, MemberID: f.memberID, SessionID: uuid.New()}
	if err := e.svc.OAuth.Unlink(context.Background(), p, "discord:nope"); err == nil {
		t.Fatal("unlink of an unknown key succeeded")
	}
	other := &auth.Principal{Kind: auth.SubjectMember, CustomerID: f.teamID, WorkspaceID: f.workspaceID, MemberID: f.ownerID, SessionID: uuid.New()}
	if err := e.svc.OAuth.Unlink(context.Background(), other, "discord:80351110224678912"); err == nil {
		t.Fatal("another member unlinked this member's account")
	}
	list, err := e.svc.OAuth.List(context.Background(), p)
	if err != nil || len(list) != 1 || list[0].Username != "nelly" || list[0].Platform != oauthaccount.Discord {
		t.Fatalf("list = %v, %v", list, err)
	}
	if err := e.svc.OAuth.Unlink(context.Background(), p, "discord:80351110224678912"); err != nil {
		t.Fatal(err)
	}
	if m := e.accounts("members", f.memberID); len(m) != 0 {
		t.Fatalf("after unlink: %v", m)
	}
}

func TestOAuthCallbackProviderError(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)

	_, state := e.authorize(tok, "microsoft", f.customerID, "/acme/portal/settings?keep=1&linked=old")
	code, loc, _ := e.callback("", url.Values{"state": {state}, "error": {"access_denied"}})
	if code != http.StatusSeeOther {
		t.Fatalf("status %d", code)
	}
	q := redirectQuery(t, loc)
	if q.Get("error") != "access_denied" || q.Get("error_platform") != "microsoft" || q.Get("keep") != "1" || q.Has("linked") {
		t.Fatalf("redirect = %s", loc)
	}

	// No code and no error: "Failed to authorize."
	_, state = e.authorize(tok, "discord", f.customerID, "")
	_, loc, _ = e.callback("", url.Values{"state": {state}})
	q = redirectQuery(t, loc)
	if q.Get("error") != oauthaccount.MsgAuthorizeFailed || q.Get("error_platform") != "discord" {
		t.Fatalf("redirect = %s", loc)
	}
	if !strings.HasPrefix(loc, baseURL+"/?") {
		t.Fatalf("default return_to: %s", loc)
	}
	if e.provider.TokenCalls() != 0 {
		t.Fatal("provider error still exchanged a code")
	}
	if len(e.accounts("customers", f.customerID)) != 0 {
		t.Fatal("linked on error")
	}
}

func TestOAuthTokenExchangeFailure(t *testing.T) {
	for _, platform := range []string{"microsoft", "discord"} {
		t.Run(platform, func(t *testing.T) {
			e := newEnv(t)
			f := e.seed()
			tok, _ := e.customerToken(f.customerID)
			e.provider.Set(oauthtest.Knobs{TokenStatus: http.StatusBadRequest})
			_, state := e.authorize(tok, platform, f.customerID, "/acme/portal/settings")
			code, loc, _ := e.callback("", url.Values{"state": {state}, "code": {"bad"}})
			q := redirectQuery(t, loc)
			if code != http.StatusSeeOther || q.Get("error") != oauthaccount.MsgTokenFailed || q.Get("error_platform") != platform || q.Has("error_retry_after") {
				t.Fatalf("%d %s", code, loc)
			}
			if len(e.accounts("customers", f.customerID)) != 0 {
				t.Fatal("linked on failure")
			}
		})
	}
}

func TestOAuthProfileFailure(t *testing.T) {
	for _, platform := range []string{"microsoft", "discord"} {
		t.Run(platform, func(t *testing.T) {
			e := newEnv(t)
			f := e.seed()
			tok, _ := e.customerToken(f.customerID)
			e.provider.Set(oauthtest.Knobs{ProfileStatus: http.StatusInternalServerError})
			_, state := e.authorize(tok, platform, f.customerID, "/acme/portal/settings")
			code, loc, _ := e.callback("", url.Values{"state": {state}, "code": {"c"}})
			q := redirectQuery(t, loc)
			if code != http.StatusSeeOther || q.Get("error") != oauthaccount.MsgProfileFailed || q.Get("error_platform") != platform {
				t.Fatalf("%d %s", code, loc)
			}
			if len(e.accounts("customers", f.customerID)) != 0 {
				t.Fatal("linked on failure")
			}
		})
	}
}

func TestOAuthRateLimited(t *testing.T) {
	cases := []struct {
		name, platform string
		headers        map[string]string
		msg, retry     string
	}{
		{"microsoft reset-after", "microsoft", map[string]string{"X-RateLimit-Reset-After": "2.5"}, "Rate limited by Microsoft.", "3"},
		{"microsoft retry-after", "microsoft", map[string]string{"Retry-After": "30"}, "Rate limited by Microsoft.", "30"},
		{"discord reset-after", "discord", map[string]string{"X-RateLimit-Reset-After": "4", "Retry-After": "9000"}, "Rate limited by Discord.", "4"},
		{"discord retry-after milliseconds", "discord", map[string]string{"Retry-After": "5000"}, "Rate limited by Discord.", "5"},
		{"discord retry-after seconds", "discord", map[string]string{"Retry-After": "7"}, "Rate limited by Discord.", "7"},
		{"no header", "discord", nil, "Rate limited by Discord.", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.seed()
			tok, _ := e.customerToken(f.customerID)
			e.provider.Set(oauthtest.Knobs{TokenStatus: http.StatusTooManyRequests, TokenHeaders: tc.headers})
			_, state := e.authorize(tok, tc.platform, f.customerID, "/acme/portal/settings")
			code, loc, _ := e.callback("", url.Values{"state": {state}, "code": {"c"}})
			q := redirectQuery(t, loc)
			if code != http.StatusSeeOther || q.Get("error") != tc.msg || q.Get("error_platform") != tc.platform || q.Get("error_retry_after") != tc.retry {
				t.Fatalf("%d %s", code, loc)
			}
			if tc.retry == "" && q.Has("error_retry_after") {
				t.Fatalf("retry param without a header: %s", loc)
			}
		})
	}
}

func TestOAuthNoRefreshToken(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	e.provider.Set(oauthtest.Knobs{NoRefresh: true})
	_, state := e.authorize(tok, "microsoft", f.customerID, "")
	code, loc, body := e.callback("", url.Values{"state": {state}, "code": {"c"}})
	if code != http.StatusSeeOther || redirectQuery(t, loc).Get("linked") != "microsoft" {
		t.Fatalf("%d %s %s", code, loc, body)
	}
	rec := e.accounts("customers", f.customerID)["microsoft:ms-user-1"]
	if v, ok := rec["refresh_token"]; !ok || v != nil {
		t.Fatalf("refresh_token = %v", rec)
	}
}

// assertInvalidState checks the 403 body of a refused state.
func assertInvalidState(t *testing.T, code int, body string) {
	t.Helper()
	if code != http.StatusForbidden {
		t.Fatalf("status %d, body %s", code, body)
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(body), &b); err != nil || b["error"] != "NotPermitted" || b["detail"] != "Invalid state" || len(b) != 2 {
		t.Fatalf("body = %s", body)
	}
}

func TestOAuth_S4_ReplayedState(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	_, state := e.authorize(tok, "microsoft", f.customerID, "")
	if code, _, body := e.callback("", url.Values{"state": {state}, "code": {"one"}}); code != http.StatusSeeOther {
		t.Fatalf("first use: %d %s", code, body)
	}
	before := e.sessionCounts()
	code, _, body := e.callback("", url.Values{"state": {state}, "code": {"two"}})
	assertInvalidState(t, code, body)
	// Also a replay with error=x (the original minted a session here).
	code, _, body = e.callback("", url.Values{"state": {state}, "error": {"x"}})
	assertInvalidState(t, code, body)
	if e.sessionCounts() != before {
		t.Fatal("replay created a session")
	}
	if got, _ := e.svc.OAuth.OpenToken("microsoft:ms-user-1", "access_token", e.accounts("customers", f.customerID)["microsoft:ms-user-1"]["access_token"].(string)); got != "ms-access-one" {
		t.Fatalf("replay overwrote the link: %q", got)
	}
}

func TestOAuthConcurrentStateUse(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	_, state := e.authorize(tok, "discord", f.customerID, "")
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i], _, _ = e.callback("", url.Values{"state": {state}, "code": {"c"}})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case http.StatusSeeOther:
			ok++
		case http.StatusForbidden:
		default:
			t.Fatalf("unexpected status %d", c)
		}
	}
	if ok != 1 {
		t.Fatalf("%d callbacks used one state", ok)
	}
}

func TestOAuth_S4_ExpiredState(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	_, state := e.authorize(tok, "microsoft", f.customerID, "")
	var minutes float64
	if err := e.pool.QueryRow(context.Background(), `SELECT extract(epoch FROM expires_at - created_at)/60 FROM oauth_states`).Scan(&minutes); err != nil {
		t.Fatal(err)
	}
	if minutes < 9.9 || minutes > 10.1 {
		t.Fatalf("state lifetime = %.2f minutes, want 10", minutes)
	}
	if _, err := e.pool.Exec(context.Background(), `UPDATE oauth_states SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	code, _, body := e.callback("", url.Values{"state": {state}, "code": {"c"}})
	assertInvalidState(t, code, body)
	if n, err := e.svc.OAuth.PurgeExpiredStates(context.Background()); err != nil || n != 1 {
		t.Fatalf("purge = %d, %v", n, err)
	}
}

func TestOAuthStateFromAnotherSession(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tokA, _ := e.customerToken(f.customerID)
	tokB, _ := e.customerToken(f.customerID)          // same customer, another session
	tokOther, _ := e.customerToken(f.otherCustomerID) // another customer
	tokMember, _ := e.memberToken(f.ownerID)

	_, state := e.authorize(tokA, "microsoft", f.customerID, "")
	for name, bearer := range map[string]string{"same customer": tokB, "other customer": tokOther, "member": tokMember} {
		code, _, body := e.callback(bearer, url.Values{"state": {state}, "code": {"c"}})
		if code != http.StatusForbidden {
			t.Fatalf("%s: %d %s", name, code, body)
		}
		assertInvalidState(t, code, body)
	}
	// Refusing did not burn the owner's attempt: the right session succeeds.
	code, loc, body := e.callback(tokA, url.Values{"state": {state}, "code": {"c"}})
	if code != http.StatusSeeOther || redirectQuery(t, loc).Get("linked") != "microsoft" {
		t.Fatalf("owner's callback: %d %s %s", code, loc, body)
	}
	if len(e.accounts("customers", f.otherCustomerID)) != 0 {
		t.Fatal("linked to another customer")
	}
}

func TestOAuthStateOfDeadSession(t *testing.T) {
	ctx := context.Background()
	t.Run("signed out", func(t *testing.T) {
		e := newEnv(t)
		f := e.seed()
		tok, sid := e.customerToken(f.customerID)
		_, state := e.authorize(tok, "microsoft", f.customerID, "")
		if _, err := e.pool.Exec(ctx, `UPDATE customer_sessions SET deleted_at = now() WHERE id = $1`, sid); err != nil {
			t.Fatal(err)
		}
		code, _, body := e.callback("", url.Values{"state": {state}, "code": {"c"}})
		assertInvalidState(t, code, body)
	})
	t.Run("session expired", func(t *testing.T) {
		e := newEnv(t)
		f := e.seed()
		tok, sid := e.memberToken(f.memberID)
		_, state := e.authorize(tok, "discord", f.teamID, "")
		if _, err := e.pool.Exec(ctx, `UPDATE member_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, sid); err != nil {
			t.Fatal(err)
		}
		code, _, body := e.callback("", url.Values{"state": {state}, "error": {"x"}})
		assertInvalidState(t, code, body)
	})
	t.Run("member removed", func(t *testing.T) {
		// S1's variant: the original fell back to a full customer session
		// when the state's member had been deleted.
		e := newEnv(t)
		f := e.seed()
		tok, _ := e.memberToken(f.memberID)
		_, state := e.authorize(tok, "discord", f.teamID, "")
		if _, err := e.pool.Exec(ctx, `UPDATE members SET deleted_at = now() WHERE id = $1`, f.memberID); err != nil {
			t.Fatal(err)
		}
		before := e.sessionCounts()
		code, _, body := e.callback("", url.Values{"state": {state}, "error": {"x"}})
		assertInvalidState(t, code, body)
		if e.sessionCounts() != before {
			t.Fatal("session created")
		}
		if len(e.accounts("customers", f.teamID)) != 0 {
			t.Fatal("fell back to the customer")
		}
	})
}

func TestOAuthForgedState(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	_, real := e.authorize(tok, "microsoft", f.customerID, "")
	id, sig, _ := strings.Cut(real, ".")
	forged := []string{
		"",
		"x",
		uuid.NewString(),
		uuid.NewString() + "." + sig,    // another id with a real signature
		id + ".",                        // no signature
		id + "." + strings.ToUpper(sig), // tampered signature
		id + "." + sig + "x",
		"eyJhbGciOiJIUzI1NiJ9.eyJjdXN0b21lcl9pZCI6IngifQ.c2ln", // a JWT, as the original's
		strings.Repeat("a", 5000),
	}
	before := e.sessionCounts()
	for _, s := range forged {
		code, loc, body := e.callback("", url.Values{"state": {s}, "error": {"x"}})
		if loc != "" {
			t.Fatalf("forged state %q redirected to %s", s, loc)
		}
		assertInvalidState(t, code, body)
	}
	if e.sessionCounts() != before {
		t.Fatal("forged state created a session")
	}
	// The state parameter is required (422 as the contract).
	rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/callback?code=x", "")
	if rec.Status != http.StatusUnprocessableEntity || !strings.Contains(rec.Text(), `"loc":["query","state"]`) {
		t.Fatalf("missing state: %d %s", rec.Status, rec.Body)
	}
	// The real state still works: forgeries did not touch it.
	if code, _, body := e.callback("", url.Values{"state": {real}, "code": {"c"}}); code != http.StatusSeeOther {
		t.Fatalf("real state: %d %s", code, body)
	}
}

func TestOAuthAuthorizeAnonymous(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/authorize?platform=microsoft&customer_id="+f.customerID.String(), "")
	if rec.Status != http.StatusUnauthorized {
		t.Fatalf("%d %s", rec.Status, rec.Body)
	}
	var b map[string]any
	_ = json.Unmarshal(rec.Body, &b)
	if b["error"] != "Unauthorized" {
		t.Fatalf("body %s", rec.Body)
	}
	var n int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM oauth_states`).Scan(&n)
	if n != 0 {
		t.Fatal("anonymous authorize stored a state")
	}
	// A bad bearer token is 401 invalid_token (D14).
	rec = e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/authorize?platform=microsoft&customer_id="+f.customerID.String(), "rapidly_cst_nope")
	if rec.Status != http.StatusUnauthorized || !strings.Contains(rec.Text(), "invalid_token") {
		t.Fatalf("%d %s", rec.Status, rec.Body)
	}
}

func TestOAuthAuthorizeOtherCustomer(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	mtok, _ := e.memberToken(f.memberID)
	for _, c := range []struct {
		tok string
		id  uuid.UUID
	}{{tok, f.otherCustomerID}, {tok, f.teamID}, {mtok, f.customerID}, {tok, uuid.New()}} {
		rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/authorize?platform=discord&customer_id="+c.id.String(), c.tok)
		if rec.Status != http.StatusForbidden || !strings.Contains(rec.Text(), `"error":"NotPermitted"`) {
			t.Fatalf("%d %s", rec.Status, rec.Body)
		}
	}
}

func TestOAuthAuthorizeValidation(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.DiscordClientID, c.DiscordClientSecret = "", "" })
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	id := f.customerID.String()
	cases := []struct {
		query string
		loc   string
	}{
		{"customer_id=" + id, `["query","platform"]`},
		{"platform=github&customer_id=" + id, `["query","platform"]`},
		{"platform=discord&customer_id=" + id, `["query","platform"]`}, // no credentials
		{"platform=microsoft", `["query","customer_id"]`},
		{"platform=microsoft&customer_id=not-a-uuid", `["query","customer_id"]`},
		{"platform=microsoft&customer_id={" + id + "}", `["query","customer_id"]`},
	}
	for _, c := range cases {
		rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/authorize?"+c.query, tok)
		if rec.Status != http.StatusUnprocessableEntity || !strings.Contains(rec.Text(), `"loc":`+c.loc) || !strings.Contains(rec.Text(), `"error":"RequestValidationError"`) {
			t.Fatalf("%s: %d %s", c.query, rec.Status, rec.Body)
		}
	}
	if got := e.svc.OAuth.Platforms(); len(got) != 1 || got[0] != oauthaccount.Microsoft {
		t.Fatalf("platforms = %v", got)
	}
	// The configured platform still works.
	e.authorize(tok, "microsoft", f.customerID, "")
}

func TestOAuthReturnToSanitized(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	tok, _ := e.customerToken(f.customerID)
	cases := map[string]string{
		"https://evil.example/steal":                  baseURL + "/",
		"//evil.example/steal":                        baseURL + "/",
		"/\\evil.example":                             baseURL + "/",
		"javascript:alert(1)":                         baseURL + "/",
		"http://portal.example.test/acme":             baseURL + "/", // wrong scheme
		"https://user@portal.example.test/acme":       baseURL + "/",
		"https://portal.example.test.evil.example/":   baseURL + "/",
		"/acme/portal/settings":                       baseURL + "/acme/portal/settings",
		"https://portal.example.test/acme/portal?x=1": baseURL + "/acme/portal?x=1",
		"":                              baseURL + "/",
		"/" + strings.Repeat("a", 3000): baseURL + "/",
	}
	for in, want := range cases {
		_, state := e.authorize(tok, "microsoft", f.customerID, in)
		_, loc, body := e.callback("", url.Values{"state": {state}, "error": {"x"}})
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("%q: %v %s", in, err, body)
		}
		u.RawQuery = ""
		got := u.String()
		wantU, _ := url.Parse(want)
		wantU.RawQuery = ""
		if got != wantU.String() {
			t.Errorf("return_to %q → %s, want %s", in, loc, want)
		}
		if !strings.Contains(loc, "error=x") || (strings.Contains(want, "x=1") && !strings.Contains(loc, "x=1")) {
			t.Errorf("return_to %q → %s: params not merged", in, loc)
		}
	}
}

// TestOAuth_S1_TakeoverChainClosed replays S1: an anonymous
// authorize with someone's customer_id, then the callback with error=x, used
// to mint a session for that customer and put its token in the redirect.
func TestOAuth_S1_TakeoverChainClosed(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	before := e.sessionCounts()

	// Step 1: anonymous authorize with a victim's customer id → 401, no state.
	for _, platform := range []string{"microsoft", "discord"} {
		rec := e.do(http.MethodGet, "/api/customer-portal/oauth-accounts/authorize?platform="+platform+"&customer_id="+f.customerID.String()+"&return_to=https://evil.example/", "")
		if rec.Status != http.StatusUnauthorized || strings.Contains(rec.Text(), "url") {
			t.Fatalf("anonymous authorize: %d %s", rec.Status, rec.Body)
		}
	}
	// Step 2: the callback with error=x and anything for a state → 403, no redirect.
	code, loc, body := e.callback("", url.Values{"state": {"forged"}, "error": {"x"}})
	assertInvalidState(t, code, body)
	if loc != "" {
		t.Fatalf("redirected: %s", loc)
	}
	if e.sessionCounts() != before {
		t.Fatalf("anonymous authorize or forged callback created sessions: %v → %v", before, e.sessionCounts())
	}
	// Even a legitimate state, used anonymously with error=x, only reports
	// the error: no session, no token in the redirect.
	vtok, _ := e.customerToken(f.customerID)
	before = e.sessionCounts()
	_, state := e.authorize(vtok, "microsoft", f.customerID, "https://evil.example/")
	code, loc, _ = e.callback("", url.Values{"state": {state}, "error": {"x"}})
	if code != http.StatusSeeOther {
		t.Fatalf("status %d", code)
	}
	assertNoTokenInURL(t, loc)
	if !strings.HasPrefix(loc, baseURL+"/?") {
		t.Fatalf("redirect left our origin: %s", loc)
	}
	if e.sessionCounts() != before {
		t.Fatalf("sessions created: %v → %v", before, e.sessionCounts())
	}
}

// TestOAuthBrowserSessionBinding covers states started from the pages: the
// state is bound to the browser session and dies with it.
func TestOAuthBrowserSessionBinding(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := e.seed()
	newBrowser := func(memberID *uuid.UUID, customerID uuid.UUID) *auth.Principal {
		var id uuid.UUID
		if err := e.pool.QueryRow(ctx, `INSERT INTO browser_sessions (workspace_id, customer_id, member_id, idle_expires_at, expires_at)
			VALUES ($1, $2, $3, now() + interval '30 minutes', now() + interval '12 hours') RETURNING id`, f.workspaceID, customerID, memberID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		p := &auth.Principal{Kind: auth.SubjectCustomer, Browser: true, SessionID: id, CustomerID: customerID, WorkspaceID: f.workspaceID}
		if memberID != nil {
			p.Kind, p.MemberID, p.Role = auth.SubjectMember, *memberID, auth.RoleOwner
		}
		return p
	}
	stateOf := func(u string) string {
		pu, _ := url.Parse(u)
		return pu.Query().Get("state")
	}
	p := newBrowser(nil, f.customerID)
	u, err := e.svc.OAuth.Authorize(ctx, p, oauthaccount.AuthorizeInput{Platform: oauthaccount.Microsoft, CustomerID: f.customerID, ReturnTo: "/acme/portal/settings"})
	if err != nil {
		t.Fatal(err)
	}
	// Another browser session of the same customer cannot finish it.
	p2 := newBrowser(nil, f.customerID)
	if _, err := e.svc.OAuth.Callback(ctx, p2, oauthaccount.CallbackInput{State: stateOf(u), Code: "c"}); err == nil {
		t.Fatal("another browser session finished the flow")
	}
	// An API session with the same id string is not the browser session.
	api := *p
	api.Browser = false
	if _, err := e.svc.OAuth.Callback(ctx, &api, oauthaccount.CallbackInput{State: stateOf(u), Code: "c"}); err == nil {
		t.Fatal("an API principal matched a browser-bound state")
	}
	loc, err := e.svc.OAuth.Callback(ctx, p, oauthaccount.CallbackInput{State: stateOf(u), Code: "c"})
	if err != nil || !strings.Contains(loc, "linked=microsoft") {
		t.Fatalf("%s %v", loc, err)
	}

	// Sign-out (revocation) and idle expiry kill pending states.
	for _, kill := range []string{`UPDATE browser_sessions SET revoked_at = now() WHERE id = $1`, `UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`} {
		owner := f.ownerID
		bp := newBrowser(&owner, f.teamID)
		u, err := e.svc.OAuth.Authorize(ctx, bp, oauthaccount.AuthorizeInput{Platform: oauthaccount.Discord, CustomerID: f.teamID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, kill, bp.SessionID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.OAuth.Callback(ctx, nil, oauthaccount.CallbackInput{State: stateOf(u), Code: "c"}); err == nil {
			t.Fatalf("state of a dead browser session accepted (%s)", kill)
		}
	}
}
