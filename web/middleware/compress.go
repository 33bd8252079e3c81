package middleware

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"

	"portal/static"
)

// MinCompress is the smallest answer worth compressing: below it the
// encoding's framing and the CPU cost outweigh the bytes saved.
const MinCompress = 1024

// Compress encodes HTML, JSON and other text answers of at least
// MinCompress bytes with brotli or gzip, as the client's Accept-Encoding
// allows (docs/design.md "Assets"). The body is held until MinCompress bytes
// have been written (or the handler ends, or flushes): a small answer goes
// out as it was, with its Content-Length. A compressed answer drops
// Content-Length, and a strong ETag a handler set gets the encoding in it,
// since the bytes differ. Answers that already carry a Content-Encoding
// (the precompressed static files) pass through untouched.
func Compress() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			enc := ""
			switch {
			case r.Method == http.MethodHead:
			case static.Accepts(r, "br"):
				enc = "br"
			case static.Accepts(r, "gzip"):
				enc = "gzip"
			}
			if enc == "" {
				return next(c)
			}
			res := c.Response()
			cw := &compressWriter{ResponseWriter: res.Writer, enc: enc}
			res.Writer = cw
			err := next(c)
			if err != nil {
				// The error page is written through this writer too.
				c.Error(err)
			}
			cerr := cw.finish()
			res.Writer = cw.ResponseWriter
			return cerr
		}
	}
}

var (
	gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, 5); return w }}
	brPool   = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, 4) }}
)

// compressWriter holds the head of the body until it knows whether to
// compress.
type compressWriter struct {
	http.ResponseWriter
	enc     string
	code    int // status the handler asked for; 0 until WriteHeader
	buf     []byte
	decided bool
	zw      interface {
		io.Writer
		Flush() error
		Close() error
	}
}

func (w *compressWriter) WriteHeader(code int) {
	if w.decided || w.code != 0 {
		return
	}
	w.code = code
	// Answers without a body are never compressed.
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		_ = w.decide(false)
	}
}

func (w *compressWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if !w.decided {
		w.buf = append(w.buf, p...)
		if len(w.buf) < MinCompress {
			return len(p), nil
		}
		if err := w.decide(true); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if w.zw != nil {
		return w.zw.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// decide sends the header, compressing when big is set and the answer is
// text without an encoding of its own, then the held bytes.
func (w *compressWriter) decide(big bool) error {
	w.decided = true
	h := w.Header()
	ctype := h.Get("Content-Type")
	if ctype == "" && len(w.buf) > 0 {
		ctype = http.DetectContentType(w.buf)
		h.Set("Content-Type", ctype)
	}
	text := compressibleType(ctype) && h.Get("Content-Encoding") == ""
	if text {
		addVary(h, "Accept-Encoding")
	}
	if big && text {
		h.Set("Content-Encoding", w.enc)
		h.Del("Content-Length")
		if et := h.Get("ETag"); strings.HasPrefix(et, `"`) && strings.HasSuffix(et, `"`) && len(et) >= 2 {
			h.Set("ETag", et[:len(et)-1]+"-"+w.enc+`"`)
		}
		if w.enc == "br" {
			bw := brPool.Get().(*brotli.Writer)
			bw.Reset(w.ResponseWriter)
			w.zw = bw
		} else {
			gw := gzipPool.Get().(*gzip.Writer)
			gw.Reset(w.ResponseWriter)
			w.zw = gw
		}
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(w.code)
	buf := w.buf
	w.buf = nil
	if len(buf) == 0 {
		return nil
	}
	var err error
	if w.zw != nil {
		_, err = w.zw.Write(buf)
	} else {
		_, err = w.ResponseWriter.Write(buf)
	}
	return err
}

// finish ends the answer: a held (small) body goes out as it is, a
// compressed one gets its trailer.
func (w *compressWriter) finish() error {
	if !w.decided {
		if w.code == 0 && len(w.buf) == 0 {
			return nil // nothing was written; the caller's writer is untouched
		}
		return w.decide(false)
	}
	if w.zw == nil {
		return nil
	}
	err := w.zw.Close()
	switch zw := w.zw.(type) {
	case *brotli.Writer:
		zw.Reset(io.Discard)
		brPool.Put(zw)
	case *gzip.Writer:
		zw.Reset(io.Discard)
		gzipPool.Put(zw)
	}
	w.zw = nil
	return err
}

// Flush sends what is held (uncompressed if still under MinCompress) so a
// streamed answer is never stalled here.
func (w *compressWriter) Flush() {
	if !w.decided {
		_ = w.decide(len(w.buf) >= MinCompress)
	}
	if w.zw != nil {
		_ = w.zw.Flush()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over (nothing held is lost: a hijacking
// handler writes nothing before it).
func (w *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("compress: hijack not supported")
}

// Unwrap lets http.ResponseController reach the connection.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func compressibleType(ctype string) bool {
	ct, _, _ := strings.Cut(strings.ToLower(ctype), ";")
	ct = strings.TrimSpace(ct)
	return strings.HasPrefix(ct, "text/") || ct == "image/svg+xml" ||
		strings.HasSuffix(ct, "json") || strings.HasSuffix(ct, "javascript") || strings.HasSuffix(ct, "xml")
}

func addVary(h http.Header, v string) {
	for _, have := range h.Values("Vary") {
		for _, f := range strings.Split(have, ",") {
			if strings.EqualFold(strings.TrimSpace(f), v) {
				return
			}
		}
	}
	h.Add("Vary", v)
}
