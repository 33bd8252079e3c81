package api_test

// Test harness for the linked-accounts tests: a private PostgreSQL (devpg)
// with a migrated template database cloned per test, the real router, a
// contract validator, and an httptest OAuth provider playing Microsoft
// (login + Graph) and Discord.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/devpg"
	"portal/web"
)

const testSecret = "0123456789abcdef0123456789abcdef-oauth-tests"

var (
	pgOnce    sync.Once
	pgCluster *devpg.Cluster
	pgErr     error
)

// oauthDB returns a fresh migrated database for one test.
func oauthDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pgOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portal-oauth-pg-")
		if err != nil {
			pgErr = err
			return
		}
		pgCluster, pgErr = devpg.Start(ctx, devpg.Options{Dir: filepath.Join(dir, "data")})
		if pgErr != nil {
			return
		}
		if pgErr = pgCluster.CreateDatabase(ctx, "oauth_tmpl"); pgErr != nil {
			return
		}
		p, err := pgxpool.New(ctx, pgCluster.DSN("oauth_tmpl"))
		if err != nil {
			pgErr = err
			return
		}
		defer p.Close()
		pgErr = db.Migrate(ctx, p)
	})
	if pgErr != nil {
		t.Fatalf("test database: %v", pgErr)
	}
	name := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	admin, err := pgxpool.New(ctx, pgCluster.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE oauth_tmpl`, name)); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, pgCluster.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// contract validates API responses against the OpenAPI document.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	contractOnce sync.Once
	theContract  *contract
	contractErr  error
)

func loadContract(t *testing.T) *contract {
	t.Helper()
	contractOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "spec", "customer-portal.openapi.json")
		if p := os.Getenv("PORTAL_CONTRACT"); p != "" {
			path = p
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			contractErr = err
			return
		}
		doc.Servers = nil
		r, err := legacy.NewRouter(doc)
		if err != nil {
			contractErr = err
			return
		}
		theContract = &contract{doc: doc, router: r}
	})
	if contractErr != nil {
		t.Fatalf("contract: %v", contractErr)
	}
	return theContract
}

// validate checks that a response with a status the contract documents has
// a body matching its schema.
func (k *contract) validate(t *testing.T, req *http.Request, status int, hdr http.Header, body []byte) {
	t.Helper()
	r := req.Clone(context.Background())
	r.URL.Scheme, r.URL.Host = "", ""
	route, params, err := k.router.FindRoute(r)
	if err != nil {
		t.Fatalf("contract: no route for %s %s: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: hdr,
		Options: &openapi3filter.Options{IncludeResponseStatus: false}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("contract: %s %s → %d: %v\nbody: %s", req.Method, req.URL.Path, status, err, body)
	}
}

// env is one test's world: database, services, router, provider.
type env struct {
	t        *testing.T
	pool     *pgxpool.Pool
	svc      *app.Services
	handler  http.Handler
	provider *fakeProvider
	cfg      *config.Config
	k        *contract
}

const baseURL = "https://portal.example.test"

func newEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	pool := oauthDB(t)
	fp := newFakeProvider(t)
	cfg := &config.Config{
		Env: "test", Addr: "127.0.0.1:0", BaseURL: baseURL, Secret: testSecret, MailFrom: "portal@example.test",
		Payments: "stripe", Migrate: "off",
		MicrosoftClientID: "ms-client", MicrosoftClientSecret: "ms-secret", MicrosoftTenant: "contoso",
		MicrosoftBaseURL: fp.srv.URL,
		DiscordClientID:  "dc-client", DiscordClientSecret: "dc-secret", DiscordBaseURL: fp.srv.URL,
	}
	for _, m := range mutate {
		m(cfg)
	}
	svc, err := app.Build(context.Background(), cfg, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, pool: pool, svc: svc, handler: web.New(svc).Handler(), provider: fp, cfg: cfg, k: loadContract(t)}
}

// do sends a request through the router; API responses with a documented
// status are validated against the contract.
func (e *env) do(method, target, bearer string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Host = "portal.example.test"
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if strings.HasPrefix(req.URL.Path, "/api/customer-portal/") && rec.Code != http.StatusSeeOther {
		switch rec.Code {
		case http.StatusOK, http.StatusUnprocessableEntity:
			e.k.validate(e.t, req, rec.Code, rec.Header(), rec.Body.Bytes())
		}
	}
	return rec
}

// fixture is a workspace with an individual customer and a team customer
// with an owner and a plain member.
type fixture struct {
	workspaceID, customerID, teamID, ownerID, memberID uuid.UUID
	otherCustomerID                                    uuid.UUID
}

func (e *env) seed() fixture {
	e.t.Helper()
	ctx := context.Background()
	var f fixture
	must := func(err error) {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
	}
	must(e.pool.QueryRow(ctx, `INSERT INTO workspaces (name, slug, member_model_enabled) VALUES ('Acme', 'acme', false) RETURNING id`).Scan(&f.workspaceID))
	must(e.pool.QueryRow(ctx, `INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, 'ada@example.com', 'Ada', 'individual') RETURNING id`, f.workspaceID).Scan(&f.customerID))
	must(e.pool.QueryRow(ctx, `INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, 'bob@example.com', 'Bob', 'individual') RETURNING id`, f.workspaceID).Scan(&f.otherCustomerID))
	must(e.pool.QueryRow(ctx, `INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, 'team@example.com', 'Team', 'team') RETURNING id`, f.workspaceID).Scan(&f.teamID))
	must(e.pool.QueryRow(ctx, `INSERT INTO members (customer_id, workspace_id, email, name, role) VALUES ($1, $2, 'owner@example.com', 'Olive', 'owner') RETURNING id`, f.teamID, f.workspaceID).Scan(&f.ownerID))
	must(e.pool.QueryRow(ctx, `INSERT INTO members (customer_id, workspace_id, email, name, role) VALUES ($1, $2, 'mem@example.com', 'Max', 'member') RETURNING id`, f.teamID, f.workspaceID).Scan(&f.memberID))
	return f
}

// customerToken mints an API customer session the way the sign-in flow does.
func (e *env) customerToken(customerID uuid.UUID) (string, uuid.UUID) {
	e.t.Helper()
	tok := auth.NewToken(auth.PrefixCustomerSession)
	s, err := dbgen.New(e.pool).CreateCustomerSession(context.Background(), dbgen.CreateCustomerSessionParams{
		TokenHash: e.svc.Hasher.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), CustomerID: customerID})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, s.ID
}

func (e *env) memberToken(memberID uuid.UUID) (string, uuid.UUID) {
	e.t.Helper()
	tok := auth.NewToken(auth.PrefixMemberSession)
	s, err := dbgen.New(e.pool).CreateMemberSession(context.Background(), dbgen.CreateMemberSessionParams{
		TokenHash: e.svc.Hasher.Hash(tok), ExpiresAt: time.Now().Add(time.Hour), MemberID: memberID})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, s.ID
}

// sessionCounts is the number of rows in every session table.
func (e *env) sessionCounts() [3]int {
	e.t.Helper()
	var n [3]int
	for i, tbl := range []string{"customer_sessions", "member_sessions", "browser_sessions"} {
		if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+tbl).Scan(&n[i]); err != nil {
			e.t.Fatal(err)
		}
	}
	return n
}

// fakeProvider is an OAuth provider for both platforms on one httptest
// server: Microsoft's /{tenant}/oauth2/v2.0/token and Graph's /v1.0/me,
// Discord's /api/oauth2/token and /api/users/@me.
type fakeProvider struct {
	t   *testing.T
	srv *httptest.Server

	mu            sync.Mutex
	tokenStatus   int
	tokenHeaders  map[string]string
	profileStatus int
	noRefresh     bool
	tokenCalls    int
	lastForm      map[string]string
	lastBasicUser string
}

func newFakeProvider(t *testing.T) *fakeProvider {
	fp := &fakeProvider{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /contoso/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		fp.token(w, r, "ms")
	})
	mux.HandleFunc("POST /api/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		fp.token(w, r, "dc")
	})
	mux.HandleFunc("GET /v1.0/me", func(w http.ResponseWriter, r *http.Request) {
		fp.profile(w, r, "ms", map[string]any{"id": "ms-user-1", "displayName": "Ada Lovelace", "userPrincipalName": "ada@contoso.test"})
	})
	mux.HandleFunc("GET /api/users/@me", func(w http.ResponseWriter, r *http.Request) {
		fp.profile(w, r, "dc", map[string]any{"id": "80351110224678912", "username": "nelly"})
	})
	fp.srv = httptest.NewServer(mux)
	t.Cleanup(fp.srv.Close)
	return fp
}

func (fp *fakeProvider) token(w http.ResponseWriter, r *http.Request, prefix string) {
	_ = r.ParseForm()
	fp.mu.Lock()
	fp.tokenCalls++
	fp.lastForm = map[string]string{}
	for k := range r.PostForm {
		fp.lastForm[k] = r.PostForm.Get(k)
	}
	fp.lastBasicUser, _, _ = r.BasicAuth()
	status, headers, noRefresh := fp.tokenStatus, fp.tokenHeaders, fp.noRefresh
	fp.mu.Unlock()
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	if status != 0 && status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	// Check the client authenticated the way the platform requires.
	if prefix == "ms" && (r.PostForm.Get("client_secret") != "ms-secret" || r.PostForm.Get("client_id") != "ms-client") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if prefix == "dc" {
		if u, p, ok := r.BasicAuth(); !ok || u != "dc-client" || p != "dc-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	if r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != baseURL+"/api/customer-portal/oauth-accounts/callback" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
		return
	}
	code := r.PostForm.Get("code")
	resp := map[string]any{"access_token": prefix + "-access-" + code, "token_type": "Bearer", "expires_in": 3600}
	if !noRefresh {
		resp["refresh_token"] = prefix + "-refresh-" + code
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (fp *fakeProvider) profile(w http.ResponseWriter, r *http.Request, prefix string, body map[string]any) {
	fp.mu.Lock()
	status := fp.profileStatus
	fp.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "+prefix+"-access-") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (fp *fakeProvider) set(f func(fp *fakeProvider)) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	f(fp)
}
