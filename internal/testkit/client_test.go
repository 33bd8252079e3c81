package testkit

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
)

func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("email") != "a@example.com" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("session")
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"session": ck.Value, "remote": r.RemoteAddr, "host": r.Host, "tls": r.TLS != nil, "uri": r.RequestURI})
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"body": string(body), "ct": r.Header.Get("Content-Type"), "csrf": r.Header.Get("X-CSRF-Token"), "accept": r.Header.Get("Accept"),
		})
	})
	mux.HandleFunc("GET /secure", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "__Host-sid", Value: "x", Path: "/", Secure: true})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /has-secure", func(w http.ResponseWriter, r *http.Request) {
		_, err := r.Cookie("__Host-sid")
		fmt.Fprint(w, err == nil)
	})
	return mux
}

func TestClientCookiesAndRedirects(t *testing.T) {
	c := NewClient(t, testHandler())

	r := c.Get("/me")
	if r.Status != http.StatusFound || r.Location() != "/login" {
		t.Fatalf("unauthenticated: %d %q", r.Status, r.Location())
	}

	r = c.PostForm("/login", url.Values{"email": {"a@example.com"}})
	r.ExpectStatus(t, http.StatusSeeOther)
	if r.Location() != "/me" || r.Cookie("session") == nil {
		t.Fatalf("login: %q %v", r.Location(), r.Header)
	}
	if ck := c.Cookie("session"); ck == nil || ck.Value != "s1" {
		t.Fatalf("jar: %v", c.Cookies())
	}

	var me struct {
		Session, Remote, Host, URI string
		TLS                        bool
	}
	c.GetJSON("/me?x=1").ExpectStatus(t, http.StatusOK).JSON(t, &me)
	if me.Session != "s1" || me.Remote != "192.0.2.10:40000" || me.Host != "portal.test" || me.TLS || me.URI != "/me?x=1" {
		t.Errorf("handler saw %+v", me)
	}

	// Following redirects, on request.
	c2 := NewClient(t, testHandler(), FollowRedirects())
	r = c2.PostForm("/login", url.Values{"email": {"a@example.com"}})
	if r.Status != http.StatusOK || r.Method != "GET" || r.Path != "/me" {
		t.Fatalf("followed: %d %s %s", r.Status, r.Method, r.Path)
	}
}

func TestClientJSONBodiesAndHeaders(t *testing.T) {
	c := NewClient(t, testHandler())
	var got map[string]string
	c.PostJSON("/echo", map[string]int{"a": 1}, "X-CSRF-Token", "tok").JSON(t, &got)
	if got["body"] != `{"a":1}` || got["ct"] != "application/json" || got["csrf"] != "tok" || got["accept"] != "application/json" {
		t.Errorf("%v", got)
	}
	c.PostJSON("/echo", `{"broken"`, "Content-Type", "text/plain").JSON(t, &got)
	if got["body"] != `{"broken"` || got["ct"] != "text/plain" {
		t.Errorf("%v", got)
	}
}

func TestClientSecureCookiesNeedHTTPS(t *testing.T) {
	h := testHandler()
	plain := NewClient(t, h)
	plain.Get("/secure")
	if plain.Get("/has-secure").Text() != "false" {
		t.Error("a Secure cookie went over http")
	}
	tlsClient := NewClient(t, h, WithBaseURL("https://portal.test"))
	tlsClient.Get("/secure")
	if tlsClient.Get("/has-secure").Text() != "true" {
		t.Error("a Secure cookie was not sent over https")
	}
}
