package middleware_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const baseURL = "https://portal.example.test"

// router is the real handler on a private database, with one workspace
// ("acme") and a live customer session token.
func router(t testing.TB) (http.Handler, string) {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{BaseURL: baseURL})
	ws := testkit.Workspace(t, s.Pool, "acme")
	return s.Handler, s.CustomerToken(testkit.Customer(t, s.Pool, ws, "ada@example.com", "individual"))
}

// client is a fresh cookie-less client; the fuzz target makes one per input
// because a client reports failures to the test it was made for.
func client(t testing.TB, h http.Handler) *testkit.Client {
	return testkit.NewClient(t, h, testkit.WithBaseURL(baseURL))
}

// Routes of each kind: a portal route that needs a session, a public
// portal route, and the workspace API (workspace tokens only).
const (
	pPrivate   = "/api/customer-portal/customers/me"
	pPublic    = "/api/customer-portal/workspaces/acme"
	pWorkspace = "/api/customers/6a0b3c5e-0000-4000-8000-000000000000"
)

// bearerShaped is what the middleware treats as "a Bearer scheme was
// given": such a header is never anonymous (D14).
func bearerShaped(hdr string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(hdr)), "bearer ")
}

// checkHeader sends hdr as Authorization to each kind of route and checks
// the answer: a bearer-shaped header is 401 invalid_token in the RFC 6750
// shape everywhere (D1, D14); anything else is anonymous (401 Unauthorized
// on a session route, 200 on a public one, 401 invalid_token on the
// workspace API, which has no anonymous callers); never a 5xx.
func checkHeader(t *testing.T, c *testkit.Client, hdr string) {
	t.Helper()
	anonymous := strings.TrimSpace(hdr) == "" || !bearerShaped(hdr)
	for _, route := range []string{pPrivate, pPublic, pWorkspace} {
		r := c.GetJSON(route, "Authorization", hdr)
		if r.Status >= 500 {
			t.Fatalf("%q on %s: %d %s", hdr, route, r.Status, r.Body)
		}
		switch {
		case route == pPublic && anonymous:
			if r.Status != http.StatusOK {
				t.Fatalf("%q on %s: %d %s, want 200 as anonymous", hdr, route, r.Status, r.Body)
			}
			r.ValidateContract(t)
		case route == pPrivate && anonymous:
			wantBody(t, hdr, route, r, map[string]any{"error": "Unauthorized", "detail": "Unauthorized"})
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="rapidly"` {
				t.Fatalf("%q on %s: WWW-Authenticate %q", hdr, route, got)
			}
		default:
			wantBody(t, hdr, route, r, map[string]any{"error": "invalid_token",
				"error_description": "The access token provided is expired, revoked, malformed, or invalid for other reasons."})
			if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Bearer realm="rapidly", error="invalid_token"`) {
				t.Fatalf("%q on %s: WWW-Authenticate %q", hdr, route, got)
			}
		}
	}
}

func wantBody(t *testing.T, hdr, route string, r *testkit.Response, want map[string]any) {
	t.Helper()
	var got map[string]any
	if r.Status != http.StatusUnauthorized || json.Unmarshal(r.Body, &got) != nil || len(got) != len(want) {
		t.Fatalf("%q on %s: %d %s, want 401 %v", hdr, route, r.Status, r.Body, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%q on %s: %s, want %v", hdr, route, r.Body, want)
		}
	}
}

// A live token is accepted however the scheme is cased and spaced; the same
// token inside any other shape is not.
func TestBearerShapes(t *testing.T) {
	h, tok := router(t)
	c := client(t, h)
	for _, hdr := range []string{"Bearer " + tok, "bearer " + tok, "BEARER  " + tok + " ", " Bearer " + tok} {
		if r := c.GetJSON(pPrivate, "Authorization", hdr); r.Status != http.StatusOK {
			t.Errorf("%q: %d %s", hdr, r.Status, r.Body)
		} else {
			r.ValidateContract(t)
		}
	}
	for _, hdr := range []string{"Bearer " + tok + "x", "Bearer " + tok + " extra", "Bearer " + tok + "\x00", "Bearer " + strings.ToUpper(tok),
		"Token " + tok, "Basic " + tok, tok, "Bearer\t" + tok, "Bearer", "Bearer ", "Bearer " + strings.Repeat("a", 600)} {
		checkHeader(t, c, hdr)
	}
}

// FuzzBearerHeader drives any Authorization header through the real router
// (checkHeader's rules) and through auth.ParseBearer, whose accepted token
// must be a substring of the header made only of visible ASCII, and must
// come back unchanged from "Bearer <token>".
func FuzzBearerHeader(f *testing.F) {
	for _, s := range []string{"", "Bearer rapidly_cst_x", "bearer   rapidly_mst_y  ", "Bearer", "Bearer ", "Basic YTpi",
		"Bearer a b", "Bearer é", "Bearer \x00", "Bearer\u00a0tok", "Bearer <script>", "Bearer \u202etok", "BEARER tok"} {
		f.Add(s)
	}
	h, _ := router(f)
	f.Fuzz(func(t *testing.T, hdr string) {
		c := client(t, h)
		tok, ok := auth.ParseBearer(hdr)
		if ok && tok != "" {
			if !strings.Contains(hdr, tok) || !bearerShaped(hdr) || len(tok) > 512 {
				t.Fatalf("%q → token %q", hdr, tok)
			}
			for i := 0; i < len(tok); i++ {
				if tok[i] <= ' ' || tok[i] > '~' {
					t.Fatalf("%q → token %q holds byte %#x", hdr, tok, tok[i])
				}
			}
			if again, ok := auth.ParseBearer("Bearer " + tok); !ok || again != tok {
				t.Fatalf("token %q does not round-trip: %q %v", tok, again, ok)
			}
		}
		if !ok && tok != "" {
			t.Fatalf("%q rejected with token %q", hdr, tok)
		}
		if ok && !bearerShaped(hdr) {
			t.Fatalf("%q accepted but not bearer-shaped", hdr)
		}
		checkHeader(t, c, hdr)
	})
}
