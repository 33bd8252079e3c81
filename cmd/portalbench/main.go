// Command portalbench is `make bench` (README "Measuring"): it starts the real
// server on a private, seeded PostgreSQL, drives it over loopback for a fixed
// time with vegeta, measures a bare net/http + pgx baseline running the same
// SQL in the same run, and prints one table with the targets beside the
// figures. It is a measurement: a missed target is reported, not a failure;
// it exits non-zero only when something broke.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func main() {
	if len(os.Args) > 1 && os.Args[1] == "lighthouse" {
		if err := runLighthouse(os.Args[2:]); err != nil {
			logf("portalbench lighthouse: %v", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		if err := runBaseline(); err != nil {
			logf("portalbench baseline: %v", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		logf("portalbench: %v", err)
		os.Exit(1)
	}
}

func run() error {
	// The whole run is bounded; 8 minutes is the budget on 2 cores.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	began := time.Now()

	tmp, err := os.MkdirTemp("", "portalbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// PostgreSQL over TCP on 127.0.0.1, as in production, for the portal
	// and the baseline alike (the bench's own seeding uses the socket).
	cluster, pool, stopDB, err := startDatabase(ctx, tmp, "bench", true)
	if err != nil {
		return err
	}
	defer stopDB()
	tcpDSN := cluster.TCPDSN("bench")
	secret, hasher, err := newSecret()
	if err != nil {
		return err
	}

	logf("seeding %d customers, %d sessions, %d downloads…", nCustomers, nSessions, nDownloads)
	t0 := time.Now()
	seeded, err := seed(ctx, pool, hasher)
	if err != nil {
		return err
	}
	logf("  seeded in %v", time.Since(t0).Round(time.Millisecond))

	bin, err := buildPortal(ctx, tmp)
	if err != nil {
		return err
	}

	srv, err := startServer(ctx, bin, tmp, tcpDSN, secret)
	if err != nil {
		return err
	}
	defer srv.stop()
	logf("server ready in %v on %s", srv.ready.Round(time.Millisecond), srv.base)

	cookie, err := browserCookie(ctx, srv.base, seeded.Tokens[0])
	if err != nil {
		return fmt.Errorf("overview sign-in: %w (server log: %s)", err, srv.logTail())
	}

	heavyCookie, err := browserCookie(ctx, srv.base, seeded.HeavyToken)
	if err != nil {
		return fmt.Errorf("heavy overview sign-in: %w (server log: %s)", err, srv.logTail())
	}

	logf("starting the baseline process…")
	bp, err := startBaseline(ctx, tcpDSN, secret, srv.base)
	if err != nil {
		return err
	}
	defer bp.stop()
	baseURL := "http://" + bp.addr

	const (
		mePath       = "/api/customer-portal/customers/me"
		sessionsPath = "/api/customer-portal/file-sharing/sessions?limit=100&sorting=-download_count"
	)
	logf("load: %d workers, %v per target in %d rounds alternating with its baseline (+%v warm-up)…", workers, duration, rounds, warmup)
	named := func(name string) func(*vegeta.Result) string { return func(*vegeta.Result) string { return name } }
	pair := func(name string, base, portal vegeta.Targeter) (result, result) {
		b, p := attackPair(base, portal, nil, named(name), 200)
		b[0].Name, p[0].Name = "baseline  "+name, "portal    "+name
		return b[0], p[0]
	}
	meBase, me := pair("GET /customers/me",
		rotate(bearerTargets(baseURL, mePath, seeded.Tokens)), rotate(bearerTargets(srv.base, mePath, seeded.Tokens)))
	listBase, list := pair("GET sessions (100, -downloads)",
		rotate(bearerTargets(baseURL, sessionsPath, seeded.Tokens)), rotate(bearerTargets(srv.base, sessionsPath, seeded.Tokens)))
	overviewBase, overview := pair("GET overview page",
		rotate([]vegeta.Target{{Method: http.MethodGet, URL: baseURL + "/" + wsSlug + "/portal/overview",
			Header: http.Header{"Authorization": {"Bearer " + seeded.Tokens[0]}}}}),
		rotate([]vegeta.Target{{Method: http.MethodGet, URL: srv.base + "/" + wsSlug + "/portal/overview",
			Header: http.Header{"Cookie": {cookie}, "Accept-Encoding": {"br, gzip"}}}}))
	rows := []row{{r: meBase}, {r: me, base: &meBase}, {r: listBase}, {r: list, base: &listBase},
		{r: overviewBase}, {r: overview, base: &overviewBase}}

	// Cost as work grows: the heavy customer's 100 000 sessions, at page 1
	// and page 1 000 of 100, and its overview page. Portal only, one client
	// at a time: the question is how the latency of one request grows with
	// the work, not the distance to a baseline or queueing.
	heavyList := func(page int) vegeta.Targeter {
		return rotate(bearerTargets(srv.base, fmt.Sprintf("/api/customer-portal/file-sharing/sessions?limit=100&page=%d", page), []string{seeded.HeavyToken}))
	}
	// The pages measured must be the real ones: full, with the right total.
	for _, page := range []int{1, 500, 1000} {
		if err := checkHeavyPage(ctx, srv.base, seeded.HeavyToken, page); err != nil {
			return err
		}
	}
	page1 := attackOne("portal    heavy: sessions page 1 of 1000", 1, heavyList(1))
	page500 := attackOne("portal    heavy: sessions page 500 (middle)", 1, heavyList(500))
	page1000 := attackOne("portal    heavy: sessions page 1000", 1, heavyList(1000))
	heavyOverview := attackOne("portal    heavy: overview page", 1, rotate([]vegeta.Target{{Method: http.MethodGet,
		URL: srv.base + "/" + wsSlug + "/portal/overview", Header: http.Header{"Cookie": {heavyCookie}, "Accept-Encoding": {"br, gzip"}}}}))
	heavyRows := []row{{r: page1}, {r: page500, base: &page1}, {r: page1000, base: &page1}, {r: heavyOverview, base: &page1}}
	plans := heavyPlans(ctx, pool)
	// The pair alternates its two requests in one attack; each gets a row.
	// Every attack starts from empty counters: the global failure budget
	// (1000 wrong codes in 10 minutes) would otherwise refuse part of the
	// run, and the per-IP counters would carry over from one side to the
	// other.
	resetLimits := func() {
		if _, err := pool.Exec(ctx, `DELETE FROM rate_limit_buckets`); err != nil {
			logf("reset rate limits: %v", err)
		}
	}
	signInBase, signInPortal := attackPair(signInTargeter(baseURL, seeded.WorkspaceID.String()),
		signInTargeter(srv.base, seeded.WorkspaceID.String()), resetLimits, func(r *vegeta.Result) string {
			if strings.HasSuffix(r.URL, "/request") {
				return "sign-in POST request (202)"
			}
			return "sign-in POST authenticate (401)"
		}, 202, 401)
	for i := range signInPortal {
		signInBase[i].Name, signInPortal[i].Name = "baseline  "+signInBase[i].Name, "portal    "+signInPortal[i].Name
		rows = append(rows, row{r: signInBase[i]}, row{r: signInPortal[i], base: &signInBase[i]})
	}

	rss, err := srv.peakRSS()
	if err != nil {
		return err
	}
	if !srv.alive() {
		return fmt.Errorf("server exited during the load: %s", srv.logTail())
	}

	printTable(rows, heavyRows, rss, srv.ready, []check{
		{"GET /customers/me throughput", ">= 0.85x baseline", fmt.Sprintf("%.2fx", me.Rate/meBase.Rate), me.Rate >= 0.85*meBase.Rate},
		{"GET /customers/me p99", "<= 1.50x baseline", fmt.Sprintf("%.2fx", ratio(me.P99, meBase.P99)), float64(me.P99) <= 1.5*float64(meBase.P99)},
		{"sessions list throughput", ">= 0.60x baseline", fmt.Sprintf("%.2fx", list.Rate/listBase.Rate), list.Rate >= 0.6*listBase.Rate},
		{"overview page p99 (16 clients)", "< 25 ms", fmt.Sprintf("%s (%.2fx)", ms(overview.P99), ratio(overview.P99, overviewBase.P99)), overview.P99 < 25*time.Millisecond},
		{"heavy: page 1000 p99 (1 client)", "< 50 ms", fmt.Sprintf("%s (%.2fx page 1)", ms(page1000.P99), ratio(page1000.P99, page1.P99)), page1000.P99 < 50*time.Millisecond},
		{"peak RSS", "< 64 MiB", fmt.Sprintf("%.1f MiB", float64(rss)/(1<<20)), rss < 64<<20},
		{"start to ready", "< 300 ms", ms(srv.ready), srv.ready < 300*time.Millisecond},
	})
	fmt.Print(plans)
	for _, r := range append(rows, heavyRows...) {
		if r.r.Sample != "" {
			fmt.Printf("first error, %s: %s\n", strings.TrimSpace(r.r.Name), r.r.Sample)
		}
	}
	fmt.Printf("(whole run %v)\n", time.Since(began).Round(time.Second))
	return nil
}

// checkHeavyPage fetches page n (limit 100) of the heavy customer's
// sessions and checks it holds 100 rows of nHeavy.
func checkHeavyPage(ctx context.Context, base, token string, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/customer-portal/file-sharing/sessions?limit=100&page=%d", base, n), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Data []json.RawMessage `json:"data"`
		Meta struct {
			Total int64 `json:"total"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("heavy page %d: %w", n, err)
	}
	if resp.StatusCode != http.StatusOK || len(body.Data) != 100 || body.Meta.Total != nHeavy {
		return fmt.Errorf("heavy page %d: status %d, %d rows of %d, want 100 of %d", n, resp.StatusCode, len(body.Data), body.Meta.Total, nHeavy)
	}
	return nil
}

// server is the `portal serve` subprocess.
type server struct {
	cmd   *exec.Cmd
	base  string
	ready time.Duration
	log   string
	done  chan struct{}
}

// startServer execs `portal serve` on a free loopback port and waits for the
// first 200 from /readyz; the time from exec to that answer is ready.
func startServer(ctx context.Context, bin, dir, dsn, secret string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()

	logPath := filepath.Join(dir, "server.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dsn, "PORTAL_SECRET="+secret, "PORTAL_ADDR="+addr,
		"PORTAL_ENV=development", "PORTAL_TRUSTED_PROXIES=127.0.0.1/32",
		"PORTAL_PAYMENTS=sandbox", "PORTAL_BASE_URL=http://"+addr)
	// The server logs every request; a file keeps that off the table and
	// out of the bench's memory, and its tail explains a failure.
	cmd.Stdout, cmd.Stderr = lf, lf
	s := &server{cmd: cmd, base: "http://" + addr, log: logPath, done: make(chan struct{})}

	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	go func() { _ = cmd.Wait(); lf.Close(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(start)
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("portal serve exited before ready: %s", s.logTail())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("portal serve not ready after 30s: %s", s.logTail())
		}
	}
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// peakRSS is the process's high-water resident set (VmHWM).
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// stop asks the server to shut down gracefully and kills it after 20 s.
func (s *server) stop() {
	if !s.alive() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// browserCookie signs a browser in with a pre-authenticated link
// (?customer_session_token=, D11): the GET strips the token and lands on
// the "Continue as" page, whose form POST signs in (D23). It returns the
// Cookie header the server set, for the overview load to reuse.
func browserCookie(ctx context.Context, base, token string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	u := base + "/" + wsSlug + "/portal/overview"
	cont := "/" + wsSlug + "/portal/continue"
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"?customer_session_token="+url.QueryEscape(token), nil)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != cont {
		return "", fmt.Errorf("GET %s ended at %s with %d", u, resp.Request.URL, resp.StatusCode)
	}
	var csrf string
	for _, ck := range jar.Cookies(resp.Request.URL) {
		if ck.Name == "csrf" || ck.Name == "__Host-csrf" {
			csrf = ck.Value
		}
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+cont, strings.NewReader(url.Values{"_csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = c.Do(req); err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/"+wsSlug+"/portal/overview" {
		return "", fmt.Errorf("POST %s ended at %s with %d", cont, resp.Request.URL, resp.StatusCode)
	}
	pu, _ := url.Parse(u)
	var parts []string
	for _, ck := range jar.Cookies(pu) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	if len(parts) == 0 {
		return "", errors.New("no cookie set")
	}
	return strings.Join(parts, "; "), nil
}

// freePort is a TCP port free on 127.0.0.1 at the time of asking.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// heavyPlans runs the heavy customer's count and the id scans of its pages
// 500 and 1 000 (as fileshare.listDeep reads them) under
// EXPLAIN ANALYZE and reports PostgreSQL's own execution time and scan: the
// database's share of the latencies above, free of HTTP and of the load.
func heavyPlans(ctx context.Context, pool *pgxpool.Pool) string {
	// The customer is named by a subquery, as in earlier runs, not by a
	// literal id: with the literal, PostgreSQL plans for the heavy
	// customer's actual share of the table (a seq scan for the count),
	// which is not what a prepared statement shared by every customer
	// usually ends up with (its generic plan). The subqueries add a small
	// lookup of customers to each time.
	ids := func(email string) (who, ws string) {
		return `(SELECT id FROM customers WHERE email = '` + email + `')`, `(SELECT workspace_id FROM customers WHERE email = '` + email + `')`
	}
	who, ws := ids(heavyEmail)
	stmts := []struct{ name, sql string }{
		{"count", `SELECT coalesce(sum(live), 0)::bigint FROM file_share_counts WHERE customer_id = ` + who + ` AND workspace_id = ` + ws},
		{"page 1 ids", `SELECT id FROM file_share_sessions WHERE customer_id = ` + who + ` AND workspace_id = ` + ws +
			` AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 100`},
		// listDeep reads page 1 000, the last, from the back; page 500,
		// the middle, is the deepest any page walks.
		{"page 500 ids", `SELECT id, created_at FROM file_share_sessions WHERE customer_id = ` + who + ` AND workspace_id = ` + ws +
			` AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 100 OFFSET 49900`},
		{"page 1000 ids", `SELECT id, created_at FROM file_share_sessions WHERE customer_id = ` + who + ` AND workspace_id = ` + ws +
			` AND deleted_at IS NULL ORDER BY created_at ASC, id ASC LIMIT 100 OFFSET 0`},
		// The overview's earnings summary (FileShareEarnings), for the
		// overview's customer (200 shares, ~27 000 downloads this month)
		// and for the heavy one (100 000 shares, 33 000 paid).
		{"earnings (200)", earningsSQL(ids(customerEmail(0)))},
		{"earnings heavy", earningsSQL(who, ws)},
	}
	var b strings.Builder
	b.WriteString("\nPostgreSQL's own time, heavy customer unless named (EXPLAIN ANALYZE, best of 3):\n")
	for _, st := range stmts {
		best, scan := time.Duration(0), ""
		for range 3 {
			rows, err := pool.Query(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+st.sql)
			if err != nil {
				return b.String() + "  " + st.name + ": " + err.Error() + "\n"
			}
			var plan []struct {
				Plan          map[string]any `json:"Plan"`
				ExecutionTime float64        `json:"Execution Time"`
			}
			for rows.Next() {
				_ = rows.Scan(&plan)
			}
			rows.Close()
			if len(plan) == 0 {
				continue
			}
			d := time.Duration(plan[0].ExecutionTime * float64(time.Millisecond))
			if best == 0 || d < best {
				best, scan = d, scans(plan[0].Plan)
			}
		}
		fmt.Fprintf(&b, "  %-14s %9s  %s\n", st.name, ms(best), scan)
	}
	return b.String()
}

// earningsSQL is FileShareEarnings for customer who of workspace ws (SQL
// expressions), this month.
func earningsSQL(who, ws string) string {
	return `SELECT e.currency, e.paid_cents, e.fee_cents,
	coalesce((SELECT sum(d.downloads) FROM file_share_customer_downloads d
		WHERE d.customer_id = e.customer_id AND d.month >= date_trunc('month', now(), 'UTC') AND d.currency = e.currency), 0)::bigint
FROM file_share_earnings e
WHERE e.customer_id = ` + who + ` AND e.payments > 0
  AND EXISTS (SELECT 1 FROM customers c WHERE c.id = ` + who + ` AND c.workspace_id = ` + ws + `)
ORDER BY e.currency`
}

// scans names the scan nodes of a JSON plan, with heap fetches where an
// index-only scan had to read the table.
func scans(n map[string]any) string {
	var out []string
	var walk func(map[string]any)
	walk = func(n map[string]any) {
		if t, _ := n["Node Type"].(string); strings.Contains(t, "Scan") {
			s := t
			if idx, ok := n["Index Name"].(string); ok {
				s += " on " + idx
			} else if rel, ok := n["Relation Name"].(string); ok {
				s += " on " + rel
			}
			if hf, ok := n["Heap Fetches"].(float64); ok {
				s += fmt.Sprintf(" (heap fetches %d)", int(hf))
			}
			out = append(out, s)
		}
		if kids, ok := n["Plans"].([]any); ok {
			for _, k := range kids {
				if m, ok := k.(map[string]any); ok {
					walk(m)
				}
			}
		}
	}
	walk(n)
	return strings.Join(out, "; ")
}
