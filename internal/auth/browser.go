package auth

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/mail"
)

// Browser session lifetimes (D19).
const (
	BrowserIdleTTL     = 30 * time.Minute
	BrowserAbsoluteTTL = 12 * time.Hour
	// browserTouchEvery throttles the sliding of the idle expiry: one write
	// per minute per session at most, not one per page view.
	browserTouchEvery = time.Minute
)

// BrowserSessions are the pages' server-side sessions (D19). The cookie
// holds only the row id; everything else is read here on every request, so
// revocation, deletion and role changes take effect at once (D10).
type BrowserSessions struct {
	pool   *pgxpool.Pool
	hasher *Hasher
	mail   *mail.Queue // the "new sign-in" heads-up (SetMail); nil sends none
}

// NewBrowserSessions needs the hasher for pre-authenticated links (D23).
func NewBrowserSessions(pool *pgxpool.Pool, h *Hasher) *BrowserSessions {
	return &BrowserSessions{pool: pool, hasher: h}
}

// BrowserSession is a live browser session: its principal and who it is.
type BrowserSession struct {
	Principal *Principal
	Name      string // the member's or customer's name, "" when none
	Email     string
	// Account is the customer a member acts for ("" for customer
	// sessions, and for a customer without a name).
	Account string
}

// BrowserSubject is whom a new browser session signs in.
type BrowserSubject struct {
	WorkspaceID uuid.UUID
	CustomerID  uuid.UUID
	MemberID    uuid.UUID // zero for customer sessions
	ReturnURL   *string
}

// SubjectOf turns a signed-in identity (code sign-in) into a subject.
func SubjectOf(id *Identity) BrowserSubject {
	return BrowserSubject{WorkspaceID: id.WorkspaceID, CustomerID: id.CustomerID, MemberID: id.MemberID}
}

// SubjectOfPrincipal turns a resolved principal (a pre-authenticated link's
// token, D11) into a subject, keeping the session's return URL.
func SubjectOfPrincipal(p *Principal) BrowserSubject {
	s := BrowserSubject{WorkspaceID: p.WorkspaceID, CustomerID: p.CustomerID, ReturnURL: p.ReturnURL}
	if p.IsMember() {
		s.MemberID = p.MemberID
	}
	return s
}

// MaxBrowserSessions is how many live browser sessions one customer or
// member may have (D25); the next sign-in revokes the oldest.
const MaxBrowserSessions = 10

// Create starts a browser session: idle expiry 30 minutes, absolute 12
// hours. It returns the new row's id, the only thing the cookie carries.
// Every browser sign-in comes through here (code, link, passkey), so the
// cap of D25 holds whatever the path.
func (b *BrowserSessions) Create(ctx context.Context, s BrowserSubject, userAgent string) (uuid.UUID, error) {
	return b.CreateWith(ctx, s, SignInMeta{UserAgent: userAgent, Method: MethodCode})
}

// CreateWith is Create recording how and from where the browser signed in
// (the devices page, issue 18).
func (b *BrowserSessions) CreateWith(ctx context.Context, s BrowserSubject, meta SignInMeta) (uuid.UUID, error) {
	var id uuid.UUID
	err := db.WithTx(ctx, b.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		var err error
		id, err = createBrowserSession(ctx, q, s, meta)
		return err
	})
	if err != nil {
		return uuid.Nil, dbErr("browser.create", err)
	}
	return id, nil
}

// createBrowserSession inserts the row and, in the same transaction and
// under a per-principal lock, revokes the principal's oldest live sessions
// beyond MaxBrowserSessions (D25).
func createBrowserSession(ctx context.Context, q *dbgen.Queries, s BrowserSubject, meta SignInMeta) (uuid.UUID, error) {
	p := dbgen.CreateBrowserSessionParams{WorkspaceID: s.WorkspaceID, CustomerID: s.CustomerID, ReturnUrl: s.ReturnURL,
		IdleSeconds: BrowserIdleTTL.Seconds(), AbsoluteSeconds: BrowserAbsoluteTTL.Seconds(), Method: string(meta.Method)}
	if p.Method == "" {
		p.Method = string(MethodCode)
	}
	if ip := MaskIP(meta.ClientIP); ip != "" {
		p.IpMasked = &ip
	}
	principal := "customer:" + s.CustomerID.String()
	if s.MemberID != uuid.Nil {
		m := s.MemberID
		p.MemberID = &m
		principal = "member:" + m.String()
	}
	if userAgent := clipUA(meta.UserAgent); userAgent != "" {
		p.UserAgent = &userAgent
	}
	if err := q.LockBrowserPrincipal(ctx, principal); err != nil {
		return uuid.Nil, err
	}
	row, err := q.CreateBrowserSession(ctx, p)
	if err != nil {
		return uuid.Nil, err
	}
	if _, err := q.RevokeOldestBrowserSessions(ctx, dbgen.RevokeOldestBrowserSessionsParams{CustomerID: s.CustomerID,
		MemberID: p.MemberID, NewID: row.ID, Keep: MaxBrowserSessions - 1}); err != nil {
		return uuid.Nil, err
	}
	return row.ID, nil
}

// clipUA bounds a User-Agent header for storage: 512 bytes, valid UTF-8
// (a header may hold any bytes; the columns are text).
func clipUA(ua string) string {
	if len(ua) > 512 {
		ua = ua[:512]
	}
	return strings.ToValidUTF8(ua, "")
}

// Load returns the live session id of workspace wsID and slides its idle
// expiry. A session that is unknown, revoked, expired, of another workspace,
// or whose customer, member or workspace is gone or blocked is
// apperr.Unauthorized.
func (b *BrowserSessions) Load(ctx context.Context, id, wsID uuid.UUID) (*BrowserSession, error) {
	q := dbgen.New(b.pool)
	row, err := q.GetBrowserSessionPrincipal(ctx, dbgen.GetBrowserSessionPrincipalParams{ID: id, WorkspaceID: wsID})
	if db.IsNotFound(err) {
		return nil, apperr.Unauthorized()
	}
	if err != nil {
		return nil, dbErr("browser.load", err)
	}
	return b.admit(ctx, row)
}

// Page is what a page request reads before its handler: the live
// workspace of the page's slug and, when Looked, the browser's session of
// it (nil: the cookie's session of that workspace is no longer live, or it
// holds none).
type Page struct {
	Workspace dbgen.Workspace
	Session   *BrowserSession
	Looked    bool
}

// LoadPage reads the live workspace of slug and, among candidates (the
// cookie's browser sessions, one per workspace), the live session of that
// workspace, in ONE round trip (db.Batch), then admits the session as Load
// does (sliding its idle expiry). sessionOf is the cookie's session for a
// workspace id: a session is used only when it is the one the cookie holds
// for the page's workspace (D25); otherwise Looked is false and the caller
// loads as before. An unknown or dead workspace is apperr.NotFound.
func (b *BrowserSessions) LoadPage(ctx context.Context, slug string, candidates []uuid.UUID, sessionOf func(wsID uuid.UUID) uuid.UUID) (Page, error) {
	var (
		ws     dbgen.Workspace
		row    dbgen.GetBrowserSessionPrincipalBySlugRow
		rowErr error
	)
	err := db.Batch(ctx, b.pool, func(q *dbgen.Queries, _ dbgen.DBTX) error {
		var err error
		if ws, err = q.GetWorkspaceBySlug(ctx, slug); err != nil {
			return err
		}
		row, rowErr = q.GetBrowserSessionPrincipalBySlug(ctx, dbgen.GetBrowserSessionPrincipalBySlugParams{Ids: candidates, Slug: slug})
		return nil
	})
	if db.IsNotFound(err) {
		return Page{}, apperr.NotFound("")
	}
	if err != nil {
		return Page{}, dbErr("browser.load_page", err)
	}
	p := Page{Workspace: ws}
	if db.IsNotFound(rowErr) {
		p.Looked = true
		return p, nil
	}
	if rowErr != nil {
		return Page{}, dbErr("browser.load_page", rowErr)
	}
	r := dbgen.GetBrowserSessionPrincipalRow(row)
	if r.WorkspaceID != ws.ID || sessionOf(ws.ID) != r.ID {
		return p, nil
	}
	if p.Session, err = b.admit(ctx, r); err != nil {
		return Page{}, err
	}
	p.Looked = true
	return p, nil
}

// admit slides a loaded session's idle expiry (at most every
// browserTouchEvery) and builds its principal.
func (b *BrowserSessions) admit(ctx context.Context, row dbgen.GetBrowserSessionPrincipalRow) (*BrowserSession, error) {
	id, q := row.ID, dbgen.New(b.pool)
	if time.Since(row.LastSeenAt) > browserTouchEvery {
		if err := q.TouchBrowserSession(ctx, dbgen.TouchBrowserSessionParams{ID: id, IdleSeconds: BrowserIdleTTL.Seconds()}); err != nil {
			return nil, dbErr("browser.touch", err)
		}
		row.IdleExpiresAt = time.Now().Add(BrowserIdleTTL)
		if row.IdleExpiresAt.After(row.ExpiresAt) {
			row.IdleExpiresAt = row.ExpiresAt
		}
	}
	p := &Principal{Kind: SubjectCustomer, SessionID: row.ID, Browser: true, CustomerID: row.CustomerID,
		WorkspaceID: row.WorkspaceID, CustomerType: deref(row.CustomerType), ExpiresAt: row.IdleExpiresAt,
		ReturnURL: row.ReturnUrl, Customer: &row.Customer, SignedInAt: row.CreatedAt}
	out := &BrowserSession{Principal: p, Name: deref(row.CustomerName), Email: row.CustomerEmail}
	if row.MemberID != nil {
		p.Kind, p.MemberID, p.Role = SubjectMember, *row.MemberID, deref(row.MemberRole)
		out.Name, out.Email, out.Account = deref(row.MemberName), deref(row.MemberEmail), deref(row.CustomerName)
	}
	return out, nil
}

// SubjectOf is whose browser session id of workspace wsID is, live or
// ended: the member for member sessions, else the customer (the same id as
// Principal.DeviceID). uuid.Nil when the row is gone.
func (b *BrowserSessions) SubjectOf(ctx context.Context, id, wsID uuid.UUID) (uuid.UUID, error) {
	row, err := dbgen.New(b.pool).GetBrowserSessionSubject(ctx, dbgen.GetBrowserSessionSubjectParams{ID: id, WorkspaceID: wsID})
	if db.IsNotFound(err) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, dbErr("browser.subject", err)
	}
	if row.MemberID != nil {
		return *row.MemberID, nil
	}
	return row.CustomerID, nil
}

// Revoke ends a session server-side (sign-out, and the old session at every
// new sign-in). Revoking an unknown or revoked session is not an error.
func (b *BrowserSessions) Revoke(ctx context.Context, id uuid.UUID) error {
	if err := dbgen.New(b.pool).RevokeBrowserSession(ctx, id); err != nil {
		return dbErr("browser.revoke", err)
	}
	return nil
}
