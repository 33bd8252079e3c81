// Package processtest runs the real `portal serve` binary as child
// processes: two instances on one database (issue 9, "two instances, one
// database") and SIGTERM with requests in flight. Everything here goes
// through sockets, signals and exit statuses, as in production; the
// in-process equivalents live in web/ops and web/signin.
package processtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/testkit"
)

// binary is the portal command built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "portal-processtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "processtest:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "portal")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "processtest:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := testkit.Main(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles ./cmd/portal with the go command that runs these tests.
func build(out string) error {
	root, err := testkit.RepoRoot()
	if err != nil {
		return err
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // only when go is not on PATH; the test runs from the go that built it
	}
	cmd := exec.Command(goCmd, "build", "-o", out, "./cmd/portal")
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/portal: %w\n%s", err, buf.String())
	}
	return nil
}

// testSecret is PORTAL_SECRET for every instance: instances behind one load
// balancer must share it (cookies, token hashes, rate-limit keys).
const testSecret = "processtest-0123456789abcdef-0123456789abcdef"

// publicBase is PORTAL_BASE_URL of every instance: the one address the
// load balancer answers on.
const publicBase = "http://portal.test"

// instance is one running `portal serve`.
type instance struct {
	name string
	URL  string // http://127.0.0.1:PORT
	Addr string
	cmd  *exec.Cmd
	out  *logBuffer

	done    chan struct{} // closed when the process has exited
	waitErr error
	exited  time.Time
}

// logBuffer collects the process's stdout and stderr.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// listeningRE finds the listener's address in the start-up log line (text
// or JSON handler). PORTAL_ADDR is 127.0.0.1:0 so the kernel picks a free
// port and no two tests can race for one.
var listeningRE = regexp.MustCompile(`portal listening"?[^\n]*?addr"?[=:]"?([0-9.]+:[0-9]+)`)

// startInstance starts `portal serve` on dsn with the shared test
// configuration plus extra, waits until /readyz answers 200, and stops the
// process (SIGKILL if still running) when the test ends, logging its output
// if the test failed.
func startInstance(t *testing.T, name, dsn string, extra map[string]string) *instance {
	t.Helper()
	env := map[string]string{
		"PATH":            os.Getenv("PATH"),
		"HOME":            os.Getenv("HOME"),
		"DATABASE_URL":    dsn,
		"PORTAL_ADDR":     "127.0.0.1:0",
		"PORTAL_BASE_URL": publicBase,
		// development: the card sandbox is refused in production.
		"PORTAL_ENV":      "development",
		"PORTAL_SECRET":   testSecret,
		"PORTAL_PAYMENTS": "sandbox",
		"MAIL_FROM":       "portal@example.test",
	}
	for k, v := range extra {
		env[k] = v
	}
	in := &instance{name: name, out: &logBuffer{}, done: make(chan struct{})}
	in.cmd = exec.Command(binary, "serve")
	for k, v := range env {
		in.cmd.Env = append(in.cmd.Env, k+"="+v)
	}
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	dieWithParent(in.cmd)
	began := time.Now()
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		in.waitErr = in.cmd.Wait()
		in.exited = time.Now()
		close(in.done)
	}()
	t.Cleanup(func() {
		if in.running() {
			_ = in.cmd.Process.Signal(syscall.SIGKILL)
			<-in.done
		}
		if t.Failed() {
			t.Logf("--- output of portal serve %s (pid %d) ---\n%s", name, in.cmd.Process.Pid, in.out.String())
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for in.Addr == "" {
		if m := listeningRE.FindStringSubmatch(in.out.String()); m != nil {
			in.Addr = m[1]
			in.URL = "http://" + in.Addr
			break
		}
		select {
		case <-in.done:
			t.Fatalf("portal serve %s exited before listening: %v\n%s", name, in.waitErr, in.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("portal serve %s: no listening line within 60s\n%s", name, in.out.String())
		}
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get(in.URL + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("portal serve %s (pid %d) ready on %s in %v", name, in.cmd.Process.Pid, in.Addr, time.Since(began).Round(time.Millisecond))
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("portal serve %s: /readyz not 200 within 60s (last: %v)", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (in *instance) running() bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// balancer is an http.Handler standing in for a load balancer in front of
// the instances: testkit.Client drives it (cookie jar, contract checks), and
// it forwards each request over a real socket to one instance, chosen by
// the X-Instance request header ("a", "b", ...) or else round-robin. The
// Host the client used (portal.test) is kept, as a proxy would.
type balancer struct {
	t         testing.TB
	instances []*instance
	next      atomic.Uint32
	hc        *http.Client
}

// instanceHeader picks the instance; the balancer strips it.
const instanceHeader = "X-Instance"

func newBalancer(t testing.TB, instances ...*instance) *balancer {
	return &balancer{t: t, instances: instances, hc: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in *instance
	if want := r.Header.Get(instanceHeader); want != "" {
		for _, x := range b.instances {
			if x.name == want {
				in = x
			}
		}
		if in == nil {
			b.t.Errorf("balancer: no instance %q", want)
			http.Error(w, "no such instance", http.StatusBadGateway)
			return
		}
	} else {
		in = b.instances[int(b.next.Add(1)-1)%len(b.instances)]
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, in.URL+r.URL.RequestURI(), r.Body)
	if err != nil {
		b.t.Errorf("balancer: %v", err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	out.Header.Del(instanceHeader)
	out.Host = r.Host
	out.ContentLength = r.ContentLength
	resp, err := b.hc.Do(out)
	if err != nil {
		// A transport failure is never a valid answer: fail loudly.
		b.t.Errorf("balancer: %s %s via %s: %v", r.Method, r.URL.RequestURI(), in.name, err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("X-Served-By", in.name)
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// via is the header pair that sends a testkit request to one instance.
func via(name string, headers ...string) []string {
	return append([]string{instanceHeader, name}, headers...)
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// codeRE finds the sign-in code in a mail (shown XXXX-XXXX).
var codeRE = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

func codeFrom(t *testing.T, sink *testkit.SMTPSink, to string) string {
	t.Helper()
	m := sink.WaitFor(t, to, 20*time.Second)
	c := codeRE.FindString(m.Text)
	if c == "" {
		t.Fatalf("no code in mail to %s: %q", to, m.Text)
	}
	return c
}

// count runs a counting query on the shared database.
func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// dialRefused reports whether a new TCP connection to addr is refused.
func dialRefused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return strings.Contains(err.Error(), "refused")
}
