-- File sharing (issue 5). Every read takes the caller's customer AND
-- workspace (D8); every write takes the token's workspace. Deleted rows of
-- all three tables are invisible.

-- name: CountFileShareSessions :one
-- The customer's live shares, from the counts a trigger keeps per customer,
-- workspace and status as shares are written (migration 00087): a few
-- index rows, not one per share. status is the overview's optional filter
-- (pages only; NULL = every status).
SELECT coalesce(sum(live), 0)::bigint AS total FROM file_share_counts
WHERE customer_id = @customer_id AND workspace_id = @workspace_id
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text);

-- One list query per single sort key: sqlc cannot take ORDER BY from a
-- parameter, and a CASE-based ORDER BY defeats the (customer_id, <key>, id)
-- indexes. Each ends in id in the key's direction, matching its index, so
-- the plan is one index scan (forward or backward) with no sort, and pages
-- never repeat or skip rows that tie on the key. The optional status is the
-- overview's filter, as in CountFileShareSessions.

-- name: ListFileShareSessionsCreatedAsc :many
SELECT * FROM file_share_sessions
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY created_at ASC, id ASC
LIMIT @row_limit::integer OFFSET @row_offset::bigint;

-- name: ListFileShareSessionsCreatedDesc :many
SELECT * FROM file_share_sessions
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY created_at DESC, id DESC
LIMIT @row_limit::integer OFFSET @row_offset::bigint;

-- name: ListFileShareSessionsStatusAsc :many
SELECT * FROM file_share_sessions
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY status ASC, id ASC
LIMIT @row_limit::integer OFFSET @row_offset::bigint;

-- name: ListFileShareSessionsStatusDesc :many
SELECT * FROM file_share_sessions
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY status DESC, id DESC
LIMIT @row_limit::integer OFFSET @row_offset::bigint;

-- name: ListFileShareSessionsDownloadsAsc :many
SELECT * FROM file_share_sessions
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY download_count ASC, id ASC
LIMIT @row_limit::integer OFFSET @row_offset::bigint;

-- name: ListFileShareSessionsDownloadsDesc :many
SELECT * FROM file_share_sessions
WHERE customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
ORDER BY download_count DESC, id DESC
LIMIT @row_limit::integer OFFSET @row_offset::bigint;

-- name: GetFileShareSession :one
SELECT * FROM file_share_sessions
WHERE id = @id AND customer_id = @customer_id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: ListFileShareDownloads :many
-- The join repeats the ownership check so the list can never leak another
-- customer's rows, even if a caller skipped GetFileShareSession.
SELECT d.id, d.created_at, d.modified_at, d.deleted_at, d.session_id, d.slot_number, d.downloader_ip_hash
FROM file_share_downloads d
JOIN file_share_sessions s ON s.id = d.session_id
WHERE d.session_id = @session_id AND s.customer_id = @customer_id AND s.workspace_id = @workspace_id
  AND s.deleted_at IS NULL AND d.deleted_at IS NULL
ORDER BY d.created_at, d.id;

-- name: ListFileSharePayments :many
SELECT p.id, p.created_at, p.modified_at, p.deleted_at, p.session_id, p.customer_id, p.status, p.amount_cents,
       p.currency, p.platform_fee_cents, p.stripe_checkout_session_id, p.stripe_payment_intent_id,
       p.buyer_email, p.buyer_name, p.buyer_ip_hash, p.share_live
FROM file_share_payments p
JOIN file_share_sessions s ON s.id = p.session_id
WHERE p.session_id = @session_id AND s.customer_id = @customer_id AND s.workspace_id = @workspace_id
  AND s.deleted_at IS NULL AND p.deleted_at IS NULL
ORDER BY p.created_at, p.id;

-- Workspace API (writes), confined to the token's workspace.

-- name: FileShareCustomerInWorkspace :one
SELECT id FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: CreateFileShareSession :one
INSERT INTO file_share_sessions (
    workspace_id, customer_id, short_slug, long_slug, status, max_downloads, price_cents, currency,
    title, file_name, file_size_bytes, ttl_seconds, expires_at, activated_at, completed_at
) VALUES (
    @workspace_id, @customer_id, @short_slug, @long_slug, @status, @max_downloads, sqlc.narg(price_cents), @currency,
    sqlc.narg(title), sqlc.narg(file_name), sqlc.narg(file_size_bytes), sqlc.narg(ttl_seconds), sqlc.narg(expires_at),
    CASE WHEN @status::text = 'active' THEN now() END,
    CASE WHEN @status::text = 'completed' THEN now() END
)
RETURNING *;

-- name: UpdateFileShareSession :one
-- Merge-patch: a NULL non-nullable argument means "unchanged"; nullable
-- columns carry a set_<col> flag so an explicit null clears them.
-- activated_at/completed_at are stamped the first time the status gets there.
UPDATE file_share_sessions SET
    status          = coalesce(sqlc.narg(status)::text, status),
    max_downloads   = coalesce(sqlc.narg(max_downloads)::integer, max_downloads),
    currency        = coalesce(sqlc.narg(currency)::text, currency),
    title           = CASE WHEN @set_title::boolean THEN sqlc.narg(title)::text ELSE title END,
    file_name       = CASE WHEN @set_file_name::boolean THEN sqlc.narg(file_name)::text ELSE file_name END,
    file_size_bytes = CASE WHEN @set_file_size_bytes::boolean THEN sqlc.narg(file_size_bytes)::bigint ELSE file_size_bytes END,
    price_cents     = CASE WHEN @set_price_cents::boolean THEN sqlc.narg(price_cents)::integer ELSE price_cents END,
    ttl_seconds     = CASE WHEN @set_ttl_seconds::boolean THEN sqlc.narg(ttl_seconds)::integer ELSE ttl_seconds END,
    expires_at      = CASE WHEN @set_expires_at::boolean THEN sqlc.narg(expires_at)::timestamptz ELSE expires_at END,
    activated_at    = CASE WHEN sqlc.narg(status)::text = 'active' AND activated_at IS NULL THEN now() ELSE activated_at END,
    completed_at    = CASE WHEN sqlc.narg(status)::text = 'completed' AND completed_at IS NULL THEN now() ELSE completed_at END,
    modified_at     = now()
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
RETURNING *;

-- name: GetWorkspaceFileShareSession :one
SELECT * FROM file_share_sessions
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: IncrementFileShareDownloads :one
-- One statement takes the slot: concurrent callers queue on the row lock and
-- re-check the condition against the committed count, so the count can never
-- pass max_downloads (0 means unlimited).
UPDATE file_share_sessions
SET download_count = download_count + 1, modified_at = now()
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
  AND (max_downloads = 0 OR download_count < max_downloads)
RETURNING download_count;

-- name: CreateFileShareDownload :one
INSERT INTO file_share_downloads (session_id, slot_number)
VALUES (@session_id, @slot_number)
RETURNING *;

-- name: CreateFileSharePayment :one
-- Inserts only when the session is the workspace's; no row means 404.
INSERT INTO file_share_payments (
    session_id, customer_id, status, amount_cents, currency, platform_fee_cents,
    stripe_checkout_session_id, stripe_payment_intent_id, buyer_email, buyer_name
)
SELECT s.id, s.customer_id, @status, @amount_cents, @currency, @platform_fee_cents,
       sqlc.narg(stripe_checkout_session_id), sqlc.narg(stripe_payment_intent_id),
       sqlc.narg(buyer_email), sqlc.narg(buyer_name)
FROM file_share_sessions s
WHERE s.id = @session_id AND s.workspace_id = @workspace_id AND s.deleted_at IS NULL
RETURNING *;

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

-- name: FileShareEarnings :many
-- The overview's earnings summary (docs/design.md "Pages"): per currency,
-- the sum of this customer's completed payments and their fees in this
-- workspace, and the downloads since @since of its shares priced in that
-- currency; currencies without a completed payment are left out. Both come
-- from totals kept per customer as payments and downloads are written
-- (migration 00088: completed, live payments of live shares per currency;
-- live downloads of live shares per month and currency), a few index rows
-- whatever the customer has sold. @since is the first instant of a month
-- in UTC (fileshare.MonthStart). The customer's shares are all in the
-- customer's workspace (foreign key on both), so the workspace is checked
-- once, on the customer.
SELECT e.currency::text AS currency, e.paid_cents::bigint AS paid_cents, e.fee_cents::bigint AS fee_cents,
       coalesce((SELECT sum(d.downloads) FROM file_share_customer_downloads d
                 WHERE d.customer_id = e.customer_id AND d.month >= @since::timestamptz AND d.currency = e.currency), 0)::bigint AS downloads
FROM file_share_earnings e
WHERE e.customer_id = @customer_id::uuid AND e.payments > 0
  AND EXISTS (SELECT 1 FROM customers c WHERE c.id = @customer_id AND c.workspace_id = @workspace_id)
ORDER BY e.currency;
