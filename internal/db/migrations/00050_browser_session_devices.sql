-- +goose Up
-- Issue 18, "Your devices": each browser session remembers how it signed in
-- (code, passkey or link) and the client's address with its last part
-- hidden (203.0.113.x; IPv6 keeps its /64), never the full address. The
-- user agent and last activity were already kept.
ALTER TABLE browser_sessions
    ADD COLUMN ip_masked text,
    ADD COLUMN method text NOT NULL DEFAULT 'code' CHECK (method IN ('code', 'passkey', 'link'));

-- +goose Down
ALTER TABLE browser_sessions DROP COLUMN method, DROP COLUMN ip_masked;
