package passkey_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/member"
	"portal/internal/passkey"
	"portal/internal/passkey/passkeytest"
	"portal/internal/ratelimit"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const (
	secret = "0123456789abcdef0123456789abcdef-passkey-tests"
	base   = "https://portal.example.test"
)

type env struct {
	t       *testing.T
	pool    *pgxpool.Pool
	svc     *passkey.Service
	browser *auth.BrowserSessions
	ws, ws2 uuid.UUID
	cust    uuid.UUID
	team    uuid.UUID
	member  uuid.UUID
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testkit.DB(t)
	h, err := auth.NewHasher([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := passkey.New(pool, ratelimit.New(pool, []byte(secret)), base)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, pool: pool, svc: svc, browser: auth.NewBrowserSessions(pool, h)}
	e.ws = testkit.Workspace(t, pool, "acme")
	e.ws2 = testkit.Workspace(t, pool, "globex")
	e.cust = testkit.Customer(t, pool, e.ws, "ind@example.com", "individual")
	e.team = testkit.Customer(t, pool, e.ws, "team@example.com", "team")
	e.member = testkit.Member(t, pool, e.team, "owner@example.com", auth.RoleOwner)
	return e
}

// principal signs a browser in as customer (member uuid.Nil) or member and
// returns its principal as the pages see it.
func (e *env) principal(customer, member uuid.UUID) *auth.Principal {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.browser.Create(ctx, auth.BrowserSubject{WorkspaceID: e.ws, CustomerID: customer, MemberID: member}, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	bs, err := e.browser.Load(ctx, id, e.ws)
	if err != nil {
		e.t.Fatal(err)
	}
	return bs.Principal
}

// register adds a passkey for p with a new software authenticator.
func (e *env) register(p *auth.Principal) *passkeytest.Authenticator {
	e.t.Helper()
	ctx := context.Background()
	a := passkeytest.New(base)
	b, err := e.svc.BeginRegistration(ctx, p, "someone@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	cred, err := a.Register(b.Options)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.FinishRegistration(ctx, p, b.ChallengeID, "Laptop", cred); err != nil {
		e.t.Fatalf("finish registration: %v", err)
	}
	return a
}

// signIn runs a whole passkey sign-in with a on workspace ws.
func (e *env) signIn(a *passkeytest.Authenticator, ws uuid.UUID, ip string) (auth.BrowserSubject, error) {
	e.t.Helper()
	ctx := context.Background()
	b, err := e.svc.BeginLogin(ctx, ws, ip)
	if err != nil {
		return auth.BrowserSubject{}, err
	}
	cred, err := a.Assert(b.Options)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.svc.FinishLogin(ctx, ws, ip, "", b.ChallengeID, cred)
}

func errName(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Name
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestPasskeyRegisterAndSignIn(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name             string
		customer, member uuid.UUID
	}{{"customer", e.cust, uuid.Nil}, {"member", e.team, e.member}} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.principal(tc.customer, tc.member)
			a := e.register(p)
			list, err := e.svc.List(context.Background(), p)
			if err != nil || len(list) != 1 || list[0].Name != "Laptop" || list[0].LastUsedAt != nil {
				t.Fatalf("list = %+v, %v", list, err)
			}
			got, err := e.signIn(a, e.ws, "203.0.113.1")
			if err != nil {
				t.Fatalf("sign in: %v", err)
			}
			want := auth.BrowserSubject{WorkspaceID: e.ws, CustomerID: tc.customer, MemberID: tc.member}
			if got != want {
				t.Fatalf("subject %+v, want %+v", got, want)
			}
			list, _ = e.svc.List(context.Background(), p)
			if list[0].LastUsedAt == nil {
				t.Fatal("last used not recorded")
			}
		})
	}
}

// TestPasskeyUserHandle: random per principal, never the email, and the
// same for every passkey of one principal.
func TestPasskeyUserHandle(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.cust, uuid.Nil)
	a1, a2 := e.register(p), e.register(p)
	b := e.register(e.principal(e.team, e.member))
	if len(a1.UserHandle) != 32 || string(a1.UserHandle) != string(a2.UserHandle) {
		t.Fatalf("handles of one principal: %x %x", a1.UserHandle, a2.UserHandle)
	}
	if string(a1.UserHandle) == string(b.UserHandle) {
		t.Fatal("two principals share a user handle")
	}
	for _, s := range []string{"ind@example.com", e.cust.String()} {
		if string(a1.UserHandle) == s {
			t.Fatal("user handle is an identifier of the customer")
		}
	}
}

func TestPasskeyChallengeSingleUse(t *testing.T) {
	e := newEnv(t)
	a := e.register(e.principal(e.cust, uuid.Nil))
	ctx := context.Background()
	b, err := e.svc.BeginLogin(ctx, e.ws, "203.0.113.2")
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := a.Assert(b.Options)
	if _, err := e.svc.FinishLogin(ctx, e.ws, "203.0.113.2", "", b.ChallengeID, cred); err != nil {
		t.Fatal(err)
	}
	cred, _ = a.Assert(b.Options)
	if _, err := e.svc.FinishLogin(ctx, e.ws, "203.0.113.2", "", b.ChallengeID, cred); errName(err) != "PasskeyChallengeExpired" {
		t.Fatalf("second use: %v", errName(err))
	}
	// A failed ceremony uses the challenge up too.
	b, _ = e.svc.BeginLogin(ctx, e.ws, "203.0.113.2")
	if _, err := e.svc.FinishLogin(ctx, e.ws, "203.0.113.2", "", b.ChallengeID, []byte(`{"id":"x"}`)); errName(err) != "PasskeyNotVerified" {
		t.Fatalf("garbage: %v", errName(err))
	}
	cred, _ = a.Assert(b.Options)
	if _, err := e.svc.FinishLogin(ctx, e.ws, "203.0.113.2", "", b.ChallengeID, cred); errName(err) != "PasskeyChallengeExpired" {
		t.Fatalf("after a failure: %v", errName(err))
	}
	// Another workspace's challenge is not this one's.
	b, _ = e.svc.BeginLogin(ctx, e.ws2, "203.0.113.2")
	cred, _ = a.Assert(b.Options)
	if _, err := e.svc.FinishLogin(ctx, e.ws, "203.0.113.2", "", b.ChallengeID, cred); errName(err) != "PasskeyChallengeExpired" {
		t.Fatalf("other workspace's challenge: %v", errName(err))
	}
}

func TestPasskeyChallengeExpiry(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.cust, uuid.Nil)
	a := e.register(p)
	ctx := context.Background()
	b, err := e.svc.BeginLogin(ctx, e.ws, "203.0.113.3")
	if err != nil {
		t.Fatal(err)
	}
	var ttl float64
	if err := e.pool.QueryRow(ctx, `SELECT extract(epoch FROM expires_at - created_at) FROM passkey_challenges WHERE id = $1`, b.ChallengeID).Scan(&ttl); err != nil || ttl != 300 {
		t.Fatalf("challenge lifetime %vs (%v), want 300", ttl, err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE passkey_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`, b.ChallengeID); err != nil {
		t.Fatal(err)
	}
	cred, _ := a.Assert(b.Options)
	if _, err := e.svc.FinishLogin(ctx, e.ws, "203.0.113.3", "", b.ChallengeID, cred); errName(err) != "PasskeyChallengeExpired" {
		t.Fatalf("expired challenge: %v", errName(err))
	}
	// Registration challenges too, and they belong to their browser session.
	rb, err := e.svc.BeginRegistration(ctx, p, "x@example.com")
	if err != nil {
		t.Fatal(err)
	}
	other := e.principal(e.cust, uuid.Nil)
	cred, _ = passkeytest.New(base).Register(rb.Options)
	if _, err := e.svc.FinishRegistration(ctx, other, rb.ChallengeID, "x", cred); errName(err) != "PasskeyChallengeExpired" {
		t.Fatalf("another session's registration challenge: %v", errName(err))
	}
}

func TestPasskeySignCountRegression(t *testing.T) {
	e := newEnv(t)
	a := e.register(e.principal(e.cust, uuid.Nil))
	a.Counter = 10
	if _, err := e.signIn(a, e.ws, "203.0.113.4"); err != nil {
		t.Fatal(err)
	}
	a.Counter = 3 // a copy of the key that has signed less
	if _, err := e.signIn(a, e.ws, "203.0.113.4"); errName(err) != "PasskeySignCount" {
		t.Fatalf("regressed counter: %v", errName(err))
	}
	a.Counter = 10 // the stored count (11) again is a regression too
	if _, err := e.signIn(a, e.ws, "203.0.113.4"); errName(err) != "PasskeySignCount" {
		t.Fatalf("repeated counter: %v", errName(err))
	}
	if _, err := e.signIn(a, e.ws, "203.0.113.4"); err != nil { // 12: moves on
		t.Fatalf("growing counter refused: %v", err)
	}
}

func TestPasskeyWrongRPIDOrOrigin(t *testing.T) {
	e := newEnv(t)
	a := e.register(e.principal(e.cust, uuid.Nil))
	a.RPID = "evil.example"
	if _, err := e.signIn(a, e.ws, "203.0.113.5"); errName(err) != "PasskeyNotVerified" {
		t.Fatalf("wrong RP ID: %v", errName(err))
	}
	a.RPID, a.Origin = "", "https://evil.example"
	if _, err := e.signIn(a, e.ws, "203.0.113.5"); errName(err) != "PasskeyNotVerified" {
		t.Fatalf("wrong origin: %v", errName(err))
	}
	a.Origin = base
	a.NoUV = true
	if _, err := e.signIn(a, e.ws, "203.0.113.5"); errName(err) != "PasskeyNotVerified" {
		t.Fatalf("no user verification: %v", errName(err))
	}
	a.NoUV = false
	if _, err := e.signIn(a, e.ws, "203.0.113.5"); err != nil {
		t.Fatalf("right RP ID and origin: %v", err)
	}
	// Registration from the wrong origin is refused as well.
	p := e.principal(e.cust, uuid.Nil)
	b, _ := e.svc.BeginRegistration(context.Background(), p, "x@example.com")
	bad := passkeytest.New("https://evil.example")
	cred, _ := bad.Register(b.Options)
	if _, err := e.svc.FinishRegistration(context.Background(), p, b.ChallengeID, "x", cred); errName(err) != "PasskeyNotVerified" {
		t.Fatalf("registration from another origin: %v", errName(err))
	}
}

func TestPasskeyOtherWorkspace(t *testing.T) {
	e := newEnv(t)
	a := e.register(e.principal(e.cust, uuid.Nil))
	if _, err := e.signIn(a, e.ws2, "203.0.113.6"); errName(err) != "PasskeyUnknown" {
		t.Fatalf("another workspace's credential: %v", errName(err))
	}
	unknown := passkeytest.New(base)
	other := e.principal(e.team, e.member)
	b, _ := e.svc.BeginRegistration(context.Background(), other, "x")
	if _, err := unknown.Register(b.Options); err != nil { // never finished: unknown to the portal
		t.Fatal(err)
	}
	if _, err := e.signIn(unknown, e.ws, "203.0.113.6"); errName(err) != "PasskeyUnknown" {
		t.Fatalf("unknown credential: %v", errName(err))
	}
}

// TestPasskeyOwnerGone: removing the member, blocking the workspace or
// deleting the customer ends the passkey's use at once (D10); removing
// the passkey too.
func TestPasskeyOwnerGone(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		member    bool
	}{
		{"member removed", `UPDATE members SET deleted_at = now() WHERE id = $1`, true},
		{"customer deleted", `UPDATE customers SET deleted_at = now() WHERE id = $1`, false},
		{"workspace blocked", `UPDATE workspaces SET blocked_at = now() WHERE id = $1`, false},
		{"passkey removed", ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.principal(e.cust, uuid.Nil)
			arg := e.ws
			if tc.member {
				p, arg = e.principal(e.team, e.member), e.member
			} else if tc.name == "customer deleted" {
				arg = e.cust
			}
			a := e.register(p)
			if _, err := e.signIn(a, e.ws, "203.0.113.7"); err != nil {
				t.Fatal(err)
			}
			if tc.sql != "" {
				if _, err := e.pool.Exec(context.Background(), tc.sql, arg); err != nil {
					t.Fatal(err)
				}
			} else {
				list, _ := e.svc.List(context.Background(), p)
				if err := e.svc.Remove(context.Background(), p, list[0].ID); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.signIn(a, e.ws, "203.0.113.7"); errName(err) != "PasskeyUnknown" {
				t.Fatalf("after %s: %v", tc.name, errName(err))
			}
		})
	}
}

func TestPasskeyRateLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ip := "198.51.100.9"
	for i := 0; i < ratelimit.IPLimit; i++ {
		if _, err := e.svc.FinishLogin(ctx, e.ws, ip, "", uuid.New(), []byte(`{}`)); errName(err) != "PasskeyChallengeExpired" {
			t.Fatalf("attempt %d: %v", i+1, errName(err))
		}
	}
	_, err := e.svc.FinishLogin(ctx, e.ws, ip, "", uuid.New(), []byte(`{}`))
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindRateLimited {
		t.Fatalf("attempt %d: %v, want rate limited", ratelimit.IPLimit+1, err)
	}
	for i := 0; i < passkey.BeginLimit; i++ {
		if _, err := e.svc.BeginLogin(ctx, e.ws, ip); err != nil {
			t.Fatalf("begin %d: %v", i+1, err)
		}
	}
	if _, err := e.svc.BeginLogin(ctx, e.ws, ip); !errors.As(err, &ae) || ae.Kind != apperr.KindRateLimited {
		t.Fatalf("begin over the limit: %v", err)
	}
	// Another address is not affected.
	if _, err := e.svc.BeginLogin(ctx, e.ws, "198.51.100.10"); err != nil {
		t.Fatal(err)
	}
}

func TestPasskeyStaleSession(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.cust, uuid.Nil)
	p.SignedInAt = p.SignedInAt.Add(-passkey.FreshSession - 1)
	if _, err := e.svc.BeginRegistration(context.Background(), p, "x"); errName(err) != "PasskeyReverify" {
		t.Fatalf("old session: %v", errName(err))
	}
}

func TestPasskeyRenameRemoveScoped(t *testing.T) {
	e := newEnv(t)
	p := e.principal(e.cust, uuid.Nil)
	e.register(p)
	list, _ := e.svc.List(context.Background(), p)
	other := e.principal(e.team, e.member)
	if err := e.svc.Rename(context.Background(), other, list[0].ID, "Mine now"); errName(err) != "ResourceNotFound" {
		t.Fatalf("rename another's: %v", errName(err))
	}
	if err := e.svc.Remove(context.Background(), other, list[0].ID); errName(err) != "ResourceNotFound" {
		t.Fatalf("remove another's: %v", errName(err))
	}
	if err := e.svc.Rename(context.Background(), p, list[0].ID, "  Work phone "); err != nil {
		t.Fatal(err)
	}
	list, _ = e.svc.List(context.Background(), p)
	if list[0].Name != "Work phone" {
		t.Fatalf("renamed to %q", list[0].Name)
	}
}

// TestPasskeyDisabledOnIP: an IP address cannot be a relying party ID.
func TestPasskeyDisabledOnIP(t *testing.T) {
	pool := testkit.DB(t)
	s, err := passkey.New(pool, ratelimit.New(pool, []byte(secret)), "http://127.0.0.1:8080")
	if err == nil || s.Enabled() {
		t.Fatalf("enabled on an IP base URL (err %v)", err)
	}
	s, err = passkey.New(pool, ratelimit.New(pool, []byte(secret)), "http://localhost:8080")
	if err != nil || !s.Enabled() {
		t.Fatalf("localhost: %v", err)
	}
}

// TestPasskeyRefusalsInHistory: a refused assertion by a credential this
// workspace knows goes in its owner's sign-in history (method passkey,
// masked address, browser): a counter that went backwards, a failed user
// verification, an owner removed or blocked. An unknown credential cannot
// be attributed: it is only counted. The answers stay as they were.
func TestPasskeyRefusalsInHistory(t *testing.T) {
	e := newEnv(t)
	var outcomes []string
	e.svc.Outcome = func(o string) { outcomes = append(outcomes, o) }
	ctx := context.Background()
	const ua = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"
	signIn := func(a *passkeytest.Authenticator) error {
		t.Helper()
		b, err := e.svc.BeginLogin(ctx, e.ws, "203.0.113.77")
		if err != nil {
			t.Fatal(err)
		}
		cred, err := a.Assert(b.Options)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.FinishLogin(ctx, e.ws, "203.0.113.77", ua, b.ChallengeID, cred)
		return err
	}
	type event struct {
		member         bool
		method, ip, ua string
		success, isAPI bool
	}
	events := func(customer uuid.UUID) []event {
		t.Helper()
		rows, err := e.pool.Query(ctx, `SELECT member_id IS NOT NULL, method, coalesce(ip_masked, ''), coalesce(user_agent, ''), success, channel = 'api'
			FROM signin_events WHERE customer_id = $1 ORDER BY created_at, id`, customer)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []event
		for rows.Next() {
			var ev event
			if err := rows.Scan(&ev.member, &ev.method, &ev.ip, &ev.ua, &ev.success, &ev.isAPI); err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
		return out
	}
	refused := event{method: "passkey", ip: "203.0.113.x", ua: ua}

	a := e.register(e.principal(e.cust, uuid.Nil))
	a.Counter = 10
	if err := signIn(a); err != nil {
		t.Fatal(err)
	}
	a.Counter = 3
	if err := signIn(a); errName(err) != "PasskeySignCount" {
		t.Fatalf("regressed counter: %v", errName(err))
	}
	a.Counter, a.NoUV = 20, true
	if err := signIn(a); errName(err) != "PasskeyNotVerified" {
		t.Fatalf("no user verification: %v", errName(err))
	}
	if got := events(e.cust); len(got) != 2 || got[0] != refused || got[1] != refused {
		t.Fatalf("customer's events %+v, want two refused passkey sign-ins", got)
	}

	m := e.register(e.principal(e.team, e.member))
	if _, err := e.pool.Exec(ctx, `UPDATE members SET deleted_at = now() WHERE id = $1`, e.member); err != nil {
		t.Fatal(err)
	}
	if err := signIn(m); errName(err) != "PasskeyUnknown" {
		t.Fatalf("removed member: %v", errName(err))
	}
	memberRefused := refused
	memberRefused.member = true
	if got := events(e.team); len(got) != 1 || got[0] != memberRefused {
		t.Fatalf("removed member's events %+v", got)
	}

	a.NoUV = false
	if _, err := e.pool.Exec(ctx, `UPDATE workspaces SET blocked_at = now() WHERE id = $1`, e.ws); err != nil {
		t.Fatal(err)
	}
	if err := signIn(a); errName(err) != "PasskeyUnknown" {
		t.Fatalf("blocked workspace: %v", errName(err))
	}
	if got := events(e.cust); len(got) != 3 || got[2] != refused {
		t.Fatalf("blocked workspace: customer's events %+v", got)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE workspaces SET blocked_at = NULL WHERE id = $1`, e.ws); err != nil {
		t.Fatal(err)
	}

	var before int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM signin_events`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	unknown := passkeytest.New(base)
	rb, _ := e.svc.BeginRegistration(ctx, e.principal(e.cust, uuid.Nil), "x")
	if _, err := unknown.Register(rb.Options); err != nil {
		t.Fatal(err)
	}
	if err := signIn(unknown); errName(err) != "PasskeyUnknown" {
		t.Fatalf("unknown credential: %v", errName(err))
	}
	var after int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM signin_events`).Scan(&after); err != nil || after != before {
		t.Fatalf("an unknown credential wrote %d events (%v)", after-before, err)
	}
	want := []string{"ok", "sign_count", "not_verified", "refused", "refused", "unknown"}
	if strings.Join(outcomes, " ") != strings.Join(want, " ") {
		t.Fatalf("outcomes %q, want %q", outcomes, want)
	}
}

// TestPasskeyRateLimitIPv6Per64: beginning and finishing a passkey sign-in
// are counted per client like the codes (D26's rule, ratelimit.ClientKey):
// every IPv6 address of one /64 is one client, so rotating addresses
// inside it gains nothing; another /64 is another client.
func TestPasskeyRateLimitIPv6Per64(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	addr := func(prefix string, i int) string { return fmt.Sprintf("%s::%x", prefix, i+1) }
	for i := 0; i < passkey.BeginLimit; i++ {
		if _, err := e.svc.BeginLogin(ctx, e.ws, addr("2001:db8:1:2", i)); err != nil {
			t.Fatalf("begin %d: %v", i+1, err)
		}
	}
	var ae *apperr.Error
	if _, err := e.svc.BeginLogin(ctx, e.ws, "2001:db8:1:2:ffff:ffff:ffff:fffe"); !errors.As(err, &ae) || ae.Kind != apperr.KindRateLimited {
		t.Fatalf("begin from another address of the same /64: %v, want rate limited", err)
	}
	if _, err := e.svc.BeginLogin(ctx, e.ws, "2001:db8:1:3::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	for i := 0; i < ratelimit.IPLimit; i++ {
		if _, err := e.svc.FinishLogin(ctx, e.ws, addr("2001:db8:9:9", i), "", uuid.New(), []byte(`{}`)); errName(err) != "PasskeyChallengeExpired" {
			t.Fatalf("finish %d: %v", i+1, errName(err))
		}
	}
	if _, err := e.svc.FinishLogin(ctx, e.ws, "2001:db8:9:9:abcd::1", "", uuid.New(), []byte(`{}`)); !errors.As(err, &ae) || ae.Kind != apperr.KindRateLimited {
		t.Fatalf("finish from another address of the same /64: %v, want rate limited", err)
	}
}

// TestPasskeyOwnerGoneEndsSessions (D10): a browser signed in with a
// passkey is signed out on its next request, and the passkey signs in no
// more, from the moment its member is removed (through the team's own
// remove, by its owner), its customer is deleted or its workspace blocked
// (the portal has no operation for those two: the data owner's change of
// the row is what the portal sees).
func TestPasskeyOwnerGoneEndsSessions(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []string{"member removed", "customer deleted", "workspace blocked"} {
		t.Run(tc, func(t *testing.T) {
			e := newEnv(t)
			customer, mem := e.cust, uuid.Nil
			if tc == "member removed" {
				customer = e.team
				mem = testkit.Member(t, e.pool, e.team, "dev@example.com", auth.RoleMember)
			}
			a := e.register(e.principal(customer, mem))
			subject, err := e.signIn(a, e.ws, "203.0.113.8")
			if err != nil {
				t.Fatal(err)
			}
			// As the sign-in page does with the subject: a browser session.
			sid, err := e.browser.CreateWith(ctx, subject, auth.SignInMeta{Method: auth.MethodPasskey})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.browser.Load(ctx, sid, e.ws); err != nil {
				t.Fatalf("passkey session before: %v", err)
			}
			switch tc {
			case "member removed":
				if err := member.New(e.pool).Delete(ctx, e.principal(e.team, e.member), mem); err != nil {
					t.Fatal(err)
				}
			case "customer deleted":
				e.exec(`UPDATE customers SET deleted_at = now() WHERE id = $1`, e.cust)
			case "workspace blocked":
				e.exec(`UPDATE workspaces SET blocked_at = now() WHERE id = $1`, e.ws)
			}
			if _, err := e.browser.Load(ctx, sid, e.ws); err == nil {
				t.Fatalf("after %s the passkey's browser session still loads", tc)
			}
			if _, err := e.signIn(a, e.ws, "203.0.113.8"); errName(err) != "PasskeyUnknown" {
				t.Fatalf("after %s the passkey: %v", tc, errName(err))
			}
		})
	}
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatal(err)
	}
}
