-- +goose Up
-- The whole product schema. Later features add queries, not tables; where a
-- feature truly needs a new column it adds a new numbered migration.

-- Workspaces are the merchant tenants. slug is unique case-insensitively.
CREATE TABLE workspaces (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    modified_at                 timestamptz,
    deleted_at                  timestamptz,
    blocked_at                  timestamptz,
    name                        text NOT NULL,
    slug                        text NOT NULL,
    email                       text,
    website                     text,
    avatar_url                  text,
    accent_color                text,
    socials                     jsonb NOT NULL DEFAULT '[]'::jsonb,
    status                      text NOT NULL DEFAULT 'active'
        CHECK (status IN ('created','onboarding_started','initial_review','ongoing_review','denied','active')),
    details_submitted_at        timestamptz,
    member_model_enabled        boolean NOT NULL DEFAULT false,
    seat_based_pricing_enabled  boolean NOT NULL DEFAULT false,
    customer_portal_settings    jsonb NOT NULL DEFAULT '{"usage":{"show":true}}'::jsonb,
    notification_settings       jsonb NOT NULL DEFAULT '{"new_payment":true}'::jsonb,
    customer_email_settings     jsonb NOT NULL DEFAULT '{"payment_confirmation":true}'::jsonb
);
CREATE UNIQUE INDEX workspaces_slug_key ON workspaces (lower(slug));

-- Workspace access tokens (prefix rapidly_wat_), stored only as keyed hashes.
CREATE TABLE workspace_access_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    token_hash    text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX workspace_access_tokens_workspace_idx ON workspace_access_tokens (workspace_id);

CREATE TABLE customers (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id               uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    modified_at                timestamptz,
    deleted_at                 timestamptz,
    email                      text NOT NULL,
    email_verified             boolean NOT NULL DEFAULT false,
    name                       text,
    billing_name               text,
    billing_address            jsonb,
    type                       text DEFAULT 'individual' CHECK (type IN ('individual','team')),
    external_id                text,
    stripe_customer_id         text,
    default_payment_method_id  uuid,
    oauth_accounts             jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE UNIQUE INDEX customers_workspace_email_key ON customers (workspace_id, lower(email)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX customers_workspace_external_id_key ON customers (workspace_id, external_id) WHERE deleted_at IS NULL AND external_id IS NOT NULL;
CREATE UNIQUE INDEX customers_stripe_customer_id_key ON customers (stripe_customer_id) WHERE stripe_customer_id IS NOT NULL;

CREATE TABLE members (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id     uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    workspace_id    uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    modified_at     timestamptz,
    deleted_at      timestamptz,
    email           text NOT NULL,
    name            text,
    external_id     text,
    role            text NOT NULL DEFAULT 'member' CHECK (role IN ('owner','billing_manager','member')),
    oauth_accounts  jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- As the original: unique per customer, covering removed members too (they are reactivated, D3).
CREATE UNIQUE INDEX members_customer_email_key ON members (customer_id, email);
CREATE UNIQUE INDEX members_customer_external_id_key ON members (customer_id, external_id) WHERE external_id IS NOT NULL;
-- At most one active owner per team, held by the database under concurrency.
CREATE UNIQUE INDEX members_one_owner_key ON members (customer_id) WHERE role = 'owner' AND deleted_at IS NULL;
CREATE INDEX members_workspace_email_idx ON members (workspace_id, lower(email)) WHERE deleted_at IS NULL;

CREATE TABLE customer_session_codes (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    code_hash     text NOT NULL UNIQUE,
    expires_at    timestamptz NOT NULL,
    email         text NOT NULL,
    customer_id   uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    member_id     uuid REFERENCES members(id) ON DELETE CASCADE,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE
);
CREATE INDEX customer_session_codes_expires_idx ON customer_session_codes (expires_at);
CREATE INDEX customer_session_codes_customer_email_idx ON customer_session_codes (customer_id, lower(email));

-- API bearer sessions (rapidly_cst_ / rapidly_mst_), one hour.
CREATE TABLE customer_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    modified_at  timestamptz,
    deleted_at   timestamptz,
    token_hash   text NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    return_url   text,
    customer_id  uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE
);
CREATE INDEX customer_sessions_expires_idx ON customer_sessions (expires_at);
CREATE INDEX customer_sessions_customer_idx ON customer_sessions (customer_id);

CREATE TABLE member_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    modified_at  timestamptz,
    deleted_at   timestamptz,
    token_hash   text NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    return_url   text,
    member_id    uuid NOT NULL REFERENCES members(id) ON DELETE CASCADE
);
CREATE INDEX member_sessions_expires_idx ON member_sessions (expires_at);
CREATE INDEX member_sessions_member_idx ON member_sessions (member_id);

-- Sign-in attempts started in a browser (D18): the code is bound to this row
-- and the request ends after 5 wrong codes.
CREATE TABLE sign_in_requests (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    workspace_id    uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email           text NOT NULL,
    customer_id     uuid,
    failed_attempts integer NOT NULL DEFAULT 0,
    last_sent_at    timestamptz,
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz
);
CREATE INDEX sign_in_requests_expires_idx ON sign_in_requests (expires_at);

-- Browser sessions (D19): the cookie holds only an encrypted reference to a row.
CREATE TABLE browser_sessions (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    workspace_id        uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    customer_id         uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    member_id           uuid REFERENCES members(id) ON DELETE CASCADE,
    return_url          text,
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    idle_expires_at     timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    revoked_at          timestamptz,
    user_agent          text
);
CREATE INDEX browser_sessions_expires_idx ON browser_sessions (expires_at);
CREATE INDEX browser_sessions_customer_idx ON browser_sessions (customer_id);
CREATE INDEX browser_sessions_member_idx ON browser_sessions (member_id) WHERE member_id IS NOT NULL;

CREATE TABLE payment_methods (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    modified_at      timestamptz,
    deleted_at       timestamptz,
    customer_id      uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    processor        text NOT NULL DEFAULT 'stripe' CHECK (processor IN ('stripe','sandbox')),
    processor_id     text NOT NULL,
    type             text NOT NULL,
    method_metadata  jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE UNIQUE INDEX payment_methods_processor_key ON payment_methods (processor, processor_id, customer_id);
CREATE INDEX payment_methods_customer_idx ON payment_methods (customer_id, created_at DESC) WHERE deleted_at IS NULL;
ALTER TABLE customers ADD CONSTRAINT customers_default_payment_method_fk
    FOREIGN KEY (default_payment_method_id) REFERENCES payment_methods(id) ON DELETE SET NULL;

-- Catalog, read by GET /workspaces/{slug}.
CREATE TABLE shares (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    modified_at   timestamptz,
    deleted_at    timestamptz,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL,
    description   text,
    visibility    text NOT NULL DEFAULT 'public' CHECK (visibility IN ('draft','private','public')),
    is_archived   boolean NOT NULL DEFAULT false
);
CREATE INDEX shares_workspace_idx ON shares (workspace_id) WHERE deleted_at IS NULL;

CREATE TABLE share_prices (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    modified_at     timestamptz,
    deleted_at      timestamptz,
    share_id        uuid NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    amount_type     text NOT NULL CHECK (amount_type IN ('fixed','custom','free','metered_unit','seat_based')),
    source          text NOT NULL DEFAULT 'catalog' CHECK (source IN ('catalog','ad_hoc')),
    price_currency  text NOT NULL DEFAULT 'usd',
    is_archived     boolean NOT NULL DEFAULT false,
    price_amount    integer,
    minimum_amount  integer,
    maximum_amount  integer,
    preset_amount   integer
);
CREATE INDEX share_prices_share_idx ON share_prices (share_id, created_at);

CREATE TABLE files (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at              timestamptz NOT NULL DEFAULT now(),
    modified_at             timestamptz,
    deleted_at              timestamptz,
    workspace_id            uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name                    text NOT NULL,
    path                    text NOT NULL,
    mime_type               text NOT NULL,
    size                    bigint NOT NULL DEFAULT 0,
    storage_version         text,
    checksum_etag           text,
    checksum_sha256_base64  text,
    checksum_sha256_hex     text,
    last_modified_at        timestamptz,
    version                 text,
    service                 text NOT NULL DEFAULT 'product_media',
    is_uploaded             boolean NOT NULL DEFAULT true
);

CREATE TABLE share_medias (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    share_id    uuid NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    file_id     uuid NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    "order"     integer NOT NULL DEFAULT 0
);
CREATE INDEX share_medias_share_idx ON share_medias (share_id, "order");

-- File sharing. Each session belongs to one customer of the workspace (D8).
CREATE TABLE file_share_sessions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    modified_at      timestamptz,
    deleted_at       timestamptz,
    workspace_id     uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    customer_id      uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    share_id         uuid REFERENCES shares(id) ON DELETE SET NULL,
    user_id          uuid,
    short_slug       text NOT NULL UNIQUE,
    long_slug        text NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'created'
        CHECK (status IN ('created','active','completed','expired','destroyed','reported')),
    max_downloads    integer NOT NULL DEFAULT 0,
    download_count   integer NOT NULL DEFAULT 0,
    price_cents      integer,
    currency         text NOT NULL DEFAULT 'usd',
    title            text,
    file_name        text,
    file_size_bytes  bigint,
    ttl_seconds      integer,
    expires_at       timestamptz,
    activated_at     timestamptz,
    completed_at     timestamptz,
    creator_ip_hash  text
);
-- One index per sort key, each ending in id as the stable tie-breaker, so any
-- single-key ordering of one customer's sessions is an index scan.
CREATE INDEX file_share_sessions_customer_created_idx ON file_share_sessions (customer_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_status_idx ON file_share_sessions (customer_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_customer_downloads_idx ON file_share_sessions (customer_id, download_count, id) WHERE deleted_at IS NULL;
CREATE INDEX file_share_sessions_workspace_idx ON file_share_sessions (workspace_id, created_at);

CREATE TABLE file_share_downloads (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    modified_at         timestamptz,
    deleted_at          timestamptz,
    session_id          uuid NOT NULL REFERENCES file_share_sessions(id) ON DELETE CASCADE,
    slot_number         integer NOT NULL DEFAULT 0,
    downloader_ip_hash  text
);
CREATE INDEX file_share_downloads_session_idx ON file_share_downloads (session_id, created_at);

CREATE TABLE file_share_payments (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    modified_at                 timestamptz,
    deleted_at                  timestamptz,
    session_id                  uuid NOT NULL REFERENCES file_share_sessions(id) ON DELETE CASCADE,
    customer_id                 uuid REFERENCES customers(id) ON DELETE SET NULL,
    status                      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','completed','refunded','failed')),
    amount_cents                integer NOT NULL,
    currency                    text NOT NULL DEFAULT 'usd',
    platform_fee_cents          integer NOT NULL DEFAULT 0,
    stripe_checkout_session_id  text,
    stripe_payment_intent_id    text,
    buyer_email                 text,
    buyer_name                  text,
    buyer_ip_hash               text
);
CREATE UNIQUE INDEX file_share_payments_checkout_key ON file_share_payments (stripe_checkout_session_id) WHERE stripe_checkout_session_id IS NOT NULL;
CREATE INDEX file_share_payments_session_idx ON file_share_payments (session_id, created_at);

-- Fixed-window-with-slide counters (D12), shared by every server instance.
-- key is an HMAC of the client IP or address, never the raw value.
CREATE TABLE rate_limit_buckets (
    bucket      text NOT NULL,
    key         text NOT NULL,
    count       integer NOT NULL DEFAULT 0,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE INDEX rate_limit_buckets_expires_idx ON rate_limit_buckets (expires_at);

-- Single-use OAuth states (D7).
CREATE TABLE oauth_states (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    used_at            timestamptz,
    platform           text NOT NULL,
    customer_id        uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    member_id          uuid REFERENCES members(id) ON DELETE CASCADE,
    session_ref        text NOT NULL,
    return_to          text NOT NULL
);

-- Stripe webhook events seen, for deduplication.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Card sandbox (PORTAL_PAYMENTS=sandbox): the provider's own state, no network.
CREATE TABLE sandbox_customers (
    id                      text PRIMARY KEY,
    created_at              timestamptz NOT NULL DEFAULT now(),
    email                   text,
    name                    text,
    address                 jsonb,
    default_payment_method  text,
    metadata                jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE TABLE sandbox_payment_methods (
    id           text PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    customer_id  text REFERENCES sandbox_customers(id) ON DELETE CASCADE,
    type         text NOT NULL DEFAULT 'card',
    brand        text NOT NULL,
    last4        text NOT NULL,
    exp_month    integer NOT NULL,
    exp_year     integer NOT NULL,
    funding      text NOT NULL DEFAULT 'credit',
    scenario     text NOT NULL
);
CREATE TABLE sandbox_setup_intents (
    id                 text PRIMARY KEY,
    created_at         timestamptz NOT NULL DEFAULT now(),
    client_secret      text NOT NULL,
    customer_id        text NOT NULL REFERENCES sandbox_customers(id) ON DELETE CASCADE,
    payment_method_id  text REFERENCES sandbox_payment_methods(id),
    status             text NOT NULL,
    return_url         text,
    idempotency_key    text UNIQUE,
    metadata           jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- +goose Down
DROP TABLE sandbox_setup_intents;
DROP TABLE sandbox_payment_methods;
DROP TABLE sandbox_customers;
DROP TABLE stripe_events;
DROP TABLE oauth_states;
DROP TABLE rate_limit_buckets;
DROP TABLE file_share_payments;
DROP TABLE file_share_downloads;
DROP TABLE file_share_sessions;
DROP TABLE share_medias;
DROP TABLE files;
DROP TABLE share_prices;
DROP TABLE shares;
ALTER TABLE customers DROP CONSTRAINT customers_default_payment_method_fk;
DROP TABLE payment_methods;
DROP TABLE browser_sessions;
DROP TABLE sign_in_requests;
DROP TABLE member_sessions;
DROP TABLE customer_sessions;
DROP TABLE customer_session_codes;
DROP TABLE members;
DROP TABLE customers;
DROP TABLE workspace_access_tokens;
DROP TABLE workspaces;
