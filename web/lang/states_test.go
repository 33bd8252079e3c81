package lang_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/passkey/passkeytest"
	"portal/internal/testkit"
	"portal/views/paths"
	"portal/web/webtest"
)

// TestMoreStatesTranslated (issue 17, the states the first page test
// skipped): the account picker, the code page after a wrong code, when
// too many codes were asked for ("Try again at …") and when the address's
// codes are held back, the too-many-wrong-codes refusal, the continue page
// of a link (alone and switching accounts), the 3-D Secure sandbox page,
// the development mail page, and the settings page's passkeys (with a
// passkey), devices and sign-in history sections, its passkey flash and the
// linked-account outcomes, in every non-English locale: none shows an
// English catalog sentence.
func TestMoreStatesTranslated(t *testing.T) {
	for _, lang := range i18n.Locales[1:] {
		t.Run(lang, func(t *testing.T) {
			s := webtest.NewServer(t, webtest.Options{BaseURL: "http://portal.test", Mail: true, Start: true,
				Config: func(c *config.Config) {
					c.Payments, c.Env = "sandbox", "development"
					// Linked accounts offered (never contacted here), so the
					// settings page shows their panel and its outcomes.
					c.MicrosoftClientID, c.MicrosoftClientSecret = "ms-client", "ms-secret"
					c.DiscordClientID, c.DiscordClientSecret = "discord-client", "discord-secret"
				}})
			pool, svc := s.Pool, s.Services
			acme := testkit.Workspace(t, pool, "acme")
			teams := testkit.Workspace(t, pool, "teamco")
			if _, err := pool.Exec(t.Context(), `UPDATE workspaces SET member_model_enabled = true WHERE id = $1`, teams); err != nil {
				t.Fatal(err)
			}
			// Account names are demo data: ones that are no English words.
			one := testkit.Customer(t, pool, teams, "estudio@example.com", "team")
			two := testkit.Customer(t, pool, teams, "atelier@example.com", "team")
			if _, err := pool.Exec(t.Context(), `UPDATE customers SET name = CASE WHEN id = $1 THEN 'Estudio Uno' ELSE 'Atelier Zwei' END WHERE id IN ($1, $2)`, one, two); err != nil {
				t.Fatal(err)
			}
			testkit.Member(t, pool, one, "pat@example.com", "owner")
			testkit.Member(t, pool, two, "pat@example.com", "member")
			kunde := testkit.Customer(t, pool, acme, "kunde@example.com", "individual")
			other := testkit.Customer(t, pool, acme, "otto@example.com", "individual")

			client := func(slug string) *testkit.Client {
				c := testkit.NewClient(t, s.Handler)
				c.Get("/"+slug+"/portal/request?lang="+lang).ExpectStatus(t, http.StatusOK)
				return c
			}

			// The account picker, then the code page for the chosen account.
			c := client("teamco")
			r := webtest.PostForm(t, c, svc, "/teamco/portal/request", url.Values{"email": {"pat@example.com"}})
			if r.Status != http.StatusOK || !strings.Contains(r.Text(), `data-testid="picker-form"`) {
				t.Fatalf("picker: %d", r.Status)
			}
			assertNoEnglish(t, lang, "account picker", r)
			// The code page, the email's link in a browser that did not ask,
			// and a wrong code.
			r = webtest.PostForm(t, c, svc, "/acme/portal/request", url.Values{"email": {"kunde@example.com"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("request: %d", r.Status)
			}
			assertNoEnglish(t, lang, "code page", c.Get("/acme/portal/authenticate").ExpectStatus(t, http.StatusOK))
			phone := client("acme")
			assertNoEnglish(t, lang, "code page from the email's link", phone.Get("/acme/portal/authenticate?email=kunde%40example.com").ExpectStatus(t, http.StatusOK))
			r = webtest.PostForm(t, c, svc, "/acme/portal/authenticate", url.Values{"code": {"AAAA-AAAA"}})
			assertNoEnglish(t, lang, "code page (wrong code)", r)
			// Wrong codes past the code's attempts (the code is spent; the
			// page says to ask for a new one).
			for i := 0; i < 12; i++ {
				r = webtest.PostForm(t, c, svc, "/acme/portal/authenticate", url.Values{"code": {"AAAA-AAAA"}})
			}
			assertNoEnglish(t, lang, "code page (many wrong codes)", r)

			// The development mail page lists the code mail.
			deadline := time.Now().Add(10 * time.Second)
			for len(svc.Mail.Outbox().Recent()) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			r = c.Get("/_dev/mail").ExpectStatus(t, http.StatusOK)
			if !strings.Contains(r.Text(), `data-testid="dev-mail-row"`) {
				t.Fatal("the dev mail page lists no mail")
			}
			// The mails' own text is checked by the mail tests (and holds URLs).
			assertNoEnglish(t, lang, "dev mail", withoutMailText(t, r))

			// Held: this address's codes for the quarter-hour are spent.
			for i := 0; i < 5; i++ {
				if _, err := svc.Limiter.AllowAddress(t.Context(), acme.String(), "held@example.com"); err != nil {
					t.Fatal(err)
				}
			}
			h := client("acme")
			if r := webtest.PostForm(t, h, svc, "/acme/portal/request", url.Values{"email": {"held@example.com"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("held request: %d", r.Status)
			}
			r = h.Get("/acme/portal/authenticate").ExpectStatus(t, http.StatusOK)
			if !strings.Contains(r.Text(), `data-testid="held-until"`) {
				t.Fatal("no held message on the code page")
			}
			assertNoEnglish(t, lang, "code page (held)", r)
			// A link's continue page, alone and over another signed-in account.
			tok := testkit.CustomerToken(t, pool, svc.Hasher, kunde)
			link := "/acme/portal/overview?customer_session_token=" + url.QueryEscape(tok)
			openLink := func(c *testkit.Client) *testkit.Response {
				t.Helper()
				r := c.Get(link).ExpectStatus(t, http.StatusSeeOther)
				for r.Status == http.StatusSeeOther && r.Location() != "/acme/portal/continue" {
					r = c.Get(r.Location())
				}
				return c.Get("/acme/portal/continue").ExpectStatus(t, http.StatusOK)
			}
			assertNoEnglish(t, lang, "continue", openLink(client("acme")))
			sw := client("acme")
			webtest.SignIn(t, sw, svc, other, uuid.Nil)
			r = openLink(sw)
			if !strings.Contains(r.Text(), `data-testid="continue-switch"`) {
				t.Fatal("no switch warning")
			}
			assertNoEnglish(t, lang, "continue (switch accounts)", r)

			// Signed in: a passkey added (named in the page's language), two
			// devices, a sign-in history; then the 3-D Secure sandbox page.
			me := client("acme")
			webtest.SignIn(t, me, svc, kunde, uuid.Nil)
			webtest.SignIn(t, client("acme"), svc, kunde, uuid.Nil)
			addPasskey(t, me, svc)
			r = me.Get("/acme/portal/settings").ExpectStatus(t, http.StatusOK)
			for _, id := range []string{"passkey-row", "device-row", "signin-event"} {
				if !strings.Contains(r.Text(), `data-testid="`+id+`"`) {
					t.Errorf("settings in %s: no %s", lang, id)
				}
			}
			assertNoEnglish(t, lang, "settings (passkeys, devices, history)", r)
			// Renaming it too long: the flash; then the linked-account
			// outcomes the settings page explains from its URL.
			var pk uuid.UUID
			if err := pool.QueryRow(t.Context(), `SELECT id FROM passkeys WHERE customer_id = $1`, kunde).Scan(&pk); err != nil {
				t.Fatal(err)
			}
			webtest.PostForm(t, me, svc, "/acme/portal/settings/passkeys/"+pk.String()+"/rename", url.Values{"name": {strings.Repeat("n", 65)}})
			r = me.Get("/acme/portal/settings").ExpectStatus(t, http.StatusOK)
			if !strings.Contains(doc(t, r).Text(), i18n.New(lang, nil).T("security.passkey_name_long")) {
				t.Errorf("settings in %s: no passkey name flash", lang)
			}
			assertNoEnglish(t, lang, "settings (passkey name too long)", r)
			// Renamed to nothing: the default name in the page's language.
			webtest.PostForm(t, me, svc, "/acme/portal/settings/passkeys/"+pk.String()+"/rename", url.Values{"name": {"  "}})
			var name string
			if err := pool.QueryRow(t.Context(), `SELECT name FROM passkeys WHERE id = $1`, pk).Scan(&name); err != nil {
				t.Fatal(err)
			}
			if want := i18n.New(lang, nil).T("passkeys.default_name"); name != want || (lang != "de" && name == "Passkey") {
				t.Errorf("passkey renamed to nothing in %s: %q, want %q", lang, name, want)
			}
			for _, q := range []string{"linked=microsoft", "unlinked=discord", "error=access_denied&error_platform=discord",
				"error=Rate+limited+by+Discord.&error_platform=discord&error_retry_after=5", "error=unlink_missing",
				"error=consent_required&error_platform=evil", "error=not_available&error_platform=github"} {
				assertNoEnglish(t, lang, "settings?"+q, me.Get("/acme/portal/settings?"+q).ExpectStatus(t, http.StatusOK))
			}
			if lang == "de" && !strings.Contains(me.Get("/acme/portal/settings?linked=microsoft").Text(), "Ihr Microsoft-Konto ist jetzt verknüpft.") {
				t.Error("settings in de: no linked-account notice")
			}
			r = webtest.PostForm(t, me, svc, "/acme/portal/billing/cards", url.Values{"number": {"4000 0027 6000 3184"}, "expiry": {"12/34"}, "cvc": {"123"}})
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/sandbox/3ds/") {
				t.Fatalf("3-D Secure card: %d %s", r.Status, r.Location())
			}
			assertNoEnglish(t, lang, "3-D Secure", me.Get(r.Location()).ExpectStatus(t, http.StatusOK))

			// Too many requests from one browser: "Try again at …".
			// (Every per-IP bucket is spent: development allows 10× as many.)
			if _, err := pool.Exec(t.Context(), `UPDATE rate_limit_buckets SET count = 10000 WHERE bucket <> 'portal_address'`); err != nil {
				t.Fatal(err)
			}
			lim := client("acme")
			for i := 0; i < 30; i++ {
				r = webtest.PostForm(t, lim, svc, "/acme/portal/request", url.Values{"email": {"many@example.com"}})
				if r.Status == http.StatusTooManyRequests {
					break
				}
			}
			if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Text(), `data-testid="retry-at"`) {
				t.Fatalf("rate limit: %d", r.Status)
			}
			assertNoEnglish(t, lang, "sign in (try again at)", r)

		})
	}
}

// addPasskey registers a software passkey for c's account through the
// settings page's endpoints, as the page's script does.
func addPasskey(t *testing.T, c *testkit.Client, svc *app.Services) {
	t.Helper()
	post := func(path string, body any) *testkit.Response {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return c.Request(http.MethodPost, path, strings.NewReader(string(raw)), "Content-Type", "application/json",
			"Accept", "application/json", "X-CSRF-Token", webtest.CSRF(t, c, svc, paths.Page("acme", "settings")))
	}
	var b struct {
		ChallengeID uuid.UUID       `json:"challenge_id"`
		Options     json.RawMessage `json:"options"`
	}
	post(paths.PasskeyAddBegin("acme"), nil).ExpectStatus(t, http.StatusOK).JSON(t, &b)
	cred, err := passkeytest.New("http://portal.test").Register(b.Options)
	if err != nil {
		t.Fatal(err)
	}
	post(paths.PasskeyAddFinish("acme"), map[string]any{"challenge_id": b.ChallengeID, "credential": json.RawMessage(cred)}).ExpectStatus(t, http.StatusOK)
}

// withoutMailText is the dev mail page without the messages' bodies and
// with the configured sender address (demo data, "portal@…") renamed.
func withoutMailText(t *testing.T, r *testkit.Response) *testkit.Response {
	t.Helper()
	d := doc(t, r)
	d.Find("pre.dev-mail-text").Remove()
	h, err := d.Html()
	if err != nil {
		t.Fatal(err)
	}
	h = strings.ReplaceAll(h, "portal@example.test", "sender@example.test")
	return &testkit.Response{Status: r.Status, Header: r.Header, Body: []byte(h)}
}
