package signin_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/internal/testkit"
)

// apiEvent is one sign-in history row as the API tests look at it.
type apiEvent struct {
	Member  bool
	Success bool
	Method  string
	Channel string
	IP      string
	UA      string
}

func (e *env) events(customer uuid.UUID) []apiEvent {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT member_id IS NOT NULL, success, method, channel, coalesce(ip_masked, ''), coalesce(user_agent, '')
		FROM signin_events WHERE customer_id = $1 ORDER BY created_at, id`, customer)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []apiEvent
	for rows.Next() {
		var ev apiEvent
		if err := rows.Scan(&ev.Member, &ev.Success, &ev.Method, &ev.Channel, &ev.IP, &ev.UA); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// TestAPIAuthenticateHistory (issue 18): the JSON API's authenticate
// writes the sign-in history as the pages do. A wrong code naming an
// address goes in the history of whom the address's issued codes are for
// (the member in member mode; nobody for an address with no codes, e.g. an
// unknown one); an expired code without an address, of whom it was for; a
// right code is a sign-in with method code over channel api. The answers,
// headers and metrics of a known and an unknown address stay alike.
func TestAPIAuthenticateHistory(t *testing.T) {
	e := newEnv(t, envOpt{})
	const ua = "ExampleApp/2.1 (iPhone; iOS 17.1)"
	cust := e.customer(e.legacy, "hist@example.com", nil, "individual")
	team := e.customer(e.members, "team@example.com", nil, "team")
	e.member(e.members, team, "owner@example.com", "owner")
	e.member(e.members, team, "dev@example.com", "member")
	// The address is a customer of the member-mode workspace too, but asked
	// for no code there: that account's history stays empty.
	elsewhere := e.customer(e.members, "hist@example.com", nil, "individual")

	e.request(nil, reqBody("hist@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.request(nil, reqBody("dev@example.com", e.members, nil)).ExpectStatus(t, http.StatusAccepted)

	n := 0
	wrong := func(email string) (*testkit.Response, []string) {
		t.Helper()
		n++
		c := testkit.NewClient(t, e.srv.Handler(), testkit.WithRemoteAddr(fmt.Sprintf("203.0.113.%d:4000", n)), testkit.WithHeader("User-Agent", ua))
		before := metricLines(t, e.srv)
		r := e.authenticate(c, map[string]any{"code": "ZZZZ-ZZZZ", "email": email}).ExpectStatus(t, http.StatusUnauthorized)
		return r, delta(before, metricLines(t, e.srv))
	}
	for _, email := range []string{"hist@example.com", "dev@example.com"} {
		known, knownMetrics := wrong(email)
		unknown, unknownMetrics := wrong("nobody-" + email)
		if string(known.Body) != string(unknown.Body) || headerShape(known.Header) != headerShape(unknown.Header) {
			t.Errorf("%s: answers differ:\n%s %s\n%s %s", email, known.Body, headerShape(known.Header), unknown.Body, headerShape(unknown.Header))
		}
		if strings.Join(knownMetrics, "\n") != strings.Join(unknownMetrics, "\n") {
			t.Errorf("%s: metrics differ:\nknown:   %q\nunknown: %q", email, knownMetrics, unknownMetrics)
		}
	}
	if got := e.events(cust); len(got) != 1 || got[0] != (apiEvent{Method: "code", Channel: "api", IP: "203.0.113.x", UA: ua}) {
		t.Fatalf("customer's events %+v, want one wrong API code", got)
	}
	if got := e.events(team); len(got) != 1 || got[0] != (apiEvent{Member: true, Method: "code", Channel: "api", IP: "203.0.113.x", UA: ua}) {
		t.Fatalf("team's events %+v, want one wrong API code of the member", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM signin_events`); n != 2 {
		t.Fatalf("%d events in all: the unknown addresses must record nothing", n)
	}

	// An expired code, sent without an address: its own account's history.
	code := e.lastCode("hist@example.com")
	e.s.Exec(`UPDATE customer_session_codes SET expires_at = now() - interval '1 second' WHERE customer_id = $1`, cust)
	e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusUnauthorized)
	if got := e.events(cust); len(got) != 2 || got[1].Success || got[1].Channel != "api" {
		t.Fatalf("after an expired code: %+v", got)
	}

	// A right code: a sign-in through the API.
	e.request(nil, reqBody("hist@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	c := testkit.NewClient(t, e.srv.Handler(), testkit.WithRemoteAddr("198.51.100.7:4000"), testkit.WithHeader("User-Agent", ua))
	e.authenticate(c, map[string]any{"code": e.lastCode("hist@example.com"), "email": "hist@example.com"}).ExpectStatus(t, http.StatusOK)
	if got := e.events(cust); len(got) != 3 || got[2] != (apiEvent{Success: true, Method: "code", Channel: "api", IP: "198.51.100.x", UA: ua}) {
		t.Fatalf("after a sign-in: %+v", got)
	}
	if got := e.events(elsewhere); len(got) != 0 {
		t.Fatalf("the address's account that asked for no code got events: %+v", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_new_sign_in_mail'`); n != 0 {
		t.Fatalf("%d heads-up mails for API sign-ins", n)
	}
}
