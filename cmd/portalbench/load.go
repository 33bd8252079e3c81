package main

import (
	"fmt"
	"net/http"
	"slices"
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
	rounds   = 5 // alternating baseline/portal rounds per pair
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

// attackPair measures a baseline and the portal on the same request in
// alternating rounds (baseline, portal, baseline, …) rather than one long
// run each, so a drift in what else the machine is doing falls on both
// sides alike instead of biasing the ratio.
// before, when set, runs ahead of every attack (the sign-in pair resets
// its counters there).
func attackPair(base, portal vegeta.Targeter, before func(), key func(*vegeta.Result) string, ok ...uint16) (b, p []result) {
	if before == nil {
		before = func() {}
	}
	cb, cp := newCollector(key, ok), newCollector(key, ok)
	before()
	warm(base)
	before()
	warm(portal)
	for range rounds {
		before()
		cb.run(base, duration/rounds)
		before()
		cp.run(portal, duration/rounds)
	}
	return cb.results(), cp.results()
}

// attackOne measures one target alone with n clients: a warm-up, then the
// whole duration.
func attackOne(name string, n uint64, tr vegeta.Targeter) result {
	c := newCollector(func(*vegeta.Result) string { return name }, []uint16{200})
	c.workers = n
	for range newAttackerN(n).Attack(tr, vegeta.Rate{Freq: 0}, warmup, "warmup") {
	}
	c.run(tr, duration)
	return c.results()[0]
}

func newAttacker() *vegeta.Attacker { return newAttackerN(workers) }

func newAttackerN(n uint64) *vegeta.Attacker {
	return vegeta.NewAttacker(
		vegeta.Workers(n), vegeta.MaxWorkers(n),
		vegeta.Connections(int(n)), vegeta.KeepAlive(true),
		vegeta.Timeout(timeout), vegeta.Redirects(vegeta.NoFollow),
	)
}

// An Attacker stops for good at the end of an attack, so each warm-up and
// measurement gets its own. Rate 0: as fast as the workers go.
func warm(tr vegeta.Targeter) {
	for range newAttacker().Attack(tr, vegeta.Rate{Freq: 0}, warmup, "warmup") {
	}
}

// collector adds the results of one or more attacks into rows by key.
type collector struct {
	key     func(*vegeta.Result) string
	workers uint64 // clients; 0 means workers
	ok      []uint16
	order   []string
	groups  map[string]*group
	elapsed time.Duration
}

type group struct {
	m   vegeta.Metrics
	res result
}

func newCollector(key func(*vegeta.Result) string, ok []uint16) *collector {
	return &collector{key: key, ok: ok, groups: map[string]*group{}}
}

func (c *collector) run(tr vegeta.Targeter, d time.Duration) {
	start := time.Now()
	n := c.workers
	if n == 0 {
		n = workers
	}
	for r := range newAttackerN(n).Attack(tr, vegeta.Rate{Freq: 0}, d, "bench") {
		k := c.key(r)
		g := c.groups[k]
		if g == nil {
			g = &group{res: result{Name: k}}
			c.groups[k] = g
			c.order = append(c.order, k)
		}
		g.m.Add(r)
		// vegeta fills Error for any non-2xx status too; an expected 401 is
		// not an error, so judge by the status, and by Error only when no
		// answer came at all.
		if !slices.Contains(c.ok, r.Code) {
			g.res.Errors++
			if g.res.Sample == "" {
				g.res.Sample = fmt.Sprintf("%s %s: %d %s %.200s", r.Method, r.URL, r.Code, r.Error, r.Body)
			}
		}
	}
	c.elapsed += time.Since(start)
}

func (c *collector) results() []result {
	out := make([]result, 0, len(c.order))
	for _, k := range c.order {
		g := c.groups[k]
		g.m.Close()
		g.res.Requests = g.m.Requests
		g.res.Rate = float64(g.m.Requests) / c.elapsed.Seconds()
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

// bearerTargets is one GET of path per token. They ask for no compression
// (Accept-Encoding: identity): the baseline compresses nothing, so the API
// pairs compare the same work. The overview pages ask for "br, gzip", as a
// browser does, so their figures include compression.
func bearerTargets(base, path string, tokens []string) []vegeta.Target {
	out := make([]vegeta.Target, len(tokens))
	for i, tok := range tokens {
		out[i] = vegeta.Target{Method: http.MethodGet, URL: base + path,
			Header: http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}, "Accept-Encoding": {"identity"}}}
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
