// Package ratelimit owns the request counters of D12 and D26: one row per
// (bucket, key) in PostgreSQL, counted by a single atomic upsert, so a limit
// holds across any number of server processes sharing the database. Keys
// are HMACs of client IPs or addresses, never the raw values (G23); a
// client IP becomes its key through ClientKey alone (IPv6 per /64, D26).
package ratelimit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Buckets and limits of §2.6 and D12.
const (
	BucketRequest      = "portal_request" // POST /customer-session/request, per client IP
	BucketAuthenticate = "portal"         // POST /customer-session/authenticate, per client IP
	BucketAddress      = "portal_address" // codes mailed per address
	BucketFailures     = "portal_failures"
	// BucketAddressFailures counts wrong codes of attempts that name an
	// address (D26), per address across workspaces: the API's codes are
	// not bound to a workspace.
	BucketAddressFailures = "portal_address_failures"

	IPLimit       = 10
	IPWindow      = 15 * time.Minute
	AddressLimit  = 5
	AddressWindow = 15 * time.Minute
	FailureBudget = 1000
	FailureWindow = 10 * time.Minute
	// AddressFailureLimit wrong codes per address per AddressFailureWindow
	// (fixed), then that address's codes are refused (D26).
	AddressFailureLimit  = 100
	AddressFailureWindow = time.Hour
	failuresKey          = "global"
)

// UnavailableDetail is the 503 body of §0 when the counters cannot be read:
// the limiter fails closed.
const UnavailableDetail = "Rate limit service unavailable. Please try again shortly."

// DevIPFactor is how much higher the per-IP limits are in development
// (issue 16.15): one browser trying the nine demo people, again and again
// across restarts, is not an attack there. Production keeps IPLimit.
const DevIPFactor = 10

// Limiter counts calls in rate_limit_buckets.
type Limiter struct {
	pool *pgxpool.Pool
	key  []byte
	// ipLimit is IPLimit, or IPLimit × DevIPFactor in development.
	ipLimit int
}

// Development raises the per-IP limits by DevIPFactor (PORTAL_ENV=
// development only; call before serving).
func (l *Limiter) Development() { l.ipLimit = IPLimit * DevIPFactor }

// IPLimit is the per-IP limit this limiter enforces.
func (l *Limiter) IPLimit() int { return l.ipLimit }

// New returns a limiter keyed by the server secret.
func New(pool *pgxpool.Pool, secret []byte) *Limiter {
	return &Limiter{pool: pool, key: append([]byte(nil), secret...), ipLimit: IPLimit}
}

// Key is the stored form of an IP or address: the first 16 hex characters
// of HMAC-SHA256(secret, value), as the original's Redis keys (§2.6).
func (l *Limiter) Key(value string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// Result is one counted call.
type Result struct {
	Count      int
	Allowed    bool
	RetryAfter time.Duration
}

// Hit counts one call of key in bucket and says whether it is within limit.
// slide restarts the window on every allowed call (§2.6), never on a
// refused one (a refusal must not extend the wait it announces, issue
// 16.3); otherwise the window is fixed from its first call. A database
// failure is apperr.Unavailable.
func (l *Limiter) Hit(ctx context.Context, bucket, key string, limit int, window time.Duration, slide bool) (Result, error) {
	row, err := dbgen.New(l.pool).HitRateLimit(ctx, dbgen.HitRateLimitParams{
		Bucket: bucket, Key: key, WindowSeconds: window.Seconds(), Slide: slide, MaxCount: int32(limit),
	})
	if err != nil {
		return Result{}, unavailable(err)
	}
	res := Result{Count: int(row.Count), Allowed: int(row.Count) <= limit}
	if !res.Allowed {
		res.RetryAfter = retryAfter(row.ExpiresAt.Sub(row.Now))
	}
	return res, nil
}

// Peek returns the live count of key in bucket without counting (0 when
// there is none).
func (l *Limiter) Peek(ctx context.Context, bucket, key string) (int, time.Duration, error) {
	row, err := dbgen.New(l.pool).PeekRateLimit(ctx, dbgen.PeekRateLimitParams{Bucket: bucket, Key: key})
	if db.IsNotFound(err) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, unavailable(err)
	}
	return int(row.Count), retryAfter(row.ExpiresAt.Sub(row.Now)), nil
}

// ClientKey is the one normalization of a client IP into what per-IP
// buckets count (D26): an IPv4 address (or IPv4-mapped IPv6 address) as
// itself, an IPv6 address as its /64 (one subscriber's prefix: rotating
// addresses inside it does not escape a limit), "unknown" for none. A value
// that is not an IP is kept as given. Every per-IP bucket goes through it.
func ClientKey(ip string) string {
	ip = strings.TrimSpace(ip)
	if ip == "" {
		return "unknown"
	}
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]"))
	if err != nil {
		return ip
	}
	addr = addr.WithZone("").Unmap()
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// CheckIP is the per-client-IP limit of §2.6: 10 calls per bucket in a
// sliding 15-minute window (100 in development); the 11th is 429 with Retry-After. The client is
// counted by ClientKey (IPv6 per /64).
func (l *Limiter) CheckIP(ctx context.Context, bucket, ip string) error {
	res, err := l.Hit(ctx, bucket, l.Key(ClientKey(ip)), l.ipLimit, IPWindow, true)
	if err != nil {
		return err
	}
	if !res.Allowed {
		return apperr.RateLimited(res.RetryAfter, "")
	}
	return nil
}

// AllowAddress counts one code for an address and reports whether it may
// be mailed (at most 5 per address per 15 minutes, fixed window: a caller
// cannot keep someone's address blocked by retrying). scope separates
// workspaces.
func (l *Limiter) AllowAddress(ctx context.Context, scope, address string) (bool, error) {
	res, err := l.Hit(ctx, BucketAddress, l.Key(scope+"\x00"+address), AddressLimit, AddressWindow, false)
	if err != nil {
		return false, err
	}
	return res.Allowed, nil
}

// AddressWait is how long until an address over its mail cap (AllowAddress
// said no) may be mailed again; 0 when it is not over. It says nothing
// about whether the address has an account: every address is counted.
func (l *Limiter) AddressWait(ctx context.Context, scope, address string) (time.Duration, error) {
	n, ra, err := l.Peek(ctx, BucketAddress, l.Key(scope+"\x00"+address))
	if err != nil || n <= AddressLimit {
		return 0, err
	}
	return ra, nil
}

// FailureBudgetExceeded reports whether more than FailureBudget wrong codes
// arrived in the current 10-minute window across all callers (D12).
func (l *Limiter) FailureBudgetExceeded(ctx context.Context) (bool, time.Duration, error) {
	n, ra, err := l.Peek(ctx, BucketFailures, failuresKey)
	if err != nil {
		return false, 0, err
	}
	return n > FailureBudget, ra, nil
}

// RecordFailure counts one wrong code against the global budget.
func (l *Limiter) RecordFailure(ctx context.Context) error {
	_, err := l.Hit(ctx, BucketFailures, failuresKey, FailureBudget, FailureWindow, false)
	return err
}

// addressFailureKey is an address's key in BucketAddressFailures.
func (l *Limiter) addressFailureKey(address string) string {
	return l.Key(strings.ToLower(strings.TrimSpace(address)))
}

// AddressFailuresExceeded reports whether an address has had
// AddressFailureLimit wrong codes in its current hour (D26), and when the
// hour ends. It does not count.
func (l *Limiter) AddressFailuresExceeded(ctx context.Context, address string) (bool, time.Duration, error) {
	n, ra, err := l.Peek(ctx, BucketAddressFailures, l.addressFailureKey(address))
	if err != nil {
		return false, 0, err
	}
	return n >= AddressFailureLimit, ra, nil
}

// RecordAddressFailure counts one wrong code of an attempt that named
// address, known or not (the count must not tell them apart).
func (l *Limiter) RecordAddressFailure(ctx context.Context, address string) error {
	_, err := l.Hit(ctx, BucketAddressFailures, l.addressFailureKey(address), AddressFailureLimit, AddressFailureWindow, false)
	return err
}

// DeleteStale removes counters whose window has passed.
func (l *Limiter) DeleteStale(ctx context.Context) (int64, error) {
	return dbgen.New(l.pool).DeleteStaleRateLimits(ctx)
}

func unavailable(err error) error {
	return apperr.Unavailable(UnavailableDetail, 5*time.Second, err)
}

func retryAfter(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d.Round(time.Second)
}
