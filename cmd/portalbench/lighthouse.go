package main

// `portalbench lighthouse` is `make lighthouse` (docs/design.md "Assets"):
// Lighthouse from npm (.ci/lighthouse, kept out of the top-level
// package.json), mobile preset, performance and accessibility, on the
// sign-in, overview, settings, billing and team pages of the real server
// with the demo data. Like the bench it is a measurement (scores come from
// timings), so it is not part of make test; unlike the bench it exits
// non-zero when a page scores below 100.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/demo"
	"portal/web/session"
)

// lighthouseBin is the npm package's CLI, installed by make lighthouse.
const lighthouseBin = ".ci/lighthouse/node_modules/.bin/lighthouse"

// lighthousePages are the pages goal 3 of issue 15 names: the sign-in page
// signed out, the others as the owner of the demo's Design Studio team
// (member model, so the team page is there).
type lighthousePage struct {
	name, path string
	signedIn   bool
}

var lighthousePages = []lighthousePage{
	{"sign-in", "/teamco/portal/request", false},
	{"overview", "/teamco/portal/overview", true},
	{"settings", "/teamco/portal/settings", true},
	{"billing", "/teamco/portal/billing", true},
	{"team", "/teamco/portal/team", true},
}

// lhReport is the part of Lighthouse's JSON report read here.
type lhReport struct {
	Categories map[string]struct {
		Score     *float64 `json:"score"`
		AuditRefs []struct {
			ID     string  `json:"id"`
			Weight float64 `json:"weight"`
		} `json:"auditRefs"`
	} `json:"categories"`
	Audits map[string]struct {
		Title        string   `json:"title"`
		Score        *float64 `json:"score"`
		ScoreMode    string   `json:"scoreDisplayMode"`
		NumericValue float64  `json:"numericValue"`
		DisplayValue string   `json:"displayValue"`
	} `json:"audits"`
	RuntimeError *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"runtimeError"`
}

func (r *lhReport) score(cat string) int {
	c, ok := r.Categories[cat]
	if !ok || c.Score == nil {
		return -1
	}
	return int(*c.Score*100 + 0.5)
}

func (r *lhReport) metric(id string) float64 { return r.Audits[id].NumericValue }

// failing lists the audits that cost points: those the two categories
// weigh, scored below 1.
func (r *lhReport) failing() []string {
	var out []string
	for _, c := range r.Categories {
		for _, ref := range c.AuditRefs {
			a, ok := r.Audits[ref.ID]
			if ref.Weight == 0 || !ok || a.Score == nil || *a.Score >= 1 {
				continue
			}
			s := fmt.Sprintf("%s (%.2f", ref.ID, *a.Score)
			if a.DisplayValue != "" {
				s += ", " + a.DisplayValue
			}
			out = append(out, s+")")
		}
	}
	sort.Strings(out)
	return out
}

// median is the run with the median performance score (the lower middle
// of an even number); among equal scores, the one with the median total
// blocking time.
func median(rs []*lhReport) *lhReport {
	s := slices.Clone(rs)
	slices.SortStableFunc(s, func(a, b *lhReport) int {
		if d := a.score("performance") - b.score("performance"); d != 0 {
			return d
		}
		return int(b.metric("total-blocking-time") - a.metric("total-blocking-time"))
	})
	return s[(len(s)-1)/2]
}

func runLighthouse(only []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if _, err := os.Stat(lighthouseBin); err != nil {
		return fmt.Errorf("%s missing: run make lighthouse (npm ci in .ci/lighthouse)", lighthouseBin)
	}
	chrome := os.Getenv("CHROME_PATH")
	if chrome == "" {
		for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
			if _, err := os.Stat(p); err == nil {
				chrome = p
				break
			}
		}
	}
	if chrome == "" {
		return errors.New("no Chromium found: set CHROME_PATH")
	}
	out := filepath.Join(".cache", "lighthouse")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "portallighthouse-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cluster, pool, stopDB, err := startDatabase(ctx, tmp, "portal", false)
	if err != nil {
		return err
	}
	defer stopDB()
	if _, err := demo.Seed(ctx, pool); err != nil {
		return err
	}

	secret, hasher, err := newSecret()
	if err != nil {
		return err
	}
	cookie, err := ownerCookie(ctx, pool, hasher, secret)
	if err != nil {
		return err
	}

	bin, err := buildPortal(ctx, tmp)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, bin, tmp, cluster.DSN("portal"), secret)
	if err != nil {
		return err
	}
	defer srv.stop()
	logf("server ready on %s; Lighthouse %s, mobile preset, with %s", srv.base, lighthouseVersion(), chrome)

	if os.Getenv("LIGHTHOUSE_HOLD") != "" {
		// For looking into a page by hand: the server stays up until
		// Ctrl-C, with the signed-in cookie printed.
		fmt.Printf("%s\nCookie: %s\n", srv.base, cookie)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return nil
	}
	// Lighthouse's scores vary from run to run with what else the machine
	// does; like Lighthouse CI, each page is measured several times
	// (LIGHTHOUSE_RUNS, default 3), round-robin so that a busy moment does
	// not fall on one page only, and the median run is the page's result.
	// Every run's performance score is printed beside it.
	runs := 3
	if n, err := strconv.Atoi(os.Getenv("LIGHTHOUSE_RUNS")); err == nil && n > 0 {
		runs = n
	}
	type result struct {
		name    string
		reports []*lhReport
	}
	var results []*result
	for _, p := range lighthousePages {
		if len(only) == 0 || slices.Contains(only, p.name) {
			results = append(results, &result{name: p.name})
		}
	}
	for i := range runs {
		for _, res := range results {
			p := lighthousePages[slices.IndexFunc(lighthousePages, func(q lighthousePage) bool { return q.name == res.name })]
			file := filepath.Join(out, fmt.Sprintf("%s-%d.json", p.name, i+1))
			args := []string{srv.base + p.path, "--output=json", "--output-path=" + file,
				"--only-categories=performance,accessibility", "--chrome-flags=--headless=new --no-sandbox", "--quiet"}
			if os.Getenv("LIGHTHOUSE_ASSETS") != "" {
				args = append(args, "--save-assets") // the trace, beside the report
			}
			if p.signedIn {
				h, _ := json.Marshal(map[string]string{"Cookie": cookie})
				args = append(args, "--extra-headers="+string(h))
			}
			logf("lighthouse %s (run %d of %d)…", p.path, i+1, runs)
			// A run that fails (Chromium timing out on a busy machine)
			// is tried once more before the measurement gives up.
			var r *lhReport
			var err error
			for try := 0; try < 2; try++ {
				if r, err = lighthouseRun(ctx, chrome, file, args); err == nil {
					break
				}
				logf("lighthouse %s: %v", p.path, err)
			}
			if err != nil {
				return fmt.Errorf("lighthouse %s: %w", p.path, err)
			}
			res.reports = append(res.reports, r)
		}
	}
	if !srv.alive() {
		return fmt.Errorf("server exited during the run: %s", srv.logTail())
	}

	fmt.Printf("\n%-9s %5s %5s %8s %8s %8s %7s %8s  %s\n", "page", "perf", "a11y", "FCP", "LCP", "TBT", "CLS", "SI", "perf of each run")
	var below []string
	for _, res := range results {
		r := median(res.reports)
		perf, a11y := r.score("performance"), r.score("accessibility")
		var each []string
		for _, x := range res.reports {
			each = append(each, strconv.Itoa(x.score("performance")))
		}
		fmt.Printf("%-9s %5d %5d %6.0fms %6.0fms %6.0fms %7.3f %6.0fms  %s\n", res.name, perf, a11y,
			r.metric("first-contentful-paint"), r.metric("largest-contentful-paint"), r.metric("total-blocking-time"),
			r.metric("cumulative-layout-shift"), r.metric("speed-index"), strings.Join(each, " "))
		if perf < 100 || a11y < 100 {
			below = append(below, fmt.Sprintf("%s: %s", res.name, strings.Join(r.failing(), ", ")))
		}
	}
	fmt.Printf("(reports in %s)\n", out)
	if len(below) > 0 {
		fmt.Println("\nbelow 100, the audits that cost points:")
		for _, b := range below {
			fmt.Println("  " + b)
		}
		return errors.New("a page scored below 100")
	}
	return nil
}

// lighthouseRun runs the Lighthouse CLI once and reads its JSON report.
func lighthouseRun(ctx context.Context, chrome, file string, args []string) (*lhReport, error) {
	cmd := exec.CommandContext(ctx, lighthouseBin, args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chrome)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tail := stderr.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return nil, fmt.Errorf("%w: %s", err, tail)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r lhReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.RuntimeError != nil && r.RuntimeError.Code != "" && r.RuntimeError.Code != "NO_ERROR" {
		return nil, fmt.Errorf("%s: %s", r.RuntimeError.Code, r.RuntimeError.Message)
	}
	return &r, nil
}

// ownerCookie signs Olivia, owner of the demo's Design Studio team, into a
// browser session as the code sign-in would, and returns the session
// cookie as a Cookie header value.
func ownerCookie(ctx context.Context, pool *pgxpool.Pool, h *auth.Hasher, secret string) (string, error) {
	var ws, customer, member uuid.UUID
	err := pool.QueryRow(ctx, `SELECT c.workspace_id, c.id, m.id FROM members m
		JOIN customers c ON c.id = m.customer_id JOIN workspaces w ON w.id = c.workspace_id
		WHERE w.slug = 'teamco' AND c.email = 'design@teamco.example.com' AND m.email = 'olivia@example.com'
			AND m.deleted_at IS NULL`).Scan(&ws, &customer, &member)
	if err != nil {
		return "", fmt.Errorf("demo owner: %w", err)
	}
	id, err := auth.NewBrowserSessions(pool, h).Create(ctx, auth.BrowserSubject{WorkspaceID: ws, CustomerID: customer, MemberID: member}, "lighthouse")
	if err != nil {
		return "", err
	}
	// The server runs in development over http: the plain cookie name.
	ck, err := session.New([]byte(secret), false).Encode(session.SignedIn(ws, id))
	if err != nil {
		return "", err
	}
	return ck.Name + "=" + ck.Value, nil
}

// lighthouseVersion is the installed package's version, for the log.
func lighthouseVersion() string {
	b, err := os.ReadFile(".ci/lighthouse/node_modules/lighthouse/package.json")
	if err != nil {
		return "?"
	}
	var p struct{ Version string }
	_ = json.Unmarshal(b, &p)
	return p.Version
}
