package i18n

import (
	"strings"
	"testing"
)

// TestCatalogSpeaksToThePersonWhoShares: the portal's customer is the one
// whose files are shared and paid for (docs/design.md, "Who the portal is
// for"); buyers pay for the shares. No message in any language reads like a
// buyer's portal ("access your purchases", "when Acme sends you one",
// "when you buy something", "expecting a file?"), and the sign-in mail, the
// sign-in page and the empty overview say what the person finds there.
func TestCatalogSpeaksToThePersonWhoShares(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	buyerWords := map[string][]string{
		"en":    {"purchase", "sends you", "when you buy", "check out faster", "Expecting a file"},
		"de":    {"Ihre Käufe", "Bei einem Kauf", "Ihnen eine sendet", "erwarten eine Datei"},
		"fr":    {"vos achats", "vous en envoie", "attendez un fichier"},
		"es":    {"sus compras", "cuando compra", "le envíe uno", "Espera un archivo"},
		"pt-BR": {"suas compras", "faz uma compra", "enviar um para você", "esperando um arquivo"},
		"ja":    {"ご購入", "届くと", "ファイルをお待ち"},
	}
	for _, l := range Locales {
		words, ok := buyerWords[l]
		if !ok {
			t.Fatalf("%s: no buyer words listed", l)
		}
		for _, m := range c.files[l].Messages {
			for _, text := range msgForms(m) {
				for _, w := range words {
					if strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
						t.Errorf("%s %s reads like a buyer's portal (%q): %s", l, m.ID, w, text)
					}
				}
			}
		}
	}
	en := New("en", nil)
	for id, want := range map[string]string{
		"mail.subject":         "file shares",
		"mail.intro":           "file shares",
		"signin.intro":         "files you share",
		"fileshare.empty_body": "Files you share through",
		"fileshare.next_email": "To share a file",
	} {
		if got := en.T(id, map[string]any{"Workspace": "Acme", "Portal": "Acme customer portal", "Email": "help@acme.test"}); !strings.Contains(got, want) {
			t.Errorf("en %s = %q, want it to contain %q", id, got, want)
		}
	}
}
