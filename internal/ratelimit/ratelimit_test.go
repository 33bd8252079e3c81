package ratelimit_test

import (
	"context"
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
