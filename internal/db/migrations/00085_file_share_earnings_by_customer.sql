-- +goose Up
-- The overview's earnings summary (issue 15) walked every share of the
-- customer and probed its payments and this month's download counts: for a
-- customer with 100 000 shares that was ~0.5 s whatever it had sold. Now
-- both sides are read by customer, so the cost follows the customer's
-- completed payments and this month's download-count rows, not its shares.
--
-- 1. A payment's customer_id is its share's customer, always: set from the
--    share on insert and when a payment moves to another share (a share's
--    customer never changes), and corrected here for existing rows. The
--    foreign key's ON DELETE SET NULL only runs when the customer, and so
--    its shares and their payments, are being deleted anyway.
-- +goose StatementBegin
CREATE FUNCTION file_share_payments_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.customer_id INTO NEW.customer_id FROM file_share_sessions s WHERE s.id = NEW.session_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER file_share_payments_customer
    BEFORE INSERT OR UPDATE OF session_id ON file_share_payments
    FOR EACH ROW EXECUTE FUNCTION file_share_payments_customer();

UPDATE file_share_payments p SET customer_id = s.customer_id
FROM file_share_sessions s
WHERE s.id = p.session_id AND p.customer_id IS DISTINCT FROM s.customer_id;

-- The customer's completed, live payments with what the sum needs.
CREATE INDEX file_share_payments_customer_completed_idx ON file_share_payments (customer_id)
    INCLUDE (currency, amount_cents, platform_fee_cents, session_id)
    WHERE status = 'completed' AND deleted_at IS NULL;

-- The customer's deleted shares, whose payments the summary leaves out.
CREATE INDEX file_share_sessions_customer_deleted_idx ON file_share_sessions (customer_id, id)
    WHERE deleted_at IS NOT NULL;

-- 2. The per-month download counts (migration 00084) carry their share's
--    customer and currency, so this month's rows of one customer are one
--    index range and need no share: the customer is set on insert (a
--    share's customer never changes), the currency too and again whenever
--    the share's currency is changed.
ALTER TABLE file_share_download_months ADD COLUMN customer_id uuid, ADD COLUMN currency text;
UPDATE file_share_download_months m SET customer_id = s.customer_id, currency = s.currency
FROM file_share_sessions s WHERE s.id = m.session_id;
ALTER TABLE file_share_download_months ALTER COLUMN customer_id SET NOT NULL, ALTER COLUMN currency SET NOT NULL;
CREATE INDEX file_share_download_months_customer_idx ON file_share_download_months (customer_id, month)
    INCLUDE (currency, downloads, session_id);

-- +goose StatementBegin
CREATE FUNCTION file_share_download_months_currency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE file_share_download_months SET currency = NEW.currency WHERE session_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER file_share_sessions_months_currency
    AFTER UPDATE OF currency ON file_share_sessions
    FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION file_share_download_months_currency();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION file_share_download_months_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        UPDATE file_share_download_months SET downloads = downloads - 1
        WHERE session_id = OLD.session_id AND month = date_trunc('month', OLD.created_at, 'UTC');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        INSERT INTO file_share_download_months AS m (session_id, month, downloads, customer_id, currency)
        SELECT NEW.session_id, date_trunc('month', NEW.created_at, 'UTC'), 1, s.customer_id, s.currency
        FROM file_share_sessions s WHERE s.id = NEW.session_id
        ON CONFLICT (session_id, month) DO UPDATE SET downloads = m.downloads + 1;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION file_share_download_months_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        UPDATE file_share_download_months SET downloads = downloads - 1
        WHERE session_id = OLD.session_id AND month = date_trunc('month', OLD.created_at, 'UTC');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        INSERT INTO file_share_download_months AS m (session_id, month, downloads)
        VALUES (NEW.session_id, date_trunc('month', NEW.created_at, 'UTC'), 1)
        ON CONFLICT (session_id, month) DO UPDATE SET downloads = m.downloads + 1;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER file_share_sessions_months_currency ON file_share_sessions;
DROP FUNCTION file_share_download_months_currency();
DROP INDEX file_share_download_months_customer_idx;
ALTER TABLE file_share_download_months DROP COLUMN customer_id, DROP COLUMN currency;
DROP INDEX file_share_sessions_customer_deleted_idx;
DROP INDEX file_share_payments_customer_completed_idx;
DROP TRIGGER file_share_payments_customer ON file_share_payments;
DROP FUNCTION file_share_payments_customer();
