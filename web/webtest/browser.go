package webtest

// A signed-in browser for page tests: a real browser session row (D19) with
// its cookie in a testkit.Client, and forms posted with the CSRF token a
// browser would send (D21).

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/db/dbgen"
	"portal/internal/testkit"
	"portal/web/html"
	"portal/web/session"
)

// SignIn signs c in as the customer (memberID uuid.Nil) or as the member
// of that customer, through a new browser session row, and returns the
// session's id. The client's base URL must be https when the config's
// PORTAL_BASE_URL is (the cookie is then __Host-portal, Secure).
func SignIn(t testing.TB, c *testkit.Client, svc *app.Services, customerID, memberID uuid.UUID) uuid.UUID {
	t.Helper()
	var ws uuid.UUID
	if err := svc.Pool.QueryRow(context.Background(), `SELECT workspace_id FROM customers WHERE id = $1`, customerID).Scan(&ws); err != nil {
		t.Fatalf("webtest: customer %s: %v", customerID, err)
	}
	id, err := svc.Browser.Create(context.Background(), auth.BrowserSubject{WorkspaceID: ws, CustomerID: customerID, MemberID: memberID}, "webtest")
	if err != nil {
		t.Fatalf("webtest: create browser session: %v", err)
	}
	// Added to whatever the jar's cookie holds: sessions of other
	// workspaces stay (D25).
	st := ReadCookie(c, svc)
	st.SetSession(ws, id)
	SetSessionCookie(t, c, svc, st)
	return id
}

// ReadCookie is the state in c's portal cookie (empty when none).
func ReadCookie(c *testkit.Client, svc *app.Services) session.State {
	r := &http.Request{Header: http.Header{}}
	for _, ck := range c.Cookies() {
		r.AddCookie(ck)
	}
	return Store(svc).Read(r)
}

// SetSessionCookie puts a cookie carrying st into c's jar.
func SetSessionCookie(t testing.TB, c *testkit.Client, svc *app.Services, st session.State) {
	t.Helper()
	ck, err := Store(svc).Encode(st)
	if err != nil {
		t.Fatalf("webtest: encode cookie: %v", err)
	}
	c.SetCookie(ck)
}

// Store is the cookie store the server builds from svc's config.
func Store(svc *app.Services) *session.Store {
	return session.New([]byte(svc.Config.Secret), svc.Config.Secure())
}

// CSRFCookieName is the CSRF cookie's name for svc's config.
func CSRFCookieName(svc *app.Services) string {
	if svc.Config.Secure() {
		return "__Host-csrf"
	}
	return "csrf"
}

// CSRF returns the token c must send with state-changing page requests,
// getting the CSRF cookie first (with a GET of the portal's sign-in page)
// when the jar has none. path is any page path under /{slug}/portal.
func CSRF(t testing.TB, c *testkit.Client, svc *app.Services, path string) string {
	t.Helper()
	name := CSRFCookieName(svc)
	if ck := c.Cookie(name); ck != nil {
		return ck.Value
	}
	slug := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
	c.Get("/" + slug + "/portal/request")
	ck := c.Cookie(name)
	if ck == nil {
		t.Fatalf("webtest: no %s cookie after GET /%s/portal/request", name, slug)
	}
	return ck.Value
}

// PostForm posts form to path as a browser without Sec-Fetch-Site support
// would: with the CSRF token in the _csrf field.
func PostForm(t testing.TB, c *testkit.Client, svc *app.Services, path string, form url.Values, headers ...string) *testkit.Response {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if f.Get(html.CSRFField) == "" {
		f.Set(html.CSRFField, CSRF(t, c, svc, path))
	}
	return c.PostForm(path, f, headers...)
}

// HTMXPost posts form as htmx does: HX-Request and the X-CSRF-Token header.
func HTMXPost(t testing.TB, c *testkit.Client, svc *app.Services, path string, form url.Values) *testkit.Response {
	t.Helper()
	tok := CSRF(t, c, svc, path)
	return c.PostForm(path, form, "HX-Request", "true", "X-CSRF-Token", tok)
}

// FollowLink opens a pre-authenticated link (page path with
// ?customer_session_token= or ?member_session_token=) as a browser does
// (D23): the GET takes the token off the URL, the clean page sends the
// browser to the continue page, and the POST there signs in. It returns
// where that POST leads (the page the link named).
func FollowLink(t testing.TB, c *testkit.Client, svc *app.Services, link string) string {
	t.Helper()
	r := c.Get(link)
	if r.Status != http.StatusSeeOther || strings.Contains(r.Location(), "session_token") {
		t.Fatalf("webtest: link → %d %q", r.Status, r.Location())
	}
	r = c.Get(r.Location())
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location(), "/portal/continue") {
		t.Fatalf("webtest: clean page → %d %q, want the continue page", r.Status, r.Location())
	}
	cont := r.Location()
	if r := c.Get(cont); r.Status != http.StatusOK {
		t.Fatalf("webtest: continue page %d", r.Status)
	}
	r = PostForm(t, c, svc, cont, nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("webtest: continue → %d", r.Status)
	}
	return r.Location()
}

// SignInByLink signs c in the way a workspace links its customers in: a
// pre-authenticated link to page for the person API token tok names. A
// link signs a browser in only once (D23), so each call mints a new token
// for that person rather than reusing tok. It returns where the link led.
func SignInByLink(t testing.TB, c *testkit.Client, svc *app.Services, tok, page string) string {
	t.Helper()
	ctx := context.Background()
	p, err := svc.Resolver.Resolve(ctx, tok)
	if err != nil {
		t.Fatalf("webtest: resolve token: %v", err)
	}
	q := dbgen.New(svc.Pool)
	exp := time.Now().Add(auth.SessionTTL)
	param, fresh := "customer_session_token", auth.NewToken(auth.PrefixCustomerSession)
	if p.IsMember() {
		param, fresh = "member_session_token", auth.NewToken(auth.PrefixMemberSession)
		_, err = q.CreateMemberSession(ctx, dbgen.CreateMemberSessionParams{TokenHash: svc.Hasher.Hash(fresh), ExpiresAt: exp, MemberID: p.MemberID, ReturnUrl: p.ReturnURL})
	} else {
		_, err = q.CreateCustomerSession(ctx, dbgen.CreateCustomerSessionParams{TokenHash: svc.Hasher.Hash(fresh), ExpiresAt: exp, CustomerID: p.CustomerID, ReturnUrl: p.ReturnURL})
	}
	if err != nil {
		t.Fatalf("webtest: link token: %v", err)
	}
	sep := "?"
	if strings.Contains(page, "?") {
		sep = "&"
	}
	return FollowLink(t, c, svc, page+sep+param+"="+url.QueryEscape(fresh))
}
