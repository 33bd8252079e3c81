// Package app is the composition root: it builds every domain service from
// the configuration, once, for the server, the commands and the tests.
package app

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/customer"
	"portal/internal/fileshare"
	"portal/internal/mail"
	"portal/internal/member"
	"portal/internal/oauthaccount"
	"portal/internal/passkey"
	"portal/internal/paymentmethod"
	"portal/internal/payments"
	"portal/internal/ratelimit"
	"portal/internal/workspace"
)

// Services holds every domain service; handlers of both surfaces call these.
type Services struct {
	Config   *config.Config
	Pool     *pgxpool.Pool
	Log      *slog.Logger
	Hasher   *auth.Hasher
	Resolver *auth.Resolver

	Workspaces     *workspace.Service
	Customers      *customer.Service
	Members        *member.Service
	FileShares     *fileshare.Service
	PaymentMethods *paymentmethod.Service
	OAuth          *oauthaccount.Service

	// SignIn is the emailed-code sign-in (issue 3); Limiter its counters;
	// Mail the durable mail queue (started by Start).
	SignIn  *auth.SignIn
	Limiter *ratelimit.Limiter
	// Browser holds the pages' server-side sessions (D19).
	Browser *auth.BrowserSessions
	// Passkeys is WebAuthn sign-in (issue 18); disabled (Enabled false)
	// when PORTAL_BASE_URL's host cannot be a relying party ID.
	Passkeys *passkey.Service
	Mail     *mail.Queue

	// Payments is the card provider (nil when cards are not configured);
	// Sandbox is set when it is the built-in card sandbox.
	Payments payments.Provider
	Sandbox  *payments.Sandbox
}

// Build wires the services. Background workers (the mail queue) are started
// by Start, so commands that only need the services do not run them.
func Build(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, log *slog.Logger) (*Services, error) {
	h, err := auth.NewHasher([]byte(cfg.Secret))
	if err != nil {
		return nil, err
	}
	s := &Services{Config: cfg, Pool: pool, Log: log, Hasher: h, Resolver: auth.NewResolver(pool, h)}
	s.Workspaces = workspace.New(pool, h, cfg.BaseURL)
	s.Customers = customer.New(pool)
	s.Members = member.New(pool)
	s.FileShares = fileshare.New(pool)
	s.Payments = payments.New(cfg, pool, log)
	if sb, ok := s.Payments.(*payments.Sandbox); ok {
		s.Sandbox = sb
	}
	if s.Payments != nil {
		// PATCH /customers/me pushes billing details to the provider (§3.2).
		s.Customers.SetBillingSync(customer.ProviderSync{Provider: s.Payments})
	}
	s.PaymentMethods = paymentmethod.New(pool, s.Payments, cfg.BaseURL)
	if s.OAuth, err = oauthaccount.New(pool, cfg, log); err != nil {
		return nil, err
	}
	s.Limiter = ratelimit.New(pool, []byte(cfg.Secret))
	if cfg.Dev() {
		s.Limiter.Development() // 10× the per-IP limits (issue 16.15)
	}
	if s.Passkeys, err = passkey.New(pool, s.Limiter, cfg.BaseURL); err != nil {
		log.Info("passkeys are off", "reason", err.Error())
	}
	s.Passkeys.Log = log
	if s.Mail, err = mail.NewQueue(mail.Options{Pool: pool, Log: log, Secret: []byte(cfg.Secret),
		SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, BaseURL: cfg.BaseURL, Dev: cfg.Dev(),
		PollOnly: cfg.TransactionPooling()}); err != nil {
		return nil, err
	}
	s.SignIn = auth.NewSignIn(pool, h, s.Limiter, s.Mail, log)
	s.Members.SetInviter(s.Mail)
	s.Browser = auth.NewBrowserSessions(pool, h)
	s.Browser.SetMail(s.Mail)
	return s, nil
}

// Start runs background work (mail queue, cleanup) until ctx ends.
func (s *Services) Start(ctx context.Context) error {
	if s.Mail != nil {
		return s.Mail.Start(ctx)
	}
	return nil
}

// Stop drains background work.
func (s *Services) Stop(ctx context.Context) error {
	if s.Mail != nil {
		return s.Mail.Stop(ctx)
	}
	return nil
}
