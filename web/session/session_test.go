package session

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/securecookie"
)

var secret = []byte("0123456789abcdef0123456789abcdef-session")

func roundTrip(t *testing.T, s *Store, st State) (State, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := s.Write(rec, httptest.NewRequest("GET", "/", nil), st); err != nil {
		t.Fatal(err)
	}
	cks := rec.Result().Cookies()
	if len(cks) != 1 {
		t.Fatalf("%d cookies", len(cks))
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cks[0])
	return s.Read(r), cks[0]
}

func TestRoundTripAndAttributes(t *testing.T) {
	s := New(secret, true)
	st := State{Sessions: []Signed{{uuid.New(), uuid.New()}, {uuid.New(), uuid.New()}}, RequestID: uuid.New(), Email: "a@example.com",
		SentAt: time.Now().Truncate(time.Second), Flash: "hi", FlashKind: "success",
		Link: Link{WorkspaceID: uuid.New(), Ref: "c:0123abcd", Next: "/acme/portal/overview?theme=dark", Fresh: true}}
	got, ck := roundTrip(t, s, st)
	if !got.SentAt.Equal(st.SentAt) {
		t.Fatalf("sent at %v != %v", got.SentAt, st.SentAt)
	}
	got.SentAt = st.SentAt
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("got %+v want %+v", got, st)
	}
	if ck.Name != "__Host-portal" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("cookie %+v", ck)
	}
	if strings.Contains(ck.Value, "example.com") {
		t.Fatal("cookie value not encrypted")
	}
	if New(secret, false).Name() != "portal" {
		t.Fatal("plain name")
	}
}

// Kept form content (issue 16.4) travels sealed, with its binding; a form
// over MaxKept is not kept at all.
func TestKeptRoundTrip(t *testing.T) {
	s := New(secret, true)
	ws, who := uuid.New(), uuid.New()
	st := State{Ended: Ended{WorkspaceID: ws, Principal: who},
		Kept: Kept{WorkspaceID: ws, Principal: who, Page: "/acme/portal/settings", Until: time.Now().Add(30 * time.Minute).Truncate(time.Second),
			Fields: url.Values{"billing_name": {"Secret & Co"}, "billing_address[city]": {"Köln"}}}}
	got, ck := roundTrip(t, s, st)
	if !got.Kept.Until.Equal(st.Kept.Until) {
		t.Fatalf("until %v != %v", got.Kept.Until, st.Kept.Until)
	}
	got.Kept.Until = st.Kept.Until
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("got %+v want %+v", got, st)
	}
	if strings.Contains(ck.Value, "Secret") {
		t.Fatal("kept content not sealed")
	}
	st.Kept.Fields.Set("billing_name", strings.Repeat("x", MaxKept))
	if got, _ := roundTrip(t, s, st); got.Kept.Page != "" || got.Ended != st.Ended {
		t.Fatalf("oversized form kept: %+v", got.Kept)
	}
}

func TestTamperedOrOtherKeyIsEmpty(t *testing.T) {
	s := New(secret, true)
	_, ck := roundTrip(t, s, SignedIn(uuid.New(), uuid.New()))
	other := New([]byte("another-secret-another-secret-another"), true)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ck)
	if got := other.Read(r); !got.IsZero() {
		t.Fatalf("other key read %+v", got)
	}
	ck.Value = ck.Value[:len(ck.Value)-2] + "xx"
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ck)
	if got := s.Read(r); !got.IsZero() {
		t.Fatalf("tampered read %+v", got)
	}
}

func TestWriteTwiceKeepsLast(t *testing.T) {
	s := New(secret, false)
	rec := httptest.NewRecorder()
	http.SetCookie(rec, &http.Cookie{Name: "csrf", Value: "x"})
	req := httptest.NewRequest("GET", "/", nil)
	_ = s.Write(rec, req, State{Email: "first@example.com"})
	_ = s.Write(rec, req, State{Email: "second@example.com"})
	cks := rec.Result().Cookies()
	if len(cks) != 2 || cks[0].Name != "csrf" || cks[1].Name != "portal" {
		t.Fatalf("cookies %+v", cks)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cks[1])
	if s.Read(r).Email != "second@example.com" {
		t.Fatal("not the last write")
	}
	// An empty state deletes the cookie.
	rec = httptest.NewRecorder()
	_ = s.Write(rec, req, State{})
	if ck := rec.Result().Cookies()[0]; ck.MaxAge >= 0 {
		t.Fatalf("empty state should delete: %+v", ck)
	}
}

// TestD25_OneSessionPerWorkspaceBounded: sessions of different workspaces
// coexist; setting one replaces only that workspace's; dropping one leaves
// the others; beyond MaxWorkspaces the oldest is forgotten; a full cookie
// (every workspace, a pending request and link) stays well under 4 KB.
func TestD25_OneSessionPerWorkspaceBounded(t *testing.T) {
	var st State
	a, b := uuid.New(), uuid.New()
	sa, sb, sa2 := uuid.New(), uuid.New(), uuid.New()
	st.SetSession(a, sa)
	st.SetSession(b, sb)
	st.SetSession(a, sa2)
	if st.Session(a) != sa2 || st.Session(b) != sb || len(st.Sessions) != 2 {
		t.Fatalf("%+v", st.Sessions)
	}
	st.DropSession(a)
	if st.Session(a) != uuid.Nil || st.Session(b) != sb {
		t.Fatalf("drop: %+v", st.Sessions)
	}
	var first uuid.UUID
	for i := 0; i < MaxWorkspaces+3; i++ {
		ws := uuid.New()
		if i == 0 {
			first = ws
		}
		st.SetSession(ws, uuid.New())
	}
	if len(st.Sessions) != MaxWorkspaces || st.Session(b) != uuid.Nil || st.Session(first) != uuid.Nil {
		t.Fatalf("not bounded: %d", len(st.Sessions))
	}
	st.RequestID, st.Email, st.SentAt = uuid.New(), strings.Repeat("a", 300)+"@example.com", time.Now()
	st.Flash, st.FlashKind = strings.Repeat("f", 200), "success"
	st.Link = Link{WorkspaceID: uuid.New(), Ref: "m:" + strings.Repeat("0", 64), Next: "/acme/portal/overview?" + strings.Repeat("x=1&", 400), Fresh: true}
	got, ck := roundTrip(t, New(secret, true), st)
	if len(ck.String()) > 3500 {
		t.Fatalf("cookie %d bytes", len(ck.String()))
	}
	if len(got.Sessions) != MaxWorkspaces || got.Link.Ref != st.Link.Ref || got.Link.Next != "/acme/portal/overview" {
		t.Fatalf("round trip %+v", got.Link)
	}
}

// The cookie's values are sealed as a JSON object of strings (reading gob,
// securecookie's default, compiled the map's type on every request); a
// cookie sealed before, in gob, still reads the same, and a value that is
// not a string is refused rather than written.
func TestCookieValuesJSONAndEarlierGob(t *testing.T) {
	s := New(secret, true)
	st := State{Sessions: []Signed{{uuid.New(), uuid.New()}}, Email: "a@example.com", Flash: "hi", FlashKind: "success"}
	got, ck := roundTrip(t, s, st)
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("json: got %+v want %+v", got, st)
	}
	// The store's own codec, with its keys, serializing otherwise.
	codec := s.cs.Codecs[0].(*securecookie.SecureCookie)
	defer codec.SetSerializer(jsonValues{})
	codec.SetSerializer(securecookie.NopEncoder{})
	var sealed []byte
	if err := codec.Decode(ck.Name, ck.Value, &sealed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(sealed), `{"`) || !strings.Contains(string(sealed), `"email":"a@example.com"`) {
		t.Fatalf("sealed values are not a JSON object: %q", sealed)
	}

	// A cookie written by the gob-sealing store of earlier versions.
	codec.SetSerializer(securecookie.GobEncoder{})
	raw := map[interface{}]interface{}{"sids": st.Sessions[0].WorkspaceID.String() + ":" + st.Sessions[0].SessionID.String(),
		"email": "a@example.com", "flash": "hi", "flash_kind": "success"}
	v, err := codec.Encode(ck.Name, raw)
	if err != nil {
		t.Fatal(err)
	}
	codec.SetSerializer(jsonValues{})
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: ck.Name, Value: v})
	if got := s.Read(r); !reflect.DeepEqual(got, st) {
		t.Fatalf("gob: got %+v want %+v", got, st)
	}

	if _, err := (jsonValues{}).Serialize(map[interface{}]interface{}{"n": 1}); err == nil {
		t.Fatal("a non-string value was serialized")
	}
}

func BenchmarkRead(b *testing.B) {
	s := New(secret, true)
	rec := httptest.NewRecorder()
	st := State{Sessions: []Signed{{uuid.New(), uuid.New()}, {uuid.New(), uuid.New()}}, Email: "a@example.com", TimeZone: "Europe/Berlin"}
	if err := s.Write(rec, httptest.NewRequest("GET", "/", nil), st); err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(rec.Result().Cookies()[0])
	b.ReportAllocs()
	for b.Loop() {
		if len(s.Read(r).Sessions) != 2 {
			b.Fatal("not read")
		}
	}
}
