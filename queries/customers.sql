-- The portal's own customer profile (§3.1–3.2). Every query takes the
-- principal's customer and workspace.

-- name: PortalGetCustomer :one
SELECT * FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL;

-- name: PortalLockCustomer :one
-- Serialises billing updates and team changes of one customer.
SELECT * FROM customers
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
FOR UPDATE;

-- name: PortalUpdateCustomerBilling :one
-- Merge-patch (D5): set_* says the field was in the body; a null clears.
-- The row is always touched, as the original (§3.2).
UPDATE customers SET
    billing_name = CASE WHEN @set_billing_name::boolean THEN sqlc.narg(billing_name)::text ELSE billing_name END,
    billing_address = CASE WHEN @set_billing_address::boolean THEN sqlc.narg(billing_address)::jsonb ELSE billing_address END,
    modified_at = now()
WHERE id = @id AND workspace_id = @workspace_id AND deleted_at IS NULL
RETURNING *;
