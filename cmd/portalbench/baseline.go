package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/db/dbgen"
)

// baseline is the yardstick: a bare net/http handler running the same SQL as
// the portal's GET /customers/me and sessions list (the token lookup, then
// the profile or the count + page) and its overview page (baseline_pages.go)
// through the same generated queries and encoding/json or html/template,
// with no framework, middleware, validation or logging. The
// ratio of the real server to it is what compares across machines.
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

func (b *baseline) principal(w http.ResponseWriter, r *http.Request) (dbgen.GetCustomerSessionPrincipalRow, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return dbgen.GetCustomerSessionPrincipalRow{}, false
	}
	p, err := dbgen.New(b.pool).GetCustomerSessionPrincipal(r.Context(), b.hasher.Hash(tok))
	if err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return p, false
	}
	return p, true
}

func (b *baseline) me(w http.ResponseWriter, r *http.Request) {
	p, ok := b.principal(w, r)
	if !ok {
		return
	}
	c, err := dbgen.New(b.pool).GetCustomer(r.Context(), dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, c)
}

func (b *baseline) sessions(w http.ResponseWriter, r *http.Request) {
	p, ok := b.principal(w, r)
	if !ok {
		return
	}
	// The bench always asks for limit=100&sorting=-download_count; the
	// baseline does not parse it, which is part of what "bare" means.
	q := dbgen.New(b.pool)
	total, err := q.CountFileShareSessions(r.Context(), dbgen.CountFileShareSessionsParams{CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rows, err := q.ListFileShareSessionsDownloadsDesc(r.Context(), dbgen.ListFileShareSessionsDownloadsDescParams{
		CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, RowLimit: 100, RowOffset: 0})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"items": rows, "pagination": map[string]int64{"total_count": total, "max_page": (total + 99) / 100}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// startBaseline serves the baseline on a loopback port until the returned
// stop is called.
func startBaseline(b *baseline) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: b.handler()}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}
