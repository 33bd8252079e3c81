-- The public catalog of GET /workspaces/{slug} (§1.9, §3.22).

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
