package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Load shape: a fixed number of workers at the highest rate they can keep,
// for a fixed time, so the run is bounded in both count and time.
const (
	workers  = 16
	duration = 5 * time.Second
	warmup   = time.Second
	timeout  = 10 * time.Second
)

// result is one measured target.
type result struct {
	Name     string
	Rate     float64 // answered requests per second
	P50, P99 time.Duration
	Requests uint64
	Errors   uint64 // transport errors and unexpected statuses
	Sample   string // first error seen, to make a failure diagnosable
}

// attack runs tr for warmup (discarded) and then duration, counting any
// answer whose status is not in ok as an error.
func attack(name string, tr vegeta.Targeter, ok ...uint16) result {
	atk := vegeta.NewAttacker(
		vegeta.Workers(workers), vegeta.MaxWorkers(workers),
		vegeta.Connections(workers), vegeta.KeepAlive(true),
		vegeta.Timeout(timeout), vegeta.Redirects(vegeta.NoFollow),
	)
	rate := vegeta.Rate{Freq: 0} // as fast as the workers go
	for range atk.Attack(tr, rate, warmup, name+" warmup") {
	}
	var m vegeta.Metrics
	res := result{Name: name}
	start := time.Now()
	for r := range atk.Attack(tr, rate, duration, name) {
		m.Add(r)
		good := r.Error == ""
		if good {
			good = false
			for _, c := range ok {
				if r.Code == c {
					good = true
				}
			}
		}
		if !good {
			res.Errors++
			if res.Sample == "" {
				res.Sample = fmt.Sprintf("%s %s: %d %s %.200s", r.Method, r.URL, r.Code, r.Error, r.Body)
			}
		}
	}
	elapsed := time.Since(start)
	m.Close()
	res.Requests = m.Requests
	res.Rate = float64(m.Requests) / elapsed.Seconds()
	res.P50, res.P99 = m.Latencies.P50, m.Latencies.P99
	return res
}

// rotate cycles through targets, one per hit, safely across workers.
func rotate(targets []vegeta.Target) vegeta.Targeter {
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		*t = targets[(i.Add(1)-1)%uint64(len(targets))]
		return nil
	}
}

// bearerTargets is one GET of path per token.
func bearerTargets(base, path string, tokens []string) []vegeta.Target {
	out := make([]vegeta.Target, len(tokens))
	for i, tok := range tokens {
		out[i] = vegeta.Target{Method: http.MethodGet, URL: base + path,
			Header: http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}}
	}
	return out
}

// signInTargeter alternates POST /customer-session/request for a known
// customer and POST /customer-session/authenticate with a wrong code. Each
// hit comes from a different X-Forwarded-For (the server trusts loopback as
// a proxy), so the per-IP limits measure the work, not the 429 path; the
// address rotates over all customers so the per-address limit rarely bites
// either (it answers 202 regardless).
func signInTargeter(base, wsID string) vegeta.Targeter {
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		n := i.Add(1) - 1
		h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"},
			"X-Forwarded-For": {fmt.Sprintf("10.%d.%d.%d", (n>>16)&0xff, (n>>8)&0xff, n&0xff)}}
		if n%2 == 0 {
			*t = vegeta.Target{Method: http.MethodPost, URL: base + "/api/customer-portal/customer-session/request", Header: h,
				Body: fmt.Appendf(nil, `{"email":%q,"workspace_id":%q}`, customerEmail(int(n/2)%nCustomers), wsID)}
			return nil
		}
		*t = vegeta.Target{Method: http.MethodPost, URL: base + "/api/customer-portal/customer-session/authenticate", Header: h,
			Body: []byte(`{"code":"ZZZZZZZZ"}`)}
		return nil
	}
}
