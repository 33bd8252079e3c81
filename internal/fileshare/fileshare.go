// Package fileshare owns file-share sessions, downloads and payments, always scoped to one customer (D8).
package fileshare

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is the fileshare domain.
type Service struct {
	pool *pgxpool.Pool
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }
