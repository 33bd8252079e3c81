// Package fileshare owns file-share sessions, their downloads and payments.
// Reads are always scoped to the caller's customer and workspace, for
// customer and member sessions alike (D8: the original showed customers
// nothing and members the whole workspace, S3). Writes come from the
// workspace API and are confined to the token's workspace.
package fileshare

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Session is a file-share session as the service gives it out: never its
// creator's IP hash or its deletion marker (deleted sessions are never
// returned).
type Session struct {
	ID            uuid.UUID
	CreatedAt     time.Time
	ModifiedAt    *time.Time
	WorkspaceID   uuid.UUID
	CustomerID    uuid.UUID
	ShareID       *uuid.UUID
	UserID        *uuid.UUID
	ShortSlug     string
	LongSlug      string
	Status        string
	MaxDownloads  int32
	DownloadCount int32
	PriceCents    *int32
	Currency      string
	Title         *string
	FileName      *string
	FileSizeBytes *int64
	TtlSeconds    *int32
	ExpiresAt     *time.Time
	ActivatedAt   *time.Time
	CompletedAt   *time.Time
}

// Download is one download of a session, without the downloader's IP hash.
type Download struct {
	ID         uuid.UUID
	CreatedAt  time.Time
	ModifiedAt *time.Time
	SessionID  uuid.UUID
	SlotNumber int32
}

// Payment is one payment for a session, without the buyer's IP hash.
type Payment struct {
	ID                      uuid.UUID
	CreatedAt               time.Time
	ModifiedAt              *time.Time
	SessionID               uuid.UUID
	CustomerID              *uuid.UUID
	Status                  string
	AmountCents             int32
	Currency                string
	PlatformFeeCents        int32
	StripeCheckoutSessionID *string
	StripePaymentIntentID   *string
	BuyerEmail              *string
	BuyerName               *string
}

func newSession(r dbgen.FileShareSession) Session {
	return Session{ID: r.ID, CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt, WorkspaceID: r.WorkspaceID,
		CustomerID: r.CustomerID, ShareID: r.ShareID, UserID: r.UserID, ShortSlug: r.ShortSlug, LongSlug: r.LongSlug,
		Status: r.Status, MaxDownloads: r.MaxDownloads, DownloadCount: r.DownloadCount, PriceCents: r.PriceCents,
		Currency: r.Currency, Title: r.Title, FileName: r.FileName, FileSizeBytes: r.FileSizeBytes,
		TtlSeconds: r.TtlSeconds, ExpiresAt: r.ExpiresAt, ActivatedAt: r.ActivatedAt, CompletedAt: r.CompletedAt}
}

func newSessions(rows []dbgen.FileShareSession) []Session {
	out := make([]Session, len(rows))
	for i, r := range rows {
		out[i] = newSession(r)
	}
	return out
}

func newDownload(r dbgen.FileShareDownload) Download {
	return Download{ID: r.ID, CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt, SessionID: r.SessionID, SlotNumber: r.SlotNumber}
}

func newDownloads(rows []dbgen.FileShareDownload) []Download {
	out := make([]Download, len(rows))
	for i, r := range rows {
		out[i] = newDownload(r)
	}
	return out
}

func newPayment(r dbgen.FileSharePayment) Payment {
	return Payment{ID: r.ID, CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt, SessionID: r.SessionID,
		CustomerID: r.CustomerID, Status: r.Status, AmountCents: r.AmountCents, Currency: r.Currency,
		PlatformFeeCents: r.PlatformFeeCents, StripeCheckoutSessionID: r.StripeCheckoutSessionID,
		StripePaymentIntentID: r.StripePaymentIntentID, BuyerEmail: r.BuyerEmail, BuyerName: r.BuyerName}
}

func newPayments(rows []dbgen.FileSharePayment) []Payment {
	out := make([]Payment, len(rows))
	for i, r := range rows {
		out[i] = newPayment(r)
	}
	return out
}

// Pagination limits (§0): limit defaults to 10 and is clamped at 100.
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// Sort keys of FileShareSessionSortProperty; a leading "-" is descending.
var SortKeys = []string{"created_at", "-created_at", "status", "-status", "download_count", "-download_count"}

// DefaultSorting is the contract's default.
var DefaultSorting = []string{"-created_at"}

// Service is the fileshare domain.
type Service struct {
	pool *pgxpool.Pool
}

func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// ListInput selects one page. Zero Page/Limit and nil Sorting mean the
// defaults; ParseListQuery builds it from a query string with the
// contract's 422s.
type ListInput struct {
	Page    int64
	Limit   int64
	Sorting []string
	// Status keeps only sessions in that status: the overview page's
	// filter. ParseListQuery never sets it, so the API's contract is
	// unchanged; empty means every status, and a value not in
	// SessionStatuses is a 422 (the page drops unknown values first).
	Status string
}

// Meta is the contract's PageMeta.
type Meta struct {
	Total   int64
	Page    int64
	PerPage int64
	Pages   int64
}

// Page is one page of sessions.
type Page struct {
	Data    []Session
	Meta    Meta
	Sorting []string // the normalized sort keys that were applied
}

// ParseListQuery reads page, limit and sorting from raw query values (a
// url.Values lookup) with the original's validation: integers > 0, limit
// clamped at 100, each sorting value from the whitelist; every problem is
// reported at once, as pydantic does.
func ParseListQuery(get func(string) []string) (ListInput, error) {
	var in ListInput
	var errs []apperr.FieldError
	parseInt := func(name string) int64 {
		vals := get(name)
		if len(vals) == 0 {
			return 0
		}
		raw := vals[0]
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if errors.Is(err, strconv.ErrRange) && name == "limit" && n > 0 {
			// A limit too big for int64 is still just "more than 100".
			return MaxLimit
		}
		if err != nil {
			errs = append(errs, apperr.Typed(apperr.CodeInvalidNumber, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", raw, "query", name))
			return 0
		}
		if n <= 0 {
			errs = append(errs, greaterThanZero(name, raw))
			return 0
		}
		return n
	}
	in.Page = parseInt("page")
	in.Limit = parseInt("limit")
	if vals := get("sorting"); len(vals) > 0 {
		in.Sorting = append([]string(nil), vals...)
		errs = append(errs, sortingErrors(in.Sorting)...)
	}
	if len(errs) > 0 {
		return ListInput{}, apperr.Invalid(errs...)
	}
	return in, nil
}

func greaterThanZero(name string, input any) apperr.FieldError {
	return apperr.Typed(apperr.CodeInvalidNumber, "greater_than", "Input should be greater than 0", input, "query", name)
}

func sortingErrors(sorting []string) []apperr.FieldError {
	var errs []apperr.FieldError
	for i, s := range sorting {
		if !validSortKey(s) {
			errs = append(errs, apperr.Choice("Input should be 'created_at', '-created_at', 'status', '-status', 'download_count' or '-download_count'", s, "query", "sorting", i))
		}
	}
	return errs
}

func validSortKey(s string) bool {
	for _, k := range SortKeys {
		if s == k {
			return true
		}
	}
	return false
}

// sortTerm is one whitelisted ORDER BY term.
type sortTerm struct {
	column string // a column name from the whitelist, never from input
	desc   bool
}

// normalizeSorting validates and deduplicates the sort keys: a column that
// appears again cannot change the order any more, so only its first
// occurrence counts (the original passed both to ORDER BY, with the same
// result).
func normalizeSorting(sorting []string) ([]sortTerm, []string, error) {
	if len(sorting) == 0 {
		sorting = DefaultSorting
	}
	if errs := sortingErrors(sorting); len(errs) > 0 {
		return nil, nil, apperr.Invalid(errs...)
	}
	var terms []sortTerm
	var keys []string
	seen := map[string]bool{}
	for _, s := range sorting {
		t := sortTerm{column: strings.TrimPrefix(s, "-"), desc: strings.HasPrefix(s, "-")}
		if seen[t.column] {
			continue
		}
		seen[t.column] = true
		terms = append(terms, t)
		keys = append(keys, s)
	}
	return terms, keys, nil
}

// listPlan is a ListInput made ready to run: page ≥ 1, 1 ≤ limit ≤ MaxLimit,
// and at least one whitelisted sort term per column at most (keys are the
// same terms as the contract spells them).
type listPlan struct {
	page, limit int64
	terms       []sortTerm
	keys        []string
	status      *string // nil: every status
}

// planList applies the defaults, the clamp and the sort whitelist to a
// ListInput. It is pure so FuzzListQuery can check, for any query string,
// that nothing out of range ever reaches the SQL.
func planList(in ListInput) (listPlan, error) {
	var errs []apperr.FieldError
	if in.Page < 0 {
		errs = append(errs, greaterThanZero("page", in.Page))
	}
	if in.Limit < 0 {
		errs = append(errs, greaterThanZero("limit", in.Limit))
	}
	if len(errs) > 0 {
		return listPlan{}, apperr.Invalid(errs...)
	}
	page, limit := in.Page, in.Limit
	if page == 0 {
		page = 1
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	terms, keys, err := normalizeSorting(in.Sorting)
	if err != nil {
		return listPlan{}, err
	}
	var status *string
	if in.Status != "" {
		if !slices.Contains(SessionStatuses, in.Status) {
			return listPlan{}, apperr.Invalid(apperr.Typed(apperr.CodeInvalidChoice, "enum", "Input should be "+quoteList(SessionStatuses), in.Status, "query", "status"))
		}
		st := in.Status
		status = &st
	}
	return listPlan{page: page, limit: limit, terms: terms, keys: keys, status: status}, nil
}

// List returns one page of the caller's customer's sessions (§3.7, D8).
//
// The total is a real count of the customer's sessions, so a page past the
// end answers data [] with the true total and pages; the original computed
// it with a window count over the returned rows and said total 0 there.
// The count and the page go to PostgreSQL in one round trip (db.Batch).
func (s *Service) List(ctx context.Context, p *auth.Principal, in ListInput) (Page, error) {
	page, _, err := s.list(ctx, p, in, nil)
	return page, err
}

// Overview is the overview page's data in ONE round trip (db.Batch): List's
// count and page and, when withEarnings, the earnings summary of now's
// month (Earnings). An HTMX swap of the table needs no summary.
func (s *Service) Overview(ctx context.Context, p *auth.Principal, in ListInput, withEarnings bool, now time.Time) (Page, []Earnings, error) {
	var since *time.Time
	if withEarnings {
		m := MonthStart(now)
		since = &m
	}
	return s.list(ctx, p, in, since)
}

// list is List and Overview: the count, the page and, with since, the
// earnings, queued in one batch. Which queries run is decided from the
// input alone, as db.Batch requires: the page query runs even past the last
// page (it answers no rows), except for page numbers so large that the
// offset would overflow, which no customer can reach.
func (s *Service) list(ctx context.Context, p *auth.Principal, in ListInput, since *time.Time) (Page, []Earnings, error) {
	if p == nil {
		return Page{}, nil, apperr.Unauthorized()
	}
	plan, err := planList(in)
	if err != nil {
		return Page{}, nil, err
	}
	page, limit, terms, keys := plan.page, plan.limit, plan.terms, plan.keys
	readPage := page-1 <= (math.MaxInt64-limit)/limit
	offset := int64(0)
	if readPage {
		offset = (page - 1) * limit
	}
	var (
		total int64
		rows  []dbgen.FileShareSession
		earn  []dbgen.FileShareEarningsRow
	)
	err = db.Batch(ctx, s.pool, func(q *dbgen.Queries, raw dbgen.DBTX) error {
		var err error
		if total, err = q.CountFileShareSessions(ctx, dbgen.CountFileShareSessionsParams{CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Status: plan.status}); err != nil {
			return err
		}
		if readPage {
			if rows, err = listPage(ctx, q, raw, p, terms, plan.status, int32(limit), offset); err != nil {
				return err
			}
		}
		if since != nil {
			earn, err = q.FileShareEarnings(ctx, dbgen.FileShareEarningsParams{CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Since: *since})
		}
		return err
	})
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return Page{}, nil, err
		}
		return Page{}, nil, dbErr("fileshare.List", err)
	}
	pages := (total + limit - 1) / limit
	out := Page{Data: newSessions(rows), Meta: Meta{Total: total, Page: page, PerPage: limit, Pages: pages}, Sorting: keys}
	if page > pages {
		out.Data = []Session{}
	}
	var summary []Earnings
	if since != nil {
		summary = newEarnings(earn)
	}
	return out, summary, nil
}

// listPage runs the query for the sort terms. A single key goes through the
// sqlc query written for it (an index scan on its (customer_id, key, id)
// index); several keys go through listMultiSort.
func listPage(ctx context.Context, q *dbgen.Queries, raw dbgen.DBTX, p *auth.Principal, terms []sortTerm, status *string, limit int32, offset int64) ([]dbgen.FileShareSession, error) {
	cust, ws := p.CustomerID, p.WorkspaceID
	if len(terms) == 1 && offset >= DeepOffset {
		return listDeep(ctx, raw, p, terms[0], status, limit, offset)
	}
	if len(terms) == 1 {
		switch t := terms[0]; {
		case t.column == "created_at" && !t.desc:
			return q.ListFileShareSessionsCreatedAsc(ctx, dbgen.ListFileShareSessionsCreatedAscParams{CustomerID: cust, WorkspaceID: ws, Status: status, RowLimit: limit, RowOffset: offset})
		case t.column == "created_at" && t.desc:
			return q.ListFileShareSessionsCreatedDesc(ctx, dbgen.ListFileShareSessionsCreatedDescParams{CustomerID: cust, WorkspaceID: ws, Status: status, RowLimit: limit, RowOffset: offset})
		case t.column == "status" && !t.desc:
			return q.ListFileShareSessionsStatusAsc(ctx, dbgen.ListFileShareSessionsStatusAscParams{CustomerID: cust, WorkspaceID: ws, Status: status, RowLimit: limit, RowOffset: offset})
		case t.column == "status" && t.desc:
			return q.ListFileShareSessionsStatusDesc(ctx, dbgen.ListFileShareSessionsStatusDescParams{CustomerID: cust, WorkspaceID: ws, Status: status, RowLimit: limit, RowOffset: offset})
		case t.column == "download_count" && !t.desc:
			return q.ListFileShareSessionsDownloadsAsc(ctx, dbgen.ListFileShareSessionsDownloadsAscParams{CustomerID: cust, WorkspaceID: ws, Status: status, RowLimit: limit, RowOffset: offset})
		case t.column == "download_count" && t.desc:
			return q.ListFileShareSessionsDownloadsDesc(ctx, dbgen.ListFileShareSessionsDownloadsDescParams{CustomerID: cust, WorkspaceID: ws, Status: status, RowLimit: limit, RowOffset: offset})
		}
	}
	return listMultiSort(ctx, raw, p, terms, status, limit, offset)
}

// sessionColumns is file_share_sessions in dbgen.FileShareSession field
// order, for pgx.RowToStructByPos. TestMultiSortColumnsMatchModel keeps the
// two in step.
const sessionColumns = `id, created_at, modified_at, deleted_at, workspace_id, customer_id, share_id, user_id, short_slug,
long_slug, status, max_downloads, download_count, price_cents, currency, title, file_name, file_size_bytes, ttl_seconds,
expires_at, activated_at, completed_at, creator_ip_hash`

// listMultiSort serves sorts with two or three keys. sqlc cannot take
// ORDER BY from a parameter and one query per combination would be 120
// queries, so the ORDER BY is assembled here — only from sortTerm values,
// whose columns come from the whitelist above, never from the request. The
// first key still uses its index; later keys are an incremental sort over a
// single customer's rows. id in the last key's direction is the tie-breaker.
func listMultiSort(ctx context.Context, raw dbgen.DBTX, p *auth.Principal, terms []sortTerm, status *string, limit int32, offset int64) ([]dbgen.FileShareSession, error) {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(sessionColumns)
	b.WriteString(" FROM file_share_sessions WHERE customer_id = $1 AND workspace_id = $2 AND deleted_at IS NULL" + statusCond + " ORDER BY ")
	for _, t := range terms {
		switch t.column {
		case "created_at", "status", "download_count":
		default:
			return nil, apperr.Internal("fileshare.listMultiSort", unknownColumnError(t.column))
		}
		b.WriteString(t.column)
		b.WriteString(dir(t.desc))
		b.WriteString(", ")
	}
	b.WriteString("id")
	b.WriteString(dir(terms[len(terms)-1].desc))
	b.WriteString(" LIMIT $3 OFFSET $4")
	rows, err := raw.Query(ctx, b.String(), p.CustomerID, p.WorkspaceID, limit, offset, status)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[dbgen.FileShareSession])
}

// DeepOffset is where a single-key list switches to listDeep. Below it the
// plain OFFSET query reads few enough rows; a variable so tests can run
// every page through either path.
var DeepOffset int64 = 1000

// listDeep serves a deep page (OFFSET of DeepOffset rows or more) in one
// statement. The total comes from the counts kept per customer and status
// (migration 00087); a page in the first half of the list is read from the
// front, a page in the second half from the back (the key's order reversed,
// skipping total - offset - limit entries, then put back in order), so no
// page walks more than half of the customer's index entries and the last
// pages cost what the first ones do. Either way only the page's ids come
// from an index-only scan of the key's (customer_id, workspace_id, key, id)
// index; then only those rows are read by primary key. The middle page of
// a long list still walks half its entries (docs/DEPLOY.md "Cost as work
// grows"). The ORDER BY is assembled from the whitelisted column, as in
// listMultiSort; $4 - total is compared rather than 2 * $4, which a huge
// page number would overflow.
func listDeep(ctx context.Context, raw dbgen.DBTX, p *auth.Principal, t sortTerm, status *string, limit int32, offset int64) ([]dbgen.FileShareSession, error) {
	switch t.column {
	case "created_at", "status", "download_count":
	default:
		return nil, apperr.Internal("fileshare.listDeep", unknownColumnError(t.column))
	}
	order := t.column + dir(t.desc) + ", id" + dir(t.desc)
	reverse := t.column + dir(!t.desc) + ", id" + dir(!t.desc)
	cols := strings.Split(sessionColumns, ",")
	for i, c := range cols {
		cols[i] = "f." + strings.TrimSpace(c)
	}
	ids := "SELECT id, " + t.column + " FROM file_share_sessions WHERE customer_id = $1 AND workspace_id = $2 AND deleted_at IS NULL" + statusCond
	sql := "WITH n AS (SELECT coalesce(sum(live), 0)::bigint AS total FROM file_share_counts" +
		" WHERE customer_id = $1 AND workspace_id = $2 AND ($5::text IS NULL OR status = $5::text))," +
		" page AS ((" + ids + " AND $4 < (SELECT total FROM n) - $4 ORDER BY " + order + " LIMIT $3 OFFSET $4)" +
		" UNION ALL (" + ids + " AND $4 >= (SELECT total FROM n) - $4 ORDER BY " + reverse +
		" LIMIT greatest(least($3, (SELECT total FROM n) - $4), 0) OFFSET greatest((SELECT total FROM n) - $4 - $3, 0)))" +
		" SELECT " + strings.Join(cols, ", ") + " FROM page CROSS JOIN LATERAL (SELECT * FROM file_share_sessions f" +
		" WHERE f.id = page.id AND f.customer_id = $1 AND f.workspace_id = $2 AND f.deleted_at IS NULL OFFSET 0) f" +
		" ORDER BY page." + t.column + dir(t.desc) + ", page.id" + dir(t.desc)
	rows, err := raw.Query(ctx, sql, p.CustomerID, p.WorkspaceID, limit, offset, status)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[dbgen.FileShareSession])
}

// statusCond is the overview's optional status filter in the hand-built
// lists, the same condition as the sqlc queries'; $5 is the status or NULL.
const statusCond = " AND ($5::text IS NULL OR status = $5::text)"

type unknownColumnError string

func (e unknownColumnError) Error() string { return "unknown sort column " + string(e) }

func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}

// Get returns one of the caller's customer's sessions, else 404 (§3.8, D8).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id uuid.UUID) (Session, error) {
	if p == nil {
		return Session{}, apperr.Unauthorized()
	}
	row, err := dbgen.New(s.pool).GetFileShareSession(ctx, dbgen.GetFileShareSessionParams{ID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		if db.IsNotFound(err) {
			return Session{}, apperr.NotFound("")
		}
		return Session{}, dbErr("fileshare.Get", err)
	}
	return newSession(row), nil
}

// Downloads lists a visible session's downloads, oldest first (§3.9).
func (s *Service) Downloads(ctx context.Context, p *auth.Principal, id uuid.UUID) ([]Download, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := dbgen.New(s.pool).ListFileShareDownloads(ctx, dbgen.ListFileShareDownloadsParams{SessionID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, dbErr("fileshare.Downloads", err)
	}
	return newDownloads(rows), nil
}

// Payments lists a visible session's payments, oldest first (§3.10).
func (s *Service) Payments(ctx context.Context, p *auth.Principal, id uuid.UUID) ([]Payment, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := dbgen.New(s.pool).ListFileSharePayments(ctx, dbgen.ListFileSharePaymentsParams{SessionID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, dbErr("fileshare.Payments", err)
	}
	return newPayments(rows), nil
}

// Activity is a session with its downloads and payments, for the pages.
type Activity struct {
	Session   Session
	Downloads []Download
	Payments  []Payment
}

// Activity loads a visible session with its downloads and payments in a
// constant three queries (the session page, the overview's expanded row and
// the CSV export).
func (s *Service) Activity(ctx context.Context, p *auth.Principal, id uuid.UUID) (Activity, error) {
	sess, err := s.Get(ctx, p, id)
	if err != nil {
		return Activity{}, err
	}
	q := dbgen.New(s.pool)
	downloads, err := q.ListFileShareDownloads(ctx, dbgen.ListFileShareDownloadsParams{SessionID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return Activity{}, dbErr("fileshare.Activity", err)
	}
	payments, err := q.ListFileSharePayments(ctx, dbgen.ListFileSharePaymentsParams{SessionID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return Activity{}, dbErr("fileshare.Activity", err)
	}
	return Activity{Session: sess, Downloads: newDownloads(downloads), Payments: newPayments(payments)}, nil
}

// dbErr maps an unexpected database error: unreachable is 503, the rest 500.
func dbErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}

// Earnings is one currency of the overview's earnings summary: what buyers
// paid for the customer's shares (completed payments only), the workspace's
// fees, what remains, and the downloads this month of shares priced in it.
type Earnings struct {
	Currency           string
	PaidCents          int64
	FeeCents           int64
	NetCents           int64
	DownloadsThisMonth int64
}

// MonthStart is the first instant of t's calendar month in UTC, the start of
// "this month" in the earnings summary.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Earnings sums the customer's completed payments in its workspace per
// currency, ordered by currency code, in one query. It is empty (not nil)
// when there are no completed payments.
func (s *Service) Earnings(ctx context.Context, p *auth.Principal, now time.Time) ([]Earnings, error) {
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	rows, err := dbgen.New(s.pool).FileShareEarnings(ctx, dbgen.FileShareEarningsParams{
		CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Since: MonthStart(now),
	})
	if err != nil {
		return nil, dbErr("fileshare.Earnings", err)
	}
	return newEarnings(rows), nil
}

func newEarnings(rows []dbgen.FileShareEarningsRow) []Earnings {
	out := make([]Earnings, 0, len(rows))
	for _, r := range rows {
		out = append(out, Earnings{Currency: r.Currency, PaidCents: r.PaidCents, FeeCents: r.FeeCents,
			NetCents: r.PaidCents - r.FeeCents, DownloadsThisMonth: r.Downloads})
	}
	return out
}
