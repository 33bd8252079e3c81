package html

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
)

// The card island's answers use the same status and headers as the JSON
// API for every kind (they once turned 409, 413 and 429 into 400 and lost
// Retry-After).
func TestIslandAnswerStatusAndHeaders(t *testing.T) {
	cases := []struct {
		err        *apperr.Error
		status     int
		retryAfter string
	}{
		{apperr.Conflict("X", "taken"), http.StatusConflict, ""},
		{apperr.RateLimited(42*time.Second, ""), http.StatusTooManyRequests, "42"},
		{apperr.Unavailable("", 0, nil), http.StatusServiceUnavailable, "1"},
		{&apperr.Error{Kind: apperr.KindTooLarge, Name: "RequestEntityTooLarge", Detail: "big"}, http.StatusRequestEntityTooLarge, ""},
		{apperr.BadRequest("PaymentMethodError", "declined"), http.StatusBadRequest, ""},
		{apperr.InvalidField("bad", nil, "body", "x"), http.StatusUnprocessableEntity, ""},
		{apperr.NotFound(""), http.StatusNotFound, ""},
		{apperr.Forbidden("no"), http.StatusForbidden, ""},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/acme/portal/billing/cards", strings.NewReader("")), rec)
		if err := (&Handlers{}).islandAnswer(c, "acme", nil, tc.err); err != nil {
			t.Fatalf("%s: %v", tc.err.Name, err)
		}
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.err.Name, rec.Code, tc.status)
		}
		if got := rec.Header().Get("Retry-After"); got != tc.retryAfter {
			t.Errorf("%s: Retry-After %q, want %q", tc.err.Name, got, tc.retryAfter)
		}
	}
}

// Every sign-in form (request, code, resend) answers a rate limit or an
// outage with its status and Retry-After (the resend form once sent its
// 503 without one).
func TestSignInRefusal(t *testing.T) {
	for _, tc := range []struct {
		err        *apperr.Error
		status     int
		retryAfter string
		msg        string
	}{
		{apperr.RateLimited(61*time.Second, ""), http.StatusTooManyRequests, "61", "Too many attempts."},
		{apperr.Unavailable("", 0, nil), http.StatusServiceUnavailable, "1", "Sign-in is temporarily unavailable. Please try again shortly."},
	} {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/acme/portal/authenticate/resend", nil), rec)
		msg, status := signInRefusal(c, tc.err)
		if status != tc.status || msg != tc.msg || rec.Header().Get("Retry-After") != tc.retryAfter {
			t.Errorf("%s: %d %q Retry-After %q", tc.err.Name, status, msg, rec.Header().Get("Retry-After"))
		}
	}
}
