-- `portal seed --demo`: get-or-create by natural keys, so a second run finds
-- every row and inserts nothing.

-- name: SeedInsertWorkspace :one
INSERT INTO workspaces (name, slug, email, website, accent_color, socials, status, details_submitted_at,
                        member_model_enabled, seat_based_pricing_enabled)
VALUES (@name, @slug, @email, @website, @accent_color, @socials, 'active', now(),
        @member_model_enabled, @seat_based_pricing_enabled)
RETURNING id;

-- name: SeedFindCustomer :one
SELECT id FROM customers
WHERE workspace_id = @workspace_id AND lower(email) = lower(@email) AND deleted_at IS NULL;

-- name: SeedInsertCustomer :one
INSERT INTO customers (workspace_id, email, email_verified, name, billing_name, billing_address, type, external_id)
VALUES (@workspace_id, @email, true, @name, sqlc.narg(billing_name), sqlc.narg(billing_address)::jsonb, @type, @external_id)
RETURNING id;

-- name: SeedFindMember :one
SELECT id FROM members WHERE customer_id = @customer_id AND email = @email;

-- name: SeedInsertMember :one
INSERT INTO members (customer_id, workspace_id, email, name, role)
VALUES (@customer_id, @workspace_id, @email, @name, @role)
RETURNING id;

-- name: SeedFindFileShareSession :one
SELECT id FROM file_share_sessions WHERE short_slug = @short_slug;

-- name: SeedInsertFileShareSession :one
INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug, status, max_downloads,
    download_count, price_cents, currency, title, file_name, file_size_bytes, ttl_seconds, expires_at,
    activated_at, completed_at, created_at)
VALUES (@workspace_id, @customer_id, @short_slug, @long_slug, @status, @max_downloads,
    @download_count, sqlc.narg(price_cents), @currency, @title, @file_name, @file_size_bytes, @ttl_seconds,
    sqlc.narg(expires_at), sqlc.narg(activated_at), sqlc.narg(completed_at), @created_at)
RETURNING id;

-- name: SeedInsertDownload :exec
INSERT INTO file_share_downloads (session_id, slot_number, created_at)
VALUES (@session_id, @slot_number, @created_at);

-- name: SeedInsertPayment :exec
INSERT INTO file_share_payments (session_id, customer_id, status, amount_cents, currency, platform_fee_cents,
    stripe_checkout_session_id, stripe_payment_intent_id, buyer_email, buyer_name, created_at)
VALUES (@session_id, @customer_id, @status, @amount_cents, @currency, @platform_fee_cents,
    @stripe_checkout_session_id, @stripe_payment_intent_id, @buyer_email, @buyer_name, @created_at);

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
