package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// TestDevSecondInstanceCommandsAndConsole (issue 16.17, 16.18, 16.19): next
// to a running `portal dev`, a second one says "already running at <URL>"
// and touches nothing (the first keeps serving, its PostgreSQL keeps
// running); `portal workspace token --slug acme` with no DATABASE_URL uses
// the dev database and says so, and its token works on the running server;
// the console shows no per-request lines, a sign-in code as "code for
// <address>: XXXX-XXXX (also on /_dev/mail)", and the banner again on
// Enter, printed after everything the start-up logged.
func TestDevSecondInstanceCommandsAndConsole(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	stdinR, stdinW := io.Pipe()
	devStdin = stdinR
	t.Cleanup(func() { devStdin = os.Stdin; stdinW.Close() })
	env := map[string]string{"PORTAL_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, logs := &testkit.SyncBuffer{}, &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"dev"}, envOf(env), out, logs) }()
	deadline := time.After(3 * time.Minute)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("dev stopped early: %v\n%s\n%s", err, out.String(), logs.String())
		case <-deadline:
			t.Fatalf("dev not ready:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	base := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(out.String())[1]
	pgPID, ok := postmasterAlive(filepath.Join(".data", "postgres"))
	if !ok {
		t.Fatal("no running cluster")
	}

	// 16.17: a second dev touches nothing.
	err := run(context.Background(), []string{"dev"}, envOf(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already running at "+base) {
		t.Fatalf("second dev: %v", err)
	}
	if pid, ok := postmasterAlive(filepath.Join(".data", "postgres")); !ok || pid != pgPID {
		t.Fatalf("the first dev's PostgreSQL was touched: pid %d → %d (alive %v)", pgPID, pid, ok)
	}
	get := func(path string, hdr ...string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("/readyz"); s != http.StatusOK {
		t.Fatalf("first dev after the second: readyz %d", s)
	}

	// 16.18: the workspace command finds the dev database.
	var tokOut, tokErr bytes.Buffer
	if err := run(context.Background(), []string{"workspace", "token", "--slug", "acme"}, envOf(map[string]string{}), &tokOut, &tokErr); err != nil {
		t.Fatalf("workspace token next to portal dev: %v\n%s", err, tokErr.String())
	}
	if !strings.Contains(tokErr.String(), "using the development database") {
		t.Errorf("the command does not say which database it used: %q", tokErr.String())
	}
	var iss struct {
		Slug        string `json:"slug"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(tokOut.Bytes(), &iss); err != nil || iss.Slug != "acme" || iss.AccessToken == "" {
		t.Fatalf("token output %q: %v", tokOut.String(), err)
	}
	if s := get("/api/customers/00000000-0000-4000-8000-000000000000", "Authorization", "Bearer "+iss.AccessToken); s != http.StatusNotFound {
		t.Errorf("the token does not work on the running server: %d", s)
	}

	// 16.19: quiet console, the code line, the banner on demand.
	resp, err := http.Post(base+"/api/customer-portal/customer-session/request", "application/json",
		strings.NewReader(`{"email":"alice@example.com","workspace_id":"`+workspaceID(t, base, "acme")+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	codeLine := regexp.MustCompile(`code for alice@example\.com: [0-9A-Z]{4}-[0-9A-Z]{4} \(also on /_dev/mail\)`)
	for wait := time.After(30 * time.Second); !codeLine.MatchString(logs.String()); {
		select {
		case <-wait:
			t.Fatalf("no code line in the console:\n%s", logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if strings.Contains(logs.String(), "msg=request") || strings.Contains(logs.String(), "mail not sent") {
		t.Errorf("per-request or mail-not-sent lines in the development console:\n%s", logs.String())
	}
	before := strings.Count(out.String(), "Portal is running at")
	if _, err := stdinW.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	for wait := time.After(10 * time.Second); strings.Count(out.String(), "Portal is running at") == before; {
		select {
		case <-wait:
			t.Fatal("Enter did not print the banner again")
		case <-time.After(20 * time.Millisecond):
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
	if _, err := os.Stat(filepath.Join(".data", devStateFile)); !os.IsNotExist(err) {
		t.Errorf("dev state file left behind: %v", err)
	}
}

func workspaceID(t *testing.T, base, slug string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/customer-portal/workspaces/" + slug)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ws struct {
		Workspace struct {
			ID string `json:"id"`
		} `json:"workspace"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ws); err != nil || ws.Workspace.ID == "" {
		t.Fatalf("workspace %s: %v", slug, err)
	}
	return ws.Workspace.ID
}
