package ratelimit_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/ratelimit"
	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func TestHitIsAtomicUnderConcurrency(t *testing.T) {
	pool := testkit.DB(t)
	l := ratelimit.New(pool, []byte("0123456789abcdef0123456789abcdef"))
	const n = 50
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := l.Hit(context.Background(), "b", "k", 10, time.Minute, true)
			if err != nil {
				t.Error(err)
				return
			}
			counts[i] = r.Count
		}(i)
	}
	wg.Wait()
	seen := map[int]bool{}
	allowed := 0
	for _, c := range counts {
		if seen[c] {
			t.Errorf("count %d seen twice", c)
		}
		seen[c] = true
		if c <= 10 {
			allowed++
		}
	}
	if allowed != 10 || len(seen) != n {
		t.Errorf("allowed %d of %d distinct counts", allowed, len(seen))
	}
}

func TestCheckIPAndFixedAddressWindow(t *testing.T) {
	pool := testkit.DB(t)
	l := ratelimit.New(pool, []byte("0123456789abcdef0123456789abcdef"))
	ctx := context.Background()
	for i := 0; i < ratelimit.IPLimit; i++ {
		if err := l.CheckIP(ctx, ratelimit.BucketRequest, "203.0.113.1"); err != nil {
			t.Fatal(err)
		}
	}
	err := l.CheckIP(ctx, ratelimit.BucketRequest, "203.0.113.1")
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindRateLimited || e.RetryAfter < time.Second {
		t.Fatalf("11th: %v", err)
	}
	if err := l.CheckIP(ctx, ratelimit.BucketRequest, ""); err != nil {
		t.Errorf("unknown IP: %v", err)
	}
	for i := 0; i < ratelimit.AddressLimit; i++ {
		if ok, err := l.AllowAddress(ctx, "ws", "a@example.com"); err != nil || !ok {
			t.Fatalf("address %d: %v %v", i, ok, err)
		}
	}
	if ok, _ := l.AllowAddress(ctx, "ws", "a@example.com"); ok {
		t.Error("sixth code for one address allowed")
	}
	if ok, _ := l.AllowAddress(ctx, "other-ws", "a@example.com"); !ok {
		t.Error("workspaces share an address budget")
	}
	// The fixed address window does not move with more calls.
	var before, after time.Time
	key := l.Key("ws\x00a@example.com")
	_ = pool.QueryRow(ctx, `SELECT expires_at FROM rate_limit_buckets WHERE key = $1`, key).Scan(&before)
	time.Sleep(10 * time.Millisecond)
	_, _ = l.AllowAddress(ctx, "ws", "a@example.com")
	_ = pool.QueryRow(ctx, `SELECT expires_at FROM rate_limit_buckets WHERE key = $1`, key).Scan(&after)
	if !before.Equal(after) || before.IsZero() {
		t.Errorf("address window moved: %v → %v", before, after)
	}
	if n, err := l.DeleteStale(ctx); err != nil || n != 0 {
		t.Errorf("stale %d %v", n, err)
	}
}

func TestUnavailableDatabaseFailsClosed(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), testkit.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	l := ratelimit.New(pool, []byte("k"))
	pool.Close()
	err = l.CheckIP(context.Background(), ratelimit.BucketRequest, "203.0.113.1")
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindUnavailable || e.Detail != ratelimit.UnavailableDetail {
		t.Fatalf("got %v", err)
	}
}

// TestD26_ClientKeyIPv6Per64: one function turns a client address into its
// rate-limit key; IPv6 clients are keyed by their /64 (an attacker holding a
// /64 cannot rotate through it), IPv4 by the address, and an IPv4-mapped
// IPv6 address is the IPv4 client it is.
func TestD26_ClientKeyIPv6Per64(t *testing.T) {
	same := [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:DB8:1:2::9"},
		{"fe80::1%eth0", "fe80::2"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"[2001:db8:1:2::1]", "2001:db8:1:2::7"},
	}
	for _, p := range same {
		if a, b := ratelimit.ClientKey(p[0]), ratelimit.ClientKey(p[1]); a != b {
			t.Errorf("ClientKey(%q)=%q, ClientKey(%q)=%q: want one key", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"203.0.113.7", "203.0.113.8"},
		{"2001:db8::1", "203.0.113.7"},
	}
	for _, p := range differ {
		if a, b := ratelimit.ClientKey(p[0]), ratelimit.ClientKey(p[1]); a == b {
			t.Errorf("ClientKey(%q) = ClientKey(%q) = %q: want two keys", p[0], p[1], a)
		}
	}
	if k := ratelimit.ClientKey("203.0.113.7"); k != "203.0.113.7" {
		t.Errorf("IPv4 key %q", k)
	}
	if k := ratelimit.ClientKey("2001:db8:1:2:3:4:5:6"); k != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 key %q", k)
	}
	if k := ratelimit.ClientKey(""); k != "unknown" {
		t.Errorf("empty key %q", k)
	}
}

// TestD26_CheckIPKeysIPv6By64: ten calls from ten addresses of one /64 use
// up its budget; the next /64 has its own.
func TestD26_CheckIPKeysIPv6By64(t *testing.T) {
	pool := testkit.DB(t)
	l := ratelimit.New(pool, []byte("0123456789abcdef0123456789abcdef"))
	ctx := context.Background()
	for i := 0; i < ratelimit.IPLimit; i++ {
		if err := l.CheckIP(ctx, ratelimit.BucketAuthenticate, fmt.Sprintf("2001:db8:7:7::%x", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	err := l.CheckIP(ctx, ratelimit.BucketAuthenticate, "2001:db8:7:7:1234:5678:9abc:def0")
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindRateLimited {
		t.Fatalf("11th call from the /64: %v", err)
	}
	if err := l.CheckIP(ctx, ratelimit.BucketAuthenticate, "2001:db8:7:8::1"); err != nil {
		t.Errorf("another /64: %v", err)
	}
}

// TestD26_AddressFailureCap: 100 wrong codes naming an address per hour
// (fixed window), then the address is over its cap until the hour passes;
// other addresses are not affected.
func TestD26_AddressFailureCap(t *testing.T) {
	pool := testkit.DB(t)
	l := ratelimit.New(pool, []byte("0123456789abcdef0123456789abcdef"))
	ctx := context.Background()
	for i := 0; i < ratelimit.AddressFailureLimit; i++ {
		if over, _, err := l.AddressFailuresExceeded(ctx, "v@example.com"); err != nil || over {
			t.Fatalf("after %d failures: over=%v err=%v", i, over, err)
		}
		if err := l.RecordAddressFailure(ctx, "V@Example.com"); err != nil {
			t.Fatal(err)
		}
	}
	over, ra, err := l.AddressFailuresExceeded(ctx, "v@example.com")
	if err != nil || !over || ra < 59*time.Minute || ra > time.Hour {
		t.Fatalf("after 100 failures: over=%v retry=%v err=%v", over, ra, err)
	}
	if over, _, _ := l.AddressFailuresExceeded(ctx, "w@example.com"); over {
		t.Error("another address is over the cap")
	}
	if ratelimit.AddressFailureLimit != 100 || ratelimit.AddressFailureWindow != time.Hour {
		t.Error("D26: 100 per hour")
	}
	_, _ = pool.Exec(ctx, `UPDATE rate_limit_buckets SET expires_at = now() - interval '1 second' WHERE bucket = $1`, ratelimit.BucketAddressFailures)
	if over, _, _ := l.AddressFailuresExceeded(ctx, "v@example.com"); over {
		t.Error("still over the cap after the hour")
	}
}
