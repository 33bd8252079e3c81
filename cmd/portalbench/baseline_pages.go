package main

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db/dbgen"
)

// overviewTmpl is the baseline's overview: the same rows the portal's page
// shows, in one bare html/template table (no layout, no CSRF, no nonce).
var overviewTmpl = template.Must(template.New("overview").Parse(`<!doctype html><title>{{.Workspace}}</title>
<table><thead><tr><th>Status</th><th>File</th><th>Size</th><th>Downloads</th><th>Price</th><th>Expires</th></tr></thead><tbody>
{{range .Rows}}<tr><td>{{.Status}}</td><td>{{if .Title}}{{.Title}}{{end}} {{if .FileName}}{{.FileName}}{{end}}</td><td>{{if .FileSizeBytes}}{{.FileSizeBytes}}{{end}}</td>
<td>{{.DownloadCount}} / {{.MaxDownloads}}</td><td>{{if .PriceCents}}{{.PriceCents}} {{.Currency}}{{end}}</td><td>{{if .ExpiresAt}}{{.ExpiresAt.Format "2 Jan 2006, 15:04"}}{{end}}</td></tr>
{{end}}</tbody></table><p>{{.Total}} file shares</p>`))

// principal is the portal's own principal query (the token's session with
// its customer's row), for the overview.
func (b *baseline) principal(w http.ResponseWriter, r *http.Request) (dbgen.GetCustomerSessionPrincipalRow, bool) {
	h, ok := b.tokenHash(w, r)
	if !ok {
		return dbgen.GetCustomerSessionPrincipalRow{}, false
	}
	p, err := dbgen.New(b.pool).GetCustomerSessionPrincipal(r.Context(), h)
	if err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return p, false
	}
	return p, true
}

// overview runs the SQL of the portal's overview page (the workspace by its
// slug, the caller's session, the count and the first page of ten, newest
// first) and writes the table. The caller is named by a bearer token rather
// than the page's cookie: one indexed lookup by hash either way.
func (b *baseline) overview(w http.ResponseWriter, r *http.Request) {
	q := dbgen.New(b.pool)
	ws, err := q.GetWorkspaceBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	p, ok := b.principal(w, r)
	if !ok {
		return
	}
	if p.WorkspaceID != ws.ID {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	total, err := q.CountFileShareSessions(r.Context(), dbgen.CountFileShareSessionsParams{CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rows, err := q.ListFileShareSessionsCreatedDesc(r.Context(), dbgen.ListFileShareSessionsCreatedDescParams{
		CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, RowLimit: 10, RowOffset: 0})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = overviewTmpl.Execute(w, map[string]any{"Workspace": ws.Name, "Rows": rows, "Total": total})
}

// The sign-in pair's baseline calls the sign-in service itself: its SQL
// (per-IP counters, the customer lookup, the per-address counter, the code
// and its mail job in one transaction; the failure budget and the atomic
// consume) is the work, and the 120 ms floor that keeps known and unknown
// addresses alike is part of the answer in both. What the baseline leaves
// out is the framework: echo, middleware, strict JSON decoding, logging.
func (b *baseline) signInRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email       string    `json:"email"`
		WorkspaceID uuid.UUID `json:"workspace_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if _, err := b.signIn.Request(r.Context(), auth.RequestInput{Email: in.Email, WorkspaceID: in.WorkspaceID, ClientIP: clientIP(r)}); err != nil {
		signInError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte("{}"))
}

func (b *baseline) signInAuthenticate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	id, err := b.signIn.Authenticate(r.Context(), auth.AuthenticateInput{Code: in.Code, ClientIP: clientIP(r)})
	if err != nil {
		signInError(w, err)
		return
	}
	tok, err := b.signIn.IssueAPIToken(r.Context(), id)
	if err != nil {
		signInError(w, err)
		return
	}
	writeJSON(w, map[string]string{"token": tok})
}

// clientIP is the first X-Forwarded-For hop: the bench varies it per hit,
// as it does for the portal (which trusts loopback as a proxy).
func clientIP(r *http.Request) string {
	ip, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
	return strings.TrimSpace(ip)
}

func signInError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var e *apperr.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case apperr.KindUnauthenticated:
			status = http.StatusUnauthorized
		case apperr.KindRateLimited:
			status = http.StatusTooManyRequests
		case apperr.KindInvalid:
			status = http.StatusUnprocessableEntity
		}
	}
	http.Error(w, http.StatusText(status), status)
}
