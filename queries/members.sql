-- Team members as the portal manages them (§3.11–3.14). Every query takes
-- the caller's customer (and workspace), so another team's id is not found.

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

-- name: TeamGetMember :one
SELECT * FROM members
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL;

-- name: TeamMemberByExactEmail :one
-- The unique index is case-sensitive and covers removed members (D3).
SELECT * FROM members
WHERE customer_id = @customer_id AND email = @email;

-- name: TeamCreateMember :one
INSERT INTO members (customer_id, workspace_id, email, name, role)
VALUES (@customer_id, @workspace_id, @email, sqlc.narg(name), @role)
RETURNING *;

-- name: TeamReactivateMember :one
UPDATE members SET deleted_at = NULL, name = sqlc.narg(name), role = @role, modified_at = now()
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NOT NULL
RETURNING *;

-- name: TeamSetRole :one
UPDATE members SET role = @role, modified_at = now()
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL
RETURNING *;

-- name: TeamRemoveMember :execrows
UPDATE members SET deleted_at = now(), modified_at = now()
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL;

-- name: TeamEndMemberSessions :exec
-- A removed member's API sessions end at once.
UPDATE member_sessions SET deleted_at = now()
WHERE member_id = @member_id AND deleted_at IS NULL;

-- name: TeamRevokeMemberBrowserSessions :exec
UPDATE browser_sessions SET revoked_at = now()
WHERE member_id = @member_id AND customer_id = @customer_id AND revoked_at IS NULL;
