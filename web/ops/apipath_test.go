package ops

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portal/internal/testkit"
	"portal/web/webtest"
)

// TestCustomersMe_KeepsEveryEdgeDuty: the API's hottest path was made
// cheaper (issue 15: the profile encoded by hand, the request line handed
// to the log handler directly, the metric series looked up once per label
// set, the security headers written without canonicalizing), and still
// does everything the edge owes every answer: the security headers (no CSP
// on JSON), no-store, a request id, one request log line per request with
// its fields, and a count and latency per request in the metrics, for the
// 200s and the 401s alike. A page still gets its CSP with a fresh nonce.
func TestCustomersMe_KeepsEveryEdgeDuty(t *testing.T) {
	var logs testkit.SyncBuffer
	s := webtest.NewServer(t, webtest.Options{Log: slog.NewJSONHandler(&logs, nil)})
	ws := testkit.Workspace(t, s.Pool, "acme")
	cust := testkit.Customer(t, s.Pool, ws, "ind@example.com", "individual")
	c := s.AsCustomer(cust)
	const me = "/api/customer-portal/customers/me"
	for range 3 {
		r := c.GetJSON(me).ExpectStatus(t, http.StatusOK)
		for h, want := range map[string]string{
			"X-Content-Type-Options":     "nosniff",
			"Referrer-Policy":            "no-referrer",
			"X-Frame-Options":            "DENY",
			"Cross-Origin-Opener-Policy": "same-origin",
			"Strict-Transport-Security":  "max-age=63072000; includeSubDomains",
			"Cache-Control":              "no-store",
			"Content-Type":               "application/json",
		} {
			if got := r.Header.Values(h); len(got) != 1 || got[0] != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if r.Header.Get("Permissions-Policy") == "" || r.Header.Get("X-Request-Id") == "" {
			t.Errorf("missing Permissions-Policy or X-Request-Id: %v", r.Header)
		}
		if csp := r.Header.Get("Content-Security-Policy"); csp != "" {
			t.Errorf("JSON answer with a CSP: %s", csp)
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil || body["email"] != "ind@example.com" {
			t.Errorf("body %s (%v)", r.Body, err)
		}
	}
	s.Bearer("rapidly_cst_nope").GetJSON(me).ExpectStatus(t, http.StatusUnauthorized)

	// One request line per request, with every field.
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v", err)
		}
		if m["msg"] != "request" || m["route"] != me {
			continue
		}
		lines++
		for _, k := range []string{"time", "level", "request_id", "method", "path", "status", "latency_ms", "ip"} {
			if _, ok := m[k]; !ok {
				t.Errorf("request line without %s: %s", k, sc.Text())
			}
		}
		if m["level"] != "INFO" || m["method"] != "GET" || m["path"] != me {
			t.Errorf("request line: %s", sc.Text())
		}
	}
	if lines != 4 {
		t.Errorf("%d request lines for 4 requests:\n%.3000s", lines, logs.String())
	}

	// Counted per status, timed per route, every time.
	m := scrape(t, s.Web)
	for _, want := range []string{
		`portal_http_requests_total{method="GET",route="` + me + `",status="200"} 3`,
		`portal_http_requests_total{method="GET",route="` + me + `",status="401"} 1`,
		`portal_http_request_duration_seconds_count{method="GET",route="` + me + `"} 4`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%.3000s", want, m)
		}
	}

	// A page keeps its policy and a fresh nonce each time.
	nonce := regexp.MustCompile(`'nonce-([^']+)'`)
	p1 := s.Client().Get("/acme/portal/request").ExpectStatus(t, http.StatusOK)
	p2 := s.Client().Get("/acme/portal/request").ExpectStatus(t, http.StatusOK)
	n1, n2 := nonce.FindStringSubmatch(p1.Header.Get("Content-Security-Policy")), nonce.FindStringSubmatch(p2.Header.Get("Content-Security-Policy"))
	if n1 == nil || n2 == nil || n1[1] == n2[1] {
		t.Errorf("page CSP nonces %v %v", n1, n2)
	}
	if p1.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("page headers %v", p1.Header)
	}
}
