package auth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/db/dbgen"
)

// Method is how a browser session signed in (issue 18, "Your devices").
type Method string

// The sign-in methods a browser session records.
const (
	MethodCode    Method = "code"
	MethodPasskey Method = "passkey"
	MethodLink    Method = "link"
)

// SignInMeta is what a new browser session remembers about the browser
// that signed in: shown on the devices page, never used to authorize.
type SignInMeta struct {
	UserAgent string
	ClientIP  string
	Method    Method
}

// Device is one live browser session of the principal, as the devices
// page lists it.
type Device struct {
	ID         uuid.UUID
	Current    bool // the session this request came with
	UserAgent  string
	IPMasked   string // "" when unknown
	Method     Method
	SignedInAt time.Time
	// LastActiveAt moves at most once a minute (browserTouchEvery).
	LastActiveAt time.Time
}

// MaskIP hides the last part of an address: 203.0.113.7 → "203.0.113.x";
// an IPv6 address keeps its /64 (the part D26 treats as one client):
// 2001:db8:1:2::5 → "2001:db8:1:2::x". Anything unparsable is "".
func MaskIP(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return ""
	}
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return fmt.Sprintf("%d.%d.%d.x", b[0], b[1], b[2])
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ""
	}
	s := strings.TrimSuffix(p.Addr().String(), "::")
	return s + "::x"
}

// principalKeys are the principal's customer and member ids as the
// devices queries take them (member nil for a customer session).
func principalKeys(p *Principal) (uuid.UUID, *uuid.UUID) {
	if p.IsMember() {
		m := p.MemberID
		return p.CustomerID, &m
	}
	return p.CustomerID, nil
}

// Devices lists the principal's live browser sessions, the current one
// marked. Only browser principals have devices.
func (b *BrowserSessions) Devices(ctx context.Context, p *Principal) ([]Device, error) {
	if p == nil || !p.Browser {
		return nil, apperr.Unauthorized()
	}
	cust, mem := principalKeys(p)
	rows, err := dbgen.New(b.pool).ListPrincipalBrowserSessions(ctx, dbgen.ListPrincipalBrowserSessionsParams{
		WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if err != nil {
		return nil, dbErr("browser.devices", err)
	}
	out := make([]Device, 0, len(rows))
	for _, r := range rows {
		out = append(out, Device{ID: r.ID, Current: r.ID == p.SessionID, UserAgent: deref(r.UserAgent),
			IPMasked: deref(r.IpMasked), Method: Method(r.Method), SignedInAt: r.CreatedAt, LastActiveAt: r.LastSeenAt})
	}
	return out, nil
}

// SignOutDevice revokes one of the principal's own browser sessions: it is
// dead on its next request (Load refuses it). Another principal's session,
// or one already ended, is NotFound. The current session signs out through
// the ordinary sign-out instead.
func (b *BrowserSessions) SignOutDevice(ctx context.Context, p *Principal, id uuid.UUID) error {
	if p == nil || !p.Browser {
		return apperr.Unauthorized()
	}
	if id == p.SessionID {
		return apperr.NotFound("")
	}
	cust, mem := principalKeys(p)
	n, err := dbgen.New(b.pool).RevokePrincipalBrowserSession(ctx, dbgen.RevokePrincipalBrowserSessionParams{
		ID: id, WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if err != nil {
		return dbErr("browser.sign_out_device", err)
	}
	if n == 0 {
		return apperr.NotFound("")
	}
	return nil
}

// SignOutOthers revokes every browser session of the principal except the
// current one ("Sign out everywhere else") and says how many ended.
func (b *BrowserSessions) SignOutOthers(ctx context.Context, p *Principal) (int64, error) {
	if p == nil || !p.Browser {
		return 0, apperr.Unauthorized()
	}
	cust, mem := principalKeys(p)
	n, err := dbgen.New(b.pool).RevokeOtherBrowserSessions(ctx, dbgen.RevokeOtherBrowserSessionsParams{
		WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem, KeepID: p.SessionID})
	if err != nil {
		return 0, dbErr("browser.sign_out_others", err)
	}
	return n, nil
}
