package mail

import (
	"strings"
	"testing"
	"time"
)

// TestRenderSignInLanguages: the sign-in email speaks the language it was
// asked in (issue 17): subject, sentences, <html lang>, and a relative
// expiry with the language's plural form; an unknown language is English.
func TestRenderSignInLanguages(t *testing.T) {
	d := SignInData{To: "kunde@example.com", WorkspaceName: "Acme", Code: "ABCD-2345", Minutes: 10,
		URL: "https://portal.example/acme/portal/authenticate"}
	cases := []struct {
		lang, subject string
		want          []string
	}{
		{"de", "Anmeldung zu Ihren Freigaben bei Acme", []string{"Ihr Bestätigungscode für Acme", "Dieser Code läuft in 10 Minuten ab.", "im Kundenportal von Acme"}},
		{"fr", "Connectez-vous à vos partages Acme", []string{"Ce code expire dans 10 minutes.", "Votre code de vérification pour Acme"}},
		{"es", "Inicie sesión en sus archivos compartidos de Acme", []string{"Este código caduca en 10 minutos."}},
		{"pt-BR", "Entre nos seus compartilhamentos de Acme", []string{"Este código expira em 10 minutos."}},
		{"ja", "Acme のファイル共有へのサインイン", []string{"このコードの有効期限は 10 分です。", "Acme の確認コード"}},
		{"xx", "Sign in to your Acme file shares", []string{"This code expires in 10 minutes.", "see your file shares, their downloads and payments"}},
	}
	for _, tc := range cases {
		d.Lang = tc.lang
		m, err := RenderSignIn(d, "portal@example.test", "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tc.subject {
			t.Errorf("%s subject %q, want %q", tc.lang, m.Subject, tc.subject)
		}
		for _, w := range tc.want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s: %q missing from text or HTML", tc.lang, w)
			}
		}
		lang := tc.lang
		if lang == "xx" {
			lang = "en"
		}
		if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
			t.Errorf("%s: HTML lang", tc.lang)
		}
		if !strings.Contains(m.HTML, `<a href="https://portal.example/acme/portal/authenticate"`) || !strings.Contains(m.Text, "ABCD-2345") {
			t.Errorf("%s: link or code missing", tc.lang)
		}
	}
	// German singular: one minute left.
	d.Lang, d.Minutes = "de", 1
	if m, _ := RenderSignIn(d, "portal@example.test", ""); !strings.Contains(m.Text, "Dieser Code läuft in 1 Minute ab.") {
		t.Errorf("de singular: %s", m.Text)
	}
	// A workspace name is escaped in the HTML intro, whatever the language.
	d.WorkspaceName, d.Lang = "<b>x</b>", "fr"
	if m, _ := RenderSignIn(d, "portal@example.test", ""); strings.Contains(m.HTML, "<b>x</b>") {
		t.Error("workspace name not escaped")
	}
}

// TestRenderInviteLanguages: the member invitation speaks its language.
func TestRenderInviteLanguages(t *testing.T) {
	d := InviteData{To: "mia@example.com", Inviter: "Olivia", Team: "Studio", WorkspaceName: "Acme", URL: "https://portal.example/acme/portal/request?email=mia%40example.com"}
	for lang, want := range map[string][2]string{
		"en": {"Olivia added you to Studio on Acme", "There is no password"},
		"de": {"Olivia hat Sie bei Acme zum Team Studio hinzugefügt", "Es gibt kein Passwort"},
		"ja": {"Olivia があなたを Acme のチーム Studio に追加しました", "パスワードはありません"},
	} {
		d.Lang = lang
		m, err := RenderInvite(d, "portal@example.test", "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != want[0] || !strings.Contains(m.Text, want[1]) || !strings.Contains(m.HTML, want[1]) || !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
			t.Errorf("%s: %q\n%s", lang, m.Subject, m.Text)
		}
	}
}

// TestRenderNewSignInLanguages: the "New sign-in" heads-up reads in the
// language the sign-in happened in, the method in words of that language,
// and the time states its zone; an older job without a language is English.
func TestRenderNewSignInLanguages(t *testing.T) {
	at := time.Date(2026, 12, 7, 21, 5, 0, 0, time.UTC)
	base := NewSignInArgs{To: "a@example.com", WorkspaceName: "Acme", WorkspaceSlug: "acme",
		Device: "Chrome on macOS", Address: "203.0.113.x", Method: "a passkey", MethodID: "passkey", At: at}
	cases := map[string][]string{
		"":      {"New sign-in to your Acme portal", "Someone signed in to your account with a passkey:", "Device: Chrome on macOS", "UTC"},
		"de":    {"Neue Anmeldung in Ihrem Acme-Portal", "mit einem Passkey", "Gerät: Chrome on macOS", "UTC"},
		"fr":    {"Nouvelle connexion", "une clé d’accès", "UTC"},
		"es":    {"Nuevo inicio de sesión", "una llave de acceso", "UTC"},
		"pt-BR": {"Novo acesso", "uma chave de acesso", "UTC"},
		"ja":    {"新しいサインイン", "パスキー", "UTC"},
	}
	for lang, want := range cases {
		a := base
		a.Lang = lang
		m, err := RenderNewSignIn(NewSignInData{NewSignInArgs: a, DevicesURL: "https://p.example/acme/portal/settings#devices"}, "from@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Subject, want[0]) {
			t.Errorf("%q subject %q", lang, m.Subject)
		}
		for _, w := range want[1:] {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%q: %q missing\n%s", lang, w, m.Text)
			}
		}
		if !strings.Contains(m.HTML, want[1]) || !strings.Contains(m.HTML, "UTC") {
			t.Errorf("%q html:\n%s", lang, m.HTML)
		}
		if !strings.Contains(m.Text, "https://p.example/acme/portal/settings#devices") || strings.Contains(m.Text, "mail.new_sign_in") {
			t.Errorf("%q text:\n%s", lang, m.Text)
		}
	}
}

// TestRenderNewSignInZone: the heads-up's time is in the zone the
// signing-in browser reported (Zone), with that zone's name; without one
// it is UTC, labelled so.
func TestRenderNewSignInZone(t *testing.T) {
	at := time.Date(2026, 12, 3, 20, 5, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, zone, want, not string }{
		{"", "", "20:05 UTC", ""},
		{"de", "Europe/Berlin", "21:05 MEZ", "UTC"},
		{"", "America/New_York", "15:05 EST", "UTC"},
		{"ja", "Asia/Tokyo", "2026年12月4日", "UTC"},
		{"", "Not/AZone", "20:05 UTC", ""},
	} {
		a := NewSignInArgs{To: "a@example.com", WorkspaceName: "Acme", WorkspaceSlug: "acme", Device: "Chrome on macOS",
			Address: "203.0.113.x", MethodID: "code", At: at, Lang: tc.lang, Zone: tc.zone}
		m, err := RenderNewSignIn(NewSignInData{NewSignInArgs: a, DevicesURL: "https://p.example/acme/portal/settings#devices"}, "from@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, tc.want) || !strings.Contains(m.HTML, tc.want) {
			t.Errorf("%s %s: %q missing\n%s", tc.lang, tc.zone, tc.want, m.Text)
		}
		if tc.not != "" && strings.Contains(m.Text, tc.not) {
			t.Errorf("%s %s: %q present\n%s", tc.lang, tc.zone, tc.not, m.Text)
		}
	}
}
