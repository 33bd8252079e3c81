package auth

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/device"
	"portal/internal/i18n"
	"portal/internal/mail"
)

// SignInEvent is one entry of a principal's sign-in history (issue 18).
type SignInEvent struct {
	At        time.Time
	Success   bool
	Method    Method
	UserAgent string
	IPMasked  string
	// API is a sign-in or wrong code through the JSON API, not the pages.
	API bool
}

// SetMail gives the browser sessions the mail queue for the "new
// sign-in" heads-up.
func (b *BrowserSessions) SetMail(q *mail.Queue) { b.mail = q }

// History is the principal's recent sign-in events, newest first (the
// page summarises failures and shows 30 entries).
func (b *BrowserSessions) History(ctx context.Context, p *Principal) ([]SignInEvent, error) {
	if p == nil || !p.Browser {
		return nil, apperr.Unauthorized()
	}
	cust, mem := principalKeys(p)
	rows, err := dbgen.New(b.pool).ListSignInEvents(ctx, dbgen.ListSignInEventsParams{WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if err != nil {
		return nil, dbErr("browser.history", err)
	}
	out := make([]SignInEvent, 0, len(rows))
	for _, r := range rows {
		out = append(out, SignInEvent{At: r.CreatedAt, Success: r.Success, Method: Method(r.Method), UserAgent: deref(r.UserAgent), IPMasked: deref(r.IpMasked),
			API: r.Channel == "api"})
	}
	return out, nil
}

var methodWords = map[Method]string{MethodCode: "a code", MethodPasskey: "a passkey", MethodLink: "a link"}

// RecordSignIn writes the sign-in event of browser session bs and, when
// this browser is not a known device of the account (knownDevice, D26's
// cookie) and the account signed in before, queues the "New sign-in to
// your <Workspace> portal" mail in the same transaction. The first sign-in
// ever sends nothing.
func (b *BrowserSessions) RecordSignIn(ctx context.Context, bs *BrowserSession, meta SignInMeta, knownDevice bool) error {
	p := bs.Principal
	cust, mem := principalKeys(p)
	method := meta.Method
	if method == "" {
		method = MethodCode
	}
	ua := clipUA(meta.UserAgent)
	ip := MaskIP(meta.ClientIP)
	err := db.WithTx(ctx, b.pool, func(q *dbgen.Queries, tx pgx.Tx) error {
		before, err := q.HasSignedInBefore(ctx, dbgen.HasSignedInBeforeParams{CustomerID: cust, MemberID: mem})
		if err != nil {
			return err
		}
		if err := q.InsertSignInEvent(ctx, dbgen.InsertSignInEventParams{WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem,
			Success: true, Method: string(method), Channel: "page", UserAgent: nilIfEmpty(ua), IpMasked: nilIfEmpty(ip)}); err != nil {
			return err
		}
		if !before || knownDevice || b.mail == nil || bs.Email == "" {
			return nil
		}
		ws, err := q.GetWorkspaceByID(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		// The language of the page the sign-in happened on, else (no
		// language in ctx) the workspace's default, as for the code mail.
		l := i18n.New(ws.DefaultLocale, nil)
		if _, ok := i18n.Chosen(ctx); ok {
			l = i18n.From(ctx)
		}
		a := mail.NewSignInArgs{To: bs.Email, WorkspaceName: ws.Name, WorkspaceSlug: ws.Slug, Device: device.DescribeIn(l, ua).Name,
			Address: ip, Method: methodWords[method], MethodID: string(method), At: time.Now(), Lang: l.Lang}
		if a.Address == "" {
			a.Address = "unknown"
		}
		if z := i18n.From(ctx); z.ZoneKnown {
			a.Zone = z.Zone.String() // the zone the browser reported (portal.js)
		}
		if ws.Email != nil {
			a.ReplyTo = *ws.Email
		}
		return b.mail.EnqueueNewSignInTx(ctx, tx, a)
	})
	if err != nil {
		return dbErr("browser.record_sign_in", err)
	}
	return nil
}

// RecordFailedCode writes a wrong code entered for a pages sign-in request
// to the history of the account it was for (nothing for an unknown one).
func RecordFailedCode(ctx context.Context, q *dbgen.Queries, requestID uuid.UUID, userAgent, clientIP string) error {
	return q.RecordFailedCode(ctx, dbgen.RecordFailedCodeParams{ID: requestID, UserAgent: nilIfEmpty(clipUA(userAgent)), IpMasked: nilIfEmpty(MaskIP(clientIP))})
}

// RecordAPISignIn writes a sign-in by code through the JSON API to the
// history of whom it signed in (no heads-up mail: an API client has no
// device cookie to tell a new browser by).
func RecordAPISignIn(ctx context.Context, q *dbgen.Queries, id *Identity, userAgent, clientIP string) error {
	var mem *uuid.UUID
	if id.Kind == SubjectMember {
		m := id.MemberID
		mem = &m
	}
	return q.InsertSignInEvent(ctx, dbgen.InsertSignInEventParams{WorkspaceID: id.WorkspaceID, CustomerID: id.CustomerID, MemberID: mem,
		Success: true, Method: string(MethodCode), Channel: "api", UserAgent: nilIfEmpty(clipUA(userAgent)), IpMasked: nilIfEmpty(MaskIP(clientIP))})
}

// RecordRefusedPasskey writes a refused passkey sign-in to the history of
// the passkey's owner (member nil for a customer): a signature counter
// that went backwards, a failed verification, or an owner that was
// removed or blocked.
func RecordRefusedPasskey(ctx context.Context, q *dbgen.Queries, workspaceID, customerID uuid.UUID, memberID *uuid.UUID, userAgent, clientIP string) error {
	return q.InsertSignInEvent(ctx, dbgen.InsertSignInEventParams{WorkspaceID: workspaceID, CustomerID: customerID, MemberID: memberID,
		Success: false, Method: string(MethodPasskey), Channel: "page", UserAgent: nilIfEmpty(clipUA(userAgent)), IpMasked: nilIfEmpty(MaskIP(clientIP))})
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
