-- Browser sessions (D19): server-side rows the page cookie refers to.

-- name: CreateBrowserSession :one
INSERT INTO browser_sessions (workspace_id, customer_id, member_id, return_url, idle_expires_at, expires_at, user_agent,
                              ip_masked, method)
VALUES (@workspace_id, @customer_id, sqlc.narg(member_id), sqlc.narg(return_url),
        now() + make_interval(secs => @idle_seconds::float8),
        now() + make_interval(secs => @absolute_seconds::float8), sqlc.narg(user_agent),
        sqlc.narg(ip_masked), @method)
RETURNING *;

-- name: GetBrowserSessionPrincipal :one
-- A browser session authenticates while it is unrevoked, within both
-- expiries, in the page's workspace, and its customer, member and workspace
-- are alive (D10). The member's role is read here, fresh, every time. The
-- customer's row comes along so pages that show it need no second query.
SELECT s.id, s.created_at, s.expires_at, s.idle_expires_at, s.last_seen_at, s.return_url,
       s.customer_id, s.member_id, s.workspace_id,
       c.type AS customer_type, c.email AS customer_email, c.name AS customer_name,
       m.role AS member_role, m.email AS member_email, m.name AS member_name,
       sqlc.embed(c)
FROM browser_sessions s
JOIN customers c ON c.id = s.customer_id AND c.workspace_id = s.workspace_id
JOIN workspaces w ON w.id = s.workspace_id
LEFT JOIN members m ON m.id = s.member_id AND m.customer_id = s.customer_id
WHERE s.id = @id AND s.workspace_id = @workspace_id
  AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
  AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
  AND (s.member_id IS NULL OR (m.id IS NOT NULL AND m.deleted_at IS NULL));

-- name: GetBrowserSessionPrincipalBySlug :one
-- GetBrowserSessionPrincipal for a page request, by the page's slug: among
-- the browser's sessions (@ids, the cookie's, one per workspace) the one of
-- the live workspace whose slug the page names, under the same rules. It
-- goes to PostgreSQL in one batch with GetWorkspaceBySlug
-- (auth.BrowserSessions.LoadPage), so a page reads its workspace and its
-- session in one round trip.
SELECT s.id, s.created_at, s.expires_at, s.idle_expires_at, s.last_seen_at, s.return_url,
       s.customer_id, s.member_id, s.workspace_id,
       c.type AS customer_type, c.email AS customer_email, c.name AS customer_name,
       m.role AS member_role, m.email AS member_email, m.name AS member_name,
       sqlc.embed(c)
FROM browser_sessions s
JOIN customers c ON c.id = s.customer_id AND c.workspace_id = s.workspace_id
JOIN workspaces w ON w.id = s.workspace_id
LEFT JOIN members m ON m.id = s.member_id AND m.customer_id = s.customer_id
WHERE s.id = ANY(@ids::uuid[]) AND lower(w.slug) = lower(@slug)
  AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
  AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
  AND (s.member_id IS NULL OR (m.id IS NOT NULL AND m.deleted_at IS NULL))
LIMIT 1;

-- name: GetBrowserSessionSubject :one
-- Whose a browser session is, live or not (an ended session's form content
-- is kept only for the same person, docs/design.md "Kept form content").
SELECT customer_id, member_id FROM browser_sessions WHERE id = @id AND workspace_id = @workspace_id;

-- name: BrowserSessionAlive :one
-- A browser session (D19) is alive while neither revoked nor past its idle or
-- absolute expiry, and its customer (and member, if any) still exist.
SELECT EXISTS (
    SELECT 1 FROM browser_sessions s
    JOIN customers c ON c.id = s.customer_id
    JOIN workspaces w ON w.id = s.workspace_id
    LEFT JOIN members m ON m.id = s.member_id
    WHERE s.id = @id AND s.customer_id = @customer_id
      AND s.member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
      AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
      AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL
      AND (s.member_id IS NULL OR m.deleted_at IS NULL)
);

-- name: TouchBrowserSession :exec
-- Slides the idle expiry, never past the absolute one.
UPDATE browser_sessions
SET last_seen_at = now(),
    idle_expires_at = LEAST(expires_at, now() + make_interval(secs => @idle_seconds::float8))
WHERE id = @id AND revoked_at IS NULL;

-- name: RevokeBrowserSession :exec
UPDATE browser_sessions SET revoked_at = now() WHERE id = @id AND revoked_at IS NULL;

-- name: TeamRevokeMemberBrowserSessions :exec
UPDATE browser_sessions SET revoked_at = now()
WHERE member_id = @member_id AND customer_id = @customer_id AND revoked_at IS NULL;

-- name: ListPrincipalBrowserSessions :many
-- "Your devices" (issue 18): the live browser sessions of one customer (no
-- member) or one member, in its workspace, most recently active first.
SELECT id, created_at, last_seen_at, user_agent, ip_masked, method
FROM browser_sessions
WHERE workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
  AND revoked_at IS NULL AND expires_at > now() AND idle_expires_at > now()
ORDER BY last_seen_at DESC, created_at DESC, id DESC
LIMIT 50;

-- name: RevokePrincipalBrowserSession :execrows
-- Signs out one of the principal's own sessions; 0 rows when the id is not
-- theirs (another principal's session is never touched) or already ended.
UPDATE browser_sessions SET revoked_at = now()
WHERE id = @id AND workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
  AND revoked_at IS NULL;

-- name: RevokeOtherBrowserSessions :execrows
-- "Sign out everywhere else": every session of the principal but @keep_id.
UPDATE browser_sessions SET revoked_at = now()
WHERE workspace_id = @workspace_id AND customer_id = @customer_id
  AND member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
  AND id <> @keep_id AND revoked_at IS NULL;

-- name: DeleteExpiredBrowserSessions :execrows
DELETE FROM browser_sessions WHERE expires_at < now();

-- name: LockBrowserPrincipal :exec
-- Serializes sign-ins of one customer or member, so the cap of D25 holds
-- under concurrency (held until the transaction ends).
SELECT pg_advisory_xact_lock(hashtextextended('browser_sessions:' || @principal::text, 0));

-- name: RevokeOldestBrowserSessions :execrows
-- D25: a principal keeps at most @keep live browser sessions besides the
-- one just created (@new_id); the oldest beyond that are revoked.
UPDATE browser_sessions SET revoked_at = now()
WHERE id IN (
    SELECT s.id FROM browser_sessions s
    WHERE s.customer_id = @customer_id
      AND s.member_id IS NOT DISTINCT FROM sqlc.narg(member_id)::uuid
      AND s.id <> @new_id
      AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
    ORDER BY s.created_at DESC, s.id DESC
    OFFSET @keep::int
);

-- name: GetCustomerLink :one
-- A pre-authenticated link's customer session (D23), live as for the API
-- (D10), with whom it would sign in and whether it already did.
SELECT s.id AS session_id, s.return_url, s.browser_exchanged_at,
       c.id AS customer_id, c.workspace_id, c.email, c.name
FROM customer_sessions s
JOIN customers c ON c.id = s.customer_id
JOIN workspaces w ON w.id = c.workspace_id
WHERE s.token_hash = @token_hash AND s.deleted_at IS NULL AND s.expires_at > now()
  AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL;

-- name: GetMemberLink :one
SELECT s.id AS session_id, s.return_url, s.browser_exchanged_at,
       m.id AS member_id, m.customer_id, m.workspace_id, m.email, m.name
FROM member_sessions s
JOIN members m ON m.id = s.member_id
JOIN customers c ON c.id = m.customer_id
JOIN workspaces w ON w.id = m.workspace_id
WHERE s.token_hash = @token_hash AND s.deleted_at IS NULL AND s.expires_at > now()
  AND m.deleted_at IS NULL AND c.deleted_at IS NULL AND w.deleted_at IS NULL AND w.blocked_at IS NULL;

-- name: ExchangeCustomerLink :execrows
-- Marks the link used; 0 rows when it already was (or died meanwhile). The
-- row lock makes a concurrent second exchange wait and then find it used.
UPDATE customer_sessions SET browser_exchanged_at = now()
WHERE id = @id AND browser_exchanged_at IS NULL AND deleted_at IS NULL AND expires_at > now();

-- name: ExchangeMemberLink :execrows
UPDATE member_sessions SET browser_exchanged_at = now()
WHERE id = @id AND browser_exchanged_at IS NULL AND deleted_at IS NULL AND expires_at > now();
