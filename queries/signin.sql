-- Sign-in codes and the pages' sign-in requests (§2.3, D9, D15, D18), with
-- their cleanup (G22: reads filter expires_at > now(), cleanup deletes
-- < now()). The customers, members and workspaces sign-in reads are in
-- their own tables' files.

-- name: InsertSignInCode :one
-- ON CONFLICT: a 40-bit hash collision with a live code is retried by the
-- caller instead of failing the request.
INSERT INTO customer_session_codes (code_hash, expires_at, email, customer_id, member_id, workspace_id)
VALUES (@code_hash, now() + make_interval(secs => @ttl_seconds::float8), @email, @customer_id, sqlc.narg(member_id), @workspace_id)
ON CONFLICT (code_hash) DO NOTHING
RETURNING id, expires_at;

-- name: TrimSignInCodes :execrows
-- At most @keep live codes per (customer, address): older ones go (D18),
-- and expired ones of this address with them.
DELETE FROM customer_session_codes AS d
WHERE d.customer_id = @customer_id::uuid AND lower(d.email) = lower(@email::text)
  AND (d.expires_at <= now() OR d.id NOT IN (
        SELECT k.id FROM customer_session_codes AS k
        WHERE k.customer_id = @customer_id::uuid AND lower(k.email) = lower(@email::text) AND k.expires_at > now()
        ORDER BY k.created_at DESC, k.id DESC
        LIMIT @keep::int));

-- name: ConsumeSignInCode :one
-- Single use, held by the database: one statement finds and deletes the
-- code, so concurrent uses of one code give exactly one row (D18). The
-- optional bindings restrict which codes this attempt may use.
DELETE FROM customer_session_codes
WHERE code_hash = @code_hash AND expires_at > now()
  AND (sqlc.narg(email)::text IS NULL OR lower(email) = lower(sqlc.narg(email)::text))
  AND (sqlc.narg(workspace_id)::uuid IS NULL OR workspace_id = sqlc.narg(workspace_id)::uuid)
  AND (sqlc.narg(customer_id)::uuid IS NULL OR customer_id = sqlc.narg(customer_id)::uuid)
RETURNING id, email, customer_id, member_id, workspace_id;

-- name: SignInCodeDeliverable :one
-- The mail worker sends only a code that is still live (D20).
SELECT c.id, c.expires_at, c.email, w.name AS workspace_name, w.slug AS workspace_slug,
       w.email AS workspace_email, w.avatar_url AS workspace_avatar_url, w.default_locale AS workspace_default_locale,
       ceil(extract(epoch FROM c.expires_at - now()) / 60)::int AS minutes_left
FROM customer_session_codes c
JOIN workspaces w ON w.id = c.workspace_id
WHERE c.id = @id AND c.expires_at > now();

-- name: CreateSignInRequest :one
INSERT INTO sign_in_requests (workspace_id, email, customer_id, last_sent_at, expires_at)
VALUES (@workspace_id, @email, sqlc.narg(customer_id), sqlc.narg(last_sent_at),
        now() + make_interval(secs => @ttl_seconds::float8))
RETURNING id;

-- name: GetSignInRequest :one
SELECT * FROM sign_in_requests
WHERE id = @id AND workspace_id = @workspace_id AND ended_at IS NULL AND expires_at > now();

-- name: GetSignInRequestByID :one
SELECT * FROM sign_in_requests
WHERE id = @id AND ended_at IS NULL AND expires_at > now();

-- name: RefreshSignInRequest :exec
-- A resend extends the request with its new code.
UPDATE sign_in_requests
SET customer_id = COALESCE(sqlc.narg(customer_id), customer_id),
    last_sent_at = COALESCE(sqlc.narg(last_sent_at), last_sent_at),
    expires_at = now() + make_interval(secs => @ttl_seconds::float8)
WHERE id = @id;

-- name: FailSignInRequest :one
-- A wrong code against a request; the fifth ends it (D18).
UPDATE sign_in_requests
SET failed_attempts = failed_attempts + 1,
    ended_at = CASE WHEN failed_attempts + 1 >= @max_attempts::int THEN now() ELSE ended_at END
WHERE id = @id AND ended_at IS NULL
RETURNING failed_attempts, ended_at;

-- name: EndSignInRequest :exec
UPDATE sign_in_requests SET ended_at = now() WHERE id = @id AND ended_at IS NULL;

-- name: DeleteExpiredSignInCodes :execrows
DELETE FROM customer_session_codes WHERE expires_at < now();

-- name: DeleteExpiredSignInRequests :execrows
DELETE FROM sign_in_requests WHERE expires_at < now();

-- name: SignInDeviceKnowsAddress :one
-- D26: whether a browser's device cookie names a live customer or member of
-- the workspace with this address, i.e. the browser signed in to that
-- address's account before.
SELECT (EXISTS (
    SELECT 1 FROM customers c
    WHERE c.id = ANY(@principal_ids::uuid[]) AND c.workspace_id = @workspace_id
      AND lower(c.email) = lower(@email) AND c.deleted_at IS NULL
) OR EXISTS (
    SELECT 1 FROM members m
    WHERE m.id = ANY(@principal_ids::uuid[]) AND m.workspace_id = @workspace_id
      AND lower(m.email) = lower(@email) AND m.deleted_at IS NULL
))::bool AS known;
