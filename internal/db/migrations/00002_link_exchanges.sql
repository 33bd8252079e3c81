-- +goose Up
-- D23: a pre-authenticated link (a customer or member session token) signs
-- a browser in at most once. The exchange is recorded on the session row,
-- set by a conditional update, so two concurrent exchanges give one
-- browser session; the token keeps working as an API bearer.
ALTER TABLE customer_sessions ADD COLUMN browser_exchanged_at timestamptz;
ALTER TABLE member_sessions ADD COLUMN browser_exchanged_at timestamptz;

-- +goose Down
ALTER TABLE member_sessions DROP COLUMN browser_exchanged_at;
ALTER TABLE customer_sessions DROP COLUMN browser_exchanged_at;
