-- Rate-limit counters (D12), shared by every server process through one
-- atomic upsert per hit.

-- name: HitRateLimit :one
-- Counts one call. An expired counter starts again at 1. With slide the
-- window restarts on every call that is allowed (§2.6: the counter resets
-- only after a whole window without calls); a refused call (the count is
-- already at max_count) never moves the end, so the wait it is told is the
-- wait (issue 16.3). Without slide the window is fixed from the first call.
INSERT INTO rate_limit_buckets AS b (bucket, key, count, expires_at)
VALUES (@bucket, @key, 1, now() + make_interval(secs => @window_seconds::float8))
ON CONFLICT (bucket, key) DO UPDATE SET
    count = CASE WHEN b.expires_at <= now() THEN 1 ELSE b.count + 1 END,
    expires_at = CASE WHEN b.expires_at <= now() OR (@slide::bool AND b.count < @max_count::int)
                      THEN now() + make_interval(secs => @window_seconds::float8)
                      ELSE b.expires_at END
RETURNING count, expires_at, now()::timestamptz AS now;

-- name: PeekRateLimit :one
SELECT count, expires_at, now()::timestamptz AS now FROM rate_limit_buckets
WHERE bucket = @bucket AND key = @key AND expires_at > now();

-- name: DeleteStaleRateLimits :execrows
DELETE FROM rate_limit_buckets WHERE expires_at < now();
