package session

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
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
	st := State{SessionID: uuid.New(), RequestID: uuid.New(), Email: "a@example.com", SentAt: time.Now().Truncate(time.Second), Flash: "hi", FlashKind: "success"}
	got, ck := roundTrip(t, s, st)
	if !got.SentAt.Equal(st.SentAt) {
		t.Fatalf("sent at %v != %v", got.SentAt, st.SentAt)
	}
	got.SentAt = st.SentAt
	if got != st {
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

func TestTamperedOrOtherKeyIsEmpty(t *testing.T) {
	s := New(secret, true)
	_, ck := roundTrip(t, s, State{SessionID: uuid.New()})
	other := New([]byte("another-secret-another-secret-another"), true)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ck)
	if got := other.Read(r); got != (State{}) {
		t.Fatalf("other key read %+v", got)
	}
	ck.Value = ck.Value[:len(ck.Value)-2] + "xx"
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ck)
	if got := s.Read(r); got != (State{}) {
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
