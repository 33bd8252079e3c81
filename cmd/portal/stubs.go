package main

import (
	"context"
	"errors"
	"io"
)

// TODO(issue 2): workspace create|token, seed --demo, dev.
func cmdWorkspace(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("workspace: not implemented yet")
}

func cmdSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("seed: not implemented yet")
}

func cmdDev(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("dev: not implemented yet")
}
