-- Saved cards (§4). Every read and write is scoped to the caller's customer
-- and workspace, and to the active payments provider (processor), so a card
-- saved through the sandbox is never sent to Stripe and vice versa.

-- name: ListPaymentMethods :many
SELECT pm.*, (c.default_payment_method_id IS NOT DISTINCT FROM pm.id)::boolean AS is_default
FROM payment_methods pm
JOIN customers c ON c.id = pm.customer_id
WHERE pm.customer_id = @customer_id AND c.workspace_id = @workspace_id
  AND pm.processor = @processor AND pm.deleted_at IS NULL
ORDER BY pm.created_at DESC, pm.id DESC;

-- name: GetPaymentMethod :one
SELECT pm.*, (c.default_payment_method_id IS NOT DISTINCT FROM pm.id)::boolean AS is_default
FROM payment_methods pm
JOIN customers c ON c.id = pm.customer_id
WHERE pm.id = @id AND pm.customer_id = @customer_id AND c.workspace_id = @workspace_id
  AND pm.processor = @processor AND pm.deleted_at IS NULL;

-- name: UpsertPaymentMethod :one
-- Re-adding a card that was removed brings its row back (§4.2: the upsert
-- includes soft-deleted rows), so the unique key never blocks a re-add.
INSERT INTO payment_methods (customer_id, processor, processor_id, type, method_metadata)
VALUES (@customer_id, @processor, @processor_id, @type, @method_metadata)
ON CONFLICT (processor, processor_id, customer_id) DO UPDATE
SET type = EXCLUDED.type, method_metadata = EXCLUDED.method_metadata, deleted_at = NULL, modified_at = now()
RETURNING *;

-- name: SoftDeletePaymentMethod :execrows
UPDATE payment_methods SET deleted_at = now(), modified_at = now()
WHERE id = @id AND customer_id = @customer_id AND deleted_at IS NULL;

-- name: InsertStripeEvent :execrows
-- Webhook deduplication: a redelivered event inserts nothing.
INSERT INTO stripe_events (id, type) VALUES (@id, @type) ON CONFLICT (id) DO NOTHING;

-- name: SoftDeletePaymentMethodsByProcessorID :many
UPDATE payment_methods SET deleted_at = now(), modified_at = now()
WHERE processor = @processor AND processor_id = @processor_id AND deleted_at IS NULL
RETURNING id, customer_id;

-- name: ClearDefaultPaymentMethodEverywhere :exec
UPDATE customers SET default_payment_method_id = NULL, modified_at = now()
WHERE default_payment_method_id = @payment_method_id;
