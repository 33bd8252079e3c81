package ops

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"portal/internal/testkit"
	"portal/static"
	"portal/web/webtest"
)

// Speed over the wire (docs/design.md "Assets"): content-hashed static URLs
// cached for good, precompressed files picked by Accept-Encoding, text
// answers of 1 KiB or more compressed, smaller ones left alone.

var hashedRE = regexp.MustCompile(`^/static/vendor/htmx\.min\.[0-9a-f]{12}\.js$`)

func decode(t *testing.T, enc string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "":
		return body
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return out
}

// scriptSrcs are the src attributes of a page's script elements.
func scriptSrcs(html string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<script src="([^"]+)"`).FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestAssets_HashedURLsImmutable: pages name htmx and the portal's script
// by content-hashed URLs; those answer with a year of immutable caching,
// a strong ETag and 304 when it matches; the plain URL still answers but
// must revalidate.
func TestAssets_HashedURLsImmutable(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	page := c.Get("/nope/portal/request").Text()
	srcs := scriptSrcs(page)
	if len(srcs) < 2 || !hashedRE.MatchString(srcs[0]) || !strings.HasPrefix(srcs[1], "/static/js/portal.") {
		t.Fatalf("page scripts %q, want content-hashed htmx and portal.js", srcs)
	}
	if strings.Contains(page, `rel="stylesheet"`) || !strings.Contains(page, `data-asset="css/portal.css"`) {
		t.Error("the stylesheet is not inlined (a render-blocking <link rel=stylesheet> is on the page)")
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "static", "vendor", "htmx.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Get(srcs[0]).ExpectStatus(t, http.StatusOK)
	if got := r.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("hashed URL Cache-Control %q", got)
	}
	if !bytes.Equal(r.Body, want) || r.Header.Get("Content-Encoding") != "" {
		t.Errorf("hashed URL without Accept-Encoding: %d bytes, encoding %q; want the file as is", len(r.Body), r.Header.Get("Content-Encoding"))
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	etag := r.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{12}"$`).MatchString(etag) {
		t.Errorf("ETag %q", etag)
	}
	nm := c.Get(srcs[0], "If-None-Match", etag).ExpectStatus(t, http.StatusNotModified)
	if len(nm.Body) != 0 {
		t.Errorf("304 with a body of %d bytes", len(nm.Body))
	}
	plain := c.Get("/static/vendor/htmx.min.js").ExpectStatus(t, http.StatusOK)
	if got := plain.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("plain URL Cache-Control %q, want no-cache", got)
	}
	c.Get("/static/vendor/htmx.min.000000000000.js").ExpectStatus(t, http.StatusNotFound)
	c.Get("/static/vendor/").ExpectStatus(t, http.StatusNotFound)
	// The hash is of the content: the same name with another hash is not it.
	if static.URL("vendor/htmx.min.js") != srcs[0] {
		t.Errorf("static.URL %q, page %q", static.URL("vendor/htmx.min.js"), srcs[0])
	}
}

// TestAssets_PrecompressedByAcceptEncoding: brotli when accepted, else gzip,
// else the file as is; q=0 refuses a coding; every answer says Vary:
// Accept-Encoding and the compressed ETag differs from the plain one.
func TestAssets_PrecompressedByAcceptEncoding(t *testing.T) {
	c := testkit.NewClient(t, newServer(t).Handler())
	url := static.URL("vendor/htmx.min.js")
	want, err := os.ReadFile(filepath.Join("..", "..", "static", "vendor", "htmx.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]bool{}
	for _, tc := range []struct{ accept, enc string }{
		{"gzip, deflate, br, zstd", "br"},
		{"br", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip;q=0.5", "gzip"},
		{"*", "br"},
		{"identity", ""},
		{"br;q=0, gzip;q=0", ""},
	} {
		r := c.Get(url, "Accept-Encoding", tc.accept).ExpectStatus(t, http.StatusOK)
		if got := r.Header.Get("Content-Encoding"); got != tc.enc {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.enc)
			continue
		}
		if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, r.Header.Get("Vary"))
		}
		if tc.enc != "" && len(r.Body) > len(want)/2 {
			t.Errorf("%s: %d bytes of %d", tc.enc, len(r.Body), len(want))
		}
		if r.Header.Get("Content-Length") != strconv.Itoa(len(r.Body)) {
			t.Errorf("%s: Content-Length %q for %d bytes", tc.accept, r.Header.Get("Content-Length"), len(r.Body))
		}
		if !bytes.Equal(decode(t, tc.enc, r.Body), want) {
			t.Errorf("Accept-Encoding %q: the decoded body is not htmx.min.js", tc.accept)
		}
		tags[r.Header.Get("ETag")] = true
		c.Get(url, "Accept-Encoding", tc.accept, "If-None-Match", r.Header.Get("ETag")).ExpectStatus(t, http.StatusNotModified)
	}
	if len(tags) != 3 {
		t.Errorf("ETags %v: want one per encoding", tags)
	}
}

// TestAssets_TextAnswersCompressedAbove1KiB: a page (HTML) and a members
// list (JSON) of over 1 KiB go out in br or gzip as accepted, decoding to
// the same bytes as the plain answer, without a stale Content-Length; a
// JSON answer under 1 KiB goes out as it is, with its Content-Length.
func TestAssets_TextAnswersCompressedAbove1KiB(t *testing.T) {
	s := webtest.NewServer(t, webtest.Options{})
	pool, svc := s.Pool, s.Services
	c := testkit.NewClient(t, s.Handler)
	ws := testkit.Workspace(t, pool, "squeeze")
	team := testkit.Customer(t, pool, ws, "team@example.com", "team")
	owner := testkit.Member(t, pool, team, "owner@example.com", "owner")
	for _, e := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		testkit.Member(t, pool, team, "member-"+e+"@example.com", "member")
	}
	tok := "Bearer " + testkit.MemberToken(t, pool, svc.Hasher, owner)

	for _, tc := range []struct{ name, path, auth string }{
		{"HTML page", "/nope/portal/request", ""},
		{"JSON members", "/api/customer-portal/members?limit=100", tok},
	} {
		hdr := []string{"Accept", "application/json"}
		if tc.auth != "" {
			hdr = append(hdr, "Authorization", tc.auth)
		}
		plain := c.Get(tc.path, hdr...)
		if len(plain.Body) < 1024 || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: plain answer %d bytes, encoding %q", tc.name, len(plain.Body), plain.Header.Get("Content-Encoding"))
		}
		for _, enc := range []string{"br", "gzip"} {
			r := c.Get(tc.path, append(hdr, "Accept-Encoding", enc)...)
			if r.Status != plain.Status || r.Header.Get("Content-Encoding") != enc {
				t.Errorf("%s, %s: %d %q", tc.name, enc, r.Status, r.Header.Get("Content-Encoding"))
				continue
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") || r.Header.Get("Content-Length") != "" && r.Header.Get("Content-Length") != strconv.Itoa(len(r.Body)) {
				t.Errorf("%s, %s: Vary %q, Content-Length %q for %d bytes", tc.name, enc, r.Header.Get("Vary"), r.Header.Get("Content-Length"), len(r.Body))
			}
			got := decode(t, enc, r.Body)
			// Pages carry a fresh nonce and CSRF token; compare their shape.
			if tc.name == "JSON members" && !bytes.Equal(got, plain.Body) || len(got) != len(plain.Body) {
				t.Errorf("%s, %s: decoded %d bytes, plain %d", tc.name, enc, len(got), len(plain.Body))
			}
			if len(r.Body) >= len(plain.Body) {
				t.Errorf("%s, %s: %d bytes, no smaller than %d", tc.name, enc, len(r.Body), len(plain.Body))
			}
		}
	}

	// Under 1 KiB: the profile, and the 401 answer.
	small := c.Get("/api/customer-portal/customer-session/user", "Accept", "application/json", "Authorization", tok, "Accept-Encoding", "br, gzip")
	if small.Status != http.StatusOK || len(small.Body) >= 1024 || small.Header.Get("Content-Encoding") != "" {
		t.Errorf("small JSON: %d, %d bytes, encoding %q", small.Status, len(small.Body), small.Header.Get("Content-Encoding"))
	}
	if small.Header.Get("Content-Length") != "" && small.Header.Get("Content-Length") != strconv.Itoa(len(small.Body)) {
		t.Errorf("small JSON: Content-Length %q for %d bytes", small.Header.Get("Content-Length"), len(small.Body))
	}
	unauth := c.Get("/api/customer-portal/customers/me", "Accept", "application/json", "Accept-Encoding", "gzip")
	if unauth.Status != http.StatusUnauthorized || unauth.Header.Get("Content-Encoding") != "" {
		t.Errorf("401: %d, encoding %q", unauth.Status, unauth.Header.Get("Content-Encoding"))
	}
}

// TestAssets_ViewsUseTheURLHelper: no view spells a /static/ URL; they
// all come from static.URL, so every one is content-hashed.
func TestAssets_ViewsUseTheURLHelper(t *testing.T) {
	root := filepath.Join("..", "..", "views")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".templ") && !(strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_templ.go")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), `"/static/`) {
			t.Errorf("%s spells a /static/ URL; use static.URL", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
