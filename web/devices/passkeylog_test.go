package devices_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/passkey/passkeytest"
	"portal/internal/testkit"
	"portal/views/paths"
	"portal/web/webtest"
)

// secrets gathers every piece of passkey data that crossed the wire, in
// the forms a log line could carry it: as it was sent (base64url), raw,
// standard base64 (how encoding/json writes []byte), hex.
type secrets map[string]string

func (s secrets) bytes(what string, b []byte) {
	if len(b) == 0 {
		return
	}
	s[what+" (base64url)"] = base64.RawURLEncoding.EncodeToString(b)
	s[what+" (base64)"] = base64.StdEncoding.EncodeToString(b)
	s[what+" (base64, unpadded)"] = base64.RawStdEncoding.EncodeToString(b)
	s[what+" (hex)"] = hex.EncodeToString(b)
	if len(b) >= 8 && isText(b) {
		s[what] = string(b)
	}
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// b64 adds a base64url value (as the ceremonies carry them) and what it
// decodes to.
func (s secrets) b64(t *testing.T, what, v string) {
	t.Helper()
	if v == "" {
		return
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		t.Fatalf("%s %q: %v", what, v, err)
	}
	s.bytes(what, b)
}

// options adds a ceremony's options: the challenge, the user handle.
func (s secrets) options(t *testing.T, raw []byte) {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	s.b64(t, "challenge", o.PublicKey.Challenge)
	s.b64(t, "user handle", o.PublicKey.User.ID)
}

// credential adds an authenticator's answer: credential id, client data,
// attestation object, authenticator data, signature, user handle.
func (s secrets) credential(t *testing.T, raw []byte) {
	t.Helper()
	var c struct {
		ID       string         `json:"id"`
		Response map[string]any `json:"response"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	s.b64(t, "credential id", c.ID)
	for k, v := range c.Response {
		if str, ok := v.(string); ok {
			s.b64(t, k, str)
		}
	}
}

// TestPasskeyDataNeverLogged (issue 18): registering a passkey, signing in
// with it, and the refused cases (counter gone backwards, no user
// verification, wrong origin, unknown credential, a used challenge, a
// malformed answer) through the real server with its log captured at
// debug level: no credential id, public key, user handle, challenge,
// client data, attestation or authenticator data or signature, in any
// encoding, is in the log.
func TestPasskeyDataNeverLogged(t *testing.T) {
	var logs testkit.SyncBuffer
	s := webtest.NewServer(t, webtest.Options{BaseURL: "http://portal.test",
		Log: slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	ws := testkit.Workspace(t, s.Pool, "acme")
	cust := testkit.Customer(t, s.Pool, ws, "ind@example.com", "individual")
	sec := secrets{}

	post := func(c *testkit.Client, path string, body any) *testkit.Response {
		t.Helper()
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return c.Request(http.MethodPost, path, strings.NewReader(string(raw)), "Content-Type", "application/json",
			"Accept", "application/json", "X-CSRF-Token", webtest.CSRF(t, c, s.Services, paths.SignIn("acme")))
	}
	type begun struct {
		ChallengeID uuid.UUID       `json:"challenge_id"`
		Options     json.RawMessage `json:"options"`
	}
	begin := func(c *testkit.Client, path string) begun {
		t.Helper()
		var b begun
		post(c, path, nil).ExpectStatus(t, http.StatusOK).JSON(t, &b)
		sec.options(t, b.Options)
		return b
	}

	// Register.
	owner := testkit.NewClient(t, s.Handler)
	webtest.SignIn(t, owner, s.Services, cust, uuid.Nil)
	a := passkeytest.New("http://portal.test")
	b := begin(owner, paths.PasskeyAddBegin("acme"))
	cred, err := a.Register(b.Options)
	if err != nil {
		t.Fatal(err)
	}
	sec.credential(t, cred)
	post(owner, paths.PasskeyAddFinish("acme"), map[string]any{"challenge_id": b.ChallengeID, "credential": json.RawMessage(cred)}).ExpectStatus(t, http.StatusOK)
	var stored []byte
	if err := s.Pool.QueryRow(context.Background(), `SELECT credential FROM passkeys WHERE customer_id = $1`, cust).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	var sc struct {
		PublicKey []byte `json:"publicKey"`
	}
	if err := json.Unmarshal(stored, &sc); err != nil || len(sc.PublicKey) == 0 {
		t.Fatalf("stored credential's public key: %v", err)
	}
	sec.bytes("public key", sc.PublicKey)

	// Sign in, then the refused cases, each from a fresh browser.
	signIn := func(a *passkeytest.Authenticator, want int, mangle func([]byte) []byte) {
		t.Helper()
		c := testkit.NewClient(t, s.Handler)
		b := begin(c, paths.PasskeySignInBegin("acme"))
		cred, err := a.Assert(b.Options)
		if err != nil {
			t.Fatal(err)
		}
		sec.credential(t, cred)
		if mangle != nil {
			cred = mangle(cred)
		}
		r := post(c, paths.PasskeySignInFinish("acme"), map[string]any{"challenge_id": b.ChallengeID, "credential": json.RawMessage(cred)})
		if r.Status != want {
			t.Fatalf("finish: %d %s, want %d", r.Status, r.Body, want)
		}
		if want == http.StatusOK {
			// The same challenge again: used up.
			post(c, paths.PasskeySignInFinish("acme"), map[string]any{"challenge_id": b.ChallengeID, "credential": json.RawMessage(cred)}).ExpectStatus(t, http.StatusUnauthorized)
		}
	}
	a.Counter = 10
	signIn(a, http.StatusOK, nil)
	a.Counter = 2
	signIn(a, http.StatusUnauthorized, nil) // counter went backwards
	a.Counter, a.NoUV = 30, true
	signIn(a, http.StatusUnauthorized, nil) // no user verification
	a.NoUV, a.Origin = false, "http://evil.test"
	signIn(a, http.StatusUnauthorized, nil) // wrong origin
	a.Origin = "http://portal.test"
	signIn(a, http.StatusUnauthorized, func(cred []byte) []byte { // malformed: not base64 where it must be
		return []byte(strings.Replace(string(cred), `"signature":"`, `"signature":"!!`, 1))
	})
	stranger := passkeytest.New("http://portal.test")
	b = begin(owner, paths.PasskeyAddBegin("acme"))
	cred, err = stranger.Register(b.Options) // never finished: unknown to the portal
	if err != nil {
		t.Fatal(err)
	}
	sec.credential(t, cred)
	signIn(stranger, http.StatusUnauthorized, nil)

	out := logs.String()
	if !strings.Contains(out, "passkeys/sign-in/finish") {
		t.Fatalf("the requests were not logged; the test looked at nothing:\n%s", out)
	}
	if len(sec) < 30 {
		t.Fatalf("only %d secrets gathered", len(sec))
	}
	for what, v := range sec {
		if strings.Contains(out, v) {
			t.Errorf("the log holds the %s", what)
		}
	}

	// The metrics count each outcome, the unknown credential included
	// (no sign-in history can hold it).
	m := testkit.NewClient(t, s.Web.MetricsHandler()).Get("/metrics").ExpectStatus(t, http.StatusOK).Text()
	for _, want := range []string{`{outcome="ok",step="passkey"} 1`, `{outcome="sign_count",step="passkey"} 1`,
		`{outcome="not_verified",step="passkey"} 2`, `{outcome="unknown",step="passkey"} 1`, `{outcome="expired_challenge",step="passkey"} 1`} {
		if !strings.Contains(m, "portal_signin_outcomes_total"+want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
