// Package oauthaccount owns linking Microsoft and Discord accounts to a customer or member (§5, D7).
package oauthaccount

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is the oauthaccount domain.
type Service struct {
	pool *pgxpool.Pool
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }
