package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"portal/internal/config"
	"portal/internal/demo"
	"portal/internal/devpg"
)

// devDir holds what `portal dev` keeps between runs: the private cluster,
// its log and the generated secret. It is relative to the working directory
// (the repository root under `make run`) and git-ignored.
const devDir = ".data"

// cmdDev is `portal dev` (what `make run` runs): a private PostgreSQL cluster
// unless DATABASE_URL is set, a secret generated once, migrations, the demo
// data, and the server in development mode until Ctrl-C, which stops the
// server and then the cluster.
func cmdDev(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{"usage: portal dev"}
	}
	if err := os.MkdirAll(devDir, 0o755); err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	set := map[string]string{"PORTAL_ENV": "development"}
	get := func(k string) string {
		if v, ok := set[k]; ok {
			return v
		}
		return getenv(k)
	}
	if getenv("PORTAL_PAYMENTS") == "" {
		set["PORTAL_PAYMENTS"] = "sandbox"
	}
	if getenv("PORTAL_BASE_URL") == "" {
		// Passkeys need a host name: WebAuthn refuses an IP address as the
		// relying party ID, so the default 127.0.0.1 listener is announced
		// as localhost (docs/design.md "Passkeys").
		addr := getenv("PORTAL_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		if host, port, err := net.SplitHostPort(addr); err == nil && port != "0" && (host == "127.0.0.1" || host == "localhost") {
			set["PORTAL_BASE_URL"] = "http://localhost:" + port
		}
	}
	if getenv("PORTAL_SECRET") == "" {
		secret, err := devSecret(filepath.Join(devDir, "secret"))
		if err != nil {
			return err
		}
		set["PORTAL_SECRET"] = secret
	}

	if getenv("DATABASE_URL") == "" {
		logf, err := os.OpenFile(filepath.Join(devDir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("dev: %w", err)
		}
		defer logf.Close()
		fmt.Fprintln(stderr, "portal dev: starting PostgreSQL in "+filepath.Join(devDir, "postgres")+" (log: "+logf.Name()+")")
		cluster, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(devDir, "postgres"), Fsync: true, Log: logf})
		if err != nil {
			return fmt.Errorf("dev: %w", err)
		}
		// Deferred first-in, so it runs after the server has stopped.
		defer func() {
			if err := cluster.Stop(); err != nil {
				fmt.Fprintln(stderr, "portal dev: stop PostgreSQL: "+err.Error())
			}
		}()
		if err := cluster.CreateDatabase(ctx, "portal"); err != nil {
			return fmt.Errorf("dev: %w", err)
		}
		set["DATABASE_URL"] = cluster.DSN("portal")
	}

	cfg, err := config.Load(get)
	if err != nil {
		return err
	}
	pool, err := openDatabase(ctx, cfg.DatabaseURL, cfg.Migrate != "off")
	if err != nil {
		return err
	}
	workspaces, err := demo.Seed(ctx, pool)
	pool.Close()
	if err != nil {
		return err
	}
	explicitBase := get("PORTAL_BASE_URL") != ""
	ready := func(url string) {
		base := cfg.BaseURL
		if !explicitBase {
			base = url // the real port, even when PORTAL_ADDR asked for :0
		}
		fmt.Fprintf(stdout, "Portal is running at %s (development mode, payments: %s)\n\n", base, cfg.Payments)
		fmt.Fprint(stdout, describeDemo(workspaces, base))
		fmt.Fprintln(stdout, "\nPress Ctrl-C to stop.")
	}
	return serve(ctx, cfg, stderr, ready)
}

// devSecret returns the development secret kept in path, generating it
// (32 random bytes as hex, mode 0600) on first use.
func devSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 || len(s) > 64 {
			return "", &config.Error{Var: "PORTAL_SECRET", Msg: fmt.Sprintf("%s must hold 32 to 64 bytes; delete it to have a new one generated", path)}
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("dev: read %s: %w", path, err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("dev: %w", err)
	}
	s := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("dev: write %s: %w", path, err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("dev: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("dev: write %s: %w", path, err)
	}
	return s, nil
}
