-- Sign-in history (issue 18).

-- name: InsertSignInEvent :exec
INSERT INTO signin_events (workspace_id, customer_id, member_id, success, method, channel, user_agent, ip_masked)
VALUES (@workspace_id, @customer_id, sqlc.narg(member_id), @success, @method, @channel, sqlc.narg(user_agent), sqlc.narg(ip_masked));

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

-- name: RecordFailedBoundCode :exec
-- A wrong or expired code not bound to a pages sign-in request (the JSON
-- API's authenticate, the pages' form opened from the email's link),
-- written to the history of every principal the codes issued for the
-- address it named were for (in workspace_id, when given). Without an
-- address only an expired code that matches exactly can be attributed.
-- Issued codes stay in the table until the periodic cleanup removes the
-- expired ones. An address with no codes records nothing; the caller's
-- answer is the same either way.
INSERT INTO signin_events (workspace_id, customer_id, member_id, success, method, channel, user_agent, ip_masked)
SELECT DISTINCT c.workspace_id, c.customer_id, c.member_id, false, 'code', @channel::text, sqlc.narg(user_agent)::text, sqlc.narg(ip_masked)::text
FROM customer_session_codes c
WHERE (sqlc.narg(workspace_id)::uuid IS NULL OR c.workspace_id = sqlc.narg(workspace_id)::uuid)
  AND CASE WHEN sqlc.narg(email)::text IS NOT NULL THEN lower(c.email) = lower(sqlc.narg(email)::text)
           ELSE c.code_hash = @code_hash AND c.expires_at <= now() END;

-- name: ListSignInEvents :many
-- The principal's recent sign-ins, newest first; the page summarises runs
-- of failures and shows 30 entries.
SELECT created_at, success, method, channel, user_agent, ip_masked
FROM signin_events
WHERE workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
ORDER BY created_at DESC, id DESC
LIMIT 300;

-- name: DeleteOldSignInEvents :execrows
-- Sign-in events are kept 90 days.
DELETE FROM signin_events WHERE created_at < now() - interval '90 days';
