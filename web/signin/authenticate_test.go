package signin_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/testkit"
)

func tokenOf(t *testing.T, r *testkit.Response) string {
	t.Helper()
	var b struct{ Token string }
	r.JSON(t, &b)
	if b.Token == "" {
		t.Fatalf("no token in %s", r.Body)
	}
	return b.Token
}

func TestG6_D18_CodeFormatAndNormalization(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "fmt@example.com", nil, "individual")
	alphabet := "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	for i := 0; i < 200; i++ {
		c := auth.NewCode()
		if len(c) != 8 {
			t.Fatalf("code %q length %d", c, len(c))
		}
		for _, r := range c {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("code %q has %q outside Crockford base32", c, r)
			}
		}
	}
	if got := auth.DisplayCode("ABCD2345"); got != "ABCD-2345" {
		t.Errorf("display %q", got)
	}
	for in, want := range map[string]string{
		"abcd-2345": "ABCD2345", "OOII-LL00": "00111100", "abcd2345": "ABCD2345",
		" ab cd 23 45 ": "ABCD2345", //nolint:gocritic // the spaces are the input under test
	} {
		if got, ok := auth.NormalizeCode(in); !ok || got != want {
			t.Errorf("normalize %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "ABC", "ABCD23456", "ABCU2345", "ABCD-234!", strings.Repeat("A", 100)} {
		if _, ok := auth.NormalizeCode(bad); ok {
			t.Errorf("normalize %q accepted", bad)
		}
	}
	// Typed forms that normalize to the code sign in.
	forms := []func(string) string{
		func(c string) string { return strings.ToLower(auth.DisplayCode(c)) },
		func(c string) string { return " " + c[:4] + " " + c[4:] + " " },
		func(c string) string { return strings.NewReplacer("0", "o", "1", "l").Replace(c) },
	}
	for i, f := range forms {
		e.request(e.clientAt(i), reqBody("fmt@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
		code := e.lastCode("fmt@example.com")
		e.authenticate(e.clientAt(i), map[string]any{"code": f(code)}).ExpectStatus(t, http.StatusOK)
	}
}

func TestG7_CodeSingleUseAndExpiry(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "once@example.com", nil, "individual")
	e.request(nil, reqBody("once@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("once@example.com")
	e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK)
	r := e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusUnauthorized)
	var b map[string]any
	r.JSON(t, &b)
	if b["error"] != "CustomerSessionCodeInvalidOrExpired" || b["detail"] != "This customer session code is invalid or has expired." {
		t.Errorf("401 body %s", r.Body)
	}

	// Expired.
	e.request(nil, reqBody("once@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code = e.lastCode("once@example.com")
	e.s.Exec(`UPDATE customer_session_codes SET expires_at = now() - interval '1 second'`)
	e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusUnauthorized)
}

func TestG7_MemberGoneKeepsCodeAnd401(t *testing.T) {
	e := newEnv(t, envOpt{})
	team := e.customer(e.members, "team@example.com", nil, "team")
	e.member(e.members, team, "owner@example.com", "owner")
	m := e.member(e.members, team, "gone@example.com", "member")
	e.request(nil, reqBody("gone@example.com", e.members, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("gone@example.com")
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, m)
	e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusUnauthorized)
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes`); n != 1 {
		t.Errorf("code rows %d: the failed exchange must roll back, not consume", n)
	}
	if n := e.s.Count(`SELECT count(*) FROM member_sessions`) + e.s.Count(`SELECT count(*) FROM customer_sessions`); n != 0 {
		t.Errorf("%d sessions: no fallback to the owner or the customer", n)
	}
}

func TestG8_D15_MemberModeSessionForRequesterLegacyCustomerSession(t *testing.T) {
	e := newEnv(t, envOpt{})
	team := e.customer(e.members, "team@example.com", str("Team"), "team")
	e.member(e.members, team, "owner@example.com", "owner")
	plain := e.member(e.members, team, "plain@example.com", "member")
	tok := e.signIn(e.members, "plain@example.com", nil, "plain@example.com")
	if !strings.HasPrefix(tok, "rapidly_mst_") {
		t.Fatalf("member-mode token %q", tok)
	}
	r := e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	r.ValidateContract(t)
	var u map[string]any
	r.JSON(t, &u)
	if u["type"] != "member" || u["member_id"] != plain.String() || u["role"] != "member" || u["email"] != "plain@example.com" || u["customer_id"] != team.String() {
		t.Errorf("user %s", r.Body)
	}

	cust := e.customer(e.legacy, "buyer@example.com", str("Buyer"), "individual")
	tok = e.signIn(e.legacy, "buyer@example.com", nil, "buyer@example.com")
	if !strings.HasPrefix(tok, "rapidly_cst_") {
		t.Fatalf("legacy token %q", tok)
	}
	r = e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	r.ValidateContract(t)
	u = nil
	r.JSON(t, &u)
	if u["type"] != "customer" || u["member_id"] != nil || u["role"] != nil || u["name"] != "Buyer" || u["customer_id"] != cust.String() {
		t.Errorf("user %s", r.Body)
	}
	if _, ok := u["member_id"]; !ok {
		t.Error("member_id key missing")
	}
}

func TestG9_EmailVerifiedOnlyForCustomerAddress(t *testing.T) {
	e := newEnv(t, envOpt{})
	team := e.customer(e.members, "Team@Example.com", nil, "team")
	e.member(e.members, team, "other@example.com", "owner")
	e.signIn(e.members, "other@example.com", nil, "other@example.com")
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE id = $1 AND email_verified`, team); n != 0 {
		t.Error("verified by another member's code")
	}
	e.member(e.members, team, "team@example.com", "member")
	e.signIn(e.members, "team@example.com", nil, "team@example.com")
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE id = $1 AND email_verified`, team); n != 1 {
		t.Error("not verified by the customer's own address (case-insensitive)")
	}
}

func TestG15_D14_InvalidBearerIs401OnPublicRoutes(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, p := range []string{pRequest, pAuthenticate} {
		r := e.c.PostJSON(p, map[string]any{"code": "x"}, "Authorization", "Bearer rapidly_cst_expired")
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s -> %d", p, r.Status)
		}
		e.check(r)
	}
	// A cookie is ignored by the API (anonymous → 401 Unauthorized on guarded routes).
	r := e.c.GetJSON(pUser, "Cookie", "portal=anything")
	if r.Status != http.StatusUnauthorized {
		t.Errorf("cookie on API -> %d", r.Status)
	}
	e.check(r)
}

func TestG16_IntrospectAndUser(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "intro@example.com", nil, "individual")
	before := time.Now()
	tok := e.signIn(e.legacy, "intro@example.com", nil, "intro@example.com")
	r := e.c.GetJSON(pIntrospect, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	r.ValidateContract(t)
	var b struct {
		ExpiresAt time.Time `json:"expires_at"`
		ReturnURL *string   `json:"return_url"`
	}
	r.JSON(t, &b)
	if d := b.ExpiresAt.Sub(before); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("expires_at %v is %v after sign-in, want one hour", b.ExpiresAt, d)
	}
	if b.ReturnURL != nil || !strings.Contains(string(r.Body), `"return_url":null`) {
		t.Errorf("return_url %s", r.Body)
	}
	r = e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	r.ValidateContract(t)
	if !strings.Contains(r.Text(), `"name":null`) {
		t.Errorf("nameless customer %s", r.Body)
	}
	// Anonymous → 401.
	for _, p := range []string{pUser, pIntrospect} {
		r := e.c.GetJSON(p).ExpectStatus(t, http.StatusUnauthorized)
		e.check(r)
	}
}

func TestG17_D10_SessionsEndWithTheirOwner(t *testing.T) {
	e := newEnv(t, envOpt{})
	team := e.customer(e.members, "t17@example.com", nil, "team")
	e.member(e.members, team, "m17@example.com", "owner")
	mtok := e.signIn(e.members, "m17@example.com", nil, "m17@example.com")
	c := e.customer(e.legacy, "c17@example.com", nil, "individual")
	ctok := e.signIn(e.legacy, "c17@example.com", nil, "c17@example.com")
	e.c.GetJSON(pUser, bearer(mtok)...).ExpectStatus(t, http.StatusOK)
	e.c.GetJSON(pUser, bearer(ctok)...).ExpectStatus(t, http.StatusOK)
	e.s.Exec(`UPDATE customers SET deleted_at = now() WHERE id = ANY($1)`, []uuid.UUID{team, c})
	for _, tok := range []string{mtok, ctok} {
		r := e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusUnauthorized)
		e.check(r)
	}
}

func TestG24_TokenLookupIsExactAndSoftDeletedSessionsFail(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "g24@example.com", nil, "individual")
	tok := e.signIn(e.legacy, "g24@example.com", nil, "g24@example.com")
	for _, bad := range []string{tok + "x", tok[:len(tok)-1], strings.ToUpper(tok)} {
		e.c.GetJSON(pUser, bearer(bad)...).ExpectStatus(t, http.StatusUnauthorized)
	}
	var stored string
	if err := e.pool.QueryRow(t.Context(), `SELECT token_hash FROM customer_sessions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != e.svc.Hasher.Hash(tok) || strings.Contains(stored, tok) {
		t.Error("session token not stored as its keyed hash")
	}
	e.s.Exec(`UPDATE customer_sessions SET deleted_at = now()`)
	e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusUnauthorized)
}

func TestD13_CodeStoredOnlyAsKeyedHash(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "d13@example.com", nil, "individual")
	e.request(nil, reqBody("d13@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("d13@example.com")
	var stored string
	if err := e.pool.QueryRow(t.Context(), `SELECT code_hash FROM customer_session_codes`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != e.svc.Hasher.Hash(code) {
		t.Error("code_hash is not Hasher.Hash(canonical code)")
	}
	// Nowhere in the database in clear, the queued job included.
	if n := e.s.Count(`SELECT count(*) FROM river_job WHERE args::text LIKE '%' || $1 || '%' OR args::text LIKE '%' || $2 || '%'`, code, auth.DisplayCode(code)); n != 0 {
		t.Error("plain code found in the job table")
	}
}

func TestD18_ConcurrentUsesOfOneCodeGiveOneSession(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "race@example.com", nil, "individual")
	e.request(nil, reqBody("race@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("race@example.com")
	const n = 50
	statuses := make([]int, n)
	clients := make([]*testkit.Client, n)
	for i := range clients {
		clients[i] = e.clientAt(100 + i)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			statuses[i] = clients[i].PostJSON(pAuthenticate, map[string]any{"code": code}).Status
		}(i)
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusUnauthorized:
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d successes, want exactly 1", ok)
	}
	if s := e.s.Count(`SELECT count(*) FROM customer_sessions`); s != 1 {
		t.Errorf("%d sessions, want 1", s)
	}
}

func TestD18_AtMostThreeLiveCodesAndResendKeepsEarlier(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "three@example.com", nil, "individual")
	for i := 0; i < 4; i++ {
		e.request(nil, reqBody("three@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	}
	codes := e.queued("three@example.com") // newest first
	if len(codes) != 4 {
		t.Fatalf("%d codes queued", len(codes))
	}
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes`); n != 3 {
		t.Errorf("%d live codes, want 3", n)
	}
	e.authenticate(e.clientAt(1), map[string]any{"code": codes[3]}).ExpectStatus(t, http.StatusUnauthorized)
	// The three newest all still work (a resend keeps the earlier ones).
	for i, c := range codes[:3] {
		e.authenticate(e.clientAt(2+i), map[string]any{"code": c}).ExpectStatus(t, http.StatusOK)
	}
}

func TestD18_EmailBindingRestrictsTheCode(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "bound@example.com", nil, "individual")
	e.request(nil, reqBody("bound@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("bound@example.com")
	e.authenticate(nil, map[string]any{"code": code, "email": "someone@example.com"}).ExpectStatus(t, http.StatusUnauthorized)
	e.authenticate(nil, map[string]any{"code": code, "email": "Bound@Example.com"}).ExpectStatus(t, http.StatusOK)
	// email null is the same as absent.
	e.request(nil, reqBody("bound@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(nil, map[string]any{"code": e.lastCode("bound@example.com"), "email": nil}).ExpectStatus(t, http.StatusOK)
}

func TestD18_SignInRequestEndsAfterFiveWrongCodes(t *testing.T) {
	e := newEnv(t, envOpt{})
	ws := e.legacy
	e.customer(ws, "pages@example.com", nil, "individual")
	ctx := t.Context()
	res, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "pages@example.com", WorkspaceID: ws, ClientIP: "203.0.113.1", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignInRequestID == uuid.Nil || res.Email != "pages@example.com" {
		t.Fatalf("result %+v", res)
	}
	code := e.lastCode("pages@example.com")
	// Success path works with the binding, and ends the request.
	id, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, ClientIP: "203.0.113.2", SignInRequestID: &res.SignInRequestID})
	if err != nil || id.Kind != auth.SubjectCustomer || id.Email != "pages@example.com" {
		t.Fatalf("bound authenticate: %+v %v", id, err)
	}
	if n := e.s.Count(`SELECT count(*) FROM sign_in_requests WHERE ended_at IS NOT NULL`); n != 1 {
		t.Error("request not ended by its sign-in")
	}

	res, err = e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "pages@example.com", WorkspaceID: ws, ClientIP: "203.0.113.3", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	code = e.lastCode("pages@example.com")
	if p, err := e.svc.SignIn.SignInRequest(ctx, ws, res.SignInRequestID); err != nil || p.Email != "pages@example.com" || p.LastSentAt == nil || p.AttemptsLeft() != 5 {
		t.Fatalf("pending %+v %v", p, err)
	}
	for i := 0; i < 5; i++ {
		_, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: "ZZZZ-ZZZZ", ClientIP: "203.0.113.4", SignInRequestID: &res.SignInRequestID})
		if err == nil || err.Error() == "" {
			t.Fatal("wrong code accepted")
		}
	}
	_, err = e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, ClientIP: "203.0.113.5", SignInRequestID: &res.SignInRequestID})
	if err == nil {
		t.Fatal("right code accepted after five wrong ones ended the request")
	}
	if _, err := e.svc.SignIn.SignInRequest(ctx, ws, res.SignInRequestID); err == nil {
		t.Error("ended request still pending")
	}
	// A resend on the ended request is refused; the code itself is not consumed.
	if _, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "pages@example.com", WorkspaceID: ws, ClientIP: "203.0.113.6", Browser: true, SignInRequestID: &res.SignInRequestID}); err == nil {
		t.Error("resend on an ended request accepted")
	}
	// A code of another address cannot be used through this request either.
	e.customer(ws, "else@example.com", nil, "individual")
	res2, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "pages@example.com", WorkspaceID: ws, ClientIP: "203.0.113.7", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	e.request(nil, reqBody("else@example.com", ws, nil)).ExpectStatus(t, http.StatusAccepted)
	if _, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: e.lastCode("else@example.com"), ClientIP: "203.0.113.8", SignInRequestID: &res2.SignInRequestID}); err == nil {
		t.Error("another address's code accepted through a bound request")
	}
}

func TestD18_ResendOnRequestSendsNewCodeKeepsOld(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "resend@example.com", nil, "individual")
	ctx := t.Context()
	res, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "resend@example.com", WorkspaceID: e.legacy, ClientIP: "203.0.113.1", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	first := e.lastCode("resend@example.com")
	res2, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "ignored@example.com", WorkspaceID: e.legacy, ClientIP: "203.0.113.1", Browser: true, SignInRequestID: &res.SignInRequestID})
	if err != nil {
		t.Fatal(err)
	}
	if res2.SignInRequestID != res.SignInRequestID || res2.Email != "resend@example.com" {
		t.Errorf("resend result %+v", res2)
	}
	if len(e.queued("resend@example.com")) != 2 {
		t.Error("resend queued no new code")
	}
	if _, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: first, ClientIP: "203.0.113.2", SignInRequestID: &res.SignInRequestID}); err != nil {
		t.Errorf("first code after resend: %v", err)
	}
}

func TestAuthenticateValidation(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, body := range []any{map[string]any{}, map[string]any{"code": 12345678}, map[string]any{"code": nil},
		map[string]any{"code": "ABCD2345", "email": 5}, `{"code":`, `[1]`} {
		r := e.c.PostJSON(pAuthenticate, body)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%v -> %d %s", body, r.Status, r.Body)
		}
		e.check(r)
	}
	// Garbage codes are a clean 401.
	for _, code := range []string{"", "x", strings.Repeat("A", 10000), "ÄÖÜ-ÄÖÜ"} {
		e.authenticate(e.clientAt(len(code)%200), map[string]any{"code": code}).ExpectStatus(t, http.StatusUnauthorized)
	}
}
