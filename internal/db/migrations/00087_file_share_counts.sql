-- +goose Up
-- Every list of a customer's shares says how many there are (meta.total,
-- the pages' "n shares"). Counting them read every live share of the
-- customer: ~19 ms for a customer with 100 000 shares, on every page of its
-- list and on its overview. The live shares are now counted per customer,
-- workspace and status as they are written, by a trigger, so the total is a
-- few index rows whatever the number of shares (docs/design.md "Round
-- trips"). The counts change in the same transaction as the shares, so a
-- reader sees them agree with the rows it reads.
CREATE TABLE file_share_counts (
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL,
    status text NOT NULL,
    live bigint NOT NULL,
    PRIMARY KEY (customer_id, workspace_id, status) INCLUDE (live)
);

-- A share counts under (customer, workspace, status) while it is live
-- (deleted_at IS NULL). Inserts and deletes are counted once per statement
-- from its transition table (a bulk insert of 100 000 shares of one
-- customer is one change of one count, not 100 000 changes of the same row
-- in one transaction, each of which would have to step over the versions
-- before it). A share's customer never changes and its status and deletion
-- change one at a time, so updates are counted per row, and only when one
-- of them changed. A change takes its counts in key order, so two
-- transactions that each change one share (as every write of the portal
-- does) cannot deadlock on them.
-- A count is created by the first share that enters it and only ever
-- lowered in place: a share leaving a count (deleted, moved) always finds
-- the row its arrival made. So the shares of a customer being deleted,
-- whose counts its deletion removes, never recreate one.
-- +goose StatementBegin
CREATE FUNCTION file_share_counts_add(customer uuid, workspace uuid, st text, delta bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta < 0 THEN
        UPDATE file_share_counts SET live = live + delta
        WHERE customer_id = customer AND workspace_id = workspace AND status = st;
    ELSE
        INSERT INTO file_share_counts AS c (customer_id, workspace_id, status, live)
        VALUES (customer, workspace, st, delta)
        ON CONFLICT (customer_id, workspace_id, status) DO UPDATE SET live = c.live + delta;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION file_share_counts_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM file_share_counts_add(customer_id, workspace_id, status, n)
        FROM (SELECT customer_id, workspace_id, status, count(*) AS n FROM new_rows
              WHERE deleted_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) d;
    ELSE
        PERFORM file_share_counts_add(customer_id, workspace_id, status, -n)
        FROM (SELECT customer_id, workspace_id, status, count(*) AS n FROM old_rows
              WHERE deleted_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) d;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION file_share_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_live boolean := OLD.deleted_at IS NULL;
    new_live boolean := NEW.deleted_at IS NULL;
BEGIN
    IF old_live AND new_live AND (OLD.status, OLD.customer_id::text, OLD.workspace_id::text) > (NEW.status, NEW.customer_id::text, NEW.workspace_id::text) THEN
        PERFORM file_share_counts_add(NEW.customer_id, NEW.workspace_id, NEW.status, 1);
        PERFORM file_share_counts_add(OLD.customer_id, OLD.workspace_id, OLD.status, -1);
        RETURN NULL;
    END IF;
    IF old_live THEN
        PERFORM file_share_counts_add(OLD.customer_id, OLD.workspace_id, OLD.status, -1);
    END IF;
    IF new_live THEN
        PERFORM file_share_counts_add(NEW.customer_id, NEW.workspace_id, NEW.status, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The triggers exist (and their lock holds off writes to the shares)
-- before the existing shares are counted, so none is missed or counted
-- twice.
CREATE TRIGGER file_share_sessions_counts_insert
    AFTER INSERT ON file_share_sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION file_share_counts_statement();
CREATE TRIGGER file_share_sessions_counts_delete
    AFTER DELETE ON file_share_sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION file_share_counts_statement();
CREATE TRIGGER file_share_sessions_counts_update
    AFTER UPDATE OF customer_id, workspace_id, status, deleted_at ON file_share_sessions
    FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id
        OR OLD.status IS DISTINCT FROM NEW.status OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION file_share_counts_row();

INSERT INTO file_share_counts (customer_id, workspace_id, status, live)
SELECT customer_id, workspace_id, status, count(*)
FROM file_share_sessions WHERE deleted_at IS NULL
GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER file_share_sessions_counts_insert ON file_share_sessions;
DROP TRIGGER file_share_sessions_counts_delete ON file_share_sessions;
DROP TRIGGER file_share_sessions_counts_update ON file_share_sessions;
DROP FUNCTION file_share_counts_statement();
DROP FUNCTION file_share_counts_row();
DROP FUNCTION file_share_counts_add(uuid, uuid, text, bigint);
DROP TABLE file_share_counts;
