package processtest

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/testkit"
)

var metricsRE = regexp.MustCompile(`metrics listening"?[^\n]*?addr"?[=:]"?([0-9.]+:[0-9]+)`)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestD24_MetricsListener: with PORTAL_METRICS_ADDR the metrics are served
// on that listener only; PORTAL_ADDR answers 404 for /metrics. Without it
// there is no metrics listener at all.
func TestD24_MetricsListener(t *testing.T) {
	dsn := testkit.DSN(t)
	in := startInstance(t, "metrics", dsn, map[string]string{"PORTAL_METRICS_ADDR": "127.0.0.1:0"})
	m := metricsRE.FindStringSubmatch(in.out.String())
	if m == nil {
		t.Fatalf("no metrics listening line:\n%s", in.out.String())
	}
	if m[1] == in.Addr {
		t.Fatal("metrics on the public listener")
	}
	get(t, in.URL+"/healthz")
	if st, body := get(t, in.URL+"/metrics"); st != http.StatusNotFound || strings.Contains(body, "portal_http") {
		t.Errorf("public /metrics: %d %.200s", st, body)
	}
	st, body := get(t, "http://"+m[1]+"/metrics")
	if st != http.StatusOK || !strings.Contains(body, `portal_http_requests_total{method="GET",route="/healthz",status="200"}`) {
		t.Errorf("metrics listener: %d %.2000s", st, body)
	}
	if st, _ := get(t, "http://"+m[1]+"/healthz"); st != http.StatusNotFound {
		t.Errorf("the metrics listener serves other paths: %d", st)
	}

	plain := startInstance(t, "no-metrics", dsn, nil)
	if strings.Contains(plain.out.String(), "metrics listening") {
		t.Errorf("a metrics listener without PORTAL_METRICS_ADDR:\n%s", plain.out.String())
	}
	if st, _ := get(t, plain.URL+"/metrics"); st != http.StatusNotFound {
		t.Errorf("public /metrics without PORTAL_METRICS_ADDR: %d", st)
	}
}
