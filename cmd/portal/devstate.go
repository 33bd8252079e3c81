package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"portal/internal/devpg"
)

// devStateFile records the running `portal dev` (its pid and URL) under
// .data, so a second one, and the other commands, can find it.
const devStateFile = "dev.json"

type devState struct {
	PID int    `json:"pid"`
	URL string `json:"url"`
}

// pidAlive reports whether a process with pid exists.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// runningDev returns the `portal dev` already running from this checkout:
// its state file names a live process, or, when the state file is missing
// or stale, the cluster's postmaster.pid names one (a dev run that is still
// starting, or one from before this file existed).
func runningDev() (devState, bool) {
	var st devState
	if b, err := os.ReadFile(filepath.Join(devDir, devStateFile)); err == nil && json.Unmarshal(b, &st) == nil && pidAlive(st.PID) {
		return st, true
	}
	if pid, ok := postmasterAlive(filepath.Join(devDir, "postgres")); ok {
		return devState{PID: pid}, true
	}
	return devState{}, false
}

// postmasterAlive reads PGDATA's postmaster.pid: the pid of a live server.
func postmasterAlive(pgdata string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || !pidAlive(pid) {
		return 0, false
	}
	return pid, true
}

// writeDevState records this process as the running `portal dev`.
func writeDevState(st devState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := filepath.Join(devDir, devStateFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	return os.Rename(tmp, filepath.Join(devDir, devStateFile))
}

// removeDevState forgets this process as the running `portal dev`, unless
// the file already names another one.
func removeDevState() {
	p := filepath.Join(devDir, devStateFile)
	var st devState
	if b, err := os.ReadFile(p); err == nil && json.Unmarshal(b, &st) == nil && st.PID != os.Getpid() {
		return
	}
	_ = os.Remove(p)
}

// alreadyRunningError is a second `portal dev` next to a running one: it
// says where the first is and touches nothing (issue 16.17).
type alreadyRunningError struct{ st devState }

func (e alreadyRunningError) Error() string {
	where := "already running"
	if e.st.URL != "" {
		where += " at " + e.st.URL
	}
	return fmt.Sprintf("dev: %s (pid %d); nothing was started or stopped. Press Enter in its terminal to see its URLs and demo people again", where, e.st.PID)
}

// devDatabase is what the commands other than serve and dev use when
// DATABASE_URL is unset in a checkout where `portal dev` runs (issue
// 16.18): its cluster (over the Unix socket in .data), its secret, and
// development mode, so a workspace token made here works on that server.
// It says so on stderr. A cluster in .data that is not running gets one
// line saying how to start it; anything else is left to the command.
func devDatabase(getenv func(string) string, stderr io.Writer) (func(string) string, error) {
	if getenv("DATABASE_URL") != "" {
		return getenv, nil
	}
	pgdata := filepath.Join(devDir, "postgres")
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		return getenv, nil
	}
	if _, ok := postmasterAlive(pgdata); !ok {
		return nil, fmt.Errorf("DATABASE_URL is unset and the development database in %s is not running: start `make run` (or `portal dev`) in another terminal, or set DATABASE_URL", pgdata)
	}
	dsn, err := devpg.DSNFor(pgdata, "portal")
	if err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	set := map[string]string{"DATABASE_URL": dsn}
	if getenv("PORTAL_ENV") == "" {
		set["PORTAL_ENV"] = "development"
	}
	if getenv("PORTAL_SECRET") == "" {
		b, err := os.ReadFile(filepath.Join(devDir, "secret"))
		if err != nil {
			return nil, fmt.Errorf("dev database: %w", err)
		}
		set["PORTAL_SECRET"] = strings.TrimSpace(string(b))
	}
	fmt.Fprintf(stderr, "portal: DATABASE_URL is unset: using the development database of `portal dev` in %s\n", pgdata)
	return func(k string) string {
		if v, ok := set[k]; ok {
			return v
		}
		return getenv(k)
	}, nil
}
