// Package session owns the pages' cookie (D19, D21): a gorilla/sessions
// CookieStore, signed and AES-256 encrypted with keys derived from
// PORTAL_SECRET, holding only references (the browser session id, the
// pending sign-in request) and a one-shot flash message. Everything else
// lives in server-side rows.
package session

import (
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/sessions"
)

// Cookie names: __Host- over https (Secure, Path=/, no Domain), plain
// names on http development servers where Secure cookies would be dropped.
const (
	NameSecure = "__Host-portal"
	NamePlain  = "portal"
)

// MaxAge bounds the cookie to a browser session's absolute lifetime; the
// row's own expiries are what count.
const MaxAge = 12 * time.Hour

// State is what the cookie carries.
type State struct {
	SessionID uuid.UUID // browser_sessions row, zero when signed out
	RequestID uuid.UUID // sign_in_requests row while a code is pending
	Email     string    // the address the code was requested for (as typed)
	SentAt    time.Time // when the last code was requested (resend cooldown)
	Flash     string
	FlashKind string // "success" or "error"
}

// Store reads and writes the cookie.
type Store struct {
	cs     *sessions.CookieStore
	name   string
	secure bool
}

// New derives one HMAC key and one AES-256 key from secret (HKDF-SHA256,
// separate purposes) so the cookie keys are independent of the hash key.
func New(secret []byte, secure bool) *Store {
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "portal cookie hmac", 32)
	if err != nil {
		panic(err) // only for absurd lengths
	}
	encKey, err := hkdf.Key(sha256.New, secret, nil, "portal cookie aes-256", 32)
	if err != nil {
		panic(err)
	}
	cs := sessions.NewCookieStore(hashKey, encKey)
	cs.MaxAge(int(MaxAge.Seconds()))
	s := &Store{cs: cs, name: NamePlain, secure: secure}
	if secure {
		s.name = NameSecure
	}
	cs.Options = &sessions.Options{Path: "/", MaxAge: int(MaxAge.Seconds()), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	return s
}

// Name is the cookie's name.
func (s *Store) Name() string { return s.name }

// Read returns the state in r's cookie; a missing, forged, expired or
// undecryptable cookie is the empty state.
func (s *Store) Read(r *http.Request) State {
	var st State
	sess, err := s.cs.New(r, s.name)
	if err != nil || sess.IsNew {
		return st
	}
	get := func(k string) string { v, _ := sess.Values[k].(string); return v }
	st.SessionID, _ = uuid.Parse(get("sid"))
	st.RequestID, _ = uuid.Parse(get("req"))
	st.Email = get("email")
	if t, err := time.Parse(time.RFC3339, get("sent")); err == nil {
		st.SentAt = t
	}
	st.Flash, st.FlashKind = get("flash"), get("flash_kind")
	return st
}

// Write replaces the cookie with st (an empty state deletes it). Earlier
// Set-Cookie lines for it in this response are dropped, so handlers may
// write more than once and the browser sees only the last.
func (s *Store) Write(w http.ResponseWriter, r *http.Request, st State) error {
	s.dropSetCookie(w)
	sess := sessions.NewSession(s.cs, s.name)
	opts := *s.cs.Options
	sess.Options = &opts
	if st == (State{}) {
		sess.Options.MaxAge = -1
		return s.cs.Save(r, w, sess)
	}
	put := func(k, v string) {
		if v != "" {
			sess.Values[k] = v
		}
	}
	if st.SessionID != uuid.Nil {
		put("sid", st.SessionID.String())
	}
	if st.RequestID != uuid.Nil {
		put("req", st.RequestID.String())
	}
	put("email", st.Email)
	if !st.SentAt.IsZero() {
		put("sent", st.SentAt.UTC().Format(time.RFC3339))
	}
	put("flash", st.Flash)
	put("flash_kind", st.FlashKind)
	return s.cs.Save(r, w, sess)
}

// Encode returns the cookie carrying st, for tests that sign a client in
// without going through the forms.
func (s *Store) Encode(st State) (*http.Cookie, error) {
	rec := &headerWriter{h: http.Header{}}
	if err := s.Write(rec, &http.Request{Header: http.Header{}}, st); err != nil {
		return nil, err
	}
	return (&http.Response{Header: rec.h}).Cookies()[0], nil
}

func (s *Store) dropSetCookie(w http.ResponseWriter) {
	h := w.Header()
	old := h.Values("Set-Cookie")
	if len(old) == 0 {
		return
	}
	keep := old[:0:0]
	for _, v := range old {
		if !strings.HasPrefix(v, s.name+"=") {
			keep = append(keep, v)
		}
	}
	h.Del("Set-Cookie")
	for _, v := range keep {
		h.Add("Set-Cookie", v)
	}
}

type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(int)             {}
