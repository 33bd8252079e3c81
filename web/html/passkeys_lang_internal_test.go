package html

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/i18n"
)

// TestPasskeyErrorLanguage: the ceremony's error detail the sign-in
// script shows is in the page's language.
func TestPasskeyErrorLanguage(t *testing.T) {
	req := httptest.NewRequest("POST", "/", nil)
	req = req.WithContext(i18n.WithLocale(req.Context(), i18n.New("de", time.UTC)))
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	if err := passkeyJSONError(c, passkeyBadAnswer(), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), "Die Antwort des Passkeys konnte nicht gelesen werden.") {
		t.Fatalf("body = %s", rec.Body.String())
	}
}
