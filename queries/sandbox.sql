-- The card sandbox's own state (PORTAL_PAYMENTS=sandbox): a tiny imitation
-- of the Stripe objects the portal uses. Nothing here is portal data.

-- name: SandboxCreateCustomer :one
INSERT INTO sandbox_customers (id, email, name, metadata)
VALUES (@id, @email, @name, @metadata)
RETURNING *;

-- name: SandboxGetCustomer :one
SELECT * FROM sandbox_customers WHERE id = @id;

-- name: SandboxUpdateCustomer :execrows
UPDATE sandbox_customers
SET email = coalesce(sqlc.narg(email), email),
    name = coalesce(sqlc.narg(name), name),
    address = coalesce(sqlc.narg(address), address)
WHERE id = @id;

-- name: SandboxSetDefaultPaymentMethod :execrows
UPDATE sandbox_customers SET default_payment_method = @payment_method WHERE id = @id;

-- name: SandboxCreatePaymentMethod :one
INSERT INTO sandbox_payment_methods (id, brand, last4, exp_month, exp_year, funding, scenario)
VALUES (@id, @brand, @last4, @exp_month, @exp_year, @funding, @scenario)
RETURNING *;

-- name: SandboxGetPaymentMethod :one
SELECT * FROM sandbox_payment_methods WHERE id = @id;

-- name: SandboxAttachPaymentMethod :exec
UPDATE sandbox_payment_methods SET customer_id = @customer_id WHERE id = @id;

-- name: SandboxDetachPaymentMethod :execrows
UPDATE sandbox_payment_methods SET customer_id = NULL WHERE id = @id AND customer_id IS NOT NULL;

-- name: SandboxCreateSetupIntent :one
INSERT INTO sandbox_setup_intents (id, client_secret, customer_id, payment_method_id, status, return_url, idempotency_key, metadata)
VALUES (@id, @client_secret, @customer_id, @payment_method_id, @status, @return_url, @idempotency_key, @metadata)
RETURNING *;

-- name: SandboxGetSetupIntent :one
SELECT * FROM sandbox_setup_intents WHERE id = @id;

-- name: SandboxGetSetupIntentByIdempotencyKey :one
SELECT * FROM sandbox_setup_intents WHERE idempotency_key = @idempotency_key;

-- name: SandboxSetupIntentUsingPaymentMethod :one
SELECT count(*) FROM sandbox_setup_intents WHERE payment_method_id = @payment_method_id;

-- name: SandboxSetSetupIntentStatus :one
UPDATE sandbox_setup_intents
SET status = @status, payment_method_id = sqlc.narg(payment_method_id)
WHERE id = @id AND status = 'requires_action'
RETURNING *;
