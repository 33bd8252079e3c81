package signin_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
)

// syncBuffer is a log sink safe for the queue's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestD18_CodesAndTokensNeverLogged(t *testing.T) {
	pool := testkit.DB(t)
	var logs syncBuffer
	cfg := &config.Config{Env: "production", Addr: "127.0.0.1:0", BaseURL: "https://portal.example.test", Secret: testSecret,
		MailFrom: "portal@example.test", Payments: "stripe", Migrate: "off"}
	svc, err := app.Build(context.Background(), cfg, pool, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	svc.SignIn.Floor = 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = svc.Stop(sctx)
	}()
	e := &env{t: t, pool: pool, svc: svc, srv: web.New(svc)}
	e.c = testkit.NewClient(t, e.srv.Handler())
	e.legacy = e.workspace("legacy", false)
	e.customer(e.legacy, "quiet@example.com", nil, "individual")
	e.request(nil, reqBody("quiet@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	waitOutbox(t, svc.Mail, 1)
	code := e.lastCode("quiet@example.com")
	tok := tokenOf(t, e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK))
	e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	out := logs.String()
	if !strings.Contains(out, "mail not sent") {
		t.Fatalf("the unsent mail was not logged:\n%s", out)
	}
	for _, secret := range []string{code, auth.DisplayCode(code), tok} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret %q:\n%s", secret, out)
		}
	}
}

func TestG1_PagesRequestSameForUnknownAddress(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "known@example.com", nil, "individual")
	ctx := t.Context()
	known, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "known@example.com", WorkspaceID: e.legacy, ClientIP: "203.0.113.1", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "unknown@example.com", WorkspaceID: e.legacy, ClientIP: "203.0.113.1", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	if known.SignInRequestID == uuid.Nil || unknown.SignInRequestID == uuid.Nil {
		t.Errorf("request rows: %+v %+v", known, unknown)
	}
	if unknown.Email != "" {
		t.Errorf("unknown address reported as mailed: %+v", unknown)
	}
	// A code never matches an unknown address's request.
	code := e.lastCode("known@example.com")
	if _, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, ClientIP: "203.0.113.2", SignInRequestID: &unknown.SignInRequestID}); err == nil {
		t.Error("code accepted through another address's request")
	}
	// Unknown workspace: no row, no error.
	res, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "known@example.com", WorkspaceID: uuid.New(), ClientIP: "203.0.113.3", Browser: true})
	if err != nil || res.SignInRequestID != uuid.Nil {
		t.Errorf("unknown workspace: %+v %v", res, err)
	}
}

func TestMetricsShowQueueDepthAndOutcomes(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "m@example.com", nil, "individual")
	e.request(nil, reqBody("m@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(nil, map[string]any{"code": "ZZZZZZZZ"}).ExpectStatus(t, http.StatusUnauthorized)
	r := e.c.Get("/metrics").ExpectStatus(t, http.StatusOK)
	for _, want := range []string{`portal_mail_queue_depth 1`, `portal_signin_outcomes_total{outcome="sent",step="request"} 1`,
		`portal_signin_outcomes_total{outcome="wrong_code",step="authenticate"} 1`} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
