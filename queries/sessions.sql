-- API sessions (customer and member tokens, §2.5, D10): lookup by token
-- hash, creation, liveness, ending and cleanup.

-- name: GetCustomerSessionPrincipal :one
-- A customer session authenticates while it, its customer and its workspace
-- are alive (D10). The customer's row comes along: every authenticated
-- request needs it (GET /customers/me is exactly that), so it costs no
-- second round trip.
SELECT s.id AS session_id, s.expires_at, s.return_url,
       c.id AS customer_id, c.workspace_id, c.type AS customer_type,
       sqlc.embed(c)
FROM customer_sessions s
JOIN customers c ON c.id = s.customer_id
JOIN workspaces w ON w.id = c.workspace_id
WHERE s.token_hash = @token_hash AND s.deleted_at IS NULL AND s.expires_at > now()
  AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL;

-- name: GetMemberSessionPrincipal :one
-- A member session also dies with its customer and workspace (D10, unlike
-- G17). The team customer's row comes along, as for customer sessions, and
-- only when it is of the member's own workspace (tenant isolation: the
-- schema's composite key forbids anything else, and this holds even so).
SELECT s.id AS session_id, s.expires_at, s.return_url,
       m.id AS member_id, m.role, m.customer_id, m.workspace_id, c.type AS customer_type,
       sqlc.embed(c)
FROM member_sessions s
JOIN members m ON m.id = s.member_id
JOIN customers c ON c.id = m.customer_id AND c.workspace_id = m.workspace_id
JOIN workspaces w ON w.id = m.workspace_id
WHERE s.token_hash = @token_hash AND s.deleted_at IS NULL AND s.expires_at > now()
  AND m.deleted_at IS NULL AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL;

-- name: CreateCustomerSession :one
INSERT INTO customer_sessions (token_hash, expires_at, return_url, customer_id)
VALUES (@token_hash, @expires_at, @return_url, @customer_id)
RETURNING *;

-- name: CreateMemberSession :one
INSERT INTO member_sessions (token_hash, expires_at, return_url, member_id)
VALUES (@token_hash, @expires_at, @return_url, @member_id)
RETURNING *;

-- name: CustomerSessionAlive :one
-- The API customer session that asked for a state is still usable (D10).
SELECT EXISTS (
    SELECT 1 FROM customer_sessions s
    JOIN customers c ON c.id = s.customer_id
    JOIN workspaces w ON w.id = c.workspace_id
    WHERE s.id = @id AND s.customer_id = @customer_id
      AND s.deleted_at IS NULL AND s.expires_at > now()
      AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
);

-- name: MemberSessionAlive :one
SELECT EXISTS (
    SELECT 1 FROM member_sessions s
    JOIN members m ON m.id = s.member_id
    JOIN customers c ON c.id = m.customer_id
    JOIN workspaces w ON w.id = m.workspace_id
    WHERE s.id = @id AND s.member_id = @member_id AND m.customer_id = @customer_id
      AND s.deleted_at IS NULL AND s.expires_at > now()
      AND m.deleted_at IS NULL AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
);

-- name: TeamEndMemberSessions :exec
-- A removed member's API sessions end at once.
UPDATE member_sessions SET deleted_at = now()
WHERE member_id = @member_id AND deleted_at IS NULL;

-- name: DeleteExpiredCustomerSessions :execrows
DELETE FROM customer_sessions WHERE expires_at < now();

-- name: DeleteExpiredMemberSessions :execrows
DELETE FROM member_sessions WHERE expires_at < now();
