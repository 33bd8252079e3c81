package devpg

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func start(t *testing.T, dir string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		// Deliberately not a Skip: a machine without PostgreSQL must say so.
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return c
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// serverProcs lists the postmaster and its children (backends, checkpointer...).
func serverProcs(t *testing.T, c *Cluster) []int {
	t.Helper()
	pid := c.PID()
	kids := childrenOf(pid)
	if pid == 0 || len(kids) == 0 {
		t.Fatalf("postmaster %d with children %v", pid, kids)
	}
	return append(kids, pid)
}

// gone checks that none of pids is alive, right after Stop returned.
func gone(t *testing.T, pids []int) {
	t.Helper()
	for _, p := range pids {
		if alive(p) {
			t.Errorf("process %d still alive after Stop", p)
		}
	}
}

func TestStartConnectStopRestartKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c := start(t, dir)
	ctx := context.Background()

	if err := c.CreateDatabase(ctx, "portal"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "portal"); err != nil {
		t.Fatalf("CreateDatabase must be idempotent: %v", err)
	}
	conn := connect(t, c.DSN("portal"))
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives restarts')`); err != nil {
		t.Fatal(err)
	}
	var fsync, listen string
	if err := conn.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('listen_addresses')`).Scan(&fsync, &listen); err != nil {
		t.Fatal(err)
	}
	if fsync != "off" || listen != "" {
		t.Errorf("fsync=%q listen_addresses=%q, want off and empty", fsync, listen)
	}
	_ = conn.Close(ctx)

	procs := serverProcs(t, c)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if c.Running() {
		t.Fatal("Running after Stop")
	}
	gone(t, procs)
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid left behind: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := connect(t, c.DSN("portal")).QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != "survives restarts" {
		t.Fatalf("after restart: %q, %v", v, err)
	}

	// A fresh Cluster on the same Dir (a new `portal dev` run) keeps the data too.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c2 := start(t, dir)
	if err := connect(t, c2.DSN("portal")).QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != "survives restarts" {
		t.Fatalf("new cluster on same dir: %q, %v", v, err)
	}
}

func TestKillThenStartRecovers(t *testing.T) {
	c := start(t, filepath.Join(t.TempDir(), "data"))
	ctx := context.Background()
	conn := connect(t, c.DSN("postgres"))
	// synchronous_commit is off in test clusters: without this, the commit
	// could still be in the WAL buffers when the server is killed.
	if _, err := conn.Exec(ctx, `SET synchronous_commit = on; CREATE TABLE t (v int); INSERT INTO t VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	procs := serverProcs(t, c)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	gone(t, procs)
	if _, err := conn.Exec(ctx, `SELECT 1`); err == nil {
		t.Fatal("query on a killed server succeeded")
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := connect(t, c.DSN("postgres")).QueryRow(ctx, `SELECT v FROM t`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("after crash recovery: %d, %v", v, err)
	}
}

// A server left running on the directory by someone else (here: started by
// hand with pg_ctl, as a crashed tool might leave it) is stopped cleanly and
// replaced, not reported as a mysterious lock-file error.
func TestLeftoverServerIsReplaced(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c := start(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	pgctl := exec.Command(filepath.Join(c.BinDir, "pg_ctl"), "start", "-w", "-D", dir, "-l", "/dev/null",
		"-o", "-k "+c.SocketDir+" -c listen_addresses=''")
	c.setupCmd(pgctl)
	if out, err := pgctl.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := strconv.Atoi(strings.SplitN(string(raw), "\n", 2)[0])
	if !alive(foreign) {
		t.Fatalf("pg_ctl's server %d is not running", foreign)
	}

	c2 := start(t, dir)
	if alive(foreign) {
		t.Errorf("leftover server %d still running", foreign)
	}
	if c2.PID() == foreign || !c2.Running() {
		t.Fatalf("new cluster not running its own server")
	}
	connect(t, c2.DSN("postgres"))
}

// A stale postmaster.pid naming a live process that is not a postgres (pids
// are reused, especially in containers) must not stop the server starting.
func TestStalePidFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c := start(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	stale := strconv.Itoa(os.Getpid()) + "\n" + dir + "\n0\n5432\n" + c.SocketDir + "\n\n0 0\nstopping\n"
	if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("start over a stale pid file: %v", err)
	}
	connect(t, c.DSN("postgres"))
}

// Data directories deep enough that the socket path would not fit in a
// sockaddr_un get their socket in a short /tmp directory instead.
func TestLongDirUsesShortSocketDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("a", 60), strings.Repeat("b", 60), "data")
	c := start(t, dir)
	if c.SocketDir == dir || len(c.SocketDir) > 40 {
		t.Fatalf("socket dir %q for data dir of length %d", c.SocketDir, len(dir))
	}
	connect(t, c.DSN("postgres"))
	sock := c.SocketDir
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("short socket dir %s left behind after Stop: %v", sock, err)
	}
}

func TestMissingBinaries(t *testing.T) {
	_, err := Start(context.Background(), Options{Dir: t.TempDir(), BinDir: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("got %v, want the install hint", err)
	}
}

func TestDSN(t *testing.T) {
	c := &Cluster{SocketDir: "/tmp/x y", Port: 5432}
	cfg, err := pgx.ParseConfig(c.DSN("my db"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "/tmp/x y" || cfg.Port != 5432 || cfg.Database != "my db" || cfg.User != SuperUser {
		t.Fatalf("parsed %+v", cfg.Config)
	}
}

func TestHardKillLeavesNothing(t *testing.T) {
	c := start(t, filepath.Join(t.TempDir(), "data"))
	connect(t, c.DSN("postgres")) // so there is a backend too
	procs := serverProcs(t, c)
	c.mu.Lock()
	hardKill(c.proc)
	c.proc = nil
	c.mu.Unlock()
	gone(t, procs)
}

// If the process that started the server dies without calling Stop (a test
// binary killed by -timeout, a crashed `portal dev`), the server must not
// outlive it.
func TestServerDiesWithParent(t *testing.T) {
	if dir := os.Getenv("DEVPG_HELPER_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{Dir: dir})
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("pid " + strconv.Itoa(c.PID()) + "\n")
		time.Sleep(time.Minute) // until killed
		os.Exit(0)
	}
	dir := filepath.Join(t.TempDir(), "data")
	helper := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithParent$")
	helper.Env = append(os.Environ(), "DEVPG_HELPER_DIR="+dir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := out.Read(buf)
	line := strings.TrimSpace(string(buf[:n]))
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil {
		_ = helper.Process.Kill()
		_ = helper.Wait()
		t.Fatalf("helper said %q", line)
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d outlived its parent", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// And the directory is immediately usable again.
	connect(t, start(t, dir).DSN("postgres"))
}

// TestTCPListener: with TCP the server also listens on 127.0.0.1:Port
// (make bench measures over TCP, as production runs), and TCPDSN reaches it.
func TestTCPListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	ctx := context.Background()
	c, err := Start(ctx, Options{Dir: filepath.Join(t.TempDir(), "data"), TCP: true, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if err := c.CreateDatabase(ctx, "tcp"); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, c.TCPDSN("tcp"))
	var addr *string
	if err := conn.QueryRow(ctx, `SELECT host(inet_server_addr())`).Scan(&addr); err != nil {
		t.Fatal(err)
	}
	if addr == nil || *addr != "127.0.0.1" {
		t.Errorf("server address %v, want 127.0.0.1 (a TCP connection)", addr)
	}
}
