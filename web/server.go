// Package web is the HTTP layer: the only code that knows echo, cookies and
// HTMX. One route table serves the pages, the portal API, the workspace API,
// webhooks and the operations endpoints.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"portal/internal/app"
	"portal/internal/apperr"
	"portal/internal/validate"
	"portal/web/middleware"
)

// Server is the portal's HTTP server.
type Server struct {
	E        *echo.Echo
	svc      *app.Services
	log      *slog.Logger
	metrics  *metrics
	draining atomic.Bool
	migrated atomic.Bool // all migrations seen applied (readyz)

	// pageError renders an error as a page or HTMX fragment; set by the
	// page layer in routes.go.
	pageError func(c echo.Context, status int, e *apperr.Error) error
}

// New builds the server and its route table.
func New(svc *app.Services) *Server {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{E: e, svc: svc, log: svc.Log, metrics: newMetrics()}
	e.HTTPErrorHandler = s.httpErrorHandler
	e.IPExtractor = middleware.IPExtractor(svc.Config.Trusted)

	// /v1/... is an alias of /api/... with a deprecation header (D6).
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if len(r.URL.Path) >= 4 && r.URL.Path[:4] == "/v1/" {
				r.URL.Path = "/api/" + r.URL.Path[4:]
				r.URL.RawPath = ""
				c.Response().Header().Set("X-Rapidly-Deprecation-Notice", "The API root has moved from /v1 to /api. Please update your integration.")
			}
			return next(c)
		}
	})
	// An upstream id is echoed only when well formed, else ours (D28).
	e.Use(middleware.RequestID(newRequestID))
	e.Use(middleware.Logger(svc.Log, s.metrics.observe))
	// Text answers of 1 KiB or more go out compressed (docs/design.md
	// "Assets"); inside the logger, so its error pages are compressed too.
	e.Use(middleware.Compress())
	e.Use(echomw.RecoverWithConfig(echomw.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			middleware.Log(c).Error("panic", "error", err.Error(), "stack", string(stack))
			return apperr.Internal("panic", err)
		},
	}))
	e.Use(middleware.SecurityHeaders(svc.Config.Secure()))
	// 413 for bodies over 1 MiB, chunked or not (D28).
	e.Use(middleware.BodyLimit(validate.MaxBody))
	// A query string Go cannot parse is refused, never half-read (D28).
	e.Use(middleware.StrictQuery(isAPI))
	s.routes()
	return s
}

// Handler returns the server as an http.Handler (tests drive it directly).
func (s *Server) Handler() http.Handler { return s.E }

// Serve listens on ln until ctx is cancelled, then shuts down gracefully:
// /readyz turns 503 at once, in-flight requests get up to grace to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s.E,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Draining reports whether shutdown has begun.
func (s *Server) Draining() bool { return s.draining.Load() }
