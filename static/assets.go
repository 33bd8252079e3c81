package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Prefix is where the assets are served.
const Prefix = "/static/"

// Immutable is the caching of a content-hashed URL: its bytes never change,
// a new build gets a new URL (docs/design.md "Assets").
const Immutable = "public, max-age=31536000, immutable"

// asset is one embedded file, its content-hashed name and its compressed
// forms, made once on first use and kept (never per request).
type asset struct {
	name   string // css/portal.css
	hashed string // css/portal.1a2b3c4d5e6f.css
	hash   string
	ctype  string
	data   []byte
	text   string // data as a string, made once (CSS inlines it on every page)

	once   sync.Once
	gz, br []byte // nil when compression does not pay (or the type is binary)
}

var (
	loadOnce sync.Once
	byName   map[string]*asset
	byHashed map[string]*asset
)

func load() {
	byName, byHashed = map[string]*asset{}, map[string]*asset{}
	_ = fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		data, err := FS.ReadFile(p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:6])
		ext := path.Ext(p)
		// vendor/htmx.min.js → vendor/htmx.min.<hash>.js
		a := &asset{name: p, hashed: strings.TrimSuffix(p, ext) + "." + h + ext, hash: h, data: data, ctype: contentType(ext)}
		if ext == ".css" {
			a.text = minifyCSS(string(data))
		}
		byName[p], byHashed[a.hashed] = a, a
		return nil
	})
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compressible reports whether a content type is text worth compressing.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "image/svg") ||
		strings.Contains(ctype, "javascript") || strings.Contains(ctype, "json")
}

// compress makes the gzip and brotli forms at the strongest levels: this
// runs once per file for the life of the process.
func (a *asset) compress() {
	a.once.Do(func() {
		if !compressible(a.ctype) || len(a.data) < 256 {
			return
		}
		var g bytes.Buffer
		gw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
		_, _ = gw.Write(a.data)
		_ = gw.Close()
		if g.Len() < len(a.data) {
			a.gz = g.Bytes()
		}
		var b bytes.Buffer
		bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
		_, _ = bw.Write(a.data)
		_ = bw.Close()
		if b.Len() < len(a.data) {
			a.br = b.Bytes()
		}
	})
}

// URL is the content-hashed URL of an embedded file named by its path under
// static/ ("css/portal.css" → "/static/css/portal.1a2b3c4d5e6f.css"). Views
// get every asset URL here, never by spelling /static/... themselves. An
// unknown name keeps its plain URL (which then answers 404), so a typo shows
// in the browser tests rather than as a panic.
func URL(name string) string {
	loadOnce.Do(load)
	if a := byName[name]; a != nil {
		return Prefix + a.hashed
	}
	return Prefix + name
}

// CSS is the text of an embedded stylesheet, for pages that inline it (no
// render-blocking request before the first paint), minified (minifyCSS).
func CSS(name string) string {
	loadOnce.Do(load)
	if a := byName[name]; a != nil {
		return a.text
	}
	return ""
}

// Inlined are the stylesheets pages inline whole (CSS), for the
// compression middleware, which compresses them once rather than on every
// page.
var Inlined = []string{"css/portal.css"}

// Handler serves the embedded files under their content-hashed names with
// Cache-Control: immutable, and under their plain names with no-cache (an
// ETag revalidates them), in the best encoding the client accepts: brotli,
// then gzip, then none. hidden names files that answer 404 (development
// tools in production). The request path is relative to Prefix.
func Handler(hidden func(name string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loadOnce.Do(load)
		p := strings.TrimPrefix(r.URL.Path, "/")
		a, cache := byHashed[p], Immutable
		if a == nil {
			a, cache = byName[p], "no-cache"
		}
		if a == nil || (hidden != nil && hidden(a.name)) {
			http.NotFound(w, r)
			return
		}
		a.compress()
		body, enc, tag := a.data, "", a.hash
		switch {
		case a.br != nil && Accepts(r, "br"):
			body, enc, tag = a.br, "br", a.hash+"-br"
		case a.gz != nil && Accepts(r, "gzip"):
			body, enc, tag = a.gz, "gzip", a.hash+"-gz"
		}
		h := w.Header()
		h.Set("Cache-Control", cache)
		h.Add("Vary", "Accept-Encoding")
		h.Set("ETag", `"`+tag+`"`)
		h.Set("Content-Type", a.ctype)
		if matches(r.Header.Get("If-None-Match"), tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if enc != "" {
			h.Set("Content-Encoding", enc)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// matches reports whether an If-None-Match header names tag (or is *).
func matches(inm, tag string) bool {
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == `"`+tag+`"` {
			return true
		}
	}
	return false
}

// Accepts reports whether the request's Accept-Encoding allows coding (a
// q-value of 0 refuses it; "*" stands for any coding not named).
func Accepts(r *http.Request, coding string) bool {
	star := false
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		ok := true
		if q, found := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q="); found {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				ok = false
			}
		}
		switch name {
		case coding:
			return ok
		case "*":
			star = ok
		}
	}
	return star
}

// minifyCSS drops comments and the whitespace CSS does not need: runs of
// whitespace become one space, and none is kept beside { } ; , > or before
// the closing brace's ;. Quoted strings are kept as they are. It does not
// touch + ~ - or : (calc() and descendant selectors such as "a :hover"
// need their spaces). The inlined stylesheet is on every page, so this is
// bytes on every first visit and parsing in every browser (docs/design.md
// "Assets").
func minifyCSS(src string) string {
	out := make([]byte, 0, len(src))
	tight := func(c byte) bool { return strings.IndexByte("{};,>", c) >= 0 }
	last := func() byte {
		if len(out) == 0 {
			return '{'
		}
		return out[len(out)-1]
	}
	space := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return string(out) // an unclosed comment runs to the end
			}
			i += end + 3
			space = true
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
			continue
		}
		if space && !tight(c) && !tight(last()) {
			out = append(out, ' ')
		}
		space = false
		if c == '}' && last() == ';' {
			out = out[:len(out)-1]
		}
		if c == '"' || c == '\'' {
			end := i + 1
			for end < len(src) && src[end] != c {
				if src[end] == '\\' {
					end++
				}
				end++
			}
			end = min(end, len(src)-1)
			out = append(out, src[i:end+1]...)
			i = end
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
