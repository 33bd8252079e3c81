package ops

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
	"portal/web/webtest"
)

// serverWith builds a server with env and a logger writing JSON into logs.
func serverWith(t *testing.T, env string, logs io.Writer) *web.Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	return webtest.NewServer(t, webtest.Options{Log: slog.NewJSONHandler(logs, nil),
		Config: func(c *config.Config) { c.Env = env }}).Web
}

// scrape reads the metrics listener's handler.
func scrape(t *testing.T, srv *web.Server) string {
	t.Helper()
	return testkit.NewClient(t, srv.MetricsHandler()).Get("/metrics").ExpectStatus(t, http.StatusOK).Text()
}

// TestD24_MetricsOnlyOnMetricsListener: GET /metrics on the public handler
// is 404 (for HEAD, on /v1 and with a trailing slash too); the metrics
// handler serves it, and serves nothing else.
func TestD24_MetricsOnlyOnMetricsListener(t *testing.T) {
	srv := newServer(t)
	c := testkit.NewClient(t, srv.Handler())
	for _, p := range []string{"/metrics", "/metrics/", "/v1/metrics", "/METRICS"} {
		r := c.Get(p)
		// /v1/metrics is the workspace API's /api/metrics: 401 without a token.
		if (r.Status != http.StatusNotFound && r.Status != http.StatusUnauthorized) || strings.Contains(r.Text(), "portal_http_requests_total") {
			t.Errorf("public %s: %d\n%.300s", p, r.Status, r.Text())
		}
	}
	c.Request(http.MethodHead, "/metrics", nil).ExpectStatus(t, http.StatusNotFound)
	mc := testkit.NewClient(t, srv.MetricsHandler())
	if !strings.Contains(mc.Get("/metrics").ExpectStatus(t, 200).Text(), `portal_http_requests_total{method="GET",route="unmatched",status="404"}`) {
		t.Error("the metrics listener does not count the public 404s")
	}
	mc.Get("/healthz").ExpectStatus(t, http.StatusNotFound)
	mc.Get("/api/customer-portal/workspaces/x").ExpectStatus(t, http.StatusNotFound)
}

var seriesRE = regexp.MustCompile(`(?m)^portal_http_requests_total\{.*$`)

// TestD24_MetricLabelsBounded: 300 requests with distinct 60 kB method names
// and 300 distinct unmatched paths add a handful of series, not hundreds;
// the odd methods are "other", the unknown paths "unmatched".
func TestD24_MetricLabelsBounded(t *testing.T) {
	srv := newServer(t)
	h := srv.Handler()
	before := len(seriesRE.FindAllString(scrape(t, srv), -1))
	for i := 0; i < 300; i++ {
		method := fmt.Sprintf("%s%d", strings.Repeat("M", 60<<10), i)
		for _, p := range []string{"/healthz", fmt.Sprintf("/no/such/%d/thing", i), fmt.Sprintf("/api/customer-portal/x%d", i)} {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			req.Method = method
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		for _, p := range []string{fmt.Sprintf("/zz%d", i), fmt.Sprintf("/a/b/c/d/e/%d", i)} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
		}
	}
	text := scrape(t, srv)
	after := len(seriesRE.FindAllString(text, -1))
	if after-before > 12 {
		t.Errorf("1500 odd requests added %d series:\n%s", after-before, strings.Join(seriesRE.FindAllString(text, -1), "\n"))
	}
	if len(text) > 200<<10 {
		t.Errorf("metrics grew to %d bytes", len(text))
	}
	if strings.Contains(text, "MMMM") {
		t.Error("a raw method name became a label")
	}
	for _, want := range []string{`method="other"`, `route="unmatched"`} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, std := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"} {
		req := httptest.NewRequest(std, "/healthz", nil)
		h.ServeHTTP(httptest.NewRecorder(), req)
		if !strings.Contains(scrape(t, srv), `method="`+std+`"`) {
			t.Errorf("standard method %s lost its label", std)
		}
	}
}

// TestD28_LoggedStringsCut: every attacker-controlled string in the request
// log line is cut at 256 bytes.
func TestD28_LoggedStringsCut(t *testing.T) {
	var logs testkit.SyncBuffer
	srv := serverWith(t, "test", &logs)
	h := srv.Handler()
	long := strings.Repeat("a", 60<<10)
	req := httptest.NewRequest(http.MethodGet, "/"+long+"/portal/request", nil)
	req.Method = "X" + long
	req.Header.Set("User-Agent", long)
	req.Header.Set("X-Request-Id", long)
	req.Header.Set("Referer", "https://x.example/"+long)
	h.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest(http.MethodPost, "/api/customer-portal/"+long, strings.NewReader("{}"))
	req.Header.Set("X-Request-Id", long)
	h.ServeHTTP(httptest.NewRecorder(), req)
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v", err)
		}
		for k, v := range m {
			if s, ok := v.(string); ok && len(s) > 256 {
				t.Errorf("log field %s is %d bytes", k, len(s))
			}
		}
		if len(sc.Bytes()) > 4096 {
			t.Errorf("log line of %d bytes", len(sc.Bytes()))
		}
	}
	if lines < 2 {
		t.Fatalf("only %d log lines:\n%.2000s", lines, logs.String())
	}
}

// TestD28_RequestIDEchoedOnlyWhenWellFormed: [A-Za-z0-9._-]{1,64} is echoed,
// anything else is replaced by a fresh id.
func TestD28_RequestIDEchoedOnlyWhenWellFormed(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	for _, good := range []string{"abc", "A-b_c.9", strings.Repeat("z", 64)} {
		if got := c.Get("/healthz", "X-Request-Id", good).Header.Get("X-Request-Id"); got != good {
			t.Errorf("good id %q echoed as %q", good, got)
		}
	}
	fresh := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	for _, bad := range []string{strings.Repeat("z", 65), "a b", "a\tb", "<script>", "a/b", "é", "a;b", "a,b"} {
		got := c.Get("/healthz", "X-Request-Id", bad).Header.Get("X-Request-Id")
		if got == bad || !fresh.MatchString(got) {
			t.Errorf("bad id %q answered with %q", bad, got)
		}
	}
	if got := c.Get("/healthz").Header.Get("X-Request-Id"); !fresh.MatchString(got) {
		t.Errorf("no fresh id: %q", got)
	}
}

// TestD28_UnparseableQueryIsRefused: a query string Go cannot parse is 422
// with loc ["query"] on the APIs and a 400 page on the pages; it is never
// silently dropped.
func TestD28_UnparseableQueryIsRefused(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	for _, p := range []string{"/api/customer-portal/file-sharing/sessions?sorting=created_at;DROP",
		"/api/customer-portal/workspaces/acme?a=%zz", "/v1/customer-portal/workspaces/acme?x=1;y=2",
		"/api/customers/?a=1;b"} {
		r := c.Get(p)
		r.ExpectStatus(t, http.StatusUnprocessableEntity)
		var body struct {
			Error  string `json:"error"`
			Detail []struct {
				Loc []any `json:"loc"`
			} `json:"detail"`
		}
		r.JSON(t, &body)
		if body.Error != "RequestValidationError" || len(body.Detail) != 1 || len(body.Detail[0].Loc) != 1 || body.Detail[0].Loc[0] != "query" {
			t.Errorf("%s: %s", p, r.Text())
		}
	}
	r := c.Get("/acme/portal/overview?sorting=-created_at;DROP")
	r.ExpectStatus(t, http.StatusBadRequest)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("page answer is %s", ct)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Text()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Find("main").Text(), "cannot read") {
		t.Errorf("the page does not say what is wrong:\n%s", r.Text())
	}
	// A well-formed query still works.
	c.Get("/healthz?a=1&b=2").ExpectStatus(t, http.StatusOK)
}

// chunked hides its length, so the request is sent chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestD28_BodyOver1MiBIs413EvenChunked: with or without Content-Length,
// a body over 1 MiB is 413, on the API and on a page form.
func TestD28_BodyOver1MiBIs413EvenChunked(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	big := `{"email":"a@example.com","workspace_id":"` + strings.Repeat("x", 1<<20) + `"}`
	p := "/api/customer-portal/customer-session/request"
	c.Request(http.MethodPost, p, strings.NewReader(big), "Content-Type", "application/json").ExpectStatus(t, http.StatusRequestEntityTooLarge)
	r := c.Request(http.MethodPost, p, chunked{strings.NewReader(big)}, "Content-Type", "application/json")
	r.ExpectStatus(t, http.StatusRequestEntityTooLarge)
	if !strings.Contains(r.Text(), "1 MiB") {
		t.Errorf("chunked 413 body: %s", r.Text())
	}
	form := "email=" + strings.Repeat("a", 1<<20)
	c.Request(http.MethodPost, "/acme/portal/request", chunked{strings.NewReader(form)}, "Content-Type", "application/x-www-form-urlencoded").
		ExpectStatus(t, http.StatusRequestEntityTooLarge)
	// Just under the limit is read as usual (422 for the unknown fields).
	small := `{"email":"a@example.com","pad":"` + strings.Repeat("x", 1000) + `"}`
	if r := c.Request(http.MethodPost, p, chunked{strings.NewReader(small)}, "Content-Type", "application/json"); r.Status == http.StatusRequestEntityTooLarge {
		t.Errorf("small chunked body: %d %s", r.Status, r.Text())
	}
}

// TestD28_AxeOnlyInDevelopment: axe-core (a test tool) is not served
// outside development; htmx is served everywhere.
func TestD28_AxeOnlyInDevelopment(t *testing.T) {
	for _, env := range []string{"production", "test", "development"} {
		c := testkit.NewClient(t, serverWith(t, env, nil).Handler())
		want := http.StatusNotFound
		if env == "development" {
			want = http.StatusOK
		}
		if r := c.Get("/static/vendor/axe.min.js"); r.Status != want {
			t.Errorf("%s: axe.min.js is %d", env, r.Status)
		}
		c.Get("/static/vendor/htmx.min.js").ExpectStatus(t, http.StatusOK)
	}
}

// TestD28_HTMXWithoutEvalOrScriptTags: every page's htmx configuration
// turns off eval and script tags in swapped content, and keeps the
// response handling the forms rely on.
func TestD28_HTMXWithoutEvalOrScriptTags(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	r := c.Get("/nope/portal/request")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Text()))
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	if !ok {
		t.Fatalf("no htmx-config:\n%s", r.Text())
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("htmx-config %q: %v", raw, err)
	}
	if cfg["allowEval"] != false || cfg["allowScriptTags"] != false {
		t.Errorf("htmx-config %s", raw)
	}
	if _, ok := cfg["responseHandling"]; !ok || cfg["historyCacheSize"] != float64(0) {
		t.Errorf("htmx-config lost its earlier settings: %s", raw)
	}
}
