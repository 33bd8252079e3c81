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
