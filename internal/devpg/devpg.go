// Package devpg runs a private PostgreSQL cluster from the machine's server
// binaries, for `portal dev` (data under .data/postgres) and for tests (a temp
// dir, fsync off). The server listens only on a Unix socket, so clusters never
// fight over TCP ports and nothing outside the machine can reach them.
//
// The postmaster runs as a child of the calling process (not daemonised by
// pg_ctl): the parent then knows exactly when it has exited, Stop can wait for
// it, and a parent that dies without calling Stop (a crashed `portal dev`, a
// test binary killed by -timeout) takes the server down with it through the
// kernel's parent-death signal instead of leaving an orphan holding the data
// directory. A server left running on the data directory anyway (started by
// hand with pg_ctl, say) is shut down cleanly before ours starts.
package devpg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotInstalled is returned (wrapped) when no PostgreSQL server binaries can
// be found. Its text tells the developer what to do about it.
var ErrNotInstalled = errors.New("PostgreSQL server binaries not found: install them with 'apt-get install postgresql'")

// SuperUser is the bootstrap superuser initdb creates; local connections
// authenticate with "trust", so no password is needed.
const SuperUser = "postgres"

// DefaultPort only names the socket file (.s.PGSQL.5432): the server does not
// listen on TCP, so any number of clusters can share it.
const DefaultPort = 5432

// maxSocketPath is the longest Unix socket path Linux accepts (sun_path is
// 108 bytes including the terminating NUL).
const maxSocketPath = 107

// Options configures a cluster.
type Options struct {
	// Dir is the data directory (PGDATA). It is created and initialised with
	// initdb when it holds no PG_VERSION yet; otherwise its data is kept.
	Dir string
	// Fsync keeps the server durable. Tests leave it false: fsync,
	// synchronous_commit and full_page_writes are then off, which makes a
	// crash of the machine lose data but makes everything several times faster.
	Fsync bool
	// Log receives the server's log output. Nil discards it; the last few KB
	// are kept either way and included in start-up errors (see LogTail).
	// Writes happen from another goroutine until the server stops.
	Log io.Writer
	// Port names the socket file; 0 means DefaultPort. With TCP it is also
	// the TCP port, and must be free on 127.0.0.1.
	Port int
	// TCP makes the server listen on 127.0.0.1:Port as well as on its
	// socket, for measurements that want the network path production has
	// (make bench). Tests leave it off.
	TCP bool
	// MaxConnections is the server's max_connections; 0 means 200.
	MaxConnections int
	// BinDir overrides where initdb and postgres are looked for. Empty means
	// $PG_BINDIR, then PATH, then /usr/lib/postgresql/*/bin (newest first).
	BinDir string
}

// Cluster is a private PostgreSQL server. Its methods are safe for concurrent use.
type Cluster struct {
	// Dir is the absolute data directory.
	Dir string
	// SocketDir holds the server's Unix socket: Dir itself, unless that path
	// is too long for a socket, in which case a short directory under /tmp
	// derived from Dir (so every run over the same Dir finds the same socket).
	SocketDir string
	// Port names the socket file (.s.PGSQL.<Port>) in SocketDir.
	Port int
	// BinDir is where the initdb and postgres used were found.
	BinDir string

	opts    Options
	cred    *syscall.Credential // non-nil when we are root and run the server as postgres
	ownSock bool                // SocketDir was created by us under /tmp; removed on Stop
	tail    *tailBuffer
	mu      sync.Mutex
	proc    *postmaster // nil while stopped
}

// postmaster is one run of the server process.
type postmaster struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has been waited for
	err  error         // Wait's result, readable after done is closed
}

// Start initialises the cluster in opts.Dir if needed and starts it, returning
// once it accepts connections. If ctx has no deadline, start-up gives up after
// two minutes.
//
// A server still running on Dir from an earlier process is shut down (fast
// mode) first. When the caller is root, initdb and postgres (which refuse to
// run as root) run as the postgres system user: Dir is handed to that user
// and its ancestors made traversable for it (see prepareDirs).
//
// The caller must Stop the cluster; if it exits without doing so, the server
// shuts itself down (see the package comment).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("devpg: Options.Dir is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("devpg: %w", err)
	}
	opts.Dir = dir
	if opts.Port == 0 {
		opts.Port = DefaultPort
	}
	if opts.MaxConnections == 0 {
		opts.MaxConnections = 200
	}
	bin, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		Dir:    dir,
		Port:   opts.Port,
		BinDir: bin,
		opts:   opts,
		tail:   &tailBuffer{max: 16 << 10},
	}
	if os.Geteuid() == 0 {
		cred, err := postgresCredential()
		if err != nil {
			return nil, err
		}
		c.cred = cred
	}
	c.SocketDir, c.ownSock = socketDirFor(dir, opts.Port)
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Start starts a stopped cluster again on the same data directory, keeping its
// data (after Stop or Kill). It is a no-op if the server is running.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc != nil {
		select {
		case <-c.proc.done: // died on its own: start afresh
			c.proc = nil
		default:
			return nil
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
	}
	if err := c.prepareDirs(); err != nil {
		return err
	}
	if err := c.initdb(ctx); err != nil {
		return err
	}
	if err := c.stopLeftover(); err != nil {
		return err
	}
	return c.startPostmaster(ctx)
}

// DSN is a connection string for dbname as the superuser over the Unix socket.
// It is a URL because DATABASE_URL-style settings are expected to be one; pgx
// reads the socket directory from the host query parameter.
func (c *Cluster) DSN(dbname string) string {
	return "postgres://" + SuperUser + "@/" + url.PathEscape(dbname) +
		"?host=" + queryEscape(c.SocketDir) + "&port=" + strconv.Itoa(c.Port) + "&sslmode=disable"
}

// DSNFor is the DSN of dbname on the cluster in dir started by Start with
// the default port (the one `portal dev` runs), for another process that
// uses it while it runs.
func DSNFor(dir, dbname string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("devpg: %w", err)
	}
	c := &Cluster{Dir: abs, Port: DefaultPort}
	c.SocketDir, _ = socketDirFor(abs, DefaultPort)
	return c.DSN(dbname), nil
}

// TCPDSN is a connection string for dbname over TCP to 127.0.0.1 (Options.TCP).
func (c *Cluster) TCPDSN(dbname string) string {
	return "postgres://" + SuperUser + "@127.0.0.1:" + strconv.Itoa(c.Port) + "/" + url.PathEscape(dbname) + "?sslmode=disable"
}

func (c *Cluster) listenAddresses() string {
	if c.opts.TCP {
		return "127.0.0.1"
	}
	return ""
}

// queryEscape escapes a query parameter value with %20 for spaces: pgx
// unescapes query values as paths, so the "+" of url.QueryEscape would stay a
// plus sign.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// Running reports whether the server process is alive.
func (c *Cluster) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return false
	}
	select {
	case <-c.proc.done:
		return false
	default:
		return true
	}
}

// PID is the postmaster's process id, or 0 when stopped.
func (c *Cluster) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return 0
	}
	return c.proc.cmd.Process.Pid
}

// LogTail returns the last few KB of the server's log.
func (c *Cluster) LogTail() string { return c.tail.String() }

// Stop shuts the server down ("fast" mode: open sessions are cancelled, a
// shutdown checkpoint is written) and returns once the postmaster and all of
// its backends have exited. Data is kept; Start brings the cluster back.
func (c *Cluster) Stop() error { return c.stop(syscall.SIGINT, time.Minute) }

// Kill stops the server the way a crash would ("immediate" mode: no
// checkpoint), for fault tests. The next Start runs crash recovery.
//
// With Fsync off the server also runs with synchronous_commit=off, so, as
// after a real crash with that setting, transactions committed in the last
// few hundred milliseconds before Kill may be lost. A fault test asserting
// that committed data survives a crash must commit with
// `SET synchronous_commit = on` (or use Stop, which checkpoints).
func (c *Cluster) Kill() error { return c.stop(syscall.SIGQUIT, 10*time.Second) }

// Restart is Stop followed by Start.
func (c *Cluster) Restart(ctx context.Context) error {
	if err := c.Stop(); err != nil {
		return err
	}
	return c.Start(ctx)
}

// CreateDatabase creates dbname unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, dbname string) error {
	conn, err := pgconn.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("devpg: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	sql := `CREATE DATABASE "` + strings.ReplaceAll(dbname, `"`, `""`) + `"`
	_, err = conn.Exec(ctx, sql).ReadAll()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("devpg: create database %s: %w", dbname, err)
	}
	return nil
}

// stop signals the postmaster (SIGINT fast, SIGQUIT immediate shutdown) and
// escalates to SIGKILL of the whole process group after grace.
func (c *Cluster) stop(sig syscall.Signal, grace time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.proc
	if p == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	var err error
	select {
	case <-p.done:
		// The postmaster exits only after all of its backends have.
	case <-time.After(grace):
		err = fmt.Errorf("devpg: server did not shut down within %s; killed it", grace)
		hardKill(p)
	}
	c.proc = nil
	if c.ownSock {
		// Only the socket's directory is ours to remove; the server has
		// already removed the socket and its lock file.
		_ = os.Remove(c.SocketDir)
	}
	return err
}

// hardKill SIGKILLs the postmaster and its children and waits for them. The
// children must be found first: each backend calls setsid(), so they are in
// no process group of ours, and once the postmaster is gone they are
// reparented and no longer recognisable as its children.
func hardKill(p *postmaster) {
	pid := p.cmd.Process.Pid
	kids := childrenOf(pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	<-p.done
	for i := 0; i < 250 && slices.ContainsFunc(kids, alive); i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			kids = append(kids, n)
		}
	}
	return kids
}

// prepareDirs creates the data and socket directories with the right owner.
func (c *Cluster) prepareDirs() error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("devpg: %w", err)
	}
	if c.ownSock {
		if err := c.prepareSocketDir(); err != nil {
			return err
		}
	}
	if c.cred == nil {
		return nil
	}
	// As root, everything the server touches must belong to the postgres
	// user, and the postgres user must be able to reach Dir at all. We add
	// search (x) permission for others on every ancestor that denies it,
	// rather than moving the data somewhere else: the data stays where the
	// caller asked (for `portal dev`, .data/postgres, surviving reboots), and
	// o+x lets nobody list or read those directories, only pass through them
	// to paths whose names they already know. The alternative, relocating
	// the data under /tmp, would lose it on reboot and make the caller's Dir
	// a lie.
	uid, gid := int(c.cred.Uid), int(c.cred.Gid)
	if err := chownTree(c.Dir, uid, gid); err != nil {
		return err
	}
	if err := allowTraverse(filepath.Dir(c.Dir), uid, gid); err != nil {
		return err
	}
	if c.ownSock {
		if err := os.Lchown(c.SocketDir, uid, gid); err != nil {
			return fmt.Errorf("devpg: %w", err)
		}
	}
	return nil
}

// prepareSocketDir creates the short socket directory under /tmp. /tmp is
// shared, so a directory of that name that is not a plain directory owned by
// us (or, as root, by postgres) is refused rather than trusted: whoever owns
// it could stand in for our server.
func (c *Cluster) prepareSocketDir() error {
	if err := os.Mkdir(c.SocketDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("devpg: %w", err)
	}
	st, err := os.Lstat(c.SocketDir)
	if err != nil {
		return fmt.Errorf("devpg: %w", err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok {
		return fmt.Errorf("devpg: socket directory %s is not a directory", c.SocketDir)
	}
	okOwners := []uint32{uint32(os.Geteuid())}
	if c.cred != nil {
		okOwners = append(okOwners, c.cred.Uid)
	}
	if !slices.Contains(okOwners, sys.Uid) {
		return fmt.Errorf("devpg: socket directory %s belongs to uid %d; remove it", c.SocketDir, sys.Uid)
	}
	return nil
}

// chownTree hands dir (recursively, in case it was created or copied by root
// earlier) to uid:gid. It is cheap when dir already belongs to uid: only the
// top is checked.
func chownTree(dir string, uid, gid int) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("devpg: %w", err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) == uid && int(sys.Gid) == gid {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, uid, gid); err != nil {
			return fmt.Errorf("devpg: chown %s: %w", path, err)
		}
		return nil
	})
}

// allowTraverse makes dir and each of its ancestors searchable by uid:gid
// (see prepareDirs for why o+x).
func allowTraverse(dir string, uid, gid int) error {
	for {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("devpg: %w", err)
		}
		if !canSearch(st, uid, gid) {
			if err := os.Chmod(dir, st.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("devpg: let the postgres user reach the data directory: %w", err)
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func canSearch(st fs.FileInfo, uid, gid int) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := st.Mode().Perm()
	switch {
	case int(sys.Uid) == uid:
		return perm&0o100 != 0
	case int(sys.Gid) == gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// initdb initialises Dir unless it already holds a cluster.
func (c *Cluster) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err == nil {
		return nil
	}
	args := []string{
		"-D", c.Dir,
		"-A", "trust",
		"-U", SuperUser,
		"--encoding=UTF8",
		"--no-locale",
		"--no-instructions",
	}
	if !c.opts.Fsync {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, "initdb"), args...)
	c.setupCmd(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("devpg: initdb %s: %w\n%s", c.Dir, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// stopLeftover deals with a postmaster.pid left in Dir: a live server from an
// earlier run (a `portal dev` that crashed, a manual pg_ctl start) is shut
// down cleanly so ours can start with known settings; a stale file whose pid
// now belongs to some other process is removed, since postgres would refuse
// to start believing another postmaster owns the directory.
func (c *Cluster) stopLeftover() error {
	pidFile := filepath.Join(c.Dir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("devpg: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return c.removeStaleLocks()
	}
	if !alive(pid) {
		return nil // postgres itself replaces a pid file whose process is gone
	}
	if !c.isOurPostmaster(pid) {
		return c.removeStaleLocks()
	}
	// Fast shutdown, then immediate, then kill: the same ladder as Stop.
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, time.Minute}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}} {
		if err := syscall.Kill(pid, step.sig); errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("devpg: a server (pid %d) owned by another user is running on %s", pid, c.Dir)
		}
		deadline := time.Now().Add(step.wait)
		for time.Now().Before(deadline) {
			if !alive(pid) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return fmt.Errorf("devpg: a server (pid %d) is still running on %s and would not stop", pid, c.Dir)
}

func (c *Cluster) removeStaleLocks() error {
	for _, p := range []string{
		filepath.Join(c.Dir, "postmaster.pid"),
		filepath.Join(c.SocketDir, fmt.Sprintf(".s.PGSQL.%d.lock", c.Port)),
		filepath.Join(c.SocketDir, fmt.Sprintf(".s.PGSQL.%d", c.Port)),
	} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("devpg: remove stale %s: %w", p, err)
		}
	}
	return nil
}

// alive reports whether pid is a running process (a zombie counts as gone).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	// Format: pid (comm) state ...; comm may contain spaces and parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// isOurPostmaster reports whether pid is a postmaster serving c.Dir, as
// opposed to an unrelated process that was handed the pid of a postmaster
// long gone (common in containers, where pids restart from 1). A postmaster
// makes its data directory its working directory, which is the surest test;
// the process name is the fallback when /proc does not tell us the cwd.
func (c *Cluster) isOurPostmaster(pid int) bool {
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
		want, err := filepath.EvalSymlinks(c.Dir)
		if err != nil {
			want = c.Dir
		}
		return cwd == want
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true // cannot tell: assume it is, and ask it to stop
	}
	name := strings.TrimSpace(string(comm))
	return name == "postgres" || name == "postmaster"
}

// startPostmaster runs the server as our child and waits until it accepts
// connections.
func (c *Cluster) startPostmaster(ctx context.Context) error {
	args := []string{
		"-D", c.Dir,
		"-k", c.SocketDir,
		"-p", strconv.Itoa(c.Port),
		"-c", "listen_addresses=" + c.listenAddresses(),
		"-c", "max_connections=" + strconv.Itoa(c.opts.MaxConnections),
		// stderr is our log; no logging collector or log files in PGDATA.
		"-c", "logging_collector=off",
	}
	if !c.opts.Fsync {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
		)
	}
	cmd := exec.Command(filepath.Join(c.BinDir, "postgres"), args...)
	c.setupCmd(cmd)
	// Own process group: a Ctrl-C in the terminal reaches the parent, which
	// shuts the server down in its own time (after draining requests)
	// instead of the server vanishing under it. (Backends put themselves in
	// sessions of their own anyway.)
	cmd.SysProcAttr.Setpgid = true
	// If the parent dies without calling Stop, the kernel sends the server
	// SIGINT (fast shutdown). See the package comment.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	var w io.Writer = c.tail
	if c.opts.Log != nil {
		w = io.MultiWriter(c.tail, c.opts.Log)
	}
	cmd.Stdout, cmd.Stderr = w, w
	// Backends inherit the log pipe; if the postmaster is SIGKILLed they can
	// hold it open, so do not let Wait block on them forever.
	cmd.WaitDelay = 5 * time.Second

	p := &postmaster{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	// The parent-death signal fires when the *thread* that forked the child
	// exits, not the process. Go may retire an OS thread whose goroutine
	// exits while locked to it, so fork from a goroutine that stays locked to
	// its thread for as long as the server runs; the thread is retired only
	// after the server has exited, when the signal no longer matters.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("devpg: start postgres: %w", err)
	}
	c.proc = p

	if err := c.waitReady(ctx, p); err != nil {
		// Do not leave a half-started server behind.
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			hardKill(p)
		}
		c.proc = nil
		return err
	}
	return nil
}

// waitReady polls a connection until the server accepts it.
func (c *Cluster) waitReady(ctx context.Context, p *postmaster) error {
	dsn := c.DSN("postgres") + "&connect_timeout=2"
	var lastErr error
	for {
		conn, err := pgconn.Connect(ctx, dsn)
		if err == nil {
			_ = conn.Close(ctx)
			return nil
		}
		lastErr = err
		select {
		case <-p.done:
			return fmt.Errorf("devpg: postgres exited during start-up (%w)\n%s", p.err, c.tail.String())
		case <-ctx.Done():
			return fmt.Errorf("devpg: postgres did not accept connections: %w (last error: %w)\n%s", ctx.Err(), lastErr, c.tail.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// setupCmd sets what initdb and postgres share: the user they run as, a
// working directory they can enter, and an environment without PG*
// variables (PGPORT, PGDATA... would silently change what they do).
func (c *Cluster) setupCmd(cmd *exec.Cmd) {
	cmd.Dir = "/"
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if c.cred != nil {
		// initdb and postgres refuse to run as root.
		cmd.SysProcAttr.Credential = c.cred
		cmd.Env = append(cmd.Env, "HOME="+c.Dir, "USER="+SuperUser, "LOGNAME="+SuperUser)
	}
}

// postgresCredential is who to run as when we are root: the postgres system
// user the Debian packages create.
func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("devpg: running as root, and PostgreSQL refuses to: need a 'postgres' system user to run it as (apt-get install postgresql creates one): %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("devpg: unexpected uid/gid for postgres: %s/%s", u.Uid, u.Gid)
	}
	// Empty Groups drops root's supplementary groups in the child.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// socketDirFor picks where the socket lives: in the data directory when the
// path fits in a sockaddr_un, else in a short /tmp directory named after a
// hash of dir (stable across runs, distinct per data directory).
func socketDirFor(dir string, port int) (string, bool) {
	if len(filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%d", port))) <= maxSocketPath {
		return dir, false
	}
	sum := sha256.Sum256([]byte(dir))
	return "/tmp/devpg-" + hex.EncodeToString(sum[:6]), true
}

// findBinDir returns a directory holding both initdb and postgres (they must
// come from the same installation).
func findBinDir(override string) (string, error) {
	var candidates []string
	if override != "" {
		candidates = append(candidates, override)
	} else {
		if env := os.Getenv("PG_BINDIR"); env != "" {
			candidates = append(candidates, env)
		}
		if p, err := exec.LookPath("initdb"); err == nil {
			// /usr/local/bin/initdb is often a symlink into the real
			// installation, next to which postgres lives.
			if real, err := filepath.EvalSymlinks(p); err == nil {
				candidates = append(candidates, filepath.Dir(real))
			}
			candidates = append(candidates, filepath.Dir(p))
		}
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		// Newest major version first.
		slices.SortFunc(matches, func(a, b string) int {
			return versionOf(b) - versionOf(a)
		})
		candidates = append(candidates, matches...)
	}
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	if override != "" {
		return "", fmt.Errorf("devpg: no initdb and postgres in %s: %w", override, ErrNotInstalled)
	}
	return "", ErrNotInstalled
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
