-- The workspace API's customers, members and sessions (INTERFACE.md). Every
-- query takes the token's workspace: another workspace's id finds nothing.

-- name: WorkspaceAPIGetCustomer :one
SELECT * FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: WorkspaceAPILockCustomer :one
-- Serialises member changes of one customer (the owner check).
SELECT * FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
FOR UPDATE;

-- name: WorkspaceAPIGetCustomerByExternalID :one
SELECT * FROM customers
WHERE workspace_id = @workspace_id AND external_id = @external_id AND deleted_at IS NULL;

-- name: WorkspaceAPICreateCustomer :one
INSERT INTO customers (workspace_id, email, name, type, billing_name, billing_address, external_id)
VALUES (@workspace_id, @email, sqlc.narg(name), COALESCE(sqlc.narg(type)::text, 'individual'),
        sqlc.narg(billing_name), sqlc.narg(billing_address)::jsonb, sqlc.narg(external_id))
RETURNING *;

-- name: WorkspaceAPIUpdateCustomer :one
-- Merge-patch: set_* says the field was in the body. A changed address is
-- no longer verified.
UPDATE customers SET
    email_verified = CASE WHEN @set_email::boolean AND lower(@email::text) <> lower(email) THEN false ELSE email_verified END,
    email = CASE WHEN @set_email::boolean THEN @email::text ELSE email END,
    name = CASE WHEN @set_name::boolean THEN sqlc.narg(name)::text ELSE name END,
    type = CASE WHEN @set_type::boolean THEN sqlc.narg(type)::text ELSE type END,
    billing_name = CASE WHEN @set_billing_name::boolean THEN sqlc.narg(billing_name)::text ELSE billing_name END,
    billing_address = CASE WHEN @set_billing_address::boolean THEN sqlc.narg(billing_address)::jsonb ELSE billing_address END,
    external_id = CASE WHEN @set_external_id::boolean THEN sqlc.narg(external_id)::text ELSE external_id END,
    modified_at = now()
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
RETURNING *;

-- name: WorkspaceAPIGetMember :one
-- A live member of a live customer of the workspace.
SELECT m.* FROM members m
JOIN customers c ON c.id = m.customer_id
WHERE m.id = @id AND m.workspace_id = @workspace_id AND c.workspace_id = @workspace_id
  AND m.deleted_at IS NULL AND c.deleted_at IS NULL;

-- name: WorkspaceAPIGetMemberOfCustomer :one
SELECT * FROM members
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL;

-- name: WorkspaceAPIGetMemberByExternalID :one
SELECT * FROM members
WHERE customer_id = @customer_id AND external_id = @external_id AND deleted_at IS NULL;

-- name: WorkspaceAPIGetOwner :one
SELECT * FROM members
WHERE customer_id = @customer_id AND role = 'owner' AND deleted_at IS NULL;

-- name: WorkspaceAPIActiveMemberByEmail :one
-- Duplicate check for the API: case-insensitive among live members.
SELECT * FROM members
WHERE customer_id = @customer_id AND lower(email) = lower(@email) AND deleted_at IS NULL
LIMIT 1;

-- name: WorkspaceAPIMemberByExactEmail :one
-- The row the unique (customer_id, email) index would collide with, live or removed.
SELECT * FROM members
WHERE customer_id = @customer_id AND email = @email;

-- name: WorkspaceAPICreateMember :one
INSERT INTO members (customer_id, workspace_id, email, name, role, external_id)
VALUES (@customer_id, @workspace_id, @email, sqlc.narg(name), @role, sqlc.narg(external_id))
RETURNING *;

-- name: WorkspaceAPIReviveMember :one
-- Reactivates a removed member (D3) or promotes a live one, with the given
-- name and role.
UPDATE members SET deleted_at = NULL, name = sqlc.narg(name), role = @role,
    external_id = COALESCE(sqlc.narg(external_id), external_id), modified_at = now()
WHERE id = @id AND customer_id = @customer_id
RETURNING *;
