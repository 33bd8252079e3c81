package testkit

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// DefaultBaseURL is where a Client pretends the handler is served. A
// registrable-looking domain, not localhost, so cookie domain rules apply as
// they would in production.
const DefaultBaseURL = "http://portal.test"

// Client drives an http.Handler in-process like a browser would: cookies are
// kept across requests, and redirects are handed back rather than followed
// (unless asked to). Transport errors fail the test, so methods return only
// the response.
type Client struct {
	t      testing.TB
	base   *url.URL
	jar    http.CookieJar
	hc     *http.Client
	follow bool
	// remoteAddr is the client address the handler sees.
	remoteAddr string
	// headers go with every request that does not set them itself.
	headers []string
}

// ClientOption configures NewClient.
type ClientOption func(*Client)

// WithBaseURL changes where the handler pretends to be served. Use an
// https:// URL when the application sets Secure (or __Host-) cookies: the
// cookie jar, like a browser, does not send those over http. The handler
// then sees requests with r.TLS set.
func WithBaseURL(base string) ClientOption {
	return func(c *Client) {
		u, err := url.Parse(base)
		if err != nil || u.Host == "" {
			c.t.Fatalf("testkit: base URL %q: %v", base, err)
		}
		c.base = u
	}
}

// FollowRedirects makes the client follow redirects like http.Client does.
func FollowRedirects() ClientOption { return func(c *Client) { c.follow = true } }

// WithRemoteAddr sets the client address (ip:port) the handler sees in
// r.RemoteAddr, for per-client rate limits.
func WithRemoteAddr(addr string) ClientOption { return func(c *Client) { c.remoteAddr = addr } }

// WithHeader sends name: value with every request that does not set name
// itself.
func WithHeader(name, value string) ClientOption {
	return func(c *Client) { c.headers = append(c.headers, name, value) }
}

// WithBearer sends tok as the bearer token (Authorization: Bearer tok) with
// every request that sets no Authorization of its own.
func WithBearer(tok string) ClientOption { return WithHeader("Authorization", "Bearer "+tok) }

// NewClient returns a client for h with an empty cookie jar.
func NewClient(t testing.TB, h http.Handler, opts ...ClientOption) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{t: t, jar: jar, remoteAddr: "192.0.2.10:40000"}
	c.base, _ = url.Parse(DefaultBaseURL)
	for _, o := range opts {
		o(c)
	}
	c.hc = &http.Client{
		Jar:       jar,
		Transport: handlerTransport{h: h, remoteAddr: func() string { return c.remoteAddr }},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			if c.follow {
				return nil // http.Client's default limit of 10 still applies
			}
			return http.ErrUseLastResponse
		},
	}
	return c
}

// SetFollowRedirects switches redirect following on or off.
func (c *Client) SetFollowRedirects(follow bool) { c.follow = follow }

// SetRemoteAddr changes the client address the handler sees.
func (c *Client) SetRemoteAddr(addr string) { c.remoteAddr = addr }

// URL resolves a path (or full URL) against the base URL.
func (c *Client) URL(path string) string {
	ref, err := url.Parse(path)
	if err != nil {
		c.t.Fatalf("testkit: path %q: %v", path, err)
	}
	return c.base.ResolveReference(ref).String()
}

// Jar is the client's cookie jar.
func (c *Client) Jar() http.CookieJar { return c.jar }

// Cookies returns the cookies the client would send to the base URL.
func (c *Client) Cookies() []*http.Cookie { return c.jar.Cookies(c.base) }

// Cookie returns the named cookie the client would send, or nil.
func (c *Client) Cookie(name string) *http.Cookie {
	for _, ck := range c.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// SetCookie stores a cookie as if the server had set it.
func (c *Client) SetCookie(ck *http.Cookie) { c.jar.SetCookies(c.base, []*http.Cookie{ck}) }

// Do sends req; a relative req.URL is resolved against the base URL.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	if !req.URL.IsAbs() {
		req.URL = c.base.ResolveReference(req.URL)
		req.Host = req.URL.Host
	}
	method, path := req.Method, req.URL.RequestURI()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("testkit: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("testkit: %s %s: read body: %v", method, path, err)
	}
	// After redirects, describe the request that produced this response.
	final := resp.Request
	return &Response{
		Method: final.Method,
		Path:   final.URL.RequestURI(),
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   body,
	}
}

// Request sends a request with an optional body and headers given as
// alternating names and values ("X-CSRF-Token", tok, ...).
func (c *Client) Request(method, path string, body io.Reader, headers ...string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.URL(path), body)
	if err != nil {
		c.t.Fatalf("testkit: %s %s: %v", method, path, err)
	}
	if len(headers)%2 != 0 {
		c.t.Fatalf("testkit: headers must be name, value pairs: %q", headers)
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		headers = withDefault(headers, c.headers[i], c.headers[i+1])
	}
	for i := 0; i < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	return c.Do(req)
}

// Get sends a GET.
func (c *Client) Get(path string, headers ...string) *Response {
	c.t.Helper()
	return c.Request(http.MethodGet, path, nil, headers...)
}

// GetJSON sends a GET asking for JSON.
func (c *Client) GetJSON(path string, headers ...string) *Response {
	c.t.Helper()
	return c.Request(http.MethodGet, path, nil, withDefault(headers, "Accept", "application/json")...)
}

// PostJSON sends body as JSON: marshalled, or as is when it is a []byte,
// json.RawMessage or string (to send malformed JSON on purpose).
func (c *Client) PostJSON(path string, body any, headers ...string) *Response {
	c.t.Helper()
	return c.SendJSON(http.MethodPost, path, body, headers...)
}

// PatchJSON is PostJSON with PATCH.
func (c *Client) PatchJSON(path string, body any, headers ...string) *Response {
	c.t.Helper()
	return c.SendJSON(http.MethodPatch, path, body, headers...)
}

// PutJSON is PostJSON with PUT.
func (c *Client) PutJSON(path string, body any, headers ...string) *Response {
	c.t.Helper()
	return c.SendJSON(http.MethodPut, path, body, headers...)
}

// Delete sends a DELETE without a body.
func (c *Client) Delete(path string, headers ...string) *Response {
	c.t.Helper()
	return c.Request(http.MethodDelete, path, nil, withDefault(headers, "Accept", "application/json")...)
}

// SendJSON sends body as JSON with any method; see PostJSON. A nil body
// sends no body at all.
func (c *Client) SendJSON(method, path string, body any, headers ...string) *Response {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case json.RawMessage:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatalf("testkit: marshal %T: %v", body, err)
		}
		r = bytes.NewReader(raw)
	}
	headers = withDefault(headers, "Accept", "application/json")
	if r != nil {
		headers = withDefault(headers, "Content-Type", "application/json")
	}
	return c.Request(method, path, r, headers...)
}

// PostForm sends an application/x-www-form-urlencoded form, as a browser
// submitting a <form> does.
func (c *Client) PostForm(path string, form url.Values, headers ...string) *Response {
	c.t.Helper()
	headers = withDefault(headers, "Content-Type", "application/x-www-form-urlencoded")
	return c.Request(http.MethodPost, path, strings.NewReader(form.Encode()), headers...)
}

// withDefault adds name: value unless headers already set name.
func withDefault(headers []string, name, value string) []string {
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], name) {
			return headers
		}
	}
	return append(headers[:len(headers):len(headers)], name, value)
}

// Response is a fully read response.
type Response struct {
	Method string // of the request that produced it (the last one, after redirects)
	Path   string // its path and query
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON. Fields
// v lacks are ignored, so a test can pick out what it checks; the body's
// shape is ValidateContract's business.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("testkit: %s %s -> %d: decode JSON into %T: %v\nbody: %.2000s", r.Method, r.Path, r.Status, v, err, r.Body)
	}
}

// Decode decodes r's JSON body into a new T, failing the test when it is
// not JSON of that shape.
func Decode[T any](t testing.TB, r *Response) T {
	t.Helper()
	var v T
	r.JSON(t, &v)
	return v
}

// Text is the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// Location is the Location header (of a redirect).
func (r *Response) Location() string { return r.Header.Get("Location") }

// Cookie returns the named cookie this response sets, or nil.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// ExpectStatus fails the test, showing the body, unless the status is want.
func (r *Response) ExpectStatus(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("testkit: %s %s -> %d, want %d\nbody: %.2000s", r.Method, r.Path, r.Status, want, r.Body)
	}
	return r
}

// ValidateContract checks the response against the OpenAPI contract; see
// Contract.ValidateResponse.
func (r *Response) ValidateContract(t testing.TB) {
	t.Helper()
	ValidateResponse(t, r.Method, r.Path, r.Status, r.Header, r.Body)
}

// handlerTransport serves requests by calling the handler directly.
type handlerTransport struct {
	h          http.Handler
	remoteAddr func() string
}

func (tr handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Turn the client request into what a server would hand the handler.
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = tr.remoteAddr()
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	if req.URL.Scheme == "https" {
		sreq.TLS = &tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS13, ServerName: req.URL.Hostname()}
	}
	// Handlers see server-side URLs: path and query only.
	sreq.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, sreq)
	resp := rec.Result()
	resp.Request = req
	if resp.Body == nil {
		return nil, errors.New("no response body")
	}
	return resp, nil
}
