package main

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/fileshare"
)

// overviewTmpl is the baseline's overview: the same rows and earnings the
// portal's page shows, in one bare html/template page (no layout, no CSRF,
// no nonce, no stylesheet).
var overviewTmpl = template.Must(template.New("overview").Parse(`<!doctype html><title>{{.Workspace}}</title>
<table><thead><tr><th>Currency</th><th>Paid</th><th>Fees</th><th>Net</th><th>Downloads this month</th></tr></thead><tbody>
{{range .Earnings}}<tr><td>{{.Currency}}</td><td>{{.Paid}}</td><td>{{.Fee}}</td><td>{{.Net}}</td><td>{{.Downloads}}</td></tr>
{{end}}</tbody></table>
<table><thead><tr><th>Status</th><th>File</th><th>Size</th><th>Downloads</th><th>Price</th><th>Expires</th></tr></thead><tbody>
{{range .Rows}}<tr><td><a href="sessions/{{.ID}}">{{.Status}}</a></td><td>{{if .Title}}{{.Title}}{{end}} {{if .FileName}}{{.FileName}}{{end}}</td><td>{{if .FileSizeBytes}}{{.FileSizeBytes}}{{end}}</td>
<td>{{.DownloadCount}} / {{.MaxDownloads}}</td><td>{{if .PriceCents}}{{.PriceCents}} {{.Currency}}{{end}}</td><td>{{if .ExpiresAt}}{{.ExpiresAt.Format "2 Jan 2006, 15:04"}}{{end}}</td></tr>
{{end}}</tbody></table><p>{{.Total}} file shares</p>`))

// overviewWho resolves the caller in every statement of the overview's
// batch: the live session of the bearer token's hash ($1), its live
// customer, and the workspace of the page's slug ($2) that customer belongs
// to. No row: not signed in to this workspace.
const overviewWho = `WITH who AS (SELECT c.id, c.workspace_id, w.name AS ws_name
	FROM customer_sessions s JOIN customers c ON c.id = s.customer_id JOIN workspaces w ON w.id = c.workspace_id
	WHERE s.token_hash = $1 AND s.deleted_at IS NULL AND s.expires_at > now() AND c.deleted_at IS NULL
	  AND lower(w.slug) = lower($2) AND w.deleted_at IS NULL AND w.blocked_at IS NULL)`

// The overview's batch: the caller, the count, the first page of ten newest
// first, and the earnings summary (the SQL of the portal's FileShareEarnings,
// on the same totals, migration 00088).
const (
	overviewNameSQL  = overviewWho + ` SELECT ws_name FROM who`
	overviewCountSQL = overviewWho + ` SELECT coalesce(sum(n.live), 0)::bigint FROM who JOIN file_share_counts n
	ON n.customer_id = who.id AND n.workspace_id = who.workspace_id`
	overviewPageSQL = overviewWho + ` SELECT f.id, f.status, f.title, f.file_name, f.file_size_bytes, f.download_count,
	f.max_downloads, f.price_cents, f.currency, f.expires_at
FROM who JOIN file_share_sessions f ON f.customer_id = who.id AND f.workspace_id = who.workspace_id AND f.deleted_at IS NULL
ORDER BY f.created_at DESC, f.id DESC LIMIT 10`
	overviewEarningsSQL = overviewWho + ` SELECT e.currency, e.paid_cents, e.fee_cents,
	coalesce((SELECT sum(d.downloads) FROM file_share_customer_downloads d
		WHERE d.customer_id = e.customer_id AND d.month >= $3::timestamptz AND d.currency = e.currency), 0)::bigint
FROM who JOIN file_share_earnings e ON e.customer_id = who.id
WHERE e.payments > 0 ORDER BY e.currency`
)

type overviewRow struct {
	ID            uuid.UUID
	Status        string
	Title         *string
	FileName      *string
	FileSizeBytes *int64
	DownloadCount int32
	MaxDownloads  int32
	PriceCents    *int32
	Currency      string
	ExpiresAt     *time.Time
}

type overviewEarnings struct {
	Currency                  string
	Paid, Fee, Net, Downloads int64
}

// overview does the data work of the portal's overview page (the caller,
// the workspace, the count, the first page of ten newest first, and the
// earnings summary) in ONE round trip, a pgx.Batch, and writes the page.
// The caller is named by a bearer token rather than the page's cookie: one
// indexed lookup by hash either way.
func (b *baseline) overview(w http.ResponseWriter, r *http.Request) {
	h, ok := b.tokenHash(w, r)
	if !ok {
		return
	}
	slug := r.PathValue("slug")
	var batch pgx.Batch
	batch.Queue(overviewNameSQL, h, slug)
	batch.Queue(overviewCountSQL, h, slug)
	batch.Queue(overviewPageSQL, h, slug)
	batch.Queue(overviewEarningsSQL, h, slug, fileshare.MonthStart(time.Now()))
	br := b.pool.SendBatch(r.Context(), &batch)
	defer br.Close()
	var name string
	if err := br.QueryRow().Scan(&name); err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	page, total, earn, err := readOverview(br)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = overviewTmpl.Execute(w, map[string]any{"Workspace": name, "Rows": page, "Total": total, "Earnings": earn})
}

// readOverview reads the count, the page and the earnings off the batch.
func readOverview(br pgx.BatchResults) (page []overviewRow, total int64, earn []overviewEarnings, err error) {
	if err = br.QueryRow().Scan(&total); err != nil {
		return
	}
	rows, err := br.Query()
	if err != nil {
		return
	}
	if page, err = pgx.CollectRows(rows, pgx.RowToStructByPos[overviewRow]); err != nil {
		return
	}
	if rows, err = br.Query(); err != nil {
		return
	}
	earn, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (overviewEarnings, error) {
		var e overviewEarnings
		err := row.Scan(&e.Currency, &e.Paid, &e.Fee, &e.Downloads)
		e.Net = e.Paid - e.Fee
		return e, err
	})
	return
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
