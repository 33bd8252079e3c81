-- +goose Up
-- The list indexes gain workspace_id after customer_id: every list query
-- filters on both (docs/design.md, house rule 2), so the index now answers
-- the whole WHERE clause, ordered by the sort key, without reading the
-- table. That makes the count (which replaces 00060's index) and the id
-- scan of a deep page (OFFSET) index-only; fileshare.listDeep then reads
-- just the page's rows. Same names as before.
CREATE INDEX file_share_sessions_customer_created_idx2 ON file_share_sessions (customer_id, workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_status_idx2 ON file_share_sessions (customer_id, workspace_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_downloads_idx2 ON file_share_sessions (customer_id, workspace_id, download_count, id) WHERE deleted_at IS NULL;
DROP INDEX file_share_sessions_customer_created_idx;
DROP INDEX file_share_sessions_customer_status_idx;
DROP INDEX file_share_sessions_customer_downloads_idx;
DROP INDEX file_share_sessions_customer_count_idx;
ALTER INDEX file_share_sessions_customer_created_idx2 RENAME TO file_share_sessions_customer_created_idx;
ALTER INDEX file_share_sessions_customer_status_idx2 RENAME TO file_share_sessions_customer_status_idx;
ALTER INDEX file_share_sessions_customer_downloads_idx2 RENAME TO file_share_sessions_customer_downloads_idx;

-- +goose Down
DROP INDEX file_share_sessions_customer_created_idx;
DROP INDEX file_share_sessions_customer_status_idx;
DROP INDEX file_share_sessions_customer_downloads_idx;
CREATE INDEX file_share_sessions_customer_created_idx ON file_share_sessions (customer_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_status_idx ON file_share_sessions (customer_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_downloads_idx ON file_share_sessions (customer_id, download_count, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_count_idx ON file_share_sessions (customer_id, workspace_id) WHERE deleted_at IS NULL;
