-- +goose Up
-- Tenant isolation held by the database: a row that names both a customer
-- and a workspace must name the customer's own workspace, and a row that
-- names a member and a customer must name the member's own customer. The
-- queries check the same in SQL (WHERE ... AND workspace_id = ...); these
-- keys make a row that breaks it impossible to write, whatever the code.
ALTER TABLE customers ADD CONSTRAINT customers_id_workspace_key UNIQUE (id, workspace_id);
ALTER TABLE members ADD CONSTRAINT members_id_customer_key UNIQUE (id, customer_id);

ALTER TABLE members
    ADD CONSTRAINT members_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    DROP CONSTRAINT members_customer_id_fkey;

ALTER TABLE customer_session_codes
    ADD CONSTRAINT customer_session_codes_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    DROP CONSTRAINT customer_session_codes_customer_id_fkey,
    ADD CONSTRAINT customer_session_codes_member_customer_fkey FOREIGN KEY (member_id, customer_id)
        REFERENCES members (id, customer_id) ON DELETE CASCADE,
    DROP CONSTRAINT customer_session_codes_member_id_fkey;

ALTER TABLE browser_sessions
    ADD CONSTRAINT browser_sessions_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    DROP CONSTRAINT browser_sessions_customer_id_fkey,
    ADD CONSTRAINT browser_sessions_member_customer_fkey FOREIGN KEY (member_id, customer_id)
        REFERENCES members (id, customer_id) ON DELETE CASCADE,
    DROP CONSTRAINT browser_sessions_member_id_fkey;

ALTER TABLE file_share_sessions
    ADD CONSTRAINT file_share_sessions_customer_workspace_fkey FOREIGN KEY (customer_id, workspace_id)
        REFERENCES customers (id, workspace_id) ON DELETE CASCADE,
    DROP CONSTRAINT file_share_sessions_customer_id_fkey;

ALTER TABLE oauth_states
    ADD CONSTRAINT oauth_states_member_customer_fkey FOREIGN KEY (member_id, customer_id)
        REFERENCES members (id, customer_id) ON DELETE CASCADE,
    DROP CONSTRAINT oauth_states_member_id_fkey;

-- +goose Down
ALTER TABLE oauth_states
    ADD CONSTRAINT oauth_states_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
    DROP CONSTRAINT oauth_states_member_customer_fkey;
ALTER TABLE file_share_sessions
    ADD CONSTRAINT file_share_sessions_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    DROP CONSTRAINT file_share_sessions_customer_workspace_fkey;
ALTER TABLE browser_sessions
    ADD CONSTRAINT browser_sessions_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
    DROP CONSTRAINT browser_sessions_member_customer_fkey,
    ADD CONSTRAINT browser_sessions_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    DROP CONSTRAINT browser_sessions_customer_workspace_fkey;
ALTER TABLE customer_session_codes
    ADD CONSTRAINT customer_session_codes_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
    DROP CONSTRAINT customer_session_codes_member_customer_fkey,
    ADD CONSTRAINT customer_session_codes_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    DROP CONSTRAINT customer_session_codes_customer_workspace_fkey;
ALTER TABLE members
    ADD CONSTRAINT members_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    DROP CONSTRAINT members_customer_workspace_fkey;
ALTER TABLE members DROP CONSTRAINT members_id_customer_key;
ALTER TABLE customers DROP CONSTRAINT customers_id_workspace_key;
