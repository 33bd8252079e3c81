// Package ops tests the server's operational surface: health, readiness,
// metrics, security headers, the /v1 alias and graceful shutdown.
package ops

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/testkit"
	"portal/web"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func newServer(t *testing.T) *web.Server {
	t.Helper()
	return webtest.NewServer(t, webtest.Options{}).Web
}

func TestHealthReadyMetrics(t *testing.T) {
	srv := newServer(t)
	c := testkit.NewClient(t, srv.Handler())
	c.Get("/healthz").ExpectStatus(t, 200)
	c.Get("/readyz").ExpectStatus(t, 200)
	c.Get("/healthz")
	// D24: not on the public listener, only on the metrics one.
	c.Get("/metrics").ExpectStatus(t, 404)
	m := testkit.NewClient(t, srv.MetricsHandler()).Get("/metrics").ExpectStatus(t, 200)
	if !strings.Contains(m.Text(), `portal_http_requests_total{method="GET",route="/healthz",status="200"}`) {
		t.Fatalf("metrics lack request counts:\n%.2000s", m.Text())
	}
}

func TestSecurityHeadersAndNonce(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	r1 := c.Get("/nope/portal/request")
	r2 := c.Get("/nope/portal/request")
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Strict-Transport-Security", "Content-Security-Policy"} {
		if r1.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if r1.Header.Get("Content-Security-Policy") == r2.Header.Get("Content-Security-Policy") {
		t.Error("CSP nonce is not fresh per response")
	}
	if r1.Status != http.StatusNotFound {
		t.Errorf("unknown workspace page: %d", r1.Status)
	}
	if r1.Header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

func TestV1AliasAndUnknownRoutes(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	r := c.Get("/v1/customer-portal/workspaces/unknown")
	r.ExpectStatus(t, 404)
	if r.Header.Get("X-Rapidly-Deprecation-Notice") == "" {
		t.Error("no deprecation notice on /v1")
	}
	if !strings.Contains(r.Text(), `"ResourceNotFound"`) {
		t.Errorf("body: %s", r.Text())
	}
	r = c.Get("/api/customer-portal/no-such-thing")
	r.ExpectStatus(t, 404)
	if !strings.Contains(r.Text(), `"error"`) {
		t.Errorf("unknown API route body is not JSON error shape: %s", r.Text())
	}
}

// SIGTERM semantics: once shutdown starts /readyz is 503 at once, and every
// request in flight completes.
func TestGracefulShutdown(t *testing.T) {
	srv := newServer(t)
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	srv.E.GET("/test-slow", func(c echo.Context) error {
		started <- struct{}{}
		<-release
		return c.String(200, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, 15*time.Second) }()

	const n = 100
	var wg sync.WaitGroup
	codes := make(chan int, n)
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(base + "/test-slow")
			if err != nil {
				codes <- -1
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d requests started", i)
		}
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for !srv.Draining() {
		if time.Now().After(deadline) {
			t.Fatal("server never started draining")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// readyz answers 503 while draining (checked on the handler: the
	// listener no longer accepts new connections).
	rc := testkit.NewClient(t, srv.Handler())
	rc.Get("/readyz").ExpectStatus(t, http.StatusServiceUnavailable)
	close(release)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Fatalf("in-flight request ended with %d", code)
		}
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
}
