package middleware

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"

	"portal/static"
)

// MinCompress is the smallest answer worth compressing: below it the
// encoding's framing and the CPU cost outweigh the bytes saved.
const MinCompress = 1024

// Compress encodes HTML, JSON and other text answers of at least
// MinCompress bytes with gzip (level 1) or brotli (quality 1), as the
// client's Accept-Encoding allows (docs/design.md "Assets"). The answer is held until the handler
// ends (up to maxHeld bytes; beyond that it streams), then compressed in one
// go, so the compressed answer gets its own Content-Length. A small answer
// goes out as it was. A strong ETag a handler set gets the encoding in it,
// since the bytes differ. Answers that already carry a Content-Encoding (the
// precompressed static files) pass through untouched, and an event stream
// goes out uncompressed as it is flushed.
//
// gzip is klauspost/compress's: at level 1 it makes a page like the
// overview (44 KB, most of it the inlined stylesheet) about 3x faster than
// the standard library's, and a little smaller. The held answer and the
// compressed copy live in pooled buffers, so a page costs no growing.
//
// At most maxCompressors answers are compressed at once, one per core the
// process may use (up to four): the work is CPU bound, so more at once only
// share the cores, and each compressor holds about 800 KiB of tables, so a
// small bounded set keeps memory flat under any number of clients (and,
// under the default memory limit, leaves the heap room between collections).
func Compress() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			enc := ""
			// gzip first: at its fastest level it costs the least CPU per
			// answer (these are made per request, unlike the static files,
			// which are brotli at the strongest level, made once).
			switch {
			case r.Method == http.MethodHead:
			case static.Accepts(r, "gzip"):
				enc = "gzip"
			case static.Accepts(r, "br"):
				enc = "br"
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

// maxHeld is the most of an answer held for compressing in one go.
const maxHeld = 1 << 20

var maxCompressors = min(runtime.GOMAXPROCS(0), 4)

// encoder is a pooled brotli or gzip writer.
type encoder interface {
	io.Writer
	Close() error
	Reset(io.Writer)
}

// compressors is the bounded set: a token per compressor at work, and the
// idle compressors of each kind, at most maxCompressors of each. The idle
// ones are kept in channels, not a sync.Pool: a compressor is about 800 KiB,
// and a sync.Pool empties itself at every other collection, so under a
// memory limit (collections every few tens of milliseconds under load) each
// page made a new one: 800 KiB allocated per answer, which brought the
// next collection sooner (TestCompress_CompressorsOutliveCollections).
var compressors = struct {
	slots chan struct{}
	br    chan encoder
	gzip  chan encoder
	flate chan encoder
}{
	slots: make(chan struct{}, maxCompressors),
	br:    make(chan encoder, maxCompressors),
	gzip:  make(chan encoder, maxCompressors),
	flate: make(chan encoder, maxCompressors),
}

// newEncoder makes a compressor of kind enc ("br", "gzip", or "flate": the
// raw deflate of spliced answers, level 1 as gzip's).
func newEncoder(enc string) encoder {
	switch enc {
	case "br":
		return brotli.NewWriterOptions(io.Discard, brotli.WriterOptions{Quality: 1, LGWin: 18})
	case "flate":
		w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
		return w
	}
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}

func idle(enc string) chan encoder {
	switch enc {
	case "br":
		return compressors.br
	case "flate":
		return compressors.flate
	}
	return compressors.gzip
}

// getEncoder takes an idle compressor of kind enc or makes one; the caller
// holds a slot.
func getEncoder(enc string) encoder {
	select {
	case e := <-idle(enc):
		return e
	default:
		return newEncoder(enc)
	}
}

// putEncoder keeps e for the next answer (dropped if the kind has
// maxCompressors idle already).
func putEncoder(enc string, e encoder) {
	e.Reset(io.Discard)
	select {
	case idle(enc) <- e:
	default:
	}
}

// held and packed are the pools of the held answers and of their
// compressed copies; a buffer grown past maxPooled is left to the GC, so a
// rare big answer does not pin its memory.
var held, packed sync.Pool

const maxPooled = 256 << 10

func getHeld() []byte {
	if b, ok := held.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 64<<10)
}

func putHeld(b []byte) {
	if cap(b) <= maxPooled {
		held.Put(&b)
	}
}

func getPacked() *bytes.Buffer {
	if b, ok := packed.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return bytes.NewBuffer(make([]byte, 0, 16<<10))
}

func putPacked(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		packed.Put(b)
	}
}

func acquire(enc string, dst io.Writer) encoder {
	compressors.slots <- struct{}{}
	e := getEncoder(enc)
	e.Reset(dst)
	return e
}

func release(enc string, e encoder) error {
	err := e.Close()
	putEncoder(enc, e)
	<-compressors.slots
	return err
}

// compressWhole writes buf compressed with enc to out. A gzip answer that
// carries an inlined stylesheet whole gets that part spliced in already
// compressed (gzipSpliced).
func compressWhole(enc string, out *bytes.Buffer, buf []byte) error {
	if enc == "gzip" {
		for _, sp := range splices() {
			if i := indexOf(buf, sp.text); i >= 0 {
				return gzipSpliced(out, buf[:i], sp, buf[i+len(sp.text):], buf)
			}
		}
	}
	e := acquire(enc, out)
	_, err := e.Write(buf)
	if cerr := release(enc, e); err == nil {
		err = cerr
	}
	return err
}

// splice is a text that pages carry whole (static.Inlined: the stylesheet,
// about 25 KB of a 44 KB page), deflated once at the best level and ended
// on a byte boundary by a sync flush, with no final block: a raw deflate
// stream may be cut there and continued by another, so the compressed text
// is copied into every answer instead of being compressed again.
type splice struct {
	text     []byte
	deflated []byte
}

var splices = sync.OnceValue(func() []splice {
	var out []splice
	for _, name := range static.Inlined {
		text := static.CSS(name)
		if len(text) < MinCompress {
			continue
		}
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		_, _ = fw.Write([]byte(text))
		_ = fw.Flush()
		out = append(out, splice{text: []byte(text), deflated: b.Bytes()})
	}
	return out
})

// indexOf finds text in buf: by its first 64 bytes, then the whole.
func indexOf(buf, text []byte) int {
	head := text[:min(64, len(text))]
	for off := 0; ; {
		i := bytes.Index(buf[off:], head)
		if i < 0 {
			return -1
		}
		if bytes.HasPrefix(buf[off+i:], text) {
			return off + i
		}
		off += i + 1
	}
}

// gzipHeader is a gzip member header: deflate, no name, no time, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// gzipSpliced writes one gzip member whose deflate stream is before
// (compressed now, ended by a sync flush), the splice's stored deflate,
// and after (compressed now, with the final block); the trailer has the
// CRC-32 and size of whole, which is before + text + after.
func gzipSpliced(out *bytes.Buffer, before []byte, sp splice, after, whole []byte) error {
	compressors.slots <- struct{}{}
	defer func() { <-compressors.slots }()
	fw := getEncoder("flate").(*flate.Writer)
	defer putEncoder("flate", fw)
	out.Write(gzipHeader)
	fw.Reset(out)
	if _, err := fw.Write(before); err != nil {
		return err
	}
	if err := fw.Flush(); err != nil {
		return err
	}
	out.Write(sp.deflated)
	fw.Reset(out)
	if _, err := fw.Write(after); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32.ChecksumIEEE(whole))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(len(whole)))
	out.Write(trailer[:])
	return nil
}

// compressWriter holds the body until it knows whether to compress.
type compressWriter struct {
	http.ResponseWriter
	enc     string
	code    int // status the handler asked for; 0 until WriteHeader
	buf     []byte
	decided bool
	zw      encoder // while streaming a compressed answer beyond maxHeld
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
		if w.buf == nil {
			w.buf = getHeld()
		}
		w.buf = append(w.buf, p...)
		if len(w.buf) < maxHeld {
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

// textAnswer reports whether the answer is text without an encoding of its
// own, and says Vary: Accept-Encoding when it is.
func (w *compressWriter) textAnswer() bool {
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
	return text
}

func (w *compressWriter) setEncoded() {
	h := w.Header()
	h.Set("Content-Encoding", w.enc)
	h.Del("Content-Length")
	if et := h.Get("ETag"); len(et) >= 2 && strings.HasPrefix(et, `"`) && strings.HasSuffix(et, `"`) {
		h.Set("ETag", et[:len(et)-1]+"-"+w.enc+`"`)
	}
}

// decide sends the header and what is held: compressed in one go when
// compress is set and the answer is text of MinCompress bytes or more (and
// held whole), as it is otherwise. stream means more is coming.
func (w *compressWriter) decide(stream bool) error {
	w.decided = true
	if w.code == 0 {
		w.code = http.StatusOK
	}
	buf := w.buf
	w.buf = nil
	if buf != nil {
		defer putHeld(buf)
	}
	if len(buf) < MinCompress || !w.textAnswer() {
		w.ResponseWriter.WriteHeader(w.code)
		if len(buf) == 0 {
			return nil
		}
		_, err := w.ResponseWriter.Write(buf)
		return err
	}
	w.setEncoded()
	if stream {
		w.ResponseWriter.WriteHeader(w.code)
		w.zw = acquire(w.enc, w.ResponseWriter)
		_, err := w.zw.Write(buf)
		return err
	}
	out := getPacked()
	defer putPacked(out)
	if err := compressWhole(w.enc, out, buf); err != nil {
		return err
	}
	w.Header().Set("Content-Length", strconv.Itoa(out.Len()))
	w.ResponseWriter.WriteHeader(w.code)
	_, err := w.ResponseWriter.Write(out.Bytes())
	return err
}

// finish ends the answer: what is held goes out (compressed if it is big
// enough), a streamed compressed answer gets its trailer.
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
	err := release(w.enc, w.zw)
	w.zw = nil
	return err
}

// Flush: an event stream (text/event-stream) goes out at once and from then
// on as it is written, uncompressed, so it is never stalled here. Any other
// answer stays held until the handler returns (templ flushes at the end of
// every page; that must not cost the page its compression), and a stream
// already compressing flushes its compressor.
func (w *compressWriter) Flush() {
	if !w.decided {
		ct, _, _ := strings.Cut(w.Header().Get("Content-Type"), ";")
		if !strings.EqualFold(strings.TrimSpace(ct), "text/event-stream") {
			return
		}
		w.decided = true
		if w.code == 0 {
			w.code = http.StatusOK
		}
		w.ResponseWriter.WriteHeader(w.code)
		if len(w.buf) > 0 {
			_, _ = w.ResponseWriter.Write(w.buf)
		}
		w.buf = nil
	}
	if f, ok := w.zw.(interface{ Flush() error }); ok && w.zw != nil {
		_ = f.Flush()
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
