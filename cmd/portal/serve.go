package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/logbuf"
	"portal/web"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{"serve takes no arguments"}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, stderr, nil)
}

// serve runs the server until ctx ends. ready, when set, receives the URL
// once the listener is open.
func serve(ctx context.Context, cfg *config.Config, logw io.Writer, ready func(url string)) error {
	start := time.Now()
	if cfg.DatabaseURL == "" {
		return &config.Error{Var: "DATABASE_URL", Msg: "is required (or run `portal dev`)"}
	}
	// Request lines are batched (internal/logbuf); everything is out by the
	// time serve returns.
	lw := logbuf.New(logw, 64<<10)
	defer lw.Close()
	log := newLogger(cfg.Dev(), lw)
	if !cfg.Dev() && strings.HasPrefix(cfg.BaseURL, "http://") {
		log.Warn("PORTAL_BASE_URL is http:// in production; cookies are not marked Secure unless TLS ends at a proxy that sets https", "base_url", cfg.BaseURL)
	}
	pool, err := db.OpenMode(ctx, cfg.DatabaseURL, cfg.PoolMode)
	if err != nil {
		return err
	}
	defer pool.Close()
	if cfg.Migrate == "on" {
		if err := migrateServe(ctx, cfg, pool); err != nil {
			return err
		}
	}
	svc, err := app.Build(ctx, cfg, pool, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on PORTAL_ADDR %s: %w", cfg.Addr, err)
	}
	// Metrics only on their own, private listener; none when unset (D24).
	var mln net.Listener
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on PORTAL_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
	}
	srv := web.New(svc)
	bgctx, bgcancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := svc.Start(bgctx); err != nil {
		bgcancel()
		_ = ln.Close()
		if mln != nil {
			_ = mln.Close()
		}
		return err
	}
	metricsDone := make(chan struct{})
	if mln != nil {
		log.Info("metrics listening", "addr", mln.Addr().String())
		go func() {
			defer close(metricsDone)
			if err := srv.ServeMetrics(ctx, mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener stopped", "error", err.Error())
			}
		}()
	} else {
		close(metricsDone)
	}
	url := "http://" + ln.Addr().String()
	log.Info("portal listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "startup_ms", time.Since(start).Milliseconds())
	_ = lw.Flush() // the start-up line is what operators and scripts wait for
	if ready != nil {
		ready(url)
	}
	err = srv.Serve(ctx, ln, 15*time.Second)
	<-metricsDone
	// Drain background work after HTTP: in-flight requests may enqueue mail.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := svc.Stop(sctx); serr != nil && err == nil {
		err = serr
	}
	bgcancel()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("portal stopped")
	return err
}

// migrateServe applies pending migrations before serving. Behind a
// transaction pooler the migration lock (a session advisory lock) would not
// hold, so migrations run over PORTAL_MIGRATE_DATABASE_URL, a direct
// connection opened for them alone.
func migrateServe(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool) error {
	if !cfg.TransactionPooling() {
		return migrateUp(ctx, pool)
	}
	direct, err := db.Open(ctx, cfg.MigrateDatabaseURL)
	if err != nil {
		return fmt.Errorf("PORTAL_MIGRATE_DATABASE_URL: %w", err)
	}
	defer direct.Close()
	return migrateUp(ctx, direct)
}
