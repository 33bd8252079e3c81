-- +goose Up
-- Issue 18, sign-in history, second part: sign-ins and wrong codes through
-- the JSON API (POST /customer-session/authenticate) are recorded too, with
-- channel 'api'; the pages' events are channel 'page'. Wrong API codes are
-- attributed through the codes issued for the address they name, so the
-- codes table gets an index on the address alone.
ALTER TABLE signin_events ADD COLUMN channel text NOT NULL DEFAULT 'page' CHECK (channel IN ('page', 'api'));
CREATE INDEX customer_session_codes_email_idx ON customer_session_codes (lower(email));

-- +goose Down
DROP INDEX customer_session_codes_email_idx;
ALTER TABLE signin_events DROP COLUMN channel;
