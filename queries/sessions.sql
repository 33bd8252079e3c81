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
-- G17). The team customer's row comes along, as for customer sessions.
SELECT s.id AS session_id, s.expires_at, s.return_url,
       m.id AS member_id, m.role, m.customer_id, m.workspace_id, c.type AS customer_type,
       sqlc.embed(c)
FROM member_sessions s
JOIN members m ON m.id = s.member_id
JOIN customers c ON c.id = m.customer_id
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

-- name: DeleteExpiredCustomerSessions :execrows
DELETE FROM customer_sessions WHERE expires_at < now();

-- name: DeleteExpiredMemberSessions :execrows
DELETE FROM member_sessions WHERE expires_at < now();
