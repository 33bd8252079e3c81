package signin_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/ratelimit"
)

// exhaustAddress uses up an address's code budget (D12) from five other
// clients, as someone trying to lock its owner out would.
func (e *env) exhaustAddress(ws uuid.UUID, email string) {
	e.t.Helper()
	for i := 0; i < ratelimit.AddressLimit; i++ {
		e.request(e.clientAt(100+i), reqBody(email, ws, nil)).ExpectStatus(e.t, http.StatusAccepted)
	}
}

// requestFrom asks for a code as the pages do, with a device cookie value.
func (e *env) requestFrom(ws uuid.UUID, email, device string, ip int) {
	e.t.Helper()
	_, err := e.svc.SignIn.Request(context.Background(), auth.RequestInput{Email: email, WorkspaceID: ws, Browser: true,
		ClientIP: fmt.Sprintf("192.0.2.%d", ip), Device: device})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestD26_KnownDeviceExemptFromAddressCap: once five codes went to an
// address (from anyone), its codes stop, except for a browser whose device
// cookie proves it signed in to that address's account before. A forged
// cookie, another account's cookie, or a cookie sent to the API (which
// ignores cookies, D21) change nothing, and the answers stay identical.
func TestD26_KnownDeviceExemptFromAddressCap(t *testing.T) {
	e := newEnv(t, envOpt{})
	victim := e.customer(e.legacy, "victim@example.com", nil, "individual")
	other := e.customer(e.legacy, "other@example.com", nil, "individual")
	d := e.svc.SignIn.Devices
	e.exhaustAddress(e.legacy, "victim@example.com")
	if n := len(e.queued("victim@example.com")); n != 5 {
		t.Fatalf("%d codes before the cap", n)
	}
	forged := victim.String() + ".00000000000000000000000000000000"
	for i, dev := range []string{"", forged, d.Remember("", other), auth.NewDevices([]byte("another secret entirely, 32 bytes")).Remember("", victim)} {
		e.requestFrom(e.legacy, "victim@example.com", dev, 10+i)
	}
	if n := len(e.queued("victim@example.com")); n != 5 {
		t.Fatalf("%d codes: the cap let an unknown browser through", n)
	}
	e.requestFrom(e.legacy, "Victim@Example.com", d.Remember(d.Remember("", victim), other), 20)
	if n := len(e.queued("victim@example.com")); n != 6 {
		t.Fatalf("%d codes: the account's own browser was locked out", n)
	}
	// The device holds in this workspace only.
	e.customer(e.members, "victim@example.com", nil, "individual")
	e.exhaustAddress(e.members, "victim@example.com")
	before := len(e.queued("victim@example.com"))
	e.requestFrom(e.members, "victim@example.com", d.Remember("", victim), 21)
	if n := len(e.queued("victim@example.com")); n != before {
		t.Error("a device of another workspace's account passed the cap")
	}
	// The API ignores cookies: a device cookie there is no exemption.
	e.c.SetCookie(&http.Cookie{Name: auth.DeviceCookieSecure, Value: d.Remember("", victim)})
	e.c.PostJSON(pRequest, reqBody("victim@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	if n := len(e.queued("victim@example.com")); n != before {
		t.Error("the API honoured a device cookie")
	}
}

// TestD26_KnownDeviceMemberMode: in member mode the device names the
// member; it passes the cap for that member's address.
func TestD26_KnownDeviceMemberMode(t *testing.T) {
	e := newEnv(t, envOpt{})
	team := e.customer(e.members, "team@example.com", str("Team"), "team")
	m := e.member(e.members, team, "mem@example.com", "member")
	e.exhaustAddress(e.members, "mem@example.com")
	e.requestFrom(e.members, "mem@example.com", e.svc.SignIn.Devices.Remember("", team), 10)
	if n := len(e.queued("mem@example.com")); n != 5 {
		t.Fatalf("the team customer's device passed a member's cap (%d)", n)
	}
	e.requestFrom(e.members, "mem@example.com", e.svc.SignIn.Devices.Remember("", m), 11)
	if n := len(e.queued("mem@example.com")); n != 6 {
		t.Fatalf("the member's own device was locked out (%d)", n)
	}
}

// TestD26_AuthenticateCappedPerAddress: 100 wrong codes naming an address
// in an hour, then that address's codes are refused with 429 (the right
// one too, which stays unused) until the hour passes, whether the address
// is known or not; attempts that name no address, other addresses and the
// address's known devices go on.
func TestD26_AuthenticateCappedPerAddress(t *testing.T) {
	e := newEnv(t, envOpt{})
	victim := e.customer(e.legacy, "victim@example.com", nil, "individual")
	ctx := context.Background()
	wrong := func(email string) {
		t.Helper()
		for i := 0; i < ratelimit.AddressFailureLimit; i++ {
			_, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: "ZZZZ-ZZZZ", Email: str(email), ClientIP: fmt.Sprintf("10.9.%d.%d", i/200, i%200)})
			if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindUnauthenticated {
				t.Fatalf("wrong code %d: %v", i, err)
			}
		}
	}
	wrong("Victim@example.com")
	wrong("nobody@example.com")

	e.request(e.clientAt(1), reqBody("victim@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	code := e.lastCode("victim@example.com")
	known := e.authenticate(e.clientAt(2), map[string]any{"code": code, "email": "victim@example.com"}).ExpectStatus(t, http.StatusTooManyRequests)
	unknown := e.authenticate(e.clientAt(3), map[string]any{"code": "ABCD-2345", "email": "nobody@example.com"}).ExpectStatus(t, http.StatusTooManyRequests)
	if string(known.Body) != string(unknown.Body) {
		t.Errorf("known %s, unknown %s: the answers tell them apart", known.Body, unknown.Body)
	}
	// Another address is not affected.
	e.authenticate(e.clientAt(4), map[string]any{"code": "ABCD-2345", "email": "third@example.com"}).ExpectStatus(t, http.StatusUnauthorized)

	// The pages: a request bound to the address is refused too, except
	// from the account's own browser.
	res, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "victim@example.com", WorkspaceID: e.legacy, Browser: true, ClientIP: "192.0.2.50"})
	if err != nil {
		t.Fatal(err)
	}
	rid := res.SignInRequestID
	for _, dev := range []string{"", e.svc.SignIn.Devices.Remember("", uuid.New())} {
		_, err = e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, SignInRequestID: &rid, ClientIP: "192.0.2.51", Device: dev})
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindRateLimited || ae.RetryAfter < 59*time.Minute {
			t.Fatalf("pages over the cap, device %q: %v", dev, err)
		}
	}
	id, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, SignInRequestID: &rid, ClientIP: "192.0.2.52",
		Device: e.svc.SignIn.Devices.Remember("", victim)})
	if err != nil || id.CustomerID != victim {
		t.Fatalf("the account's own browser over the cap: %v", err)
	}

	// When the hour has passed the address's codes work again.
	e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = now() - interval '1 second' WHERE bucket = $1`, ratelimit.BucketAddressFailures)
	e.request(e.clientAt(5), reqBody("victim@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(e.clientAt(5), map[string]any{"code": e.lastCode("victim@example.com"), "email": "victim@example.com"}).ExpectStatus(t, http.StatusOK)
}

// TestD26_AuthenticateCapSharedByTwoServers: the wrong-code cap of an
// address is one counter in PostgreSQL, so two servers on one database
// share it: 50 wrong codes on each, then both refuse.
func TestD26_AuthenticateCapSharedByTwoServers(t *testing.T) {
	a := newEnv(t, envOpt{})
	b := newEnv(t, envOpt{pool: a.pool, noSeed: true})
	ctx := context.Background()
	for i := 0; i < ratelimit.AddressFailureLimit/2; i++ {
		for j, e := range []*env{a, b} {
			_, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: "ZZZZ-ZZZZ", Email: str("shared@example.com"),
				ClientIP: fmt.Sprintf("10.%d.%d.%d", j, i/200, i%200)})
			if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindUnauthenticated {
				t.Fatalf("wrong code %d on server %d: %v", i, j, err)
			}
		}
	}
	for j, e := range []*env{a, b} {
		_, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: "ZZZZ-ZZZZ", Email: str("shared@example.com"), ClientIP: "10.200.0.1"})
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindRateLimited {
			t.Errorf("server %d after 100 wrong codes in all: %v", j, err)
		}
	}
}
