// Package testkit is the harness the project's tests share: a fresh migrated
// PostgreSQL database per test, an in-process SMTP sink, the OpenAPI contract
// as a response validator, and a cookie-keeping client over an http.Handler.
//
// Packages whose tests use a database must run them through Main:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
package testkit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb connects with
	"github.com/peterldowns/pgtestdb"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"portal/internal/db"
	"portal/internal/devpg"
)

// EnvDatabaseURL names a PostgreSQL server to create test databases on
// instead of starting a private cluster. Its user must be allowed to create
// databases and roles.
const EnvDatabaseURL = "TEST_DATABASE_URL"

// testRole is the role test databases belong to and the application connects
// as. It is deliberately not a superuser, like the application's role on the
// managed database in production, so a migration or query needing more
// privileges than that fails here first.
var testRole = pgtestdb.Role{
	Username:     "portal_test",
	Password:     "portal_test",
	Capabilities: "NOSUPERUSER NOCREATEDB NOCREATEROLE",
}

const tempPrefix = "portal-testpg-"

// Database is one migrated test database.
type Database struct {
	Name string
	// DSN connects as the test role; hand it to a subprocess as DATABASE_URL.
	DSN  string
	Pool *pgxpool.Pool
}

// server is somewhere pgtestdb can create databases.
type server struct {
	conf pgtestdb.Config // admin connection
	key  string          // identifies the server (see migrator.Hash)
	// drop says whether test databases are dropped after passing tests. Not
	// on private per-test clusters: they are deleted whole, and a fault test
	// may well leave theirs stopped.
	drop bool
}

var (
	mainCalled atomic.Bool

	shared struct {
		once    sync.Once
		srv     *server
		cluster *devpg.Cluster // nil with TEST_DATABASE_URL
		tmp     string         // holds the cluster; removed by Main
		err     error
	}

	perTestMu sync.Mutex
	perTest   = map[testing.TB]*Database{}

	rolesMu sync.Mutex
	roles   = map[string]bool{} // server keys where testRole is known to exist
)

// Main runs the package's tests and then stops the private cluster, if one
// was started, and deletes its files. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
func Main(m *testing.M) int {
	mainCalled.Store(true)
	sweepStale()

	// An interrupted `go test` (Ctrl-C) would otherwise leave the cluster's
	// files behind; the server itself stops with the process anyway.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		if _, ok := <-sigs; ok {
			_ = stopShared()
			os.Exit(130)
		}
	}()

	code := m.Run()
	signal.Stop(sigs)
	close(sigs)
	if err := stopShared(); err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func stopShared() error {
	if shared.cluster == nil {
		return nil
	}
	err := shared.cluster.Stop()
	if rmErr := os.RemoveAll(shared.tmp); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}

// DB returns a pool on this test's own freshly migrated database, cloned from
// a template migrated once per run, so tests may run in parallel. Within one
// test (or subtest) DB and DSN refer to the same database. It is dropped when
// the test passes, and kept for inspection when it fails.
func DB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return testDatabase(t).Pool
}

// DSN returns the connection string of this test's database (the one DB
// returns a pool on), for a server started as a subprocess.
func DSN(t testing.TB) string {
	t.Helper()
	return testDatabase(t).DSN
}

func testDatabase(t testing.TB) *Database {
	t.Helper()
	perTestMu.Lock()
	d, ok := perTest[t]
	perTestMu.Unlock()
	if ok {
		return d
	}
	d = NewDatabase(t)
	perTestMu.Lock()
	perTest[t] = d
	perTestMu.Unlock()
	t.Cleanup(func() {
		perTestMu.Lock()
		delete(perTest, t)
		perTestMu.Unlock()
	})
	return d
}

// NewDatabase creates another fresh migrated database, distinct from the one
// DB and DSN return, on the shared server.
func NewDatabase(t testing.TB) *Database {
	t.Helper()
	return newDatabase(t, sharedServer(t))
}

// DatabaseOn creates a fresh migrated database on c, a cluster from
// NewCluster (or Cluster).
func DatabaseOn(t testing.TB, c *devpg.Cluster) *Database {
	t.Helper()
	srv, err := clusterServer(c, c != shared.cluster)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return newDatabase(t, srv)
}

// Cluster returns the private cluster shared by this test binary's tests, for
// fault tests that stop or restart PostgreSQL. Stopping it affects every test
// running in parallel: a test that does so must not call t.Parallel, or
// should use NewCluster instead. It fails the test when TEST_DATABASE_URL is
// set, as there is no cluster of ours to control then.
func Cluster(t testing.TB) *devpg.Cluster {
	t.Helper()
	sharedServer(t)
	if shared.cluster == nil {
		t.Fatalf("testkit: %s is set, so tests use that server and there is no private cluster to control; use NewCluster(t) for a test that stops or restarts PostgreSQL", EnvDatabaseURL)
	}
	return shared.cluster
}

// NewCluster starts a private cluster for this test alone (whatever
// TEST_DATABASE_URL says), stopped and deleted when the test ends. Use
// DatabaseOn for a migrated database on it, and its Stop/Kill/Start to
// simulate outages.
func NewCluster(t testing.TB) *devpg.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(t.TempDir(), "pg")})
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testkit: end of PostgreSQL log:\n%s", c.LogTail())
		}
		if err := c.Stop(); err != nil {
			t.Errorf("testkit: stop cluster: %v", err)
		}
	})
	return c
}

func newDatabase(t testing.TB, srv *server) *Database {
	t.Helper()
	var tb pgtestdb.TB = t
	if !srv.drop {
		tb = noCleanup{t}
	}
	inst := pgtestdb.Custom(tb, srv.conf, migrator{server: srv.key})
	dsn := inst.URL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	// Registered after pgtestdb's cleanup, so it runs before the drop.
	t.Cleanup(pool.Close)
	return &Database{Name: inst.Database, DSN: dsn, Pool: pool}
}

// noCleanup keeps pgtestdb from dropping databases on private clusters.
type noCleanup struct{ testing.TB }

func (noCleanup) Cleanup(func()) {}

// sharedServer returns the server every test of the binary uses, starting the
// private cluster on first use.
func sharedServer(t testing.TB) *server {
	t.Helper()
	shared.once.Do(func() {
		shared.srv, shared.err = startShared()
	})
	if shared.err != nil {
		t.Fatalf("testkit: %v", shared.err)
	}
	return shared.srv
}

func startShared() (*server, error) {
	if dsn := os.Getenv(EnvDatabaseURL); dsn != "" {
		conf, err := configFromDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvDatabaseURL, err)
		}
		srv := &server{conf: conf, key: "url:" + conf.Host + ":" + conf.Port + "?" + conf.Options, drop: true}
		if err := ensureRole(srv); err != nil {
			return nil, err
		}
		return srv, nil
	}
	if !mainCalled.Load() {
		// Without Main nobody would stop the cluster and delete its files.
		return nil, errors.New("no " + EnvDatabaseURL + " and testkit.Main was not called: add\n\tfunc TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }\nto the package's tests so the private PostgreSQL cluster gets stopped")
	}
	tmp, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(tmp, "data")})
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	shared.cluster, shared.tmp = c, tmp
	return clusterServer(c, true)
}

// clusterServer describes a devpg cluster as a pgtestdb server.
func clusterServer(c *devpg.Cluster, drop bool) (*server, error) {
	srv := &server{
		conf: pgtestdb.Config{
			DriverName: "pgx",
			// The socket directory goes in the options: pgtestdb builds a
			// URL from Host and a path cannot be a URL host. pgx takes the
			// host query parameter over the URL's (empty) one.
			Port:                      strconv.Itoa(c.Port),
			User:                      devpg.SuperUser,
			Database:                  "postgres",
			Options:                   "host=" + queryEscape(c.SocketDir) + "&sslmode=disable",
			ForceTerminateConnections: true,
		},
		key:  "devpg:" + c.SocketDir + ":" + strconv.Itoa(c.Port),
		drop: drop,
	}
	srv.conf.TestRole = &testRole
	if err := ensureRole(srv); err != nil {
		return nil, err
	}
	return srv, nil
}

// ensureRole creates the test role on srv. pgtestdb does this too, but only
// once per process whatever the server, so on the second server a process
// uses (a NewCluster) the role would be missing.
func ensureRole(srv *server) error {
	rolesMu.Lock()
	defer rolesMu.Unlock()
	if roles[srv.key] {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.conf.URL())
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	// Test binaries of several packages run at once against one
	// TEST_DATABASE_URL server: serialise the check-then-create.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('portal testkit role'))`); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)`, testRole.Username).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s WITH LOGIN PASSWORD '%s' %s`,
			pgx.Identifier{testRole.Username}.Sanitize(), testRole.Password, testRole.Capabilities))
		return err
	})
	if err != nil {
		return fmt.Errorf("create role %s: %w", testRole.Username, err)
	}
	roles[srv.key] = true
	return nil
}

// migrator gives pgtestdb our migrations.
type migrator struct {
	// server is part of the hash because pgtestdb remembers, per process and
	// by hash alone, which templates it has made: without it a second server
	// (a NewCluster) would be assumed to have the first one's template.
	server string
}

// Hash covers everything that shapes the migrated schema: our migration files
// and River's migrations (which change with the River version). A template
// on a TEST_DATABASE_URL server is reused across runs until this changes.
func (m migrator) Hash() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "portal testkit v1\x00%s\x00", m.server)
	err := fs.WalkDir(db.Migrations, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	rm, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return "", err
	}
	for _, v := range rm.AllVersions() {
		fmt.Fprintf(h, "river\x00%d\x00%s\x00%d\x00", v.Version, v.Name, len(v.SQLUp))
		_, _ = io.WriteString(h, v.SQLUp) // a hash never fails to write
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// Migrate runs the application's own migration code on the template.
func (m migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	// Closed before pgtestdb clones the template: PostgreSQL refuses to copy
	// a database somebody is connected to.
	defer pool.Close()
	return db.Migrate(ctx, pool)
}

// configFromDSN turns a libpq connection string (URL or key=value) into the
// pgtestdb configuration for the same server.
func configFromDSN(dsn string) (pgtestdb.Config, error) {
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	params, err := dsnParams(dsn)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	// pgtestdb pastes Host into a URL, which a socket path cannot be, so the
	// host always travels as a parameter. Everything else the DSN set
	// (sslmode, certificates...) rides along too.
	opts := []string{"host=" + queryEscape(pc.Host)}
	keys := make([]string, 0, len(params))
	for k := range params {
		switch k {
		case "host", "hostaddr", "port", "user", "password", "dbname", "database":
		default:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		opts = append(opts, queryEscape(k)+"="+queryEscape(params[k]))
	}
	// User and password are pasted unescaped into the URL as well.
	pass := strings.TrimPrefix(url.UserPassword("x", pc.Password).String(), "x:")
	conf := pgtestdb.Config{
		DriverName:                "pgx",
		Port:                      strconv.Itoa(int(pc.Port)),
		User:                      url.User(pc.User).String(),
		Password:                  pass,
		Database:                  pc.Database,
		Options:                   strings.Join(opts, "&"),
		TestRole:                  &testRole,
		ForceTerminateConnections: true,
	}
	return conf, nil
}

// dsnParams returns the parameters a connection string sets explicitly.
func dsnParams(dsn string) (map[string]string, error) {
	out := map[string]string{}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		for k, v := range u.Query() {
			out[k] = v[0]
		}
		return out, nil
	}
	// key=value form: values may be single-quoted, with \' and \\ escapes.
	s := strings.TrimSpace(dsn)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, fmt.Errorf("malformed connection string near %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t\n")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated quoted value in connection string")
			}
			s = s[i+1:]
		} else {
			i := 0
			for ; i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[i:]
		}
		out[key] = val.String()
		s = strings.TrimSpace(s)
	}
	return out, nil
}

// queryEscape escapes a URL query value with %20 for spaces: pgx unescapes
// query values as paths, so a "+" would stay a plus sign.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// sweepStale removes the files of private clusters whose test binaries died
// without reaching the end of Main (killed by -timeout, say). Their servers
// have stopped with them (see devpg); only the directories remain. A
// directory whose owner is still alive, or whose server still is, is left
// alone.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue // being created right now, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || processExists(pid) {
			continue
		}
		if raw, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(raw), "\n")
			if pm, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && processExists(pm) {
				continue
			}
		}
		_ = os.RemoveAll(dir)
	}
}

func processExists(pid int) bool {
	return pid > 0 && !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
