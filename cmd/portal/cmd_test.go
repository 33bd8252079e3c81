package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/internal/workspace"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const cmdSecret = "0123456789abcdef0123456789abcdef-command-tests"

// envOf is a getenv over a fixed map.
func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// dbEnv is the environment of a command run against this test's database.
func dbEnv(t *testing.T) map[string]string {
	return map[string]string{"DATABASE_URL": testkit.DSN(t), "PORTAL_SECRET": cmdSecret, "PORTAL_MIGRATE": "off"}
}

// runCmd runs the command line as main would, returning stdout and the error.
func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), args, envOf(env), &out, &errw)
	return out.String(), err
}

type issued struct {
	ID          uuid.UUID `json:"id"`
	Slug        string    `json:"slug"`
	AccessToken string    `json:"access_token"`
}

// oneJSON decodes stdout, which must be exactly one JSON object on one line.
func oneJSON(t *testing.T, out string) issued {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("stdout is not one JSON line: %q", out)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil || len(raw) != 3 {
		t.Fatalf("stdout %q: %v", out, err)
	}
	var v issued
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWorkspaceCreateAndToken: create prints {"id","slug","access_token"};
// the token is stored only as its hash and authenticates the workspace;
// token issues another one for the same workspace.
func TestWorkspaceCreateAndToken(t *testing.T) {
	t.Parallel()
	env := dbEnv(t)
	pool := testkit.DB(t)
	out, err := runCmd(t, env, "workspace", "create", "--name", "Acme Inc.", "--slug", "acme", "--email", "help@acme.example.com",
		"--website", "https://acme.example.com", "--member-model")
	if err != nil {
		t.Fatal(err)
	}
	c := oneJSON(t, out)
	if c.Slug != "acme" || !strings.HasPrefix(c.AccessToken, auth.PrefixWorkspaceToken) || c.ID == uuid.Nil {
		t.Fatalf("%+v", c)
	}
	var name, email, website string
	var memberModel bool
	if err := pool.QueryRow(t.Context(), `SELECT name, email, website, member_model_enabled FROM workspaces WHERE id = $1`, c.ID).
		Scan(&name, &email, &website, &memberModel); err != nil {
		t.Fatal(err)
	}
	if name != "Acme Inc." || email != "help@acme.example.com" || website != "https://acme.example.com" || !memberModel {
		t.Fatalf("row %q %q %q %v", name, email, website, memberModel)
	}
	h, _ := auth.NewHasher([]byte(cmdSecret))
	svc := workspace.New(pool, h, "http://x")
	if ws, err := svc.Authenticate(t.Context(), c.AccessToken); err != nil || ws.ID != c.ID {
		t.Fatalf("token does not authenticate: %v", err)
	}
	var plain int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM workspace_access_tokens WHERE token_hash = $1`, c.AccessToken).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("raw token stored: %d %v", plain, err)
	}

	out, err = runCmd(t, env, "workspace", "token", "--slug", "ACME")
	if err != nil {
		t.Fatal(err)
	}
	tk := oneJSON(t, out)
	if tk.ID != c.ID || tk.Slug != "acme" || tk.AccessToken == c.AccessToken {
		t.Fatalf("%+v", tk)
	}
	if ws, err := svc.Authenticate(t.Context(), tk.AccessToken); err != nil || ws.ID != c.ID {
		t.Fatalf("second token: %v", err)
	}
	// Without --member-model the workspace is in legacy mode.
	out, err = runCmd(t, env, "workspace", "create", "--name", "Legacy", "--slug", "legacy")
	if err != nil {
		t.Fatal(err)
	}
	legacy := oneJSON(t, out).ID
	if err := pool.QueryRow(t.Context(), `SELECT member_model_enabled FROM workspaces WHERE id = $1`, legacy).Scan(&memberModel); err != nil || memberModel {
		t.Fatalf("member model %v %v", memberModel, err)
	}
	// --locale sets default_locale; without it the workspace speaks English.
	out, err = runCmd(t, env, "workspace", "create", "--name", "Brasil", "--slug", "brasil", "--locale", "pt-BR")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]string{oneJSON(t, out).ID: "pt-BR", legacy: "en", c.ID: "en"} {
		var got string
		if err := pool.QueryRow(t.Context(), `SELECT default_locale FROM workspaces WHERE id = $1`, id).Scan(&got); err != nil || got != want {
			t.Fatalf("default_locale %q, want %q (%v)", got, want, err)
		}
	}
}

// TestWorkspaceErrors: a taken slug (any case) and an unknown slug are
// one-line failures with status 1, not usage errors; nothing on stdout.
func TestWorkspaceErrors(t *testing.T) {
	t.Parallel()
	env := dbEnv(t)
	if _, err := runCmd(t, env, "workspace", "create", "--name", "A", "--slug", "acme"); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, env, "workspace", "create", "--name", "B", "--slug", "ACME")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), `slug "ACME" is already taken`) || strings.Contains(err.Error(), "\n") || out != "" {
		t.Fatalf("duplicate: %v (exit %d) %q", err, exitCode(err), out)
	}
	out, err = runCmd(t, env, "workspace", "token", "--slug", "nope")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), `no workspace with slug "nope"`) || out != "" {
		t.Fatalf("unknown slug: %v %q", err, out)
	}
	var n int
	if err := testkit.DB(t).QueryRow(t.Context(), `SELECT count(*) FROM workspaces`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d workspaces", n)
	}
}

// TestUsageErrors: bad command lines exit with status 2 and a message.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	env := dbEnv(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"workspace"},
		{"workspace", "delete"},
		{"workspace", "create"},
		{"workspace", "create", "--name", "A"},
		{"workspace", "create", "--slug", "a"},
		{"workspace", "create", "--name", "A", "--slug", "a", "--colour", "red"},
		{"workspace", "create", "--name", "A", "--slug", "a", "extra"},
		{"workspace", "create", "--name", "A", "--slug", "a b"},
		{"workspace", "create", "--name", "A", "--slug", "api"},
		{"workspace", "create", "--name", "A", "--slug", "-x"},
		{"workspace", "create", "--name", strings.Repeat("n", 257), "--slug", "a"},
		{"workspace", "create", "--name", "A", "--slug", "a", "--email", "nope"},
		{"workspace", "create", "--name", "A", "--slug", "a", "--website", "acme.example"},
		{"workspace", "create", "--name", "A", "--slug", "a", "--locale", "xx"},
		{"workspace", "create", "--name", "A", "--slug", "a", "--locale", "pt"},
		{"workspace", "token"},
		{"workspace", "token", "--slug"},
		{"seed"},
		{"seed", "--demo", "extra"},
		{"migrate", "up", "down"},
		{"serve", "now"},
		{"dev", "now"},
	} {
		out, err := runCmd(t, env, args...)
		var ue usageError
		if err == nil || !errors.As(err, &ue) || exitCode(err) != 2 || out != "" {
			t.Fatalf("%q: %v (exit %d), stdout %q", args, err, exitCode(err), out)
		}
	}
	// Flag-specific messages name the flag.
	_, err := runCmd(t, env, "workspace", "create", "--name", "A", "--slug", "a b")
	if !strings.Contains(err.Error(), "--slug") {
		t.Fatalf("%v", err)
	}
	if _, err := runCmd(t, env, "workspace", "create", "--name", "A", "--slug", "a", "--email", "nope"); !strings.Contains(err.Error(), "--email") {
		t.Fatalf("%v", err)
	}
	if n := countRows(t, testkit.DB(t), "workspaces"); n != 0 {
		t.Fatalf("%d workspaces written", n)
	}
	if exitCode(nil) != 0 {
		t.Fatal("exitCode(nil)")
	}
}

// TestConfigErrorsNameTheVariable: commands fail with one line naming the
// variable at fault.
func TestConfigErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	dsn := testkit.DSN(t)
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PORTAL_SECRET": cmdSecret}, []string{"workspace", "create", "--name", "A", "--slug", "a"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": dsn}, []string{"workspace", "token", "--slug", "a"}, "PORTAL_SECRET"},
		{map[string]string{"DATABASE_URL": dsn, "PORTAL_SECRET": "short"}, []string{"workspace", "token", "--slug", "a"}, "PORTAL_SECRET"},
		{map[string]string{}, []string{"seed", "--demo"}, "DATABASE_URL"},
		{map[string]string{"PORTAL_SECRET": cmdSecret}, []string{"serve"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": dsn, "PORTAL_SECRET": cmdSecret, "PORTAL_ENV": "staging"}, []string{"serve"}, "PORTAL_ENV"},
		{map[string]string{"DATABASE_URL": dsn, "PORTAL_SECRET": cmdSecret, "PORTAL_PAYMENTS": "sandbox"}, []string{"serve"}, "PORTAL_PAYMENTS"},
		{map[string]string{"DATABASE_URL": dsn, "PORTAL_SECRET": cmdSecret, "PORTAL_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"serve"}, "PORTAL_TRUSTED_PROXIES"},
	} {
		_, err := runCmd(t, c.env, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || exitCode(err) != 1 {
			t.Fatalf("%q with %v: %v", c.args, c.env, err)
		}
	}
}

// demoTables are the tables the demo writes.
var demoTables = []string{"workspaces", "customers", "members", "file_share_sessions", "file_share_downloads",
	"file_share_payments", "shares", "share_prices", "files", "share_medias", "workspace_access_tokens"}

func countRows(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func counts(t *testing.T, pool *pgxpool.Pool) map[string]int {
	m := map[string]int{}
	for _, tb := range demoTables {
		m[tb] = countRows(t, pool, tb)
	}
	return m
}

// TestSeedDemoIdempotent: `seed --demo` writes the demo set once; a second
// run changes no row count. The set has both sign-in modes, members of
// every role, an address shared by members of two teams, sessions in every
// status with downloads and payments, and a contract-valid public share.
func TestSeedDemoIdempotent(t *testing.T) {
	t.Parallel()
	env := dbEnv(t)
	pool := testkit.DB(t)
	out, err := runCmd(t, env, "seed", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"acme", "teamco", "alice@example.com", "olivia@example.com", "pat@example.com", "mia@example.com", "bill@example.com"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	first := counts(t, pool)
	if first["workspaces"] != 2 || first["file_share_downloads"] == 0 || first["file_share_payments"] == 0 || first["share_prices"] != 6 || first["share_medias"] != 2 {
		t.Fatalf("first run %v", first)
	}
	// The second run goes through migrations too (PORTAL_MIGRATE default).
	delete(env, "PORTAL_MIGRATE")
	out2, err := runCmd(t, env, "seed", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	if second := counts(t, pool); !equalCounts(first, second) || out2 != out {
		t.Fatalf("second run changed things: %v -> %v", first, second)
	}

	q := func(sql string, args ...any) int {
		var n int
		if err := pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if q(`SELECT count(*) FROM workspaces WHERE slug = 'teamco' AND member_model_enabled AND seat_based_pricing_enabled`) != 1 ||
		q(`SELECT count(*) FROM workspaces WHERE slug = 'acme' AND NOT member_model_enabled`) != 1 {
		t.Fatal("sign-in modes")
	}
	for _, slug := range []string{"acme", "teamco"} {
		if n := q(`SELECT count(DISTINCT s.status) FROM file_share_sessions s JOIN workspaces w ON w.id = s.workspace_id WHERE w.slug = $1`, slug); n != 6 {
			t.Fatalf("%s: %d statuses", slug, n)
		}
		if n := q(`SELECT count(DISTINCT m.role) FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE w.slug = $1`, slug); n != 3 {
			t.Fatalf("%s: %d roles", slug, n)
		}
		if n := q(`SELECT count(DISTINCT c.type) FROM customers c JOIN workspaces w ON w.id = c.workspace_id WHERE w.slug = $1`, slug); n != 2 {
			t.Fatalf("%s: %d customer types", slug, n)
		}
	}
	if n := q(`SELECT count(DISTINCT m.customer_id) FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE w.slug = 'teamco' AND m.email = 'pat@example.com'`); n != 2 {
		t.Fatalf("account picker address in %d customers", n)
	}
	for _, st := range []string{"completed", "pending", "refunded", "failed"} {
		if q(`SELECT count(*) FROM file_share_payments WHERE status = $1`, st) == 0 {
			t.Fatalf("no %s payment", st)
		}
	}
	// Download counts agree with the download rows.
	if n := q(`SELECT count(*) FROM file_share_sessions s WHERE download_count <> (SELECT count(*) FROM file_share_downloads d WHERE d.session_id = s.id)`); n != 0 {
		t.Fatalf("%d sessions with inconsistent download_count", n)
	}

	// The public endpoint shows the demo share, valid against the contract.
	c := webtest.NewServer(t, webtest.Options{Pool: pool, BaseURL: "http://portal.test"}).Client()
	for _, slug := range []string{"acme", "teamco"} {
		r := c.GetJSON("/api/customer-portal/workspaces/"+slug).ExpectStatus(t, http.StatusOK)
		r.ValidateContract(t)
		var b struct {
			Shares []struct {
				Prices []map[string]any `json:"prices"`
				Medias []map[string]any `json:"medias"`
			} `json:"shares"`
		}
		r.JSON(t, &b)
		if len(b.Shares) != 1 || len(b.Shares[0].Prices) != 3 || len(b.Shares[0].Medias) != 1 {
			t.Fatalf("%s: %s", slug, r.Body)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}
