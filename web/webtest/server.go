// Package webtest runs the whole application in-process for tests: one
// NewServer builds configuration → services → router on the test's own
// database the way `portal serve` does, and hands out a client per
// principal (an API bearer token of a customer, member or workspace, or a
// signed-in browser). Rows come from testkit's fixture API (testkit.Workspace,
// testkit.Customer, testkit.Member, testkit.FileShare, ...); requests go
// through testkit.Client.
//
//	s := webtest.NewServer(t, webtest.Options{})
//	ws := testkit.Workspace(t, s.Pool, "acme")
//	cust := testkit.Customer(t, s.Pool, ws, "ind@example.com", "individual")
//	s.AsCustomer(cust).GetJSON("/api/customer-portal/customers/me").ExpectStatus(t, 200)
//
// It lives under web/ rather than in testkit because it builds the router:
// testkit stays below every package it tests.
package webtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
)

// DefaultBaseURL is PORTAL_BASE_URL unless Options say otherwise: https, so
// the cookies are the production ones (__Host-, Secure).
const DefaultBaseURL = "https://portal.example.test"

// DefaultSecret is PORTAL_SECRET unless Options say otherwise.
const DefaultSecret = "0123456789abcdef0123456789abcdef-webtest"

// Options shape one test's server. The zero value is a test-mode server on
// the test's own database with Stripe payments unconfigured, mail kept in
// the development outbox, no background workers and the log discarded.
type Options struct {
	// Pool is the database (nil: testkit.DB(t), the test's own).
	Pool *pgxpool.Pool
	// Tracer sees every statement the application sends (a
	// *testkit.QueryLog, say): the server gets a pool of its own on the
	// same database with this tracer.
	Tracer pgx.QueryTracer
	// BaseURL is PORTAL_BASE_URL (default DefaultBaseURL); clients are
	// served there.
	BaseURL string
	// Config has the last word on the configuration.
	Config func(*config.Config)
	// Services adjusts the built services before the router is built on
	// them (a shorter Stripe deadline, no sign-in floor...).
	Services func(*app.Services)
	// Mail starts an SMTP sink (Server.Mail) and points SMTP_URL at it.
	Mail bool
	// Start runs the background workers (the mail queue...) until the test
	// ends, with a short mail retry base.
	Start bool
	// Log receives the application's log (nil: discarded).
	Log slog.Handler
	// Listen serves the application on a loopback listener as `portal
	// serve` does (for a real browser or http.Client): BaseURL becomes
	// http://127.0.0.1:port. It stops before the workers do.
	Listen bool
}

// Server is one test's application.
type Server struct {
	t        testing.TB
	Pool     *pgxpool.Pool
	Config   *config.Config
	Services *app.Services
	Web      *web.Server
	Handler  http.Handler
	Mail     *testkit.SMTPSink // with Options.Mail
	BaseURL  string
}

// NewServer builds the application for t; everything it starts stops when
// the test ends.
func NewServer(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{t: t, Pool: o.Pool, BaseURL: o.BaseURL}
	if s.Pool == nil {
		s.Pool = testkit.DB(t)
	}
	if o.Tracer != nil {
		pc := s.Pool.Config().Copy()
		pc.ConnConfig.Tracer = o.Tracer
		traced, err := pgxpool.NewWithConfig(context.Background(), pc)
		if err != nil {
			t.Fatalf("webtest: traced pool: %v", err)
		}
		t.Cleanup(traced.Close)
		s.Pool = traced
	}
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	cfg := &config.Config{Env: "test", Addr: "127.0.0.1:0", BaseURL: s.BaseURL, Secret: DefaultSecret,
		MailFrom: "portal@example.test", Payments: "stripe", Migrate: "off"}
	var ln net.Listener
	if o.Listen {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatalf("webtest: listen: %v", err)
		}
		cfg.Addr, cfg.BaseURL = ln.Addr().String(), "http://"+ln.Addr().String()
	}
	if o.Mail {
		s.Mail = testkit.NewSMTPSink(t)
		cfg.SMTPURL = s.Mail.URL()
	}
	if o.Config != nil {
		o.Config(cfg)
	}
	s.BaseURL = cfg.BaseURL
	log := o.Log
	if log == nil {
		log = slog.NewTextHandler(io.Discard, nil)
	}
	svc, err := app.Build(context.Background(), cfg, s.Pool, slog.New(log))
	if err != nil {
		t.Fatalf("webtest: build the services: %v", err)
	}
	if o.Services != nil {
		o.Services(svc)
	}
	s.Config, s.Services = cfg, svc
	s.Web = web.New(svc)
	s.Handler = s.Web.Handler()
	if o.Start {
		svc.Mail.SetRetryBase(50 * time.Millisecond)
		ctx, cancel := context.WithCancel(context.Background())
		if err := svc.Start(ctx); err != nil {
			cancel()
			t.Fatalf("webtest: start the workers: %v", err)
		}
		t.Cleanup(func() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			_ = svc.Stop(sctx)
			cancel()
		})
	}
	if ln != nil {
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- s.Web.Serve(ctx, ln, 5*time.Second) }()
		t.Cleanup(func() {
			cancel()
			<-served //nolint:errcheck // after the cancel, Serve's result says nothing a test checks
		})
	}
	return s
}

// Client is an anonymous client (a browser with an empty cookie jar, or an
// API caller without a token) served at BaseURL.
func (s *Server) Client(opts ...testkit.ClientOption) *testkit.Client {
	return testkit.NewClient(s.t, s.Handler, append([]testkit.ClientOption{testkit.WithBaseURL(s.BaseURL)}, opts...)...)
}

// Bearer is a client that sends tok as its bearer token on every request.
func (s *Server) Bearer(tok string, opts ...testkit.ClientOption) *testkit.Client {
	return s.Client(append([]testkit.ClientOption{testkit.WithBearer(tok)}, opts...)...)
}

// AsCustomer is a client with a fresh API session of customer.
func (s *Server) AsCustomer(customer uuid.UUID, opts ...testkit.ClientOption) *testkit.Client {
	s.t.Helper()
	return s.Bearer(s.CustomerToken(customer), opts...)
}

// AsMember is a client with a fresh API session of member.
func (s *Server) AsMember(member uuid.UUID, opts ...testkit.ClientOption) *testkit.Client {
	s.t.Helper()
	return s.Bearer(s.MemberToken(member), opts...)
}

// AsWorkspace is a client with a workspace API access token of ws.
func (s *Server) AsWorkspace(ws uuid.UUID, opts ...testkit.ClientOption) *testkit.Client {
	s.t.Helper()
	return s.Bearer(s.WorkspaceToken(ws), opts...)
}

// Browser is a browser signed in to the pages as customer (member
// uuid.Nil) or as member of that customer, through a new browser session
// row (see SignIn).
func (s *Server) Browser(customer, member uuid.UUID, opts ...testkit.ClientOption) *testkit.Client {
	s.t.Helper()
	c := s.Client(opts...)
	SignIn(s.t, c, s.Services, customer, member)
	return c
}

// CustomerToken mints a customer API session token (testkit.CustomerToken
// with this server's hasher).
func (s *Server) CustomerToken(customer uuid.UUID) string {
	s.t.Helper()
	return testkit.CustomerToken(s.t, s.Pool, s.Services.Hasher, customer)
}

// MemberToken mints a member API session token.
func (s *Server) MemberToken(member uuid.UUID) string {
	s.t.Helper()
	return testkit.MemberToken(s.t, s.Pool, s.Services.Hasher, member)
}

// WorkspaceToken mints a workspace API access token.
func (s *Server) WorkspaceToken(ws uuid.UUID) string {
	s.t.Helper()
	return testkit.WorkspaceToken(s.t, s.Pool, s.Services.Hasher, ws)
}

// Exec runs a statement on the test's database, failing the test on error.
func (s *Server) Exec(sql string, args ...any) {
	s.t.Helper()
	if _, err := s.Pool.Exec(context.Background(), sql, args...); err != nil {
		s.t.Fatalf("webtest: %s: %v", sql, err)
	}
}

// Count runs a query returning one integer (a count).
func (s *Server) Count(sql string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		s.t.Fatalf("webtest: %s: %v", sql, err)
	}
	return n
}
