// Package paymentmethod owns saved cards: the local rows and the flows through the payments provider (§4).
package paymentmethod

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is the paymentmethod domain.
type Service struct {
	pool *pgxpool.Pool
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }
