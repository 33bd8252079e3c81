-- +goose Up
-- Issue 18, passkeys (WebAuthn). A passkey belongs to one principal: a
-- customer (member_id NULL) or one member of a team, in one workspace. The
-- user handle given to authenticators is a random per-principal id, never
-- an email or a database id, so a credential says nothing about its owner.
CREATE TABLE passkey_users (
    handle       bytea PRIMARY KEY CHECK (octet_length(handle) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    workspace_id uuid NOT NULL,
    customer_id  uuid NOT NULL,
    member_id    uuid,
    CONSTRAINT passkey_users_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    CONSTRAINT passkey_users_member_customer_fkey FOREIGN KEY (member_id, customer_id)
        REFERENCES members (id, customer_id) ON DELETE CASCADE
);
-- One handle per principal.
CREATE UNIQUE INDEX passkey_users_principal_key ON passkey_users (customer_id, member_id) NULLS NOT DISTINCT;

-- The credential as the WebAuthn library keeps it (public key, flags,
-- authenticator data with its sign count) is stored whole in credential;
-- credential_id is its id, unique across the whole portal so an assertion
-- names exactly one row. The owner columns repeat passkey_users' for the
-- access checks in SQL.
CREATE TABLE passkeys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    workspace_id  uuid NOT NULL,
    customer_id   uuid NOT NULL,
    member_id     uuid,
    user_handle   bytea NOT NULL REFERENCES passkey_users (handle) ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE,
    credential    jsonb NOT NULL,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    CONSTRAINT passkeys_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    CONSTRAINT passkeys_member_customer_fkey FOREIGN KEY (member_id, customer_id)
        REFERENCES members (id, customer_id) ON DELETE CASCADE
);
CREATE INDEX passkeys_principal_idx ON passkeys (customer_id, member_id);

-- WebAuthn challenges: server-side, single use (consumed by a DELETE ...
-- RETURNING), five minutes. A registration challenge is bound to the
-- browser session that asked for it.
CREATE TABLE passkey_challenges (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('register', 'login')),
    browser_session_id uuid REFERENCES browser_sessions (id) ON DELETE CASCADE,
    session_data       jsonb NOT NULL,
    CHECK ((kind = 'register') = (browser_session_id IS NOT NULL))
);
CREATE INDEX passkey_challenges_expires_idx ON passkey_challenges (expires_at);

-- +goose Down
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
DROP TABLE passkey_users;
