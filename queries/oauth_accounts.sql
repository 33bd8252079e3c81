-- OAuth account linking (§5, D7): single-use states and the
-- oauth_accounts maps of customers and members.

-- name: CreateOAuthState :one
INSERT INTO oauth_states (expires_at, platform, customer_id, member_id, session_ref, return_to)
VALUES (@expires_at, @platform, @customer_id, sqlc.narg(member_id), @session_ref, @return_to)
RETURNING id;

-- name: ConsumeOAuthState :one
-- Single use, held by the database: two concurrent callbacks with one state
-- cannot both get a row.
UPDATE oauth_states SET used_at = now()
WHERE id = @id AND used_at IS NULL AND expires_at > now()
RETURNING *;

-- name: DeleteExpiredOAuthStates :execrows
DELETE FROM oauth_states WHERE expires_at < now();

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

-- name: BrowserSessionAlive :one
-- A browser session (D19) is alive while neither revoked nor past its idle or
-- absolute expiry, and its customer (and member, if any) still exist.
SELECT EXISTS (
    SELECT 1 FROM browser_sessions s
    JOIN customers c ON c.id = s.customer_id
    JOIN workspaces w ON w.id = s.workspace_id
    LEFT JOIN members m ON m.id = s.member_id
    WHERE s.id = @id AND s.customer_id = @customer_id
      AND s.member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
      AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
      AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
      AND (s.member_id IS NULL OR m.deleted_at IS NULL)
);

-- name: SetCustomerOAuthAccount :execrows
UPDATE customers
SET oauth_accounts = oauth_accounts || jsonb_build_object(@key::text, @record::jsonb),
    modified_at = now()
WHERE id = @customer_id AND deleted_at IS NULL;

-- name: SetMemberOAuthAccount :execrows
UPDATE members
SET oauth_accounts = oauth_accounts || jsonb_build_object(@key::text, @record::jsonb),
    modified_at = now()
WHERE id = @member_id AND customer_id = @customer_id AND deleted_at IS NULL;

-- name: GetCustomerOAuthAccounts :one
SELECT oauth_accounts FROM customers
WHERE id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: GetMemberOAuthAccounts :one
SELECT oauth_accounts FROM members
WHERE id = @member_id AND customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: RemoveCustomerOAuthAccount :execrows
UPDATE customers
SET oauth_accounts = oauth_accounts - @key::text, modified_at = now()
WHERE id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND oauth_accounts ? @key::text;

-- name: RemoveMemberOAuthAccount :execrows
UPDATE members
SET oauth_accounts = oauth_accounts - @key::text, modified_at = now()
WHERE id = @member_id AND customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND oauth_accounts ? @key::text;
