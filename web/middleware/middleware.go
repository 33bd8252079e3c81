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
			now := time.Now()
			d := now.Sub(start)
			r := c.Request()
			if observe != nil {
				observe(route, r.Method, status, d)
			}
			lvl := slog.LevelInfo
			if status >= 500 {
				lvl = slog.LevelError
			}
			ctx := r.Context()
			h := base.Handler()
			if !h.Enabled(ctx, lvl) {
				return nil
			}
			// The path is logged without its query: pre-authenticated links
			// carry tokens there (D11) and tokens never reach the logs.
			// Attacker-chosen strings are cut at MaxLogged bytes (D28); the
			// request id is already well formed (RequestID).
			// The record goes straight to the handler, as typed attributes:
			// slog.Logger.Log would box each value and walk the stack for
			// a source position no handler here prints (docs/design.md
			// "Performance").
			rec := slog.NewRecord(now, lvl, "request", 0)
			rec.AddAttrs(slog.String("request_id", rid), slog.String("method", Clip(r.Method)), slog.String("route", Clip(route)),
				slog.String("path", Clip(r.URL.Path)), slog.Int("status", status),
				slog.Float64("latency_ms", float64(d.Microseconds())/1000), slog.String("ip", Clip(c.RealIP())))
			_ = h.Handle(ctx, rec)
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
			// The keys are written in canonical form straight into the map,
			// the values in one allocation (Header.Set canonicalizes each
			// key and allocates each value on every response).
			h := c.Response().Header()
			v := make([]string, 7)
			v[0], v[1], v[2], v[3], v[4] = "nosniff", "no-referrer", "DENY", "same-origin", permissionsPolicy
			h["X-Content-Type-Options"] = v[0:1:1]
			h["Referrer-Policy"] = v[1:2:2]
			h["X-Frame-Options"] = v[2:3:3]
			h["Cross-Origin-Opener-Policy"] = v[3:4:4]
			h["Permissions-Policy"] = v[4:5:5]
			if secure {
				v[5] = "max-age=63072000; includeSubDomains"
				h["Strict-Transport-Security"] = v[5:6:6]
			}
			if page {
				v[6] = CSP(nonce, false)
				h["Content-Security-Policy"] = v[6:7:7]
			}
			return next(c)
		}
	}
}

const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(self \"https://js.stripe.com\")"

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
