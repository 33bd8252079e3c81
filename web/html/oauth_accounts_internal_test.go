package html

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/i18n"
	"portal/internal/oauthaccount"
	customerview "portal/views/customer"
)

// TestLinkNotice: every outcome the callback reports through return_to
// parameters gets a clear message, and free text in error= is never
// repeated on the page (the query string is attacker controlled).
func TestLinkNotice(t *testing.T) {
	cases := []struct {
		q         url.Values
		want      string
		kind      string
		forbidden string
	}{
		{url.Values{"linked": {"microsoft"}}, "Your Microsoft account is now linked.", "success", ""},
		{url.Values{"unlinked": {"discord"}}, "Your Discord account was disconnected.", "success", ""},
		{url.Values{"error": {oauthaccount.MsgTokenFailed}, "error_platform": {"discord"}}, "Linking your Discord account failed. " + oauthaccount.MsgTokenFailed, "error", ""},
		{url.Values{"error": {oauthaccount.MsgProfileFailed}, "error_platform": {"microsoft"}}, "Linking your Microsoft account failed. " + oauthaccount.MsgProfileFailed, "error", ""},
		{url.Values{"error": {oauthaccount.MsgAuthorizeFailed}, "error_platform": {"microsoft"}}, "Linking your Microsoft account failed: Microsoft did not authorize it.", "error", ""},
		{url.Values{"error": {"Rate limited by Discord."}, "error_platform": {"discord"}, "error_retry_after": {"5"}}, "Discord is receiving too many requests right now. Please try again in 5 seconds.", "error", ""},
		{url.Values{"error": {"Rate limited by Microsoft."}, "error_platform": {"microsoft"}, "error_retry_after": {"1"}}, "Microsoft is receiving too many requests right now. Please try again in 1 second.", "error", ""},
		{url.Values{"error": {"Rate limited by Microsoft."}, "error_platform": {"microsoft"}}, "Microsoft is receiving too many requests right now. Please try again in a moment.", "error", ""},
		{url.Values{"error": {"Rate limited by Microsoft."}, "error_platform": {"microsoft"}, "error_retry_after": {"soon"}}, "Microsoft is receiving too many requests right now. Please try again in a moment.", "error", "soon"},
		{url.Values{"error": {"access_denied"}, "error_platform": {"discord"}}, "You cancelled linking at Discord; nothing was linked.", "error", ""},
		{url.Values{"error": {"not_available"}, "error_platform": {"discord"}}, "Linking Discord accounts is not available.", "error", ""},
		{url.Values{"error": {"unlink_missing"}}, "That account is not linked any more.", "error", ""},
		{url.Values{"error": {"consent_required"}, "error_platform": {"microsoft"}}, "Linking your Microsoft account failed (Microsoft said: consent_required). Please try again.", "error", ""},
		{url.Values{"error": {"Your account is suspended, call +1 555 0100"}, "error_platform": {"evil"}}, "Linking your external account failed. Please try again.", "error", "555"},
		{url.Values{"error": {"Rate limited by Discord."}, "error_platform": {"x"}, "error_retry_after": {"3"}}, "The provider is receiving too many requests right now. Please try again in 3 seconds.", "error", ""},
		{url.Values{"error": {"not_available"}, "error_platform": {"github"}}, "Linking this kind of account is not available.", "error", "github"},
		{url.Values{}, "", "", ""},
	}
	for _, c := range cases {
		got, kind := linkNotice(i18n.New(i18n.Default, time.UTC), c.q)
		if got != c.want || kind != c.kind {
			t.Errorf("%v → %q (%s), want %q (%s)", c.q, got, kind, c.want, c.kind)
		}
		if c.forbidden != "" && strings.Contains(got, c.forbidden) {
			t.Errorf("%v repeated %q", c.q, c.forbidden)
		}
	}
}

// TestLinkNoticeLanguages: the outcome reads in the page's language, the
// platform name kept as is, and the unknown-platform wording translated too.
func TestLinkNoticeLanguages(t *testing.T) {
	de := i18n.New("de", time.UTC)
	cases := []struct {
		q    url.Values
		want string
	}{
		{url.Values{"linked": {"microsoft"}}, "Ihr Microsoft-Konto ist jetzt verknüpft."},
		{url.Values{"error": {"unlink_missing"}}, "Dieses Konto ist nicht mehr verknüpft."},
		{url.Values{"error": {"Rate limited by Discord."}, "error_platform": {"discord"}, "error_retry_after": {"5"}}, "Discord erhält gerade zu viele Anfragen. Bitte versuchen Sie es in 5 Sekunden erneut."},
		{url.Values{"error": {"nope!"}, "error_platform": {"evil"}}, "Ihr externes Konto konnte nicht verknüpft werden. Bitte versuchen Sie es erneut."},
	}
	for _, c := range cases {
		if got, _ := linkNotice(de, c.q); got != c.want {
			t.Errorf("de %v → %q, want %q", c.q, got, c.want)
		}
	}
	for _, lang := range []string{"fr", "es", "pt-BR", "ja"} {
		got, _ := linkNotice(i18n.New(lang, time.UTC), url.Values{"error": {"consent_required"}, "error_platform": {"microsoft"}})
		if strings.Contains(got, "linked.notice") || strings.Contains(got, "Linking") || !strings.Contains(got, "consent_required") || !strings.Contains(got, "Microsoft") {
			t.Errorf("%s: %q", lang, got)
		}
	}
}

// TestLinkedAccountsPanel renders the panel: accounts with a confirmed
// disconnect form carrying the CSRF token and key, connect forms for the
// configured platforms, the notice with the right role.
func TestLinkedAccountsPanel(t *testing.T) {
	props := customerview.LinkedAccountsProps{
		CSRFField: "_csrf", CSRFToken: "tok",
		DisconnectAction: "/acme/portal/settings/oauth/disconnect",
		Platforms:        []customerview.LinkedPlatform{{Key: "microsoft", Label: "Microsoft", ConnectAction: "/acme/portal/settings/oauth/microsoft/connect"}},
		Accounts: []customerview.LinkedAccount{
			{Key: "discord:1", PlatformLabel: "Discord", ID: "1", Username: "nelly"},
			{Key: "microsoft:2", PlatformLabel: "Microsoft", ID: "2"},
		},
		Notice: "Linking your Discord account failed. Please try again.", NoticeKind: "error",
	}
	var buf bytes.Buffer
	if err := customerview.LinkedAccounts(props).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n := d.Find(`[data-testid="linked-account"]`).Length(); n != 2 {
		t.Fatalf("%d accounts", n)
	}
	names := d.Find(`[data-testid="linked-account-name"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if strings.Join(names, ",") != "nelly,2" {
		t.Fatalf("names = %v", names)
	}
	form := d.Find(`[data-testid="disconnect-form"]`).First()
	if a, _ := form.Attr("action"); a != "/acme/portal/settings/oauth/disconnect" {
		t.Fatalf("action = %q", a)
	}
	if v, _ := form.Find(`input[name="key"]`).Attr("value"); v != "discord:1" {
		t.Fatalf("key = %q", v)
	}
	if v, _ := form.Find(`input[name="_csrf"]`).Attr("value"); v != "tok" {
		t.Fatal("no CSRF token in the disconnect form")
	}
	if form.ParentsFiltered("details").Length() != 1 {
		t.Fatal("disconnect is not behind a confirmation")
	}
	if hx, _ := form.Attr("hx-post"); hx != "/acme/portal/settings/oauth/disconnect" {
		t.Fatal("disconnect form not enhanced with HTMX")
	}
	connect := d.Find(`[data-testid="connect-microsoft"]`)
	if connect.Length() != 1 || d.Find(`[data-testid="connect-discord"]`).Length() != 0 {
		t.Fatal("connect buttons")
	}
	if _, hx := connect.Attr("hx-post"); hx {
		t.Fatal("connect must be a plain form (it redirects to the provider)")
	}
	if v, _ := connect.Find(`input[name="_csrf"]`).Attr("value"); v != "tok" {
		t.Fatal("no CSRF token in the connect form")
	}
	if r, _ := d.Find(`[data-testid="linked-accounts-notice"]`).Attr("role"); r != "alert" {
		t.Fatalf("error notice role = %q", r)
	}
}
