-- The public catalog of GET /workspaces/{slug} (§1.9, §3.22): shares, their
-- prices and media.

-- name: ListPublicShares :many
SELECT * FROM shares
WHERE workspace_id = @workspace_id AND deleted_at IS NULL AND NOT is_archived AND visibility = 'public'
ORDER BY created_at, id;

-- name: ListCatalogPrices :many
-- Non-archived catalog prices of the given shares, each share's in creation order.
SELECT * FROM share_prices
WHERE share_id = ANY(@share_ids::uuid[]) AND deleted_at IS NULL AND NOT is_archived AND source = 'catalog'
ORDER BY share_id, created_at, id;

-- name: ListShareMedias :many
-- Media files of the given shares in share_medias.order; only the
-- workspace's own live product-media files.
SELECT sm.share_id, sqlc.embed(f)
FROM share_medias sm
JOIN files f ON f.id = sm.file_id
WHERE sm.share_id = ANY(@share_ids::uuid[]) AND f.workspace_id = @workspace_id
  AND f.deleted_at IS NULL AND f.service = 'product_media'
ORDER BY sm.share_id, sm."order", sm.created_at, sm.id;

-- name: SeedFindShare :one
SELECT id FROM shares WHERE workspace_id = @workspace_id AND name = @name AND deleted_at IS NULL;

-- name: SeedInsertShare :one
INSERT INTO shares (workspace_id, name, description, visibility)
VALUES (@workspace_id, @name, @description, 'public')
RETURNING id;

-- name: SeedInsertPrice :exec
INSERT INTO share_prices (share_id, amount_type, price_currency, price_amount, minimum_amount, maximum_amount,
    preset_amount, created_at)
VALUES (@share_id, @amount_type, 'usd', sqlc.narg(price_amount), sqlc.narg(minimum_amount),
    sqlc.narg(maximum_amount), sqlc.narg(preset_amount), @created_at);

-- name: SeedInsertFile :one
INSERT INTO files (workspace_id, name, path, mime_type, size, checksum_sha256_hex, version)
VALUES (@workspace_id, @name, @path, @mime_type, @size, @checksum_sha256_hex, '1')
RETURNING id;

-- name: SeedInsertShareMedia :exec
INSERT INTO share_medias (share_id, file_id, "order") VALUES (@share_id, @file_id, @position);
