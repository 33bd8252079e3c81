package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

func gooseProvider(pool *pgxpool.Pool) (*goose.Provider, *sql.DB, error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	sub, err := fs.Sub(Migrations, "migrations")
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub)
	if err != nil {
		_ = sqlDB.Close()
		return nil, nil, fmt.Errorf("db: goose: %w", err)
	}
	return p, sqlDB, nil
}

// Migrate applies every pending migration: ours, then River's queue tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	p, sqlDB, err := gooseProvider(pool)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate up: %w", err)
	}
	for _, r := range res {
		slog.Debug("migration applied", "version", r.Source.Version, "path", r.Source.Path)
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("db: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("db: river migrate up: %w", err)
	}
	return nil
}

// MigrateDown rolls back everything: River's tables, then ours, newest first.
func MigrateDown(ctx context.Context, pool *pgxpool.Pool, all bool) error {
	p, sqlDB, err := gooseProvider(pool)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	if all {
		m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return fmt.Errorf("db: river migrator: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
			return fmt.Errorf("db: river migrate down: %w", err)
		}
		if _, err := p.DownTo(ctx, 0); err != nil {
			return fmt.Errorf("db: migrate down: %w", err)
		}
		return nil
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("db: migrate down: %w", err)
	}
	return nil
}

// MigrationStatus describes each of our migrations and whether it is applied.
func MigrationStatus(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	p, sqlDB, err := gooseProvider(pool)
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migrate status: %w", err)
	}
	out := make([]string, 0, len(st))
	for _, s := range st {
		out = append(out, fmt.Sprintf("%05d %-8s %s", s.Source.Version, s.State, s.Source.Path))
	}
	return out, nil
}

// Migrated reports whether every embedded migration is applied; /readyz uses it.
func Migrated(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	p, sqlDB, err := gooseProvider(pool)
	if err != nil {
		return false, err
	}
	defer sqlDB.Close()
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, err
	}
	return !pending, nil
}
