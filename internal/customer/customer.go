// Package customer owns the customer's profile and billing details (§3.1–3.2).
package customer

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is the customer domain.
type Service struct {
	pool *pgxpool.Pool
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }
