package oauthaccount

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestStateSignature(t *testing.T) {
	k1, _ := deriveKeys([]byte("secret-one-secret-one-secret-one"))
	k2, _ := deriveKeys([]byte("secret-two-secret-two-secret-two"))
	id := uuid.New()
	s := k1.signState(id)
	if got, ok := k1.verifyState(s); !ok || got != id {
		t.Fatal("own state refused")
	}
	if _, ok := k2.verifyState(s); ok {
		t.Fatal("state signed with another secret accepted")
	}
	other := uuid.New()
	_, sig, _ := strings.Cut(s, ".")
	if _, ok := k1.verifyState(other.String() + "." + sig); ok {
		t.Fatal("signature moved to another id accepted")
	}
}

func TestSealBindsKeyAndField(t *testing.T) {
	k, _ := deriveKeys([]byte("secret-one-secret-one-secret-one"))
	s, err := k.seal("tok", "discord:1", "access_token")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "tok") && !strings.HasPrefix(s, sealPrefix) {
		t.Fatal("not sealed")
	}
	if p, err := k.open(s, "discord:1", "access_token"); err != nil || p != "tok" {
		t.Fatalf("open = %q %v", p, err)
	}
	for _, c := range [][2]string{{"discord:2", "access_token"}, {"discord:1", "refresh_token"}} {
		if _, err := k.open(s, c[0], c[1]); err == nil {
			t.Fatalf("opened under %v", c)
		}
	}
	s2, _ := k.seal("tok", "discord:1", "access_token")
	if s2 == s {
		t.Fatal("sealing is deterministic")
	}
}

func TestSanitizeReturnTo(t *testing.T) {
	base, _ := url.Parse("https://portal.example.com")
	cases := map[string]string{
		"":                                      "https://portal.example.com/",
		"/acme/portal/settings":                 "https://portal.example.com/acme/portal/settings",
		"/acme/portal/settings?x=1#frag":        "https://portal.example.com/acme/portal/settings?x=1#frag",
		"https://portal.example.com/a?b=c":      "https://portal.example.com/a?b=c",
		"https://PORTAL.example.com":            "https://PORTAL.example.com/",
		"https://evil.example.com/":             "https://portal.example.com/",
		"//evil.example.com/":                   "https://portal.example.com/",
		"/\\evil.example.com":                   "https://portal.example.com/",
		"\\\\evil.example.com":                  "https://portal.example.com/",
		"http://portal.example.com/":            "https://portal.example.com/",
		"https://a@portal.example.com/":         "https://portal.example.com/",
		"https://portal.example.com:444/":       "https://portal.example.com/",
		"javascript:alert(1)":                   "https://portal.example.com/",
		"data:text/html,hi":                     "https://portal.example.com/",
		"relative/path":                         "https://portal.example.com/",
		"/a\nb":                                 "https://portal.example.com/",
		"https://portal.example.com.evil.com/x": "https://portal.example.com/",
	}
	for in, want := range cases {
		if got := sanitizeReturnTo(base, in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithParamsMerges(t *testing.T) {
	got := withParams("https://p.example/s?keep=1&error=old&error_retry_after=9", url.Values{"linked": {"discord"}})
	u, _ := url.Parse(got)
	q := u.Query()
	if q.Get("keep") != "1" || q.Get("linked") != "discord" || q.Has("error") || q.Has("error_retry_after") {
		t.Fatalf("merged = %s", got)
	}
	got = withParams("https://p.example/s?linked=discord&error_platform=x", url.Values{"error": {"boom"}, "error_platform": {"microsoft"}})
	u, _ = url.Parse(got)
	q = u.Query()
	if q.Has("linked") || q.Get("error") != "boom" || q["error_platform"][0] != "microsoft" || len(q["error_platform"]) != 1 {
		t.Fatalf("merged = %s", got)
	}
}
