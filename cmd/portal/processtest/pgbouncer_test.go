package processtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"portal/internal/auth"
	"portal/internal/ratelimit"
	"portal/internal/testkit"
)

// bouncer is one PgBouncer process in front of a test database.
type bouncer struct {
	DSN   string // through the pooler, as the instances connect
	admin string // the pooler's admin console
	out   *logBuffer
}

// bouncerPoolSize is default_pool_size: the most server connections the
// pooler opens for the portal database, however many clients it has.
const bouncerPoolSize = 4

// startBouncer runs Debian's pgbouncer (apt-get install pgbouncer) in
// transaction pooling mode in front of the database of dsn, listening on
// a free 127.0.0.1 port, until the test ends.
func startBouncer(t *testing.T, dsn string) *bouncer {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil {
			t.Fatal("pgbouncer not found: apt-get install pgbouncer (the transaction-pooling test needs it)")
		}
		bin = "/usr/sbin/pgbouncer"
	}
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()

	dir := t.TempDir()
	// As root, pgbouncer must drop to another user (it refuses to run as
	// root), which then reads the files here.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	users := fmt.Sprintf("%q %q\n", pc.User, pc.Password)
	ini := fmt.Sprintf(`[databases]
portal = host=%s port=%d dbname=%s user=%s password=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
admin_users = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 400
server_lifetime = 3600
ignore_startup_parameters = extra_float_digits
`, pc.Host, pc.Port, pc.Database, pc.User, pc.Password, port, filepath.Join(dir, "users.txt"), pc.User, bouncerPoolSize)
	for name, body := range map[string]string{"users.txt": users, "pgbouncer.ini": ini} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "postgres"}, args...)
	}
	b := &bouncer{out: &logBuffer{},
		DSN:   fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/portal?sslmode=disable", pc.User, pc.Password, port),
		admin: fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/pgbouncer?sslmode=disable&default_query_exec_mode=simple_protocol", pc.User, pc.Password, port)}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = b.out, b.out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		if t.Failed() {
			t.Logf("--- pgbouncer output ---\n%s", b.out.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("pgbouncer exited: %s", b.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer not listening within 20s: %s", b.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return b
}

// pools is the admin console's SHOW POOLS row of the portal database:
// its pool mode and the server connections it holds.
func (b *bouncer) pools(t *testing.T) (mode string, servers int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, b.admin)
	if err != nil {
		t.Fatalf("pgbouncer admin: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SHOW POOLS")
	if err != nil {
		t.Fatalf("SHOW POOLS: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]any{}
		for i, f := range rows.FieldDescriptions() {
			row[f.Name] = vals[i]
		}
		if fmt.Sprint(row["database"]) != "portal" {
			continue
		}
		for _, k := range []string{"sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"} {
			n, _ := strconv.Atoi(fmt.Sprint(row[k]))
			servers += n
		}
		mode = fmt.Sprint(row["pool_mode"])
	}
	return mode, servers
}

// TestTwoInstancesThroughPgBouncer runs two `portal serve` processes with
// PORTAL_DB_POOL_MODE=transaction through one PgBouncer in transaction
// pooling mode with default_pool_size = 4 (issue 15): sign-in by code end
// to end with the mail going through the queue (polled, no LISTEN), the
// rate limits shared, a removed member refused at once on the other
// instance, and 200 concurrent clients on GET /customers/me without one
// error. Migrations run over PORTAL_MIGRATE_DATABASE_URL, the direct
// connection, where their session lock holds.
func TestTwoInstancesThroughPgBouncer(t *testing.T) {
	pool := testkit.DB(t)
	direct := testkit.DSN(t)
	pgb := startBouncer(t, direct)
	sink := testkit.NewSMTPSink(t)
	extra := map[string]string{
		"SMTP_URL":                    sink.URL(),
		"PORTAL_DB_POOL_MODE":         "transaction",
		"PORTAL_MIGRATE_DATABASE_URL": direct,
	}
	var a, b *instance
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startInstance(t, "a", pgb.DSN, extra) }()
	go func() { defer wg.Done(); b = startInstance(t, "b", pgb.DSN, extra) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	lb := newBalancer(t, a, b)
	hasher, err := auth.NewHasher([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	legacy := testkit.Workspace(t, pool, "legacy")
	teams := testkit.Workspace(t, pool, "teams")
	dbExec(t, pool, `UPDATE workspaces SET member_model_enabled = true WHERE id = $1`, teams)

	var token string
	t.Run("CodeSignInEndToEnd", func(t *testing.T) {
		testkit.Customer(t, pool, legacy, "bouncer@example.com", "individual")
		c := testkit.NewClient(t, lb)
		r := c.PostJSON(pRequest, map[string]any{"email": "bouncer@example.com", "workspace_id": legacy.String()}, via("a")...)
		checkAPI(t, r.ExpectStatus(t, http.StatusAccepted))
		// The mail went through the queue table and a polling worker.
		code := codeFrom(t, sink, "bouncer@example.com")
		r = c.PostJSON(pAuthenticate, map[string]any{"code": code}, via("b")...)
		checkAPI(t, r.ExpectStatus(t, http.StatusOK))
		var tok struct{ Token string }
		r.JSON(t, &tok)
		token = tok.Token
		for _, in := range []string{"a", "b"} {
			r := c.GetJSON(pMe, via(in, bearer(token)...)...)
			checkAPI(t, r.ExpectStatus(t, http.StatusOK))
			if !strings.Contains(r.Text(), "bouncer@example.com") {
				t.Fatalf("customers/me on %s: %s", in, r.Text())
			}
		}
		if n := mailsTo(sink, "bouncer@example.com"); n != 1 {
			t.Errorf("%d mails for one request", n)
		}
	})

	t.Run("RateLimitsShared", func(t *testing.T) {
		dbExec(t, pool, `DELETE FROM rate_limit_buckets`)
		testkit.Customer(t, pool, legacy, "flood@example.com", "individual")
		c := testkit.NewClient(t, lb)
		body := map[string]any{"email": "flood@example.com", "workspace_id": legacy.String()}
		// The instances run in development, where the per-IP limit is
		// DevIPFactor × IPLimit (issue 16.15): spend all of it, half on
		// each instance, ten at a time (each answer is held to the
		// sign-in's floor).
		limit := ratelimit.IPLimit * ratelimit.DevIPFactor
		var wg sync.WaitGroup
		for batch := 0; batch < limit; batch += 10 {
			for i := batch; i < batch+10 && i < limit; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Errorf, not Fatalf: this is not the test's goroutine.
					if r := c.PostJSON(pRequest, body, via([]string{"a", "b"}[i%2])...); r.Status != http.StatusAccepted {
						t.Errorf("request %d of %d: %d %.300s", i+1, limit, r.Status, r.Body)
					}
				}()
			}
			wg.Wait()
		}
		for _, in := range []string{"a", "b"} {
			checkAPI(t, c.PostJSON(pRequest, body, via(in)...).ExpectStatus(t, http.StatusTooManyRequests))
		}
		if n := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND lower(args->>'to') = 'flood@example.com'`); n != 5 {
			t.Errorf("%d codes queued for one address across two instances, want 5", n)
		}
	})

	t.Run("MemberRemovalEndsSessionsAtOnce", func(t *testing.T) {
		team := testkit.Customer(t, pool, teams, "team1@example.com", "team")
		owner := testkit.Member(t, pool, team, "owner1@example.com", "owner")
		gone := testkit.Member(t, pool, team, "gone1@example.com", "member")
		ownerTok := testkit.MemberToken(t, pool, hasher, owner)
		goneTok := testkit.MemberToken(t, pool, hasher, gone)
		c := testkit.NewClient(t, lb)
		checkAPI(t, c.GetJSON(pMe, via("b", bearer(goneTok)...)...).ExpectStatus(t, http.StatusOK))
		checkAPI(t, c.Delete(pMembers+"/"+gone.String(), via("a", bearer(ownerTok)...)...).ExpectStatus(t, http.StatusNoContent))
		for _, in := range []string{"b", "a"} {
			checkAPI(t, c.GetJSON(pMe, via(in, bearer(goneTok)...)...).ExpectStatus(t, http.StatusUnauthorized))
		}
	})

	// The sessions list sends its count and page as one pgx.Batch (issue
	// 15): through the pooler in transaction mode, from both instances at
	// once, every answer is whole and right.
	t.Run("BatchedSessionsList", func(t *testing.T) {
		if token == "" {
			t.Fatal("no token: the sign-in subtest above failed")
		}
		var cust uuid.UUID
		if err := pool.QueryRow(context.Background(), `SELECT id FROM customers WHERE email = 'bouncer@example.com'`).Scan(&cust); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			testkit.FileShare(t, pool, legacy, cust, testkit.FileShareRow{})
		}
		const clients, each = 20, 5
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := testkit.NewClient(t, lb)
				for j := range each {
					r := c.GetJSON("/api/customer-portal/file-sharing/sessions?limit=2", via([]string{"a", "b"}[(i+j)%2], bearer(token)...)...)
					if r.Status != http.StatusOK || !strings.Contains(r.Text(), `"total":3`) || strings.Count(r.Text(), `"short_slug"`) != 2 {
						t.Errorf("client %d, request %d: %d %.300s", i, j, r.Status, r.Body)
						return
					}
				}
			}()
		}
		wg.Wait()
	})

	t.Run("TwoHundredClientsOnCustomersMe", func(t *testing.T) {
		if token == "" {
			t.Fatal("no token: the sign-in subtest above failed")
		}
		const clients, each = 200, 10
		tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
		var mu sync.Mutex
		statuses := map[string]int{}
		var cw sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < clients; i++ {
			cw.Add(1)
			go func(i int) {
				defer cw.Done()
				<-start
				for j := 0; j < each; j++ {
					in := []*instance{a, b}[(i+j)%2]
					req, _ := http.NewRequest(http.MethodGet, in.URL+pMe, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := hc.Do(req)
					key := ""
					if err != nil {
						key = "transport: " + err.Error()
					} else {
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						key = strconv.Itoa(resp.StatusCode)
						if resp.StatusCode != http.StatusOK {
							key += " " + string(body)
						}
					}
					mu.Lock()
					statuses[key]++
					mu.Unlock()
				}
			}(i)
		}
		close(start)
		cw.Wait()
		if len(statuses) != 1 || statuses["200"] != clients*each {
			t.Fatalf("answers of %d requests from %d clients: %v", clients*each, clients, statuses)
		}
		mode, servers := pgb.pools(t)
		if mode != "transaction" || servers > bouncerPoolSize {
			t.Fatalf("pooler: mode %q with %d server connections, want transaction with at most %d", mode, servers, bouncerPoolSize)
		}
		t.Logf("%d requests from %d clients, all 200; pooler held %d server connections", clients*each, clients, servers)
	})

	for _, in := range []*instance{a, b} {
		if strings.Contains(in.out.String(), "prepared statement") {
			t.Errorf("instance %s logged prepared-statement errors:\n%s", in.name, in.out.String())
		}
	}
}
