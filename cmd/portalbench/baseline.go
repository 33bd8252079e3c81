package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/mail"
	"portal/internal/ratelimit"
)

// baseline is the yardstick: the physical limit for what the portal
// answers. It runs in its own process (`portalbench baseline`), over TCP to
// the same PostgreSQL, with bare net/http + pgx and no framework,
// middleware, validation, logging or compression. GET /customers/me is ONE
// indexed query (the hashed bearer token joined to its customer) and
// encoding/json; the sessions list is one query too (the token, its page
// and the total in one statement). The overview (baseline_pages.go) does
// the page's data work (caller, count, page of ten, earnings summary) in one
// batch, one round trip; the sign-in pair calls the same services as the
// portal, without the framework. The ratio of the portal to it is what compares across machines.
type baseline struct {
	pool   *pgxpool.Pool
	hasher *auth.Hasher
	signIn *auth.SignIn
}

func (b *baseline) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/customer-portal/customers/me", b.me)
	mux.HandleFunc("GET /api/customer-portal/file-sharing/sessions", b.sessions)
	mux.HandleFunc("GET /{slug}/portal/overview", b.overview)
	mux.HandleFunc("POST /api/customer-portal/customer-session/request", b.signInRequest)
	mux.HandleFunc("POST /api/customer-portal/customer-session/authenticate", b.signInAuthenticate)
	return mux
}

func (b *baseline) tokenHash(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return "", false
	}
	return b.hasher.Hash(tok), true
}

// meSQL is the one query of GET /customers/me: the live session by its
// token's hash (unique index) joined to its live customer (primary key).
const meSQL = `SELECT c.id, c.created_at, c.modified_at, c.email, c.email_verified, c.name, c.billing_name,
	c.billing_address, c.oauth_accounts, c.type
FROM customer_sessions s JOIN customers c ON c.id = s.customer_id
WHERE s.token_hash = $1 AND s.deleted_at IS NULL AND s.expires_at > now() AND c.deleted_at IS NULL`

type meJSON struct {
	ID             uuid.UUID       `json:"id"`
	CreatedAt      time.Time       `json:"created_at"`
	ModifiedAt     *time.Time      `json:"modified_at"`
	Email          string          `json:"email"`
	EmailVerified  bool            `json:"email_verified"`
	Name           *string         `json:"name"`
	BillingName    *string         `json:"billing_name"`
	BillingAddress json.RawMessage `json:"billing_address"`
	OAuthAccounts  json.RawMessage `json:"oauth_accounts"`
	Type           *string         `json:"type"`
}

func (b *baseline) me(w http.ResponseWriter, r *http.Request) {
	h, ok := b.tokenHash(w, r)
	if !ok {
		return
	}
	var c meJSON
	var addr []byte
	err := b.pool.QueryRow(r.Context(), meSQL, h).Scan(&c.ID, &c.CreatedAt, &c.ModifiedAt, &c.Email, &c.EmailVerified,
		&c.Name, &c.BillingName, &addr, &c.OAuthAccounts, &c.Type)
	if err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	c.BillingAddress = addr
	if c.BillingAddress == nil {
		c.BillingAddress = json.RawMessage("null")
	}
	writeJSON(w, c)
}

// sessionsSQL is the sessions list in one query: the token's customer, its
// page of 100 by download count (the index on (customer_id, download_count,
// id)) and the total. The bench always asks for
// limit=100&sorting=-download_count; the baseline does not parse it, which
// is part of what "bare" means.
const sessionsSQL = `WITH who AS (
	SELECT c.id, c.workspace_id FROM customer_sessions s JOIN customers c ON c.id = s.customer_id
	WHERE s.token_hash = $1 AND s.deleted_at IS NULL AND s.expires_at > now() AND c.deleted_at IS NULL)
SELECT f.id, f.created_at, f.modified_at, f.short_slug, f.long_slug, f.status, f.max_downloads, f.download_count,
	f.price_cents, f.currency, f.title, f.file_name, f.file_size_bytes, f.ttl_seconds, f.expires_at, f.activated_at,
	f.completed_at, f.user_id, f.workspace_id, f.share_id,
	(SELECT coalesce(sum(n.live), 0)::bigint FROM file_share_counts n, who WHERE n.customer_id = who.id
		AND n.workspace_id = who.workspace_id) AS total
FROM who JOIN file_share_sessions f ON f.customer_id = who.id AND f.workspace_id = who.workspace_id AND f.deleted_at IS NULL
ORDER BY f.download_count DESC, f.id DESC LIMIT 100`

type sessionJSON struct {
	ID            uuid.UUID  `json:"id"`
	CreatedAt     time.Time  `json:"created_at"`
	ModifiedAt    *time.Time `json:"modified_at"`
	ShortSlug     string     `json:"short_slug"`
	LongSlug      string     `json:"long_slug"`
	Status        string     `json:"status"`
	MaxDownloads  int32      `json:"max_downloads"`
	DownloadCount int32      `json:"download_count"`
	PriceCents    *int32     `json:"price_cents"`
	Currency      string     `json:"currency"`
	Title         *string    `json:"title"`
	FileName      *string    `json:"file_name"`
	FileSizeBytes *int64     `json:"file_size_bytes"`
	TTLSeconds    *int32     `json:"ttl_seconds"`
	ExpiresAt     *time.Time `json:"expires_at"`
	ActivatedAt   *time.Time `json:"activated_at"`
	CompletedAt   *time.Time `json:"completed_at"`
	UserID        *uuid.UUID `json:"user_id"`
	WorkspaceID   *uuid.UUID `json:"workspace_id"`
	ShareID       *uuid.UUID `json:"share_id"`
}

func (b *baseline) sessions(w http.ResponseWriter, r *http.Request) {
	h, ok := b.tokenHash(w, r)
	if !ok {
		return
	}
	rows, err := b.pool.Query(r.Context(), sessionsSQL, h)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var total int64
	items := make([]sessionJSON, 0, 100)
	for rows.Next() {
		var s sessionJSON
		if err := rows.Scan(&s.ID, &s.CreatedAt, &s.ModifiedAt, &s.ShortSlug, &s.LongSlug, &s.Status, &s.MaxDownloads,
			&s.DownloadCount, &s.PriceCents, &s.Currency, &s.Title, &s.FileName, &s.FileSizeBytes, &s.TTLSeconds,
			&s.ExpiresAt, &s.ActivatedAt, &s.CompletedAt, &s.UserID, &s.WorkspaceID, &s.ShareID, &total); err != nil {
			rows.Close()
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		items = append(items, s)
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if len(items) == 0 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	writeJSON(w, map[string]any{"items": items, "pagination": map[string]int64{"total_count": total, "max_page": (total + 99) / 100}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Environment of the baseline process, set by the bench.
const (
	envDSN    = "PORTALBENCH_DSN"
	envSecret = "PORTALBENCH_SECRET"
	envBase   = "PORTALBENCH_BASE_URL"
)

// runBaseline is `portalbench baseline`: it serves the baseline on a free
// loopback port, prints "listening <addr>" on stdout and serves until
// SIGTERM.
func runBaseline() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := pgxpool.ParseConfig(os.Getenv(envDSN))
	if err != nil {
		return err
	}
	// The portal's pool has 8 connections on this machine (db.OpenMode):
	// the same budget here.
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	secret := os.Getenv(envSecret)
	hasher, err := auth.NewHasher([]byte(secret))
	if err != nil {
		return err
	}
	// The sign-in service writes to the same database and mail queue as the
	// portal (whose workers send the mail); it never starts workers of its own.
	queue, err := mail.NewQueue(mail.Options{Pool: pool, Log: slog.New(slog.DiscardHandler), Secret: []byte(secret),
		From: "bench@example.test", BaseURL: os.Getenv(envBase)})
	if err != nil {
		return err
	}
	signIn := auth.NewSignIn(pool, hasher, ratelimit.New(pool, []byte(secret)), queue, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: (&baseline{pool: pool, hasher: hasher, signIn: signIn}).handler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf("listening %s\n", ln.Addr())
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// baselineProc is the baseline's process, started by the bench.
type baselineProc struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// startBaseline re-executes this binary as `portalbench baseline` and waits
// for its address.
func startBaseline(ctx context.Context, dsn, secret, baseURL string) (*baselineProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "baseline")
	cmd.Env = append(os.Environ(), envDSN+"="+dsn, envSecret+"="+secret, envBase+"="+baseURL)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &baselineProc{cmd: cmd, done: make(chan struct{})}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		for sc.Scan() {
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case l, ok := <-line:
		addr, found := strings.CutPrefix(l, "listening ")
		if !ok || !found {
			p.stop()
			return nil, fmt.Errorf("baseline did not start (%q)", l)
		}
		p.addr = addr
		return p, nil
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("baseline not listening after 30s")
	}
}

func (p *baselineProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
