package signin_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
	"portal/web/html"
	"portal/web/webtest"
)

// metricLines is the scrape without timing-dependent series (histogram
// buckets and sums), as a set of "series value" lines.
func metricLines(t *testing.T, srv *web.Server) map[string]string {
	t.Helper()
	text := testkit.NewClient(t, srv.MetricsHandler()).Get("/metrics").ExpectStatus(t, http.StatusOK).Text()
	out := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.Contains(l, "_bucket{") || strings.Contains(l, "_sum{") || strings.HasPrefix(l, "go_") || strings.HasPrefix(l, "process_") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		out[l[:i]] = l[i+1:]
	}
	return out
}

// delta is how each series changed between two scrapes ("name +1").
func delta(a, b map[string]string) []string {
	var out []string
	num := func(s string) float64 {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	for k, v := range b {
		if d := num(v) - num(a[k]); d != 0 {
			out = append(out, fmt.Sprintf("%s %+g", k, d))
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k+" gone")
		}
	}
	sort.Strings(out)
	return out
}

// volatile fields differ between any two requests (the test's clients
// sit at different addresses).
var volatile = regexp.MustCompile(`"(time|request_id|latency_ms|ip)":("[^"]*"|[0-9.e-]+)`)

// logShape is the new log lines with times, ids and latencies blanked.
func logShape(all string, from int) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(all[from:]))
	for sc.Scan() {
		out = append(out, volatile.ReplaceAllString(sc.Text(), `"$1":_`))
	}
	return out
}

func headerShape(h http.Header) string {
	var keys []string
	for k, v := range h {
		switch k {
		case "X-Request-Id", "Date", "Content-Security-Policy", "Set-Cookie", "Content-Length":
			keys = append(keys, k)
		default:
			keys = append(keys, k+"="+strings.Join(v, ","))
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, "; ")
}

// TestD24_KnownAndUnknownAddressesLookAlike: a sign-in request for a known
// address and one for an unknown address, through the API and the pages,
// in both sign-in modes and past the per-address cap, change the metrics in
// the same way, write the same log lines and answer with the same headers.
func TestD24_KnownAndUnknownAddressesLookAlike(t *testing.T) {
	pool := testkit.DB(t)
	var logs testkit.SyncBuffer
	cfg := &config.Config{Env: "production", Addr: "127.0.0.1:0", BaseURL: "https://portal.example.test", Secret: testSecret,
		MailFrom: "portal@example.test", Payments: "stripe", Migrate: "off"}
	// The queue is not started: a code stays queued, so a depth gauge
	// that counted queued mail would show it.
	s := webtest.NewServer(t, webtest.Options{Pool: pool, Log: slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		Config:   func(c *config.Config) { *c = *cfg },
		Services: func(svc *app.Services) { svc.SignIn.Floor = 0 },
	})
	svc := s.Services
	e := &env{t: t, s: s, pool: pool, svc: svc, srv: s.Web}
	e.c = testkit.NewClient(t, e.srv.Handler(), testkit.WithBaseURL(cfg.BaseURL))
	e.legacy = e.workspace("legacy", false)
	e.members = e.workspace("teams", true)
	e.customer(e.legacy, "known@example.com", nil, "individual")
	e.customer(e.members, "known@example.com", nil, "individual")

	type shot struct {
		metrics []string
		logs    []string
		headers string
		status  int
	}
	n := 0
	do := func(send func(email string) *testkit.Response, email string) shot {
		t.Helper()
		before := metricLines(t, e.srv)
		mark := len(logs.String())
		r := send(email)
		return shot{metrics: delta(before, metricLines(t, e.srv)), logs: logShape(logs.String(), mark), headers: headerShape(r.Header), status: r.Status}
	}
	for _, ws := range []struct {
		name string
		slug string
	}{{"legacy", "legacy"}, {"member mode", "teams"}} {
		wsID := e.legacy
		if ws.slug == "teams" {
			wsID = e.members
		}
		api := func(email string) *testkit.Response {
			n++
			c := testkit.NewClient(t, e.srv.Handler(), testkit.WithRemoteAddr(fmt.Sprintf("198.51.100.%d:4000", n)))
			return c.PostJSON(pRequest, reqBody(email, wsID, nil))
		}
		page := func(email string) *testkit.Response {
			n++
			c := testkit.NewClient(t, e.srv.Handler(), testkit.WithBaseURL(cfg.BaseURL), testkit.WithRemoteAddr(fmt.Sprintf("198.51.100.%d:4000", n)))
			tok := webtest.CSRF(t, c, svc, "/"+ws.slug+"/portal/request")
			return c.PostForm("/"+ws.slug+"/portal/request", url.Values{"email": {email}, html.CSRFField: {tok}})
		}
		for _, via := range []struct {
			name string
			send func(string) *testkit.Response
		}{{"api", api}, {"pages", page}} {
			// Six rounds: the sixth is past the per-address cap of five.
			for round := 1; round <= 6; round++ {
				known := do(via.send, "known@example.com")
				unknown := do(via.send, "unknown@example.com")
				where := fmt.Sprintf("%s via %s, round %d", ws.name, via.name, round)
				if known.status != unknown.status || known.status >= 400 {
					t.Fatalf("%s: status %d vs %d", where, known.status, unknown.status)
				}
				if strings.Join(known.metrics, "\n") != strings.Join(unknown.metrics, "\n") {
					t.Errorf("%s: metrics differ:\nknown:   %q\nunknown: %q", where, known.metrics, unknown.metrics)
				}
				if strings.Join(known.logs, "\n") != strings.Join(unknown.logs, "\n") {
					t.Errorf("%s: logs differ:\nknown:   %q\nunknown: %q", where, known.logs, unknown.logs)
				}
				if known.headers != unknown.headers {
					t.Errorf("%s: headers differ:\nknown:   %s\nunknown: %s", where, known.headers, unknown.headers)
				}
				if len(known.logs) == 0 {
					t.Fatalf("%s: nothing logged", where)
				}
			}
		}
	}
	if e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail'`) == 0 {
		t.Fatal("no code was queued for the known address: the test compared nothing")
	}
	var decoded map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if err := json.Unmarshal([]byte(l), &decoded); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if strings.Contains(l, "example.com") {
			t.Errorf("a log line names an address: %s", l)
		}
	}
}
