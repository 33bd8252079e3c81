package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/testkit"
)

// runDev runs `portal dev` until it prints its banner, checks the server,
// then cancels (Ctrl-C) and waits for it to stop. It returns the banner.
func runDev(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"dev"}, envOf(env), out, io.Discard) }()
	deadline := time.After(3 * time.Minute)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("dev stopped early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("dev not ready:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	banner := out.String()
	base := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(banner)
	if base == nil {
		t.Fatalf("no URL in %q", banner)
	}
	for _, path := range []string{"/healthz", "/readyz", "/api/customer-portal/workspaces/teamco", "/acme/portal/request"} {
		resp, err := http.Get(base[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dev: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("dev did not stop")
	}
	if _, err := http.Get(base[1] + "/healthz"); err == nil {
		t.Fatal("server still answering after Ctrl-C")
	}
	return banner
}

// TestDev: with no DATABASE_URL and no PORTAL_SECRET, `portal dev` starts a
// private cluster under .data/postgres, generates .data/secret (0600) once,
// migrates, seeds, serves and prints the URL, slugs and demo emails;
// cancelling stops the server and then the cluster. A second run reuses
// both (the seed's idempotency is TestSeedDemoIdempotent's).
func TestDev(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"PORTAL_ADDR": "127.0.0.1:0"}
	banner := runDev(t, env)
	for _, want := range []string{"acme", "teamco", "alice@example.com", "pat@example.com", "/teamco/portal", "payments: sandbox"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	secretPath := filepath.Join(dir, ".data", "secret")
	st, err := os.Stat(secretPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	secret, _ := os.ReadFile(secretPath)
	if _, err := os.Stat(filepath.Join(dir, ".data", "postgres", "PG_VERSION")); err != nil {
		t.Fatalf("no cluster: %v", err)
	}
	// The cluster stopped with the command.
	if _, err := os.Stat(filepath.Join(dir, ".data", "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("postmaster.pid still there: %v", err)
	}

	runDev(t, env)
	again, _ := os.ReadFile(secretPath)
	if !bytes.Equal(secret, again) {
		t.Fatal("secret regenerated")
	}
}
