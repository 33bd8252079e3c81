-- name: GetWorkspaceBySlug :one
SELECT * FROM workspaces
WHERE lower(slug) = lower(@slug) AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: GetWorkspaceByID :one
SELECT * FROM workspaces
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: CreateWorkspace :one
INSERT INTO workspaces (name, slug, email, website, member_model_enabled)
VALUES (@name, @slug, @email, @website, @member_model_enabled)
RETURNING *;

-- name: CreateWorkspaceAccessToken :one
INSERT INTO workspace_access_tokens (workspace_id, token_hash)
VALUES (@workspace_id, @token_hash)
RETURNING *;

-- name: GetWorkspaceByAccessToken :one
-- A token of a deleted or blocked workspace authenticates nothing.
SELECT w.* FROM workspace_access_tokens t
JOIN workspaces w ON w.id = t.workspace_id
WHERE t.token_hash = @token_hash AND t.revoked_at IS NULL
  AND w.deleted_at IS NULL AND w.blocked_at IS NULL;
