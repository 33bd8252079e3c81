package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"portal/internal/auth"
)

// TestSecuritySectionsNarrow: the settings page's Passkeys and "Sign-in and
// devices" sections with a full load (a long passkey name, other browsers
// on IPv6 with long browser names, every kind of history line) have no
// serious accessibility violation and do not scroll sideways at 375 px,
// in both themes, in English and in German (the longer words). With
// PORTAL_SECURITY_SHOTS set to a directory it writes a screenshot per look
// there (never into docs/).
func TestSecuritySectionsNarrow(t *testing.T) {
	e := newPasskeyEnv(t)
	tb := e.tab()
	tb.authenticator()
	tb.signIn("acme", "bob@example.com", "")
	tb.addPasskey("acme")
	ctx := context.Background()
	cust := e.customer("acme", "bob@example.com")
	var ws uuid.UUID
	if err := e.pool.QueryRow(ctx, `SELECT workspace_id FROM customers WHERE id = $1`, cust).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	e.s.Exec(`UPDATE passkeys SET name = 'Work laptop in the Lisbon office, the one with the blue sticker' WHERE customer_id = $1`, cust)
	for _, m := range []auth.SignInMeta{
		{UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
			ClientIP: "2001:db8:85a3:1234:5678:8a2e:370:7334", Method: auth.MethodPasskey},
		{UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
			ClientIP: "203.0.113.200", Method: auth.MethodLink},
		{UserAgent: "", ClientIP: "", Method: auth.MethodCode},
	} {
		if _, err := e.svc.Browser.CreateWith(ctx, auth.BrowserSubject{WorkspaceID: ws, CustomerID: cust}, m); err != nil {
			t.Fatal(err)
		}
	}
	add := func(ago string, success bool, method, channel, ip string) {
		e.s.Exec(`INSERT INTO signin_events (workspace_id, customer_id, success, method, channel, ip_masked, user_agent, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
			now() - $7::interval)`, ws, cust, success, method, channel, ip, ago)
	}
	for i := 0; i < 4; i++ {
		add(fmt.Sprintf("%d minutes", 50+i), false, "code", "api", "2001:db8:85a3:1234::x")
	}
	add("40 minutes", false, "passkey", "page", "2001:db8:85a3:1234::x")
	add("39 minutes", false, "passkey", "page", "2001:db8:85a3:1234::x")
	add("30 minutes", true, "code", "api", "198.51.100.x")
	add("20 minutes", true, "link", "page", "")

	shots := os.Getenv("PORTAL_SECURITY_SHOTS")
	for _, lang := range []string{"en", "de"} {
		tb.open("/acme/portal/settings?lang=" + lang)
		if tb.count(tid("passkey-row")) != 1 || tb.count(tid("device-row")) < 4 || tb.count(tid("signin-event")) < 4 {
			t.Fatalf("%s: passkeys %d, devices %d, history %d", lang, tb.count(tid("passkey-row")), tb.count(tid("device-row")), tb.count(tid("signin-event")))
		}
		tb.clean("settings " + lang)
		for _, l := range []look{{375, "light"}, {375, "dark"}} {
			tb.setLook(l)
			where := fmt.Sprintf("security sections %s @%dpx %s", lang, l.width, l.theme)
			tb.axe(where)
			tb.fits(where)
			if shots != "" {
				for _, sec := range []string{"passkeys", "devices"} {
					png := value(tb, chromedp.Screenshot(chromedp.CSS("#"+sec)))
					file := filepath.Join(shots, fmt.Sprintf("%s-%s-%d-%s.png", sec, lang, l.width, l.theme))
					if err := os.WriteFile(file, png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		tb.setLook(looks[0])
	}
	tb.open("/acme/portal/settings?lang=en")
}
