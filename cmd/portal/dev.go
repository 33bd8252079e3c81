package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

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
	// A second `make run` finds the first and leaves it alone: starting
	// the cluster again would stop the first one's PostgreSQL (issue 16.17).
	if st, ok := runningDev(); ok {
		return alreadyRunningError{st}
	}
	if err := os.MkdirAll(devDir, 0o755); err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	if err := writeDevState(devState{PID: os.Getpid()}); err != nil {
		return err
	}
	defer removeDevState()
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
		if err := writeDevState(devState{PID: os.Getpid(), URL: base}); err != nil {
			fmt.Fprintln(stderr, "portal dev: "+err.Error())
		}
		banner := func() {
			fmt.Fprintf(stdout, "\nPortal is running at %s (development mode, payments: %s)\n\n", base, cfg.Payments)
			fmt.Fprint(stdout, describeDemo(workspaces, base))
			fmt.Fprintln(stdout, "\nSign-in codes appear below and on "+base+"/_dev/mail. In another terminal, `portal workspace token --slug acme` uses this database.")
			fmt.Fprintln(stdout, "Press Enter to show this again. Press Ctrl-C to stop.")
		}
		banner()
		usr1 := make(chan os.Signal, 1)
		signal.Notify(usr1, syscall.SIGUSR1)
		go bannerOnDemand(ctx, devStdin, usr1, banner)
	}
	return serve(ctx, cfg, stderr, ready)
}

// devStdin is where `portal dev` reads Enter (tests give it a pipe).
var devStdin io.Reader = os.Stdin

// bannerOnDemand prints the banner again on Enter (a line on in) and on
// SIGUSR1, until ctx ends: the URLs and demo people are never more than a
// key away, however much was logged since (issue 16.19).
func bannerOnDemand(ctx context.Context, in io.Reader, usr1 chan os.Signal, banner func()) {
	defer signal.Stop(usr1)
	lines := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-usr1:
			banner()
		case <-lines:
			banner()
		}
	}
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
