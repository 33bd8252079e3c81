package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/db"
)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the database answers, every migration is
// applied, and the server is not shutting down.
func (s *Server) readyz(c echo.Context) error {
	if s.Draining() {
		c.Response().Header().Set("Retry-After", "1")
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Pool.Ping(ctx); err != nil {
		c.Response().Header().Set("Retry-After", "1")
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	// Once every migration is seen applied it stays so for this binary's
	// life; skip re-reading goose's table on every probe.
	if !s.migrated.Load() {
		ok, err := db.Migrated(ctx, s.svc.Pool)
		if err != nil || !ok {
			c.Response().Header().Set("Retry-After", "5")
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database not migrated"})
		}
		s.migrated.Store(true)
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
