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
	return attackSplit(tr, func(*vegeta.Result) string { return name }, ok...)[0]
}

// attackSplit is attack with the results grouped into rows by key (first
// seen first), for a target that mixes requests, like the sign-in pair.
func attackSplit(tr vegeta.Targeter, key func(*vegeta.Result) string, ok ...uint16) []result {
	// An Attacker stops for good at the end of an attack, so warm-up and
	// measurement each get their own.
	newAttacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(
			vegeta.Workers(workers), vegeta.MaxWorkers(workers),
			vegeta.Connections(workers), vegeta.KeepAlive(true),
			vegeta.Timeout(timeout), vegeta.Redirects(vegeta.NoFollow),
		)
	}
	rate := vegeta.Rate{Freq: 0} // as fast as the workers go
	for range newAttacker().Attack(tr, rate, warmup, "warmup") {
	}
	type group struct {
		m   vegeta.Metrics
		res result
	}
	var order []string
	groups := map[string]*group{}
	start := time.Now()
	for r := range newAttacker().Attack(tr, rate, duration, "bench") {
		k := key(r)
		g := groups[k]
		if g == nil {
			g = &group{res: result{Name: k}}
			groups[k] = g
			order = append(order, k)
		}
		g.m.Add(r)
		// vegeta fills Error for any non-2xx status too; an expected 401 is
		// not an error, so judge by the status, and by Error only when no
		// answer came at all.
		good := false
		for _, c := range ok {
			if r.Code == c {
				good = true
			}
		}
		if !good {
			g.res.Errors++
			if g.res.Sample == "" {
				g.res.Sample = fmt.Sprintf("%s %s: %d %s %.200s", r.Method, r.URL, r.Code, r.Error, r.Body)
			}
		}
	}
	elapsed := time.Since(start)
	out := make([]result, 0, len(order))
	for _, k := range order {
		g := groups[k]
		g.m.Close()
		g.res.Requests = g.m.Requests
		g.res.Rate = float64(g.m.Requests) / elapsed.Seconds()
		g.res.P50, g.res.P99 = g.m.Latencies.P50, g.m.Latencies.P99
		out = append(out, g.res)
	}
	return out
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
