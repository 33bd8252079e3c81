package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/devpg"
)

// startDatabase starts a private PostgreSQL under dir (listening on TCP
// 127.0.0.1 too when tcp), creates database name, migrates it and opens a
// pool on its socket. stop closes the pool and stops the cluster.
func startDatabase(ctx context.Context, dir, name string, tcp bool) (cluster *devpg.Cluster, pool *pgxpool.Pool, stop func(), err error) {
	logf("starting PostgreSQL…")
	port, err := freePort()
	if err != nil {
		return nil, nil, nil, err
	}
	cluster, err = devpg.Start(ctx, devpg.Options{Dir: filepath.Join(dir, "pg"), TCP: tcp, Port: port})
	if err != nil {
		return nil, nil, nil, err
	}
	stopCluster := func() {
		if err := cluster.Stop(); err != nil {
			logf("stop PostgreSQL: %v", err)
		}
	}
	if err := cluster.CreateDatabase(ctx, name); err != nil {
		stopCluster()
		return nil, nil, nil, err
	}
	pool, err = db.Open(ctx, cluster.DSN(name))
	if err != nil {
		stopCluster()
		return nil, nil, nil, err
	}
	stop = func() { pool.Close(); stopCluster() }
	if err := db.Migrate(ctx, pool); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return cluster, pool, stop, nil
}

// newSecret is a random PORTAL_SECRET (48 characters: within 32..64) and
// the token hasher it keys.
func newSecret() (string, *auth.Hasher, error) {
	var key [24]byte
	_, _ = rand.Read(key[:])
	secret := hex.EncodeToString(key[:])
	h, err := auth.NewHasher([]byte(secret))
	return secret, h, err
}

// buildPortal builds cmd/portal into dir and returns the binary's path.
func buildPortal(ctx context.Context, dir string) (string, error) {
	logf("building the server…")
	bin := filepath.Join(dir, "portal")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/portal")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/portal: %w", err)
	}
	return bin, nil
}
