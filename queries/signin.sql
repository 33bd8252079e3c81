-- Sign-in by emailed code (§2.3, D9, D15, D18): lookups for the request
-- step, the code table, sign-in requests of the pages, and the periodic
-- cleanup (G22: reads filter expires_at > now(), cleanup deletes < now()).

-- name: SignInWorkspace :one
SELECT id, name, slug, email, avatar_url, member_model_enabled FROM workspaces
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: SignInFindCustomerByEmail :one
-- Legacy mode and the member-mode fallback: the live customer of the
-- workspace with this address, compared case-insensitively (G2).
SELECT id, email, name FROM customers
WHERE workspace_id = @workspace_id AND lower(email) = lower(@email) AND deleted_at IS NULL
ORDER BY created_at, id
LIMIT 1;

-- name: SignInLockCustomer :one
-- Serializes the member-mode fallback per customer, so two concurrent
-- requests cannot both create a member (and the one-owner index holds).
SELECT id FROM customers WHERE id = @id AND deleted_at IS NULL FOR UPDATE;

-- name: SignInFindMembersByEmail :many
-- Member mode: every live member of the workspace with this address (G2),
-- whose customer is alive, with the customer's name for the picker (G3).
SELECT m.id, m.customer_id, m.email, c.name AS customer_name
FROM members m
JOIN customers c ON c.id = m.customer_id
WHERE m.workspace_id = @workspace_id AND lower(m.email) = lower(@email)
  AND m.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY m.created_at, m.id;

-- name: SignInFindMemberOfCustomer :one
-- Any member (live or removed) of the customer with this address.
SELECT id, email, deleted_at FROM members
WHERE customer_id = @customer_id AND lower(email) = lower(@email)
ORDER BY (deleted_at IS NULL) DESC, created_at, id
LIMIT 1;

-- name: SignInCustomerHasOwner :one
SELECT EXISTS (
    SELECT 1 FROM members WHERE customer_id = @customer_id AND role = 'owner' AND deleted_at IS NULL
);

-- name: SignInReactivateMember :one
UPDATE members SET deleted_at = NULL, role = @role, modified_at = now()
WHERE id = @id AND customer_id = @customer_id
RETURNING id, email;

-- name: SignInCreateMember :one
INSERT INTO members (customer_id, workspace_id, email, name, role)
VALUES (@customer_id, @workspace_id, @email, NULL, @role)
RETURNING id, email;

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
       w.email AS workspace_email, w.avatar_url AS workspace_avatar_url,
       ceil(extract(epoch FROM c.expires_at - now()) / 60)::int AS minutes_left
FROM customer_session_codes c
JOIN workspaces w ON w.id = c.workspace_id
WHERE c.id = @id AND c.expires_at > now();

-- name: SignInAuthWorkspace :one
SELECT member_model_enabled FROM workspaces
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: SignInAuthCustomer :one
SELECT id, email, workspace_id FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: SignInAuthMember :one
-- Member-mode authenticate resolves the member by (customer, exact code
-- email), case-sensitively as the original (G8).
SELECT id FROM members
WHERE customer_id = @customer_id AND email = @email AND deleted_at IS NULL;

-- name: MarkCustomerEmailVerified :exec
UPDATE customers SET email_verified = true, modified_at = now()
WHERE id = @id AND NOT email_verified;

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

-- name: DeleteExpiredBrowserSessions :execrows
DELETE FROM browser_sessions WHERE expires_at < now();

-- name: GetSignInCustomer :one
SELECT id, email, name FROM customers WHERE id = @id AND workspace_id = @workspace_id;

-- name: GetSignInMember :one
SELECT id, email, name, role FROM members WHERE id = @id AND customer_id = @customer_id;
