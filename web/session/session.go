// Package session owns the pages' cookie (D19, D21): a gorilla/sessions
// CookieStore, signed and AES-256 encrypted with keys derived from
// PORTAL_SECRET, holding only references (the browser session id, the
// pending sign-in request) and a one-shot flash message. Everything else
// lives in server-side rows.
package session

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/securecookie"
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

// MaxWorkspaces bounds how many workspaces one browser is signed in to at
// once (D25); signing in to one more forgets the oldest (its server-side
// row stays and simply idles out).
const MaxWorkspaces = 10

// maxNext bounds the remembered page of a pending link, so the cookie stays
// well under browsers' 4 KB limit.
const maxNext = 512

// State is what the cookie carries.
type State struct {
	// Sessions are the browser_sessions rows this browser is signed in
	// with, one per workspace, oldest first (D25): signing in to or out of
	// one workspace leaves the others alone.
	Sessions  []Signed
	RequestID uuid.UUID // sign_in_requests row while a code is pending
	Email     string    // the address the code was requested for (as typed)
	SentAt    time.Time // when the last code was requested (resend cooldown)
	// HeldUntil is set when the address was over its mail cap at the last
	// request (D12): nothing was mailed, and the code page says when to
	// try again, in the same words for known and unknown addresses.
	HeldUntil time.Time
	// Next is the page to return to after this sign-in (already checked
	// to be a page of the workspace's portal).
	Next string
	// Picked is set when the pending sign-in chose its account in the
	// account picker; Switch lists the workspaces whose session did, where
	// the layout offers "Switch account".
	Picked    bool
	Switch    []uuid.UUID
	Flash     string
	FlashKind string // "success" or "error"
	// Link is a pre-authenticated link waiting for "Continue" (D23).
	Link Link
	// TimeZone is the browser's IANA zone, posted once by portal.js, so
	// pages print times in it (docs/design.md "Languages and time zones").
	TimeZone string
	// Ended names whose browser session just ended here (expired or
	// revoked), and Kept is what they had typed into a form when it did
	// (issue 16.4, docs/design.md "Kept form content").
	Ended Ended
	Kept  Kept
}

// Ended is the workspace and principal (member, else customer) of a
// browser session that ended in this browser.
type Ended struct{ WorkspaceID, Principal uuid.UUID }

// Kept is a form's fields posted after the session ended: restored once,
// on Page, for the same principal of the same workspace, until Until.
type Kept struct {
	WorkspaceID, Principal uuid.UUID
	Page                   string
	Fields                 url.Values
	Until                  time.Time
}

// MaxKept bounds the kept fields, URL-encoded, so the cookie stays well
// under browsers' 4 KB limit; a larger form is not kept.
const MaxKept = 768

// Signed is one workspace's browser session.
type Signed struct{ WorkspaceID, SessionID uuid.UUID }

// Link is a pre-authenticated link taken off the address bar (D23): a
// reference to its token (never the token itself), the workspace, and the
// page the link named, path and query.
type Link struct {
	WorkspaceID uuid.UUID
	Ref         string
	Next        string
	// Fresh is set when the token was just taken off the URL: the next
	// page view of that workspace shows the "Continue as" page, once.
	Fresh bool
}

// SignedIn is the state of a browser signed in to one workspace (tests).
func SignedIn(workspaceID, sessionID uuid.UUID) State {
	return State{Sessions: []Signed{{WorkspaceID: workspaceID, SessionID: sessionID}}}
}

// Session returns the browser session for workspace ws, or uuid.Nil.
func (st *State) Session(ws uuid.UUID) uuid.UUID {
	for _, s := range st.Sessions {
		if s.WorkspaceID == ws {
			return s.SessionID
		}
	}
	return uuid.Nil
}

// SetSession records ws's browser session, replacing an earlier one of ws;
// beyond MaxWorkspaces the oldest workspace is forgotten.
func (st *State) SetSession(ws, id uuid.UUID) {
	st.DropSession(ws)
	st.Sessions = append(st.Sessions, Signed{WorkspaceID: ws, SessionID: id})
	if n := len(st.Sessions) - MaxWorkspaces; n > 0 {
		st.Sessions = append([]Signed(nil), st.Sessions[n:]...)
	}
}

// CanSwitch reports whether ws's session came through the account picker.
func (st *State) CanSwitch(ws uuid.UUID) bool {
	for _, id := range st.Switch {
		if id == ws {
			return true
		}
	}
	return false
}

// SetSwitch records whether ws's session came through the account picker.
func (st *State) SetSwitch(ws uuid.UUID, on bool) {
	keep := make([]uuid.UUID, 0, len(st.Switch)+1)
	for _, id := range st.Switch {
		if id != ws {
			keep = append(keep, id)
		}
	}
	if on {
		keep = append(keep, ws)
	}
	if len(keep) > MaxWorkspaces {
		keep = keep[len(keep)-MaxWorkspaces:]
	}
	if len(keep) == 0 {
		keep = nil
	}
	st.Switch = keep
}

// DropSession forgets ws's browser session (sign-out, expiry) and no other.
func (st *State) DropSession(ws uuid.UUID) {
	keep := make([]Signed, 0, len(st.Sessions))
	for _, s := range st.Sessions {
		if s.WorkspaceID != ws {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		keep = nil
	}
	st.Sessions = keep
}

// SessionIDs are all the browser sessions the cookie names.
func (st *State) SessionIDs() []uuid.UUID {
	out := make([]uuid.UUID, 0, len(st.Sessions))
	for _, s := range st.Sessions {
		out = append(out, s.SessionID)
	}
	return out
}

// IsZero reports whether there is nothing to keep (the cookie is deleted).
func (st *State) IsZero() bool {
	return len(st.Sessions) == 0 && st.RequestID == uuid.Nil && st.Email == "" && st.SentAt.IsZero() &&
		st.HeldUntil.IsZero() && st.Next == "" && !st.Picked && len(st.Switch) == 0 && st.Flash == "" && st.FlashKind == "" && st.Link == (Link{}) && st.TimeZone == "" &&
		st.Ended == (Ended{}) && st.Kept.Page == ""
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
	for _, c := range cs.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(jsonValues{})
		}
	}
	s := &Store{cs: cs, name: NamePlain, secure: secure}
	if secure {
		s.name = NameSecure
	}
	cs.Options = &sessions.Options{Path: "/", MaxAge: int(MaxAge.Seconds()), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	return s
}

// jsonValues seals the cookie's values, strings under string keys (State
// is written as such), as one JSON object. securecookie's default, gob,
// compiles the map's type on every read, most of what reading a cookie
// cost. A cookie sealed in gob by an earlier version still reads: gob data
// is rarely a JSON object, and when it is not one it is read as gob.
type jsonValues struct{}

func (jsonValues) Serialize(src interface{}) ([]byte, error) {
	m, ok := src.(map[interface{}]interface{})
	if !ok {
		return nil, fmt.Errorf("session: cannot seal %T", src)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("session: value %v (%T) under %v is not a string", v, v, k)
		}
		out[ks] = vs
	}
	return json.Marshal(out)
}

func (jsonValues) Deserialize(src []byte, dst interface{}) error {
	m, ok := dst.(*map[interface{}]interface{})
	if !ok {
		return fmt.Errorf("session: cannot unseal into %T", dst)
	}
	if len(src) > 0 && src[0] == '{' {
		var in map[string]string
		if err := json.Unmarshal(src, &in); err == nil {
			if *m == nil {
				*m = make(map[interface{}]interface{}, len(in))
			}
			for k, v := range in {
				(*m)[k] = v
			}
			return nil
		}
	}
	return securecookie.GobEncoder{}.Deserialize(src, dst)
}

// Name is the cookie's name.
func (s *Store) Name() string { return s.name }

// ZoneCookie holds the browser's IANA time zone, apart from the sealed
// state: the zone is posted by a script right after a page loads, and an
// answer rewriting the whole state could land after a sign-in made in
// another tab and undo it. A zone is not a secret; it is checked against
// the tz database wherever it is used.
const ZoneCookie = "portal-tz"

// WriteZone keeps zone in its own cookie for a year.
func (s *Store) WriteZone(w http.ResponseWriter, zone string) {
	http.SetCookie(w, &http.Cookie{Name: ZoneCookie, Value: zone, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// Read returns the state in r's cookie; a missing, forged, expired or
// undecryptable cookie is the empty state. The zone cookie, when present,
// is the browser's latest zone and wins over the one kept in the state.
func (s *Store) Read(r *http.Request) State {
	st := s.read(r)
	if ck, err := r.Cookie(ZoneCookie); err == nil && ck.Value != "" && len(ck.Value) <= 64 {
		st.TimeZone = ck.Value
	}
	return st
}

func (s *Store) read(r *http.Request) State {
	var st State
	sess, err := s.cs.New(r, s.name)
	if err != nil || sess.IsNew {
		return st
	}
	get := func(k string) string { v, _ := sess.Values[k].(string); return v }
	st.Sessions = parseSessions(get("sids"))
	st.RequestID, _ = uuid.Parse(get("req"))
	st.Email = get("email")
	if t, err := time.Parse(time.RFC3339, get("sent")); err == nil {
		st.SentAt = t
	}
	if t, err := time.Parse(time.RFC3339, get("held")); err == nil {
		st.HeldUntil = t
	}
	st.Next = get("next")
	st.Picked = get("picked") == "1"
	for _, v := range strings.Split(get("switch"), ",") {
		if id, err := uuid.Parse(v); err == nil && len(st.Switch) < MaxWorkspaces {
			st.Switch = append(st.Switch, id)
		}
	}
	st.Flash, st.FlashKind = get("flash"), get("flash_kind")
	st.TimeZone = get("tz")
	if ws, err := uuid.Parse(get("link_ws")); err == nil && get("link_ref") != "" {
		st.Link = Link{WorkspaceID: ws, Ref: get("link_ref"), Next: get("link_next"), Fresh: get("link_fresh") == "1"}
	}
	if ws, err := uuid.Parse(get("ended_ws")); err == nil {
		if p, err := uuid.Parse(get("ended_p")); err == nil {
			st.Ended = Ended{WorkspaceID: ws, Principal: p}
		}
	}
	ws, err1 := uuid.Parse(get("kept_ws"))
	p, err2 := uuid.Parse(get("kept_p"))
	until, err3 := time.Parse(time.RFC3339, get("kept_until"))
	fields, err4 := url.ParseQuery(get("kept"))
	if err1 == nil && err2 == nil && err3 == nil && err4 == nil && get("kept_page") != "" {
		st.Kept = Kept{WorkspaceID: ws, Principal: p, Page: get("kept_page"), Fields: fields, Until: until}
	}
	return st
}

// parseSessions reads "ws:sid,ws:sid"; malformed entries are skipped.
func parseSessions(v string) []Signed {
	var out []Signed
	for _, pair := range strings.Split(v, ",") {
		a, b, ok := strings.Cut(pair, ":")
		if !ok {
			continue
		}
		ws, err1 := uuid.Parse(a)
		id, err2 := uuid.Parse(b)
		if err1 != nil || err2 != nil || ws == uuid.Nil || id == uuid.Nil {
			continue
		}
		out = append(out, Signed{WorkspaceID: ws, SessionID: id})
	}
	if len(out) > MaxWorkspaces {
		out = out[len(out)-MaxWorkspaces:]
	}
	return out
}

// Write replaces the cookie with st (an empty state deletes it). Earlier
// Set-Cookie lines for it in this response are dropped, so handlers may
// write more than once and the browser sees only the last.
func (s *Store) Write(w http.ResponseWriter, r *http.Request, st State) error {
	s.dropSetCookie(w)
	sess := sessions.NewSession(s.cs, s.name)
	opts := *s.cs.Options
	sess.Options = &opts
	if st.IsZero() {
		sess.Options.MaxAge = -1
		return s.cs.Save(r, w, sess)
	}
	put := func(k, v string) {
		if v != "" {
			sess.Values[k] = v
		}
	}
	if len(st.Sessions) > 0 {
		pairs := make([]string, 0, len(st.Sessions))
		for _, s := range st.Sessions {
			pairs = append(pairs, s.WorkspaceID.String()+":"+s.SessionID.String())
		}
		put("sids", strings.Join(pairs, ","))
	}
	if st.RequestID != uuid.Nil {
		put("req", st.RequestID.String())
	}
	put("email", st.Email)
	if !st.SentAt.IsZero() {
		put("sent", st.SentAt.UTC().Format(time.RFC3339))
	}
	if !st.HeldUntil.IsZero() {
		put("held", st.HeldUntil.UTC().Format(time.RFC3339))
	}
	if len(st.Next) <= maxNext {
		put("next", st.Next)
	}
	if st.Picked {
		put("picked", "1")
	}
	if len(st.Switch) > 0 {
		ids := make([]string, 0, len(st.Switch))
		for _, id := range st.Switch {
			ids = append(ids, id.String())
		}
		put("switch", strings.Join(ids, ","))
	}
	put("flash", st.Flash)
	put("flash_kind", st.FlashKind)
	if len(st.TimeZone) <= 64 {
		put("tz", st.TimeZone)
	}
	if st.Link.Ref != "" && st.Link.WorkspaceID != uuid.Nil {
		put("link_ws", st.Link.WorkspaceID.String())
		put("link_ref", st.Link.Ref)
		next := st.Link.Next
		if len(next) > maxNext {
			next, _, _ = strings.Cut(next, "?")
			if len(next) > maxNext {
				next = ""
			}
		}
		put("link_next", next)
		if st.Link.Fresh {
			put("link_fresh", "1")
		}
	}
	if st.Ended.WorkspaceID != uuid.Nil && st.Ended.Principal != uuid.Nil {
		put("ended_ws", st.Ended.WorkspaceID.String())
		put("ended_p", st.Ended.Principal.String())
	}
	if k := st.Kept; k.Page != "" && len(k.Page) <= maxNext && k.WorkspaceID != uuid.Nil && k.Principal != uuid.Nil {
		if enc := k.Fields.Encode(); len(enc) <= MaxKept {
			put("kept_ws", k.WorkspaceID.String())
			put("kept_p", k.Principal.String())
			put("kept_page", k.Page)
			put("kept_until", k.Until.UTC().Format(time.RFC3339))
			sess.Values["kept"] = enc
		}
	}
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
