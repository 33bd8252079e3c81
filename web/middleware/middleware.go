// Package middleware holds the HTTP middleware shared by both surfaces:
// request-scoped logging, security headers with a per-response CSP nonce,
// client IP extraction, bearer-token resolution and the route guards.
package middleware

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/auth"
)

const (
	keyLogger    = "portal.logger"
	keyLogBase   = "portal.log_base"
	keyNonce     = "portal.nonce"
	keyPrincipal = "portal.principal"
)

// IPExtractor returns echo's XFF extractor trusting exactly the configured
// proxies (and nothing implicitly), or the socket peer when none are set.
func IPExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Logger puts a request-scoped slog logger (request id, route) in the
// context and logs one line per request with status and latency.
func Logger(base *slog.Logger, observe func(route, method string, status int, d time.Duration)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			rid := c.Response().Header().Get(echo.HeaderXRequestID)
			// The request's child logger is made only if a handler asks
			// for it (Log); the request line names the id itself.
			c.Set(keyLogBase, base)
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			if observe != nil {
				observe(route, c.Request().Method, status, d)
			}
			lvl := slog.LevelInfo
			if status >= 500 {
				lvl = slog.LevelError
			}
			// The path is logged without its query: pre-authenticated links
			// carry tokens there (D11) and tokens never reach the logs.
			// Attacker-chosen strings are cut at MaxLogged bytes (D28); the
			// request id is already well formed (RequestID).
			base.Log(c.Request().Context(), lvl, "request", "request_id", rid, "method", Clip(c.Request().Method), "route", Clip(route),
				"path", Clip(c.Request().URL.Path), "status", status, "latency_ms", float64(d.Microseconds())/1000,
				"ip", Clip(c.RealIP()))
			return nil
		}
	}
}

// Log returns the request-scoped logger.
func Log(c echo.Context) *slog.Logger {
	if l, ok := c.Get(keyLogger).(*slog.Logger); ok {
		return l
	}
	if b, ok := c.Get(keyLogBase).(*slog.Logger); ok {
		l := b.With("request_id", Clip(c.Response().Header().Get(echo.HeaderXRequestID)))
		c.Set(keyLogger, l)
		return l
	}
	return slog.Default()
}

// SecurityHeaders sets the headers every response carries and a fresh CSP
// nonce for pages. extraScript/extraFrame/extraConnect widen the CSP for the
// card page's Stripe.js (exactly the origins Stripe documents).
func SecurityHeaders(secure bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// Only pages use the nonce: JSON answers get none and no CSP.
			path := c.Request().URL.Path
			page := !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/v1/")
			var nonce string
			if page {
				var b [18]byte
				_, _ = rand.Read(b[:])
				nonce = base64.RawStdEncoding.EncodeToString(b[:])
				c.Set(keyNonce, nonce)
			}
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(self \"https://js.stripe.com\")")
			if secure {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			if page {
				h.Set("Content-Security-Policy", CSP(nonce, false))
			}
			return next(c)
		}
	}
}

// CSP builds the policy. withStripe adds what Stripe.js documents for the
// Payment Element: script and frames from js.stripe.com, API calls to
// api.stripe.com, 3-D Secure frames from hooks.stripe.com.
func CSP(nonce string, withStripe bool) string {
	script := "'self' 'nonce-" + nonce + "'"
	frame := "'none'"
	connect := "'self'"
	img := "'self' data: https:"
	if withStripe {
		script += " https://js.stripe.com"
		frame = "https://js.stripe.com https://hooks.stripe.com"
		connect += " https://api.stripe.com"
	}
	return "default-src 'self'; script-src " + script + "; style-src 'self' 'nonce-" + nonce + "'; img-src " + img +
		"; font-src 'self'; connect-src " + connect + "; frame-src " + frame +
		"; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
}

// Nonce returns this response's CSP nonce.
func Nonce(c echo.Context) string {
	s, _ := c.Get(keyNonce).(string)
	return s
}

// SetPrincipal stores the signed-in caller.
func SetPrincipal(c echo.Context, p *auth.Principal) { c.Set(keyPrincipal, p) }

// Principal returns the signed-in caller or nil (anonymous).
func Principal(c echo.Context) *auth.Principal {
	p, _ := c.Get(keyPrincipal).(*auth.Principal)
	return p
}
