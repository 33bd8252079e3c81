-- Customers. Every query that takes a customer id also takes its workspace
-- (the principal's, or the workspace API token's), so another workspace's
-- id finds nothing.

-- name: GetCustomer :one
-- A live customer of the workspace: the portal's principal, the workspace
-- API's id, the card service's customer.
SELECT * FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: LockCustomer :one
-- The one row lock of a customer: serialises billing updates, team changes
-- (the owner check), the lazy creation of its Stripe customer (§4.2 step 1),
-- default-card changes and the member-mode sign-in fallback.
SELECT * FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
FOR UPDATE;

-- name: WorkspaceAPIGetCustomerByExternalID :one
SELECT * FROM customers
WHERE workspace_id = @workspace_id AND external_id = @external_id AND deleted_at IS NULL;

-- name: SignInFindCustomerByEmail :one
-- Legacy mode and the member-mode fallback: the live customer of the
-- workspace with this address, compared case-insensitively (G2).
SELECT id, email, name FROM customers
WHERE workspace_id = @workspace_id AND lower(email) = lower(@email) AND deleted_at IS NULL
ORDER BY created_at, id
LIMIT 1;

-- name: GetSignInCustomer :one
SELECT id, email, name FROM customers WHERE id = @id AND workspace_id = @workspace_id;

-- name: GetCustomerByStripeID :one
SELECT * FROM customers WHERE stripe_customer_id = @stripe_customer_id AND deleted_at IS NULL;

-- name: WorkspaceAPICreateCustomer :one
INSERT INTO customers (workspace_id, email, name, type, billing_name, billing_address, external_id)
VALUES (@workspace_id, @email, sqlc.narg(name), COALESCE(sqlc.narg(type)::text, 'individual'),
        sqlc.narg(billing_name), sqlc.narg(billing_address)::jsonb, sqlc.narg(external_id))
RETURNING *;

-- name: PortalUpdateCustomerBilling :one
-- Merge-patch (D5): set_* says the field was in the body; a null clears.
-- The row is always touched, as the original (§3.2).
UPDATE customers SET
    billing_name = CASE WHEN @set_billing_name::boolean THEN sqlc.narg(billing_name)::text ELSE billing_name END,
    billing_address = CASE WHEN @set_billing_address::boolean THEN sqlc.narg(billing_address)::jsonb ELSE billing_address END,
    modified_at = now()
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
RETURNING *;

-- name: WorkspaceAPIUpdateCustomer :one
-- Merge-patch: set_* says the field was in the body. A changed address is
-- no longer verified.
UPDATE customers SET
    email_verified = CASE WHEN @set_email::boolean AND lower(@email::text) <> lower(email) THEN false ELSE email_verified END,
    email = CASE WHEN @set_email::boolean THEN @email::text ELSE email END,
    name = CASE WHEN @set_name::boolean THEN sqlc.narg(name)::text ELSE name END,
    type = CASE WHEN @set_type::boolean THEN sqlc.narg(type)::text ELSE type END,
    billing_name = CASE WHEN @set_billing_name::boolean THEN sqlc.narg(billing_name)::text ELSE billing_name END,
    billing_address = CASE WHEN @set_billing_address::boolean THEN sqlc.narg(billing_address)::jsonb ELSE billing_address END,
    external_id = CASE WHEN @set_external_id::boolean THEN sqlc.narg(external_id)::text ELSE external_id END,
    modified_at = now()
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
RETURNING *;

-- name: MarkCustomerEmailVerified :exec
UPDATE customers SET email_verified = true, modified_at = now()
WHERE id = @id AND NOT email_verified;

-- name: SetCustomerStripeID :execrows
UPDATE customers SET stripe_customer_id = @stripe_customer_id, modified_at = now()
WHERE id = @id AND stripe_customer_id IS NULL;

-- name: SetCustomerDefaultPaymentMethod :exec
UPDATE customers SET default_payment_method_id = @payment_method_id, modified_at = now()
WHERE id = @id;

-- name: ClearCustomerDefaultPaymentMethod :exec
UPDATE customers SET default_payment_method_id = NULL, modified_at = now()
WHERE id = @id AND default_payment_method_id = @payment_method_id;

-- name: SeedFindCustomer :one
SELECT id FROM customers
WHERE workspace_id = @workspace_id AND lower(email) = lower(@email) AND deleted_at IS NULL;

-- name: SeedInsertCustomer :one
INSERT INTO customers (workspace_id, email, email_verified, name, billing_name, billing_address, type, external_id)
VALUES (@workspace_id, @email, true, @name, sqlc.narg(billing_name), sqlc.narg(billing_address)::jsonb, @type, @external_id)
RETURNING id;
