-- +goose Up
-- Issue 18, sign-in history: one row per browser sign-in (code, passkey or
-- link) and per wrong code entered on the sign-in pages for a known
-- account. Shown to the person (last 30, failures summarised), kept 90
-- days (the periodic cleanup). Only the masked address is stored.
CREATE TABLE signin_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    workspace_id uuid NOT NULL,
    customer_id  uuid NOT NULL,
    member_id    uuid,
    success      boolean NOT NULL,
    method       text NOT NULL CHECK (method IN ('code', 'passkey', 'link')),
    user_agent   text,
    ip_masked    text,
    CONSTRAINT signin_events_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    CONSTRAINT signin_events_member_customer_fkey FOREIGN KEY (member_id, customer_id)
        REFERENCES members (id, customer_id) ON DELETE CASCADE
);
CREATE INDEX signin_events_principal_idx ON signin_events (customer_id, member_id, created_at DESC);
CREATE INDEX signin_events_created_idx ON signin_events (created_at);

-- +goose Down
DROP TABLE signin_events;
