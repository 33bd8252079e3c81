package html

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/passkey"
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

// TestPasskeyErrorsEveryLanguage: every error a passkey ceremony can
// answer the script with (sign-in and settings) says its detail in the
// page's language, chosen by the error's name or kind; English pages keep
// the service's own words.
func TestPasskeyErrorsEveryLanguage(t *testing.T) {
	errs := map[string]*apperr.Error{
		"unknown":      passkey.ErrUnknown(),
		"sign_count":   passkey.ErrSignCount(),
		"expired":      passkey.ErrChallenge(),
		"not_verified": passkey.ErrVerify(),
		"reverify":     passkey.ErrStale(),
		"disabled":     passkey.ErrDisabled(),
		"exists":       passkey.ErrExists(),
		"unauthorized": apperr.Unauthorized(),
		"not_found":    apperr.NotFound(""),
		"name_long":    apperr.Invalid(apperr.Field("Use at most 64 characters.", "x", "body", "name")),
		"too_many":     apperr.RateLimited(time.Minute, ""),
		"busy":         apperr.Unavailable("", time.Second, nil),
	}
	if ae, ok := apperr.As(passkeyBadAnswer()); ok {
		errs["bad_answer"] = ae
	} else {
		t.Fatal("passkeyBadAnswer is no apperr.Error")
	}
	answer := func(lang string, e *apperr.Error) string {
		req := httptest.NewRequest("POST", "/", nil)
		req = req.WithContext(i18n.WithLocale(req.Context(), i18n.New(lang, time.UTC)))
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(req, rec)
		if err := passkeyJSONError(c, e, nil); err != nil {
			t.Fatal(err)
		}
		var body struct{ Detail string }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return body.Detail
	}
	for key, e := range errs {
		en := answer("en", e)
		if en == "" || en == "Unauthorized" || en == "Not found" {
			t.Errorf("%s: English detail %q is no sentence for a person", key, en)
		}
		if e.Name != "Unauthorized" && e.Name != "ResourceNotFound" && e.Kind != apperr.KindInvalid && e.Kind != apperr.KindRateLimited && e.Kind != apperr.KindUnavailable && en != e.Detail {
			t.Errorf("%s: English detail %q, want the service's %q", key, en, e.Detail)
		}
		for _, lang := range []string{"de", "fr", "es", "pt-BR", "ja"} {
			if got := answer(lang, e); got == "" || got == en {
				t.Errorf("%s in %s: detail %q is not translated", key, lang, got)
			}
		}
	}
	if got := answer("de", passkey.ErrExists()); got != "Dieser Passkey ist bereits registriert." {
		t.Errorf("de exists = %q", got)
	}
	if got := answer("ja", passkey.ErrDisabled()); got != "このポータルではパスキーを使用できません。" {
		t.Errorf("ja disabled = %q", got)
	}
	if got := answer("de", errs["name_long"]); got != "Der Name eines Passkeys darf höchstens 64 Zeichen lang sein." {
		t.Errorf("de name_long = %q", got)
	}
}

// TestNewPasskeyNameLanguage: a new passkey is named after the browser in
// the page's language ("Chrome unter macOS"), as the devices list says it.
func TestNewPasskeyNameLanguage(t *testing.T) {
	mac := "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for lang, want := range map[string]string{"en": "Chrome on macOS", "de": "Chrome unter macOS", "ja": "macOS の Chrome", "fr": "Chrome sur macOS"} {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("User-Agent", mac)
		req = req.WithContext(i18n.WithLocale(req.Context(), i18n.New(lang, time.UTC)))
		c := echo.New().NewContext(req, httptest.NewRecorder())
		if got := newPasskeyName(c); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
