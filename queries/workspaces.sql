-- Workspaces and their access tokens.

-- name: GetWorkspaceBySlug :one
SELECT * FROM workspaces
WHERE lower(slug) = lower(@slug) AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: GetWorkspaceByID :one
SELECT * FROM workspaces
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: GetWorkspaceBySlugAnyState :one
-- For the command line and the seed, which must see a blocked or deleted
-- workspace to report that its slug is taken.
SELECT * FROM workspaces WHERE lower(slug) = lower(@slug);

-- name: SignInWorkspace :one
SELECT id, name, slug, email, avatar_url, member_model_enabled FROM workspaces
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: SignInAuthWorkspace :one
SELECT member_model_enabled FROM workspaces
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL;

-- name: CreateWorkspace :one
INSERT INTO workspaces (name, slug, email, website, member_model_enabled, default_locale)
VALUES (@name, @slug, @email, @website, @member_model_enabled, @default_locale)
RETURNING *;

-- name: SeedInsertWorkspace :one
INSERT INTO workspaces (name, slug, email, website, accent_color, socials, status, details_submitted_at,
                        member_model_enabled, seat_based_pricing_enabled)
VALUES (@name, @slug, @email, @website, @accent_color, @socials, 'active', now(),
        @member_model_enabled, @seat_based_pricing_enabled)
RETURNING id;

-- name: UpdateWorkspace :one
-- PATCH /api/workspaces/me: each set_* flag says whether the field was in
-- the body (merge-patch); nullable fields are cleared by an explicit null.
UPDATE workspaces SET
    name = CASE WHEN @set_name::boolean THEN @name::text ELSE name END,
    email = CASE WHEN @set_email::boolean THEN sqlc.narg(email)::text ELSE email END,
    website = CASE WHEN @set_website::boolean THEN sqlc.narg(website)::text ELSE website END,
    avatar_url = CASE WHEN @set_avatar_url::boolean THEN sqlc.narg(avatar_url)::text ELSE avatar_url END,
    accent_color = CASE WHEN @set_accent_color::boolean THEN sqlc.narg(accent_color)::text ELSE accent_color END,
    member_model_enabled = CASE WHEN @set_member_model_enabled::boolean THEN @member_model_enabled::boolean ELSE member_model_enabled END,
    seat_based_pricing_enabled = CASE WHEN @set_seat_based_pricing_enabled::boolean THEN @seat_based_pricing_enabled::boolean ELSE seat_based_pricing_enabled END,
    customer_portal_settings = CASE WHEN @set_customer_portal_settings::boolean THEN @customer_portal_settings::jsonb ELSE customer_portal_settings END,
    default_locale = CASE WHEN @set_default_locale::boolean THEN @default_locale::text ELSE default_locale END,
    modified_at = now()
WHERE id = @id AND deleted_at IS NULL AND blocked_at IS NULL
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

-- name: TouchWorkspaceAccessToken :exec
-- Records when a token was last used, at most once a minute per token, so
-- an operator can tell live tokens from forgotten ones without a write on
-- every request.
UPDATE workspace_access_tokens SET last_used_at = now()
WHERE token_hash = @token_hash AND revoked_at IS NULL
  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
