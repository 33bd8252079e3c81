package middleware_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/labstack/echo/v4"

	"portal/static"
	"portal/web/middleware"
)

func compressEcho() *echo.Echo {
	e := echo.New()
	e.Use(middleware.Compress())
	big := strings.Repeat(`{"k":"value"},`, 200) // 2 800 bytes
	e.GET("/big", func(c echo.Context) error {
		c.Response().Header().Set("ETag", `"v1"`)
		return c.Blob(http.StatusOK, "application/json", []byte("["+big+"{}]"))
	})
	e.GET("/small", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"k": "v"}) })
	e.GET("/png", func(c echo.Context) error { return c.Blob(http.StatusOK, "image/png", make([]byte, 4096)) })
	e.GET("/stream", func(c echo.Context) error {
		w := c.Response()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "data: "+strings.Repeat("x", 2000)+"\n\n")
		w.Flush()
		return nil
	})
	e.GET("/fail", func(echo.Context) error { return echo.NewHTTPError(http.StatusTeapot, strings.Repeat("no ", 600)) })
	return e
}

func get(t *testing.T, h http.Handler, path, accept string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestCompress_Negotiation: a JSON answer over 1 KiB is gzip'd (and gets
// its own Content-Length and ETag); under 1 KiB, binary, or without
// Accept-Encoding it goes out as it is.
func TestCompress_Negotiation(t *testing.T) {
	e := compressEcho()
	r := get(t, e, "/big", "gzip")
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("big: encoding %q, Content-Length %q for %d bytes", r.Header.Get("Content-Encoding"), r.Header.Get("Content-Length"), len(body))
	}
	if r.Header.Get("ETag") != `"v1-gzip"` || !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("big: ETag %q, Vary %q", r.Header.Get("ETag"), r.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.HasPrefix(string(plain), `[{"k":"value"}`) || len(plain) < 2800 {
		t.Errorf("big decoded to %d bytes", len(plain))
	}
	// Per-request compression picks the cheaper gzip when both are
	// accepted; brotli only for a client that takes nothing else.
	if r := get(t, e, "/big", "gzip, deflate, br, zstd"); r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("browser's Accept-Encoding: %q, want gzip", r.Header.Get("Content-Encoding"))
	}
	br := get(t, e, "/big", "br")
	brBody, _ := io.ReadAll(brotli.NewReader(br.Body))
	if br.Header.Get("Content-Encoding") != "br" || len(brBody) != len(plain) {
		t.Errorf("br only: %q, %d bytes decoded", br.Header.Get("Content-Encoding"), len(brBody))
	}
	for _, tc := range []struct{ path, accept string }{{"/big", ""}, {"/big", "identity"}, {"/small", "gzip, br"}, {"/png", "gzip, br"}} {
		r := get(t, e, tc.path, tc.accept)
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s (%q): compressed", tc.path, tc.accept)
		}
		if cl := r.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
			t.Errorf("%s (%q): Content-Length %q for %d bytes", tc.path, tc.accept, cl, len(body))
		}
	}
}

// TestCompress_StreamAndErrors: a handler that flushes streams at once,
// uncompressed; an error page over 1 KiB is compressed like any answer.
func TestCompress_StreamAndErrors(t *testing.T) {
	e := compressEcho()
	r := get(t, e, "/stream", "gzip")
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(string(body), "data: xxx") {
		t.Errorf("stream: encoding %q, body %.20q", r.Header.Get("Content-Encoding"), body)
	}
	r = get(t, e, "/fail", "gzip")
	if r.StatusCode != http.StatusTeapot || r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("error page: %d, encoding %q", r.StatusCode, r.Header.Get("Content-Encoding"))
	}
}

// TestCompress_Concurrent: many clients at once all get whole answers
// (the compressors are a bounded, shared set).
func TestCompress_Concurrent(t *testing.T) {
	e := compressEcho()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := []string{"gzip", "br"}[i%2]
			r := get(t, e, "/big", enc)
			body, _ := io.ReadAll(r.Body)
			if r.Header.Get("Content-Encoding") != enc || r.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("%s: %q, %q for %d", enc, r.Header.Get("Content-Encoding"), r.Header.Get("Content-Length"), len(body))
			}
		}()
	}
	wg.Wait()
}

// A page that inlines the stylesheet gets it spliced into the gzip stream
// compressed once (issue 15): the answer is one valid gzip member (the
// standard library's reader checks its CRC and size) that inflates to the
// page byte for byte, wherever the stylesheet sits, and beside it a page
// without the stylesheet is compressed as before.
func TestCompress_SplicesTheInlinedStylesheet(t *testing.T) {
	css := static.CSS("css/portal.css")
	if len(css) < 4096 {
		t.Fatalf("stylesheet of %d bytes", len(css))
	}
	pages := map[string]string{
		"/middle": "<!doctype html><html><head><style nonce=\"n\">" + css + "</style></head><body>" +
			strings.Repeat("<p>row</p>", 300) + "</body></html>",
		"/first": css + strings.Repeat("<p>after</p>", 10),
		"/last":  strings.Repeat("<p>before</p>", 10) + css,
		"/only":  css,
		"/twice": "<style>" + css + "</style><style>" + css + "</style>",
		"/none":  strings.Repeat("<p>no stylesheet</p>", 200),
	}
	// What the middleware splices: the stylesheet deflated at the best
	// level, ended by a sync flush.
	var spliced bytes.Buffer
	fw, _ := flate.NewWriter(&spliced, flate.BestCompression)
	_, _ = fw.Write([]byte(css))
	_ = fw.Flush()
	e := echo.New()
	e.Use(middleware.Compress())
	for path, body := range pages {
		e.GET(path, func(c echo.Context) error { return c.HTML(http.StatusOK, body) })
	}
	for path, body := range pages {
		res := get(t, e, path, "gzip, br")
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: encoding %q", path, res.Header.Get("Content-Encoding"))
		}
		raw, _ := io.ReadAll(res.Body)
		if n, _ := strconv.Atoi(res.Header.Get("Content-Length")); n != len(raw) {
			t.Fatalf("%s: Content-Length %d for %d bytes", path, n, len(raw))
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: inflate: %v", path, err)
		}
		if string(got) != body {
			t.Fatalf("%s: inflated %d bytes, want the page's %d", path, len(got), len(body))
		}
		if path != "/none" && !bytes.Contains(raw, spliced.Bytes()) {
			t.Fatalf("%s: the stylesheet was compressed again, not spliced", path)
		}
		if path != "/none" && len(raw) > len(body)/3 {
			t.Fatalf("%s: %d bytes compressed from %d", path, len(raw), len(body))
		}
	}
}
