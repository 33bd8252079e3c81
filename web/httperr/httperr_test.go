package httperr

import (
	"net/http"
	"testing"
	"time"

	"portal/internal/apperr"
)

func TestStatusOfEveryKind(t *testing.T) {
	cases := []struct {
		kind apperr.Kind
		want int
	}{
		{apperr.KindInternal, 500},
		{apperr.KindInvalid, 422},
		{apperr.KindNotFound, 404},
		{apperr.KindConflict, 409},
		{apperr.KindUnauthenticated, 401},
		{apperr.KindInvalidToken, 401},
		{apperr.KindForbidden, 403},
		{apperr.KindBadRequest, 400},
		{apperr.KindRateLimited, 429},
		{apperr.KindUnavailable, 503},
		{apperr.KindProviderUnavailable, 502},
		{apperr.KindTooLarge, 413},
	}
	for _, tc := range cases {
		if got := Status(tc.kind); got != tc.want {
			t.Errorf("Status(%d) = %d, want %d", tc.kind, got, tc.want)
		}
	}
}

func TestHeaders(t *testing.T) {
	cases := []struct {
		name       string
		err        *apperr.Error
		retryAfter string
		challenge  string
	}{
		{"rate limited rounds down", apperr.RateLimited(90*time.Second+500*time.Millisecond, ""), "90", ""},
		{"rate limited without a wait says 1", apperr.RateLimited(0, ""), "1", ""},
		{"unavailable without a wait says 1", apperr.Unavailable("", 0, nil), "1", ""},
		{"unavailable with a wait", apperr.Unavailable("", 30*time.Second, nil), "30", ""},
		{"unauthorized challenges", apperr.Unauthorized(), "", `Bearer realm="rapidly"`},
		{"invalid token challenges with the error", apperr.InvalidToken(), "",
			`Bearer realm="rapidly", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons."`},
		{"not found has neither", apperr.NotFound(""), "", ""},
		{"conflict has neither", apperr.Conflict("X", "y"), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			status := StatusOf(h, tc.err)
			if status != Status(tc.err.Kind) {
				t.Errorf("StatusOf = %d, Status = %d", status, Status(tc.err.Kind))
			}
			if got := h.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if got := h.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
		})
	}
}
