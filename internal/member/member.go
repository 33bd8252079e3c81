// Package member owns team members and their role rules (§3.11–3.14).
package member

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is the member domain.
type Service struct {
	pool *pgxpool.Pool
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }
