package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/mail"
	"portal/internal/member/roster"
	"portal/internal/ratelimit"
	"portal/internal/validate"
)

// Sign-in constants (D18, §2.5).
const (
	CodeTTL           = 10 * time.Minute
	SessionTTL        = time.Hour
	MaxLiveCodes      = 3
	MaxFailedAttempts = 5
	// requestFloor is the least time a successful request takes, so a known
	// and an unknown address answer alike (D20): the known path does a few
	// more writes, all well within it.
	requestFloor = 120 * time.Millisecond
)

// SignIn is the sign-in by emailed code (§2.3 with D9–D15, D18, D20), for
// the JSON API and the pages alike.
type SignIn struct {
	pool    *pgxpool.Pool
	hasher  *Hasher
	limiter *ratelimit.Limiter
	queue   *mail.Queue
	log     *slog.Logger
	// Devices mints and verifies device cookies (D26).
	Devices *Devices
	// Floor is requestFloor; tests may lower it.
	Floor time.Duration
	// Outcome, when set, is told how each request and authenticate ended
	// (for the sign-in metrics); it never sees codes or addresses, and a
	// request's outcome never says whether the address is known (D24).
	Outcome func(step, outcome string)
}

func (s *SignIn) outcome(step, outcome string) {
	if s.Outcome != nil {
		s.Outcome(step, outcome)
	}
}

// NewSignIn wires the sign-in service.
func NewSignIn(pool *pgxpool.Pool, h *Hasher, l *ratelimit.Limiter, q *mail.Queue, log *slog.Logger) *SignIn {
	return &SignIn{pool: pool, hasher: h, limiter: l, queue: q, log: log, Devices: NewDevices(h.Key()), Floor: requestFloor}
}

// AccountChoice is one account an address may sign in to, offered by the
// 409 account picker (§2.3, G3).
type AccountChoice struct {
	ID   uuid.UUID `json:"id"`
	Name *string   `json:"name"`
}

// AccountChoices travels on the picker's 409 (apperr.Error.Data): the
// pages list them, the API sends them as "customers".
type AccountChoices []AccountChoice

// BodyFields is the 409 body's "customers" key.
func (a AccountChoices) BodyFields() map[string]any {
	return map[string]any{"customers": []AccountChoice(a)}
}

// RequestInput is POST /customer-session/request and the pages' email form.
type RequestInput struct {
	Email       string // as typed
	WorkspaceID uuid.UUID
	CustomerID  *uuid.UUID
	ClientIP    string
	// Browser makes a sign_in_requests row the pages bind the code to.
	Browser bool
	// SignInRequestID resends a code for an existing request (pages).
	SignInRequestID *uuid.UUID
	// Device is the browser's device cookie value (pages only, D26).
	Device string
}

// RequestResult is what a request produced.
type RequestResult struct {
	SignInRequestID uuid.UUID // set when Browser
	// Email is the normalized address the code went to, "" when nothing
	// was sent. Never show it to the caller as a hint of existence.
	Email string
	// Held is set when the address is over its mail cap (D12): nothing was
	// mailed now, and a code can be mailed again after Held. Every address
	// is counted, known or not, so this says nothing about existence; the
	// pages word it the same for both (issue 16.3).
	Held time.Duration
}

// AuthenticateInput is POST /customer-session/authenticate and the pages'
// code form.
type AuthenticateInput struct {
	Code string
	// Email binds the code to an address (API, optional, D18; the pages'
	// code form opened from the email's link).
	Email *string
	// WorkspaceID, when set, binds the code to one workspace (the pages).
	WorkspaceID *uuid.UUID
	ClientIP    string
	// SignInRequestID binds the code to a browser's request (pages).
	SignInRequestID *uuid.UUID
	// Device is the browser's device cookie value (pages only, D26).
	Device string
	// UserAgent is the caller's, for the sign-in history.
	UserAgent string
	// API marks the JSON API's authenticate: its sign-ins and wrong codes
	// go in the sign-in history as channel "api" (issue 18).
	API bool
}

func (in AuthenticateInput) channel() string {
	if in.API {
		return "api"
	}
	return "page"
}

// Identity is who a valid code signs in.
type Identity struct {
	Kind        SubjectKind
	CustomerID  uuid.UUID
	MemberID    uuid.UUID // zero for customers
	WorkspaceID uuid.UUID
	Email       string
}

// ErrCodeInvalid is the one 401 of a code that does not sign in (§2.3, G7).
func ErrCodeInvalid() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthenticated, Name: "CustomerSessionCodeInvalidOrExpired",
		Detail: "This customer session code is invalid or has expired."}
}

// ErrRequestEnded is a resend for a browser request that has expired, was
// used, or was ended by wrong codes: the pages start again.
func ErrRequestEnded() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindNotFound, Name: "SignInRequestEnded",
		Detail: "This sign-in request has ended. Please ask for a new code."}
}

// target is who a request mails a code to.
type target struct {
	customerID uuid.UUID
	memberID   *uuid.UUID
	codeEmail  string // stored with the code; authenticate resolves the member by it
	mailTo     string
}

// Request issues a code and queues its email when the address belongs to
// someone in the workspace; otherwise it answers the same without sending
// (G1, §2.7). Member-mode addresses shared by several customers get the
// 409 picker unless CustomerID chooses (G3).
func (s *SignIn) Request(ctx context.Context, in RequestInput) (*RequestResult, error) {
	start := time.Now()
	email, err := validate.Email(in.Email)
	if err != nil {
		return nil, apperr.Invalid(apperr.InvalidEmail(err.Error(), in.Email, "body", "email"))
	}
	// After validation (a 422 costs nothing), before any lookup (G30).
	if err := s.limiter.CheckIP(ctx, ratelimit.BucketRequest, in.ClientIP); err != nil {
		return nil, err
	}
	customerID := in.CustomerID
	var req *dbgen.SignInRequest
	if in.SignInRequestID != nil {
		r, err := dbgen.New(s.pool).GetSignInRequest(ctx, dbgen.GetSignInRequestParams{ID: *in.SignInRequestID, WorkspaceID: in.WorkspaceID})
		if db.IsNotFound(err) {
			return nil, ErrRequestEnded()
		}
		if err != nil {
			return nil, dbErr("signin.request", err)
		}
		req = &r
		email = r.Email
		if customerID == nil {
			customerID = r.CustomerID
		}
	}
	// Counted for every address, known or not, so both paths do the same
	// work; an address over its budget still answers 202 and gets nothing,
	// unless this browser signed in to that address's account before: the
	// cap never locks its own devices out (D26).
	mayMail, err := s.limiter.AllowAddress(ctx, in.WorkspaceID.String(), strings.ToLower(email))
	if err != nil {
		return nil, err
	}
	if !mayMail {
		if mayMail, err = s.knownDevice(ctx, in.Device, in.WorkspaceID, email); err != nil {
			return nil, err
		}
	}
	res := &RequestResult{}
	if !mayMail {
		if res.Held, err = s.limiter.AddressWait(ctx, in.WorkspaceID.String(), strings.ToLower(email)); err != nil {
			return nil, err
		}
		if res.Held <= 0 {
			res.Held = time.Second // the window ended in between
		}
	}

	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, tx pgx.Tx) error {
		t, err := s.resolve(ctx, q, in.WorkspaceID, email, customerID)
		if err != nil {
			return err
		}
		sent := false
		if t != nil && mayMail {
			if err := s.issueCode(ctx, q, tx, in.WorkspaceID, t); err != nil {
				return err
			}
			sent = true
			res.Email = t.mailTo
		}
		if !in.Browser {
			return nil
		}
		if t == nil && req == nil {
			// The pages' workspace vanished under them: a request row
			// cannot reference it, and the answer stays the same.
			if _, err := q.SignInWorkspace(ctx, in.WorkspaceID); db.IsNotFound(err) {
				return nil
			} else if err != nil {
				return err
			}
		}
		var chosen *uuid.UUID
		if t != nil {
			chosen = &t.customerID
		}
		var sentAt *time.Time
		if sent {
			now := time.Now()
			sentAt = &now
		}
		ttl := CodeTTL.Seconds()
		if req != nil {
			res.SignInRequestID = req.ID
			return q.RefreshSignInRequest(ctx, dbgen.RefreshSignInRequestParams{ID: req.ID, CustomerID: chosen, LastSentAt: sentAt, TtlSeconds: ttl})
		}
		id, err := q.CreateSignInRequest(ctx, dbgen.CreateSignInRequestParams{WorkspaceID: in.WorkspaceID, Email: email,
			CustomerID: chosen, LastSentAt: sentAt, TtlSeconds: ttl})
		res.SignInRequestID = id
		return err
	})
	if err != nil {
		if e, ok := apperr.As(err); ok {
			if e.Kind == apperr.KindConflict {
				s.outcome("request", "picker")
			}
			return nil, err
		}
		return nil, dbErr("signin.request", err)
	}
	// One outcome whether a code was mailed, the address is unknown or over
	// its cap: anything finer would tell a known address from an unknown
	// one to whoever reads the metrics (D24).
	s.outcome("request", "accepted")
	s.pad(ctx, start)
	return res, nil
}

// knownDevice reports whether a device cookie value proves the browser
// signed in before as a live customer or member of workspace ws with this
// address (D26). A missing or forged cookie is simply no.
func (s *SignIn) knownDevice(ctx context.Context, device string, ws uuid.UUID, email string) (bool, error) {
	ids := s.Devices.Known(device)
	if len(ids) == 0 {
		return false, nil
	}
	known, err := dbgen.New(s.pool).SignInDeviceKnowsAddress(ctx, dbgen.SignInDeviceKnowsAddressParams{
		PrincipalIds: ids, WorkspaceID: ws, Email: email})
	if err != nil {
		return false, dbErr("signin.device", err)
	}
	return known, nil
}

// pad holds a successful answer until the floor has passed.
func (s *SignIn) pad(ctx context.Context, start time.Time) {
	wait := s.Floor - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// resolve finds who the code is for (§2.3 1b–1d). nil means "send nothing".
func (s *SignIn) resolve(ctx context.Context, q *dbgen.Queries, wsID uuid.UUID, email string, customerID *uuid.UUID) (*target, error) {
	ws, err := q.SignInWorkspace(ctx, wsID)
	if db.IsNotFound(err) {
		return nil, nil // unknown, deleted or blocked workspace (G1)
	}
	if err != nil {
		return nil, err
	}
	if !ws.MemberModelEnabled {
		// Legacy: customer_id is ignored (G4); the code goes to the
		// customer's address (D9).
		c, err := q.SignInFindCustomerByEmail(ctx, dbgen.SignInFindCustomerByEmailParams{WorkspaceID: ws.ID, Email: email})
		if db.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &target{customerID: c.ID, codeEmail: email, mailTo: c.Email}, nil
	}
	members, err := q.SignInFindMembersByEmail(ctx, dbgen.SignInFindMembersByEmailParams{WorkspaceID: ws.ID, Email: email})
	if err != nil {
		return nil, err
	}
	// The customer whose primary email this is is always among the
	// choices (G5, D29): when it has no live member for the address, the
	// fallback member is made even if the address is already a member of
	// other teams, so a team that adds someone's address cannot capture
	// their sign-in.
	c, err := q.SignInFindCustomerByEmail(ctx, dbgen.SignInFindCustomerByEmailParams{WorkspaceID: ws.ID, Email: email})
	switch {
	case db.IsNotFound(err):
		if len(members) == 0 {
			return nil, nil
		}
	case err != nil:
		return nil, err
	default:
		has := false
		for i := range members {
			if members[i].CustomerID == c.ID {
				has = true
				break
			}
		}
		if !has {
			m, err := s.fallbackMember(ctx, q, ws.ID, c.ID, email)
			if err != nil {
				return nil, err
			}
			members = append(members, m) // newest: where the ORDER BY puts it next time
		}
	}
	var chosen *dbgen.SignInFindMembersByEmailRow
	switch {
	case customerID != nil:
		for i := range members {
			if members[i].CustomerID == *customerID {
				chosen = &members[i]
				break
			}
		}
		if chosen == nil {
			return nil, nil // not one of this address's customers (G1)
		}
	case len(members) == 1:
		chosen = &members[0]
	default:
		opts := make(AccountChoices, 0, len(members))
		for _, m := range members {
			opts = append(opts, AccountChoice{ID: m.CustomerID, Name: m.CustomerName})
		}
		e := apperr.Conflict("customer_selection_required", "Multiple customers found for this email. Please select one.")
		e.Data = opts
		return nil, e
	}
	// D9: the member's own address, not the team's.
	id := chosen.ID
	return &target{customerID: chosen.CustomerID, memberID: &id, codeEmail: chosen.Email, mailTo: chosen.Email}, nil
}

// fallbackMember is G5: a customer with no live member for its address gets
// one (a removed one reactivated, else a new one) so it can sign in. It is
// the owner unless the team already has one (one owner per team is held by
// members_one_owner_key); then it is a billing manager.
func (s *SignIn) fallbackMember(ctx context.Context, q *dbgen.Queries, wsID, customerID uuid.UUID, email string) (dbgen.SignInFindMembersByEmailRow, error) {
	var out dbgen.SignInFindMembersByEmailRow
	// Serialize concurrent fallbacks for this customer.
	c, err := q.LockCustomer(ctx, dbgen.LockCustomerParams{ID: customerID, WorkspaceID: wsID})
	if err != nil {
		return out, err
	}
	out.CustomerID, out.CustomerName = customerID, c.Name
	existing, err := q.SignInFindMemberOfCustomer(ctx, dbgen.SignInFindMemberOfCustomerParams{CustomerID: customerID, Email: email})
	found := err == nil
	if found && existing.DeletedAt == nil {
		// Created by a concurrent request while we waited for the lock.
		out.ID, out.Email = existing.ID, existing.Email
		return out, nil
	}
	if err != nil && !db.IsNotFound(err) {
		return out, err
	}
	hasOwner, err := q.SignInCustomerHasOwner(ctx, customerID)
	if err != nil {
		return out, err
	}
	role := RoleOwner
	if hasOwner {
		role = RoleBillingManager
	}
	in := roster.Input{CustomerID: customerID, WorkspaceID: wsID, Email: email, Role: role}
	if found {
		// The removed member found case-insensitively comes back as it was
		// stored, with its name.
		in.Email, in.Name = existing.Email, existing.Name
	}
	m, _, err := roster.Add(ctx, q, in)
	if err != nil {
		return out, err
	}
	out.ID, out.Email = m.ID, m.Email
	return out, nil
}

// issueCode stores a new code's hash, keeps at most MaxLiveCodes per
// address, and queues its email in the same transaction (D18, D20).
func (s *SignIn) issueCode(ctx context.Context, q *dbgen.Queries, tx pgx.Tx, wsID uuid.UUID, t *target) error {
	for attempt := 0; attempt < 5; attempt++ {
		code := NewCode()
		row, err := q.InsertSignInCode(ctx, dbgen.InsertSignInCodeParams{CodeHash: s.hasher.Hash(code), TtlSeconds: CodeTTL.Seconds(),
			Email: t.codeEmail, CustomerID: t.customerID, MemberID: t.memberID, WorkspaceID: wsID})
		if db.IsNotFound(err) {
			continue // the same code is live for someone else: draw again
		}
		if err != nil {
			return err
		}
		if _, err := q.TrimSignInCodes(ctx, dbgen.TrimSignInCodesParams{CustomerID: t.customerID, Email: t.codeEmail, Keep: MaxLiveCodes}); err != nil {
			return err
		}
		return s.queue.EnqueueSignInTx(ctx, tx, row.ID, t.mailTo, code)
	}
	return errors.New("signin: could not draw an unused code")
}

// errWrongCode marks a code that matched nothing (counted as a failure).
var errWrongCode = errors.New("wrong code")

// Authenticate exchanges a code for an identity (§2.3 step 3). The code is
// consumed atomically; a wrong code counts against the caller's request
// (pages) and the global failure budget (D12, D18).
func (s *SignIn) Authenticate(ctx context.Context, in AuthenticateInput) (*Identity, error) {
	// Right and wrong codes alike (G30).
	if err := s.limiter.CheckIP(ctx, ratelimit.BucketAuthenticate, in.ClientIP); err != nil {
		return nil, err
	}
	params := dbgen.ConsumeSignInCodeParams{}
	if in.Email != nil {
		e := strings.TrimSpace(*in.Email)
		if n, err := validate.Email(e); err == nil {
			e = n
		}
		params.Email = &e
	}
	if in.WorkspaceID != nil {
		ws := *in.WorkspaceID
		params.WorkspaceID = &ws
	}
	if in.SignInRequestID != nil {
		r, err := dbgen.New(s.pool).GetSignInRequestByID(ctx, *in.SignInRequestID)
		if db.IsNotFound(err) {
			return nil, ErrCodeInvalid() // ended or expired: codes no longer count
		}
		if err != nil {
			return nil, dbErr("signin.authenticate", err)
		}
		email, ws := r.Email, r.WorkspaceID
		params.Email, params.WorkspaceID, params.CustomerID = &email, &ws, r.CustomerID
	}
	if params.Email != nil {
		// An address with 100 wrong codes this hour takes no more codes,
		// right or wrong, except from its own devices (D26). Known and
		// unknown addresses are counted alike.
		over, ra, err := s.limiter.AddressFailuresExceeded(ctx, *params.Email)
		if err != nil {
			return nil, err
		}
		if over {
			known := false
			if params.WorkspaceID != nil {
				if known, err = s.knownDevice(ctx, in.Device, *params.WorkspaceID, *params.Email); err != nil {
					return nil, err
				}
			}
			if !known {
				s.outcome("authenticate", "address_limited")
				return nil, apperr.RateLimited(ra, "")
			}
		}
	}
	if in.Email == nil && in.SignInRequestID == nil {
		// Unbound guesses stop while the whole service is under a guessing
		// attack; bound attempts are not affected (D12).
		over, ra, err := s.limiter.FailureBudgetExceeded(ctx)
		if err != nil {
			return nil, err
		}
		if over {
			s.outcome("authenticate", "budget_exceeded")
			return nil, apperr.RateLimited(ra, "")
		}
	}
	code, ok := NormalizeCode(in.Code)
	if !ok {
		return nil, s.failed(ctx, in, params, "")
	}
	params.CodeHash = s.hasher.Hash(code)
	var id *Identity
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, tx pgx.Tx) error {
		row, err := q.ConsumeSignInCode(ctx, params)
		if db.IsNotFound(err) {
			return errWrongCode
		}
		if err != nil {
			return err
		}
		memberMode, err := q.SignInAuthWorkspace(ctx, row.WorkspaceID)
		if db.IsNotFound(err) {
			return ErrCodeInvalid()
		}
		if err != nil {
			return err
		}
		cust, err := q.GetCustomer(ctx, dbgen.GetCustomerParams{ID: row.CustomerID, WorkspaceID: row.WorkspaceID})
		if db.IsNotFound(err) {
			return ErrCodeInvalid()
		}
		if err != nil {
			return err
		}
		id = &Identity{Kind: SubjectCustomer, CustomerID: cust.ID, WorkspaceID: row.WorkspaceID, Email: row.Email}
		if memberMode {
			// The member for the code's exact address; gone → 401 and the
			// rollback keeps the code (G7, G8).
			mid, err := q.SignInAuthMember(ctx, dbgen.SignInAuthMemberParams{CustomerID: cust.ID, Email: row.Email})
			if db.IsNotFound(err) {
				return ErrCodeInvalid()
			}
			if err != nil {
				return err
			}
			id.Kind, id.MemberID = SubjectMember, mid
		}
		if strings.EqualFold(row.Email, cust.Email) {
			if err := q.MarkCustomerEmailVerified(ctx, cust.ID); err != nil { // G9
				return err
			}
		}
		if in.SignInRequestID != nil {
			return q.EndSignInRequest(ctx, *in.SignInRequestID)
		}
		if in.API {
			// The pages record theirs when the browser session starts.
			return RecordAPISignIn(ctx, q, id, in.UserAgent, in.ClientIP)
		}
		return nil
	})
	switch {
	case errors.Is(err, errWrongCode):
		return nil, s.failed(ctx, in, params, params.CodeHash)
	case err != nil:
		if _, ok := apperr.As(err); ok {
			s.outcome("authenticate", "invalid")
			return nil, err
		}
		return nil, dbErr("signin.authenticate", err)
	}
	s.outcome("authenticate", "ok")
	return id, nil
}

// failed records a wrong code (globally, against the address the attempt
// named, D26, and in the sign-in history of whom it was for, issue 18) and
// answers the 401. Known and unknown addresses take the same steps and get
// the same answer and outcome: only the history rows written differ.
func (s *SignIn) failed(ctx context.Context, in AuthenticateInput, params dbgen.ConsumeSignInCodeParams, codeHash string) error {
	address := params.Email
	if err := s.limiter.RecordFailure(ctx); err != nil {
		s.log.Warn("sign-in failure not counted", "error", err.Error())
	}
	if address != nil {
		if err := s.limiter.RecordAddressFailure(ctx, *address); err != nil {
			s.log.Warn("sign-in address failure not counted", "error", err.Error())
		}
	}
	if in.SignInRequestID != nil {
		_, err := dbgen.New(s.pool).FailSignInRequest(ctx, dbgen.FailSignInRequestParams{ID: *in.SignInRequestID, MaxAttempts: MaxFailedAttempts})
		if err != nil && !db.IsNotFound(err) {
			s.log.Warn("sign-in request attempt not counted", "error", err.Error())
		}
		if err := RecordFailedCode(ctx, dbgen.New(s.pool), *in.SignInRequestID, in.UserAgent, in.ClientIP); err != nil {
			s.log.Warn("wrong code not recorded in the sign-in history", "error", err.Error())
		}
	} else if err := dbgen.New(s.pool).RecordFailedBoundCode(ctx, dbgen.RecordFailedBoundCodeParams{Channel: in.channel(),
		UserAgent: nilIfEmpty(clipUA(in.UserAgent)), IpMasked: nilIfEmpty(MaskIP(in.ClientIP)),
		WorkspaceID: params.WorkspaceID, Email: address, CodeHash: codeHash}); err != nil {
		s.log.Warn("wrong code not recorded in the sign-in history", "error", err.Error())
	}
	s.outcome("authenticate", "wrong_code")
	return ErrCodeInvalid()
}

// IssueAPIToken creates the bearer session for an identity: rapidly_mst_
// for members, rapidly_cst_ for customers, one hour (§2.5). The raw token
// is returned only here.
func (s *SignIn) IssueAPIToken(ctx context.Context, id *Identity) (string, error) {
	if id == nil {
		return "", apperr.Unauthorized()
	}
	q := dbgen.New(s.pool)
	exp := time.Now().Add(SessionTTL)
	var token string
	var err error
	if id.Kind == SubjectMember {
		token = NewToken(PrefixMemberSession)
		_, err = q.CreateMemberSession(ctx, dbgen.CreateMemberSessionParams{TokenHash: s.hasher.Hash(token), ExpiresAt: exp, MemberID: id.MemberID})
	} else {
		token = NewToken(PrefixCustomerSession)
		_, err = q.CreateCustomerSession(ctx, dbgen.CreateCustomerSessionParams{TokenHash: s.hasher.Hash(token), ExpiresAt: exp, CustomerID: id.CustomerID})
	}
	if err != nil {
		return "", dbErr("signin.token", err)
	}
	return token, nil
}

// Introspection is GET /customer-session/introspect.
type Introspection struct {
	ExpiresAt time.Time
	ReturnURL *string
}

// Introspect describes the session that authenticated the caller (§3.4).
func (s *SignIn) Introspect(_ context.Context, p *Principal) (*Introspection, error) {
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	return &Introspection{ExpiresAt: p.ExpiresAt, ReturnURL: p.ReturnURL}, nil
}

// User is GET /customer-session/user (PortalAuthenticatedUser).
type User struct {
	Type       string // "customer" or "member"
	Name       *string
	Email      string
	CustomerID uuid.UUID
	MemberID   *uuid.UUID
	Role       *string
}

// User describes the signed-in person (§3.3).
func (s *SignIn) User(ctx context.Context, p *Principal) (*User, error) {
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	q := dbgen.New(s.pool)
	if p.IsMember() {
		m, err := q.GetSignInMember(ctx, dbgen.GetSignInMemberParams{ID: p.MemberID, CustomerID: p.CustomerID})
		if err != nil {
			return nil, principalGone(err)
		}
		id, role := m.ID, m.Role
		return &User{Type: string(SubjectMember), Name: m.Name, Email: m.Email, CustomerID: p.CustomerID, MemberID: &id, Role: &role}, nil
	}
	c, err := q.GetSignInCustomer(ctx, dbgen.GetSignInCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, principalGone(err)
	}
	return &User{Type: string(SubjectCustomer), Name: c.Name, Email: c.Email, CustomerID: c.ID}, nil
}

func principalGone(err error) error {
	if db.IsNotFound(err) {
		return apperr.Unauthorized()
	}
	return dbErr("signin.user", err)
}

func dbErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 5*time.Second, err)
	}
	return apperr.Internal(op, err)
}

// PendingRequest is a browser's live sign-in request, for the code page
// (where the code went, the resend cooldown, attempts left).
type PendingRequest struct {
	ID             uuid.UUID
	Email          string // the address as typed (normalized), known or not
	CustomerID     *uuid.UUID
	LastSentAt     *time.Time
	ExpiresAt      time.Time
	FailedAttempts int
}

// AttemptsLeft is how many wrong codes the request still tolerates.
func (p *PendingRequest) AttemptsLeft() int { return MaxFailedAttempts - p.FailedAttempts }

// SignInRequest returns the live request id of workspace wsID, or
// ErrRequestEnded when it expired, was used or was ended by wrong codes.
func (s *SignIn) SignInRequest(ctx context.Context, wsID, id uuid.UUID) (*PendingRequest, error) {
	r, err := dbgen.New(s.pool).GetSignInRequest(ctx, dbgen.GetSignInRequestParams{ID: id, WorkspaceID: wsID})
	if db.IsNotFound(err) {
		return nil, ErrRequestEnded()
	}
	if err != nil {
		return nil, dbErr("signin.pending", err)
	}
	return &PendingRequest{ID: r.ID, Email: r.Email, CustomerID: r.CustomerID, LastSentAt: r.LastSentAt,
		ExpiresAt: r.ExpiresAt, FailedAttempts: int(r.FailedAttempts)}, nil
}
