-- Members of team and individual customers (§3.11–3.14, G5, D3, D22). Every
-- query takes the member's customer (and workspace), so another team's id
-- is not found.

-- name: TeamListMembers :many
SELECT * FROM members
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
ORDER BY created_at, id;

-- name: TeamLockMembers :many
-- Locks every live member row of the team before owner counts are read.
SELECT * FROM members
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
ORDER BY id
FOR UPDATE;

-- name: GetMemberOfCustomer :one
SELECT * FROM members
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL;

-- name: WorkspaceAPIGetMember :one
-- A live member of a live customer of the workspace.
SELECT m.* FROM members m
JOIN customers c ON c.id = m.customer_id
WHERE m.id = @id AND m.workspace_id = @workspace_id AND c.workspace_id = @workspace_id
  AND m.deleted_at IS NULL AND c.deleted_at IS NULL;

-- name: WorkspaceAPIGetMemberByExternalID :one
SELECT * FROM members
WHERE customer_id = @customer_id AND external_id = @external_id AND deleted_at IS NULL;

-- name: WorkspaceAPIGetOwner :one
SELECT * FROM members
WHERE customer_id = @customer_id AND role = 'owner' AND deleted_at IS NULL;

-- name: SignInCustomerHasOwner :one
SELECT EXISTS (
    SELECT 1 FROM members WHERE customer_id = @customer_id AND role = 'owner' AND deleted_at IS NULL
);

-- name: WorkspaceAPIActiveMemberByEmail :one
-- Duplicate check for the API: case-insensitive among live members.
SELECT * FROM members
WHERE customer_id = @customer_id AND lower(email) = lower(@email) AND deleted_at IS NULL
LIMIT 1;

-- name: MemberByExactEmail :one
-- The row the unique (customer_id, email) index would collide with, live or
-- removed: the index is case-sensitive and covers removed members (D3).
SELECT * FROM members
WHERE customer_id = @customer_id AND email = @email;

-- name: SignInFindMemberOfCustomer :one
-- Any member (live or removed) of the customer with this address.
SELECT id, email, name, deleted_at FROM members
WHERE customer_id = @customer_id AND lower(email) = lower(@email)
ORDER BY (deleted_at IS NULL) DESC, created_at, id
LIMIT 1;

-- name: SignInFindMembersByEmail :many
-- Member mode: every live member of the workspace with this address (G2),
-- whose customer is alive, with the customer's name for the picker (G3).
SELECT m.id, m.customer_id, m.email, c.name AS customer_name
FROM members m
JOIN customers c ON c.id = m.customer_id
WHERE m.workspace_id = @workspace_id AND lower(m.email) = lower(@email)
  AND m.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY m.created_at, m.id;

-- name: SignInAuthMember :one
-- Member-mode authenticate resolves the member by (customer, exact code
-- email), case-sensitively as the original (G8).
SELECT id FROM members
WHERE customer_id = @customer_id AND email = @email AND deleted_at IS NULL;

-- name: GetSignInMember :one
SELECT id, email, name, role FROM members WHERE id = @id AND customer_id = @customer_id;

-- name: CreateMember :one
-- Only roster.Add calls this (one way to join a team).
INSERT INTO members (customer_id, workspace_id, email, name, role, external_id)
VALUES (@customer_id, @workspace_id, @email, sqlc.narg(name), @role, sqlc.narg(external_id))
RETURNING *;

-- name: ReviveMember :one
-- Only roster.Add calls this: a removed member comes back (D3), or a live
-- one takes the given name and role; the external id is kept when none is
-- given.
UPDATE members SET deleted_at = NULL, name = sqlc.narg(name), role = @role,
    external_id = COALESCE(sqlc.narg(external_id), external_id), modified_at = now()
WHERE id = @id AND customer_id = @customer_id
RETURNING *;

-- name: TeamSetRole :one
UPDATE members SET role = @role, modified_at = now()
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL
RETURNING *;

-- name: TeamRemoveMember :execrows
UPDATE members SET deleted_at = now(), modified_at = now()
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL;
