package signin_test

import (
	"fmt"
	"net/http"
	"testing"

	"portal/internal/testkit"
)

// TestD26_IPv6ClientsLimitedPer64: through the router, ten requests from
// ten addresses of one IPv6 /64 use up its per-IP budget (the 11th is 429),
// while a client of the next /64 goes on.
func TestD26_IPv6ClientsLimitedPer64(t *testing.T) {
	e := newEnv(t, envOpt{})
	at := func(addr string) *testkit.Client {
		return testkit.NewClient(t, e.srv.Handler(), testkit.WithRemoteAddr(addr))
	}
	body := reqBody("x@example.com", e.legacy, nil)
	for i := 0; i < 10; i++ {
		e.request(at(fmt.Sprintf("[2001:db8:5:5:%x::1]:4000", i+1)), body).ExpectStatus(t, http.StatusAccepted)
	}
	e.request(at("[2001:db8:5:5:ffff:ffff:ffff:1]:4000"), body).ExpectStatus(t, http.StatusTooManyRequests)
	e.request(at("[2001:db8:5:6::1]:4000"), body).ExpectStatus(t, http.StatusAccepted)
}
