-- Passkeys (issue 18): WebAuthn credentials of customers and members.

-- name: GetPasskeyHandle :one
SELECT handle FROM passkey_users
WHERE workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid;

-- name: CreatePasskeyHandle :one
-- A concurrent first registration of the same principal keeps the first
-- handle (ON CONFLICT leaves it; the caller reads it again).
INSERT INTO passkey_users (handle, workspace_id, customer_id, member_id)
VALUES (@handle, @workspace_id, @customer_id, sqlc.narg(member_id))
ON CONFLICT DO NOTHING
RETURNING handle;

-- name: ListPrincipalPasskeys :many
SELECT id, created_at, last_used_at, name, credential_id, credential
FROM passkeys
WHERE workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
ORDER BY created_at, id;

-- name: CreatePasskey :one
INSERT INTO passkeys (workspace_id, customer_id, member_id, user_handle, credential_id, credential, name)
VALUES (@workspace_id, @customer_id, sqlc.narg(member_id), @user_handle, @credential_id, @credential, @name)
RETURNING id;

-- name: GetPasskeyForLogin :one
-- The passkey an assertion names, in the page's workspace, only while its
-- customer, member and workspace are alive and not blocked (D10): removing
-- a member, blocking the workspace or deleting the customer ends its
-- passkeys' use at once. FOR UPDATE serializes two assertions of one
-- credential, so the sign-count check sees the other's count.
SELECT p.id, p.customer_id, p.member_id, p.workspace_id, p.user_handle, p.credential
FROM passkeys p
JOIN customers c ON c.id = p.customer_id AND c.workspace_id = p.workspace_id
JOIN workspaces w ON w.id = p.workspace_id
LEFT JOIN members m ON m.id = p.member_id AND m.customer_id = p.customer_id
WHERE p.credential_id = @credential_id AND p.workspace_id = @workspace_id
  AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
  AND (p.member_id IS NULL OR (m.id IS NOT NULL AND m.deleted_at IS NULL))
FOR UPDATE OF p;

-- name: GetPasskeyOwner :one
-- Whose passkey an assertion names in the page's workspace, whatever the
-- state of its owner: a refused assertion by a known credential (owner
-- removed or blocked) goes in that owner's sign-in history.
SELECT customer_id, member_id FROM passkeys
WHERE credential_id = @credential_id AND workspace_id = @workspace_id;

-- name: UsePasskey :exec
-- Records a successful assertion: the new sign count (inside credential)
-- and when.
UPDATE passkeys SET credential = @credential, last_used_at = now() WHERE id = @id;

-- name: RenamePasskey :execrows
UPDATE passkeys SET name = @name
WHERE id = @id AND workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid;

-- name: DeletePasskey :execrows
DELETE FROM passkeys
WHERE id = @id AND workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid;

-- name: CreatePasskeyChallenge :one
INSERT INTO passkey_challenges (workspace_id, kind, browser_session_id, session_data, expires_at)
VALUES (@workspace_id, @kind, sqlc.narg(browser_session_id), @session_data,
        now() + make_interval(secs => @ttl_seconds::float8))
RETURNING id;

-- name: ConsumePasskeyChallenge :one
-- Single use: the row goes whether or not the ceremony then succeeds.
-- A registration challenge is only good for the browser session it was
-- made for.
DELETE FROM passkey_challenges
WHERE id = @id AND workspace_id = @workspace_id AND kind = @kind
  AND browser_session_id IS NOT DISTINCT FROM sqlc.narg(browser_session_id)::uuid
RETURNING session_data, expires_at > now() AS live;

-- name: DeleteExpiredPasskeyChallenges :execrows
DELETE FROM passkey_challenges WHERE expires_at < now();
