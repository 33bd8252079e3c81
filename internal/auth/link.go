package auth

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Pre-authenticated links (D11, D23). A workspace hands a customer a URL
// with ?customer_session_token= or ?member_session_token=; the pages take
// the token off the address bar at once and keep only a reference to it
// (LinkRef: the token's kind and keyed hash, never the token), ask
// "Continue as ...", and only the POST that answers exchanges the link for
// a browser session, at most once per token.

// Link reference prefixes: the kind of session a token names.
const (
	linkRefCustomer = "c:"
	linkRefMember   = "m:"
)

// LinkInvite is what a link would sign in: shown on the continue page.
type LinkInvite struct {
	// Ref names the link without being usable as a token: safe to keep
	// in the (encrypted) page cookie until the browser continues.
	Ref     string
	Subject BrowserSubject
	Email   string
	Name    string // "" when none
	// Used is true when the link already signed a browser in.
	Used bool
}

// ErrLinkUsed is a second exchange of a link (D23): a link signs a browser
// in at most once.
func ErrLinkUsed() *apperr.Error {
	return apperr.Conflict("LinkAlreadyUsed", "This link was already used. Sign in with your email to continue.")
}

// LinkRef returns the reference for a raw link token, "" when the token is
// not a customer or member session token at all.
func (b *BrowserSessions) LinkRef(token string) string {
	switch {
	case strings.HasPrefix(token, PrefixCustomerSession):
		return linkRefCustomer + b.hasher.Hash(token)
	case strings.HasPrefix(token, PrefixMemberSession):
		return linkRefMember + b.hasher.Hash(token)
	}
	return ""
}

// Link describes the link ref refers to, for the pages of workspace wsID.
// A reference that is malformed, of a session that is unknown, expired or
// whose owner is gone, or of another workspace is apperr.Unauthorized. A
// link that was already exchanged is returned with Used set.
func (b *BrowserSessions) Link(ctx context.Context, ref string, wsID uuid.UUID) (*LinkInvite, error) {
	inv, _, err := b.link(ctx, dbgen.New(b.pool), ref, wsID)
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, dbErr("browser.link", err)
	}
	return inv, nil
}

// link reads the session row behind ref; it also returns that row's id.
func (b *BrowserSessions) link(ctx context.Context, q *dbgen.Queries, ref string, wsID uuid.UUID) (*LinkInvite, uuid.UUID, error) {
	kind, hash := ref[:min(2, len(ref))], ref[min(2, len(ref)):]
	if len(hash) != 64 {
		return nil, uuid.Nil, apperr.Unauthorized()
	}
	inv := &LinkInvite{Ref: ref}
	var sessionID uuid.UUID
	switch kind {
	case linkRefCustomer:
		row, err := q.GetCustomerLink(ctx, hash)
		if err != nil {
			return nil, uuid.Nil, linkErr(err)
		}
		sessionID = row.SessionID
		inv.Subject = BrowserSubject{WorkspaceID: row.WorkspaceID, CustomerID: row.CustomerID, ReturnURL: row.ReturnUrl}
		inv.Email, inv.Name, inv.Used = row.Email, deref(row.Name), row.BrowserExchangedAt != nil
	case linkRefMember:
		row, err := q.GetMemberLink(ctx, hash)
		if err != nil {
			return nil, uuid.Nil, linkErr(err)
		}
		sessionID = row.SessionID
		inv.Subject = BrowserSubject{WorkspaceID: row.WorkspaceID, CustomerID: row.CustomerID, MemberID: row.MemberID, ReturnURL: row.ReturnUrl}
		inv.Email, inv.Name, inv.Used = row.Email, deref(row.Name), row.BrowserExchangedAt != nil
	default:
		return nil, uuid.Nil, apperr.Unauthorized()
	}
	if inv.Subject.WorkspaceID != wsID {
		return nil, uuid.Nil, apperr.Unauthorized()
	}
	return inv, sessionID, nil
}

// ExchangeLink is the "Continue" of D23: it marks the link used and creates
// its browser session in one transaction (the cap of D25 applies as for
// every sign-in). A link that was already used is ErrLinkUsed, also when
// two browsers continue at the same moment: exactly one gets a session.
func (b *BrowserSessions) ExchangeLink(ctx context.Context, ref string, wsID uuid.UUID, meta SignInMeta) (uuid.UUID, *LinkInvite, error) {
	var id uuid.UUID
	var inv *LinkInvite
	err := db.WithTx(ctx, b.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		var sessionID uuid.UUID
		var err error
		inv, sessionID, err = b.link(ctx, q, ref, wsID)
		if err != nil {
			return err
		}
		if inv.Used {
			return ErrLinkUsed()
		}
		var n int64
		if inv.Subject.MemberID != uuid.Nil {
			n, err = q.ExchangeMemberLink(ctx, sessionID)
		} else {
			n, err = q.ExchangeCustomerLink(ctx, sessionID)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrLinkUsed() // a concurrent exchange won
		}
		inv.Used = true
		meta.Method = MethodLink
		id, err = createBrowserSession(ctx, q, inv.Subject, meta)
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return uuid.Nil, nil, err
		}
		return uuid.Nil, nil, dbErr("browser.link", err)
	}
	return id, inv, nil
}

func linkErr(err error) error {
	if db.IsNotFound(err) {
		return apperr.Unauthorized()
	}
	return err
}
