-- Sign-in history (issue 18).

-- name: InsertSignInEvent :exec
INSERT INTO signin_events (workspace_id, customer_id, member_id, success, method, user_agent, ip_masked)
VALUES (@workspace_id, @customer_id, sqlc.narg(member_id), @success, @method, sqlc.narg(user_agent), sqlc.narg(ip_masked));

-- name: HasSignedInBefore :one
-- Whether the principal ever signed in before (within the kept 90 days):
-- the "new sign-in" mail is not sent for the first sign-in ever.
SELECT EXISTS (
    SELECT 1 FROM signin_events
    WHERE customer_id = @customer_id AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid AND success
);

-- name: RecordFailedCode :exec
-- A wrong code for a pages sign-in request, written to the history of the
-- account the request is for (its member, in member mode, by the request's
-- address). A request for an unknown address records nothing.
INSERT INTO signin_events (workspace_id, customer_id, member_id, success, method, user_agent, ip_masked)
SELECT r.workspace_id, r.customer_id, m.id, false, 'code', sqlc.narg(user_agent), sqlc.narg(ip_masked)
FROM sign_in_requests r
JOIN workspaces w ON w.id = r.workspace_id
LEFT JOIN members m ON w.member_model_enabled AND m.customer_id = r.customer_id
     AND lower(m.email) = lower(r.email) AND m.deleted_at IS NULL
WHERE r.id = @id AND r.customer_id IS NOT NULL
LIMIT 1;

-- name: ListSignInEvents :many
-- The principal's recent sign-ins, newest first; the page summarises runs
-- of failures and shows 30 entries.
SELECT created_at, success, method, user_agent, ip_masked
FROM signin_events
WHERE workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
ORDER BY created_at DESC, id DESC
LIMIT 300;

-- name: DeleteOldSignInEvents :execrows
-- Sign-in events are kept 90 days.
DELETE FROM signin_events WHERE created_at < now() - interval '90 days';
