-- +goose Up
-- Migration 00085 left out the payments and download counts of a customer's
-- deleted shares through an index of (customer_id, id). With a generic plan
-- (a statement prepared by one connection, planned without its customer)
-- PostgreSQL expected a handful of deleted shares and compared every
-- payment with every one of them: ~30 s for 35 000 payments and 2 500
-- deleted shares. An index of the deleted shares' ids only is probed by the
-- payment's share, one short lookup per row, whatever the plan.
CREATE INDEX file_share_sessions_deleted_idx ON file_share_sessions (id) WHERE deleted_at IS NOT NULL;
DROP INDEX file_share_sessions_customer_deleted_idx;

-- +goose Down
CREATE INDEX file_share_sessions_customer_deleted_idx ON file_share_sessions (customer_id, id)
    WHERE deleted_at IS NOT NULL;
DROP INDEX file_share_sessions_deleted_idx;
