// Package passkey owns passkeys (WebAuthn, issue 18): registering them for
// a signed-in customer or member, listing, renaming and removing them, and
// signing in with one. The WebAuthn ceremony itself (CBOR, attestation,
// signatures) is github.com/go-webauthn/webauthn's; this package keeps the
// rules around it: discoverable credentials with user verification and no
// attestation, a random user handle per principal, challenges that are
// server-side, single use and five minutes long, sign-count regressions
// refused, per-IP limits, and a passkey that works only while its owner
// does (D10). Nothing here logs credential data.
package passkey

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/ratelimit"
)

const (
	// ChallengeTTL is how long a registration or sign-in challenge lives.
	ChallengeTTL = 5 * time.Minute
	// FreshSession is how young a browser session must be to add a passkey;
	// an older one re-verifies with a code first.
	FreshSession = 10 * time.Minute
	// MaxNameLength bounds a passkey's name.
	MaxNameLength = 64

	// Per-IP buckets. Finishing a sign-in (checking an assertion) has the
	// codes' limit (ratelimit.CheckIP: 10 per 15 minutes, sliding), like
	// authenticate. Beginning one only makes a challenge, and the sign-in
	// page begins one on every view for passkey autofill, so it gets more.
	BucketBegin  = "portal_passkey_begin"
	BucketFinish = "portal_passkey"
	BeginLimit   = 60

	kindRegister = "register"
	kindLogin    = "login"
)

// Service is the passkeys service. A nil *Service (or one whose RP ID is
// unusable) is disabled: Enabled reports false and the pages hide passkeys.
type Service struct {
	pool    *pgxpool.Pool
	limiter *ratelimit.Limiter
	wa      *webauthn.WebAuthn
	// Now is the clock for the session-age rule (tests move it).
	Now func() time.Time
	// Outcome, when set, is told how each passkey sign-in ended (for the
	// metrics): ok, unknown (a credential this workspace does not know,
	// which no history can hold), refused (a known credential whose owner
	// was removed or blocked), sign_count, not_verified, expired_challenge,
	// bad_answer. It never sees credential data.
	Outcome func(outcome string)
	// Log, when set, takes the warnings of history rows that could not be
	// written (never any credential data).
	Log *slog.Logger
}

func (s *Service) outcome(o string) {
	if s.Outcome != nil {
		s.Outcome(o)
	}
}

// Config turns PORTAL_BASE_URL into the relying party: its host is the RP
// ID and the URL's origin the only accepted origin. WebAuthn refuses IP
// addresses as RP IDs, so a base URL on an IP (127.0.0.1) has no passkeys:
// use localhost for development and tests.
func Config(baseURL, displayName string) (*webauthn.Config, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("passkey: base URL %q is not an http(s) URL", baseURL)
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return nil, fmt.Errorf("passkey: base URL host %s is an IP address, which WebAuthn refuses as a relying party ID (use localhost)", host)
	}
	if displayName == "" {
		displayName = "Portal"
	}
	return &webauthn.Config{
		RPID:          host,
		RPDisplayName: displayName,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// No attestation: the portal does not restrict authenticator makes.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationRequired,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ChallengeTTL, TimeoutUVD: ChallengeTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ChallengeTTL, TimeoutUVD: ChallengeTTL},
		},
	}, nil
}

// New builds the service for PORTAL_BASE_URL; err says why passkeys are
// off (the service is still usable: Enabled is false).
func New(pool *pgxpool.Pool, limiter *ratelimit.Limiter, baseURL string) (*Service, error) {
	s := &Service{pool: pool, limiter: limiter, Now: time.Now}
	cfg, err := Config(baseURL, "Portal")
	if err != nil {
		return s, err
	}
	if s.wa, err = webauthn.New(cfg); err != nil {
		return s, fmt.Errorf("passkey: %w", err)
	}
	return s, nil
}

// NewWithConfig is New with an explicit relying party (tests of a wrong
// RP ID or origin).
func NewWithConfig(pool *pgxpool.Pool, limiter *ratelimit.Limiter, cfg *webauthn.Config) (*Service, error) {
	wa, err := webauthn.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Service{pool: pool, limiter: limiter, wa: wa, Now: time.Now}, nil
}

// Enabled reports whether passkeys can be used with this configuration.
func (s *Service) Enabled() bool { return s != nil && s.wa != nil }

// MsgDisabled is ErrDisabled's detail; pages key their own wording on it
// (web/html passkeyJSONError).
const MsgDisabled = "Passkeys are not available for this portal."

// ErrDisabled answers every passkey call when passkeys are off for this
// portal's base URL.
func ErrDisabled() *apperr.Error { return apperr.NotFound(MsgDisabled) }

// ErrExists is a registration of a credential that is already registered.
func ErrExists() *apperr.Error {
	return apperr.Conflict("passkey_exists", "This passkey is already registered.")
}

// ErrUnknown is an assertion by a credential this portal does not know:
// never registered here, removed, or its owner removed or blocked.
func ErrUnknown() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthenticated, Name: "PasskeyUnknown",
		Detail: "This passkey is not registered for this portal. Sign in with a code instead; you can add a passkey in Settings."}
}

// ErrSignCount is an assertion whose signature counter did not grow: the
// passkey may have been copied, so it is refused.
func ErrSignCount() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthenticated, Name: "PasskeySignCount",
		Detail: "This passkey could not be trusted: its signature counter went backwards, which can mean it was copied. Sign in with a code and remove it in Settings."}
}

// ErrChallenge is a challenge that is unknown, used, expired, or not this
// browser's.
func ErrChallenge() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthenticated, Name: "PasskeyChallengeExpired",
		Detail: "This passkey request has expired. Please try again."}
}

// ErrVerify is any other failed ceremony (wrong origin or RP ID, missing
// user verification, bad signature, malformed answer).
func ErrVerify() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthenticated, Name: "PasskeyNotVerified",
		Detail: "Your passkey could not be verified. Please try again, or sign in with a code."}
}

// ErrStale is a registration from a browser session older than
// FreshSession: sign in again with a code first.
func ErrStale() *apperr.Error {
	return &apperr.Error{Kind: apperr.KindForbidden, Name: "PasskeyReverify",
		Detail: "To add a passkey, please confirm it is you with a new code first."}
}

// Passkey is one passkey as the settings page lists it.
type Passkey struct {
	ID         uuid.UUID
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// user is the library's view of a principal.
type user struct {
	handle []byte
	name   string
	creds  []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.handle }
func (u *user) WebAuthnName() string                       { return u.name }
func (u *user) WebAuthnDisplayName() string                { return u.name }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func keys(p *auth.Principal) (uuid.UUID, *uuid.UUID) {
	if p.IsMember() {
		m := p.MemberID
		return p.CustomerID, &m
	}
	return p.CustomerID, nil
}

// List is the principal's passkeys, oldest first.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Passkey, error) {
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	cust, mem := keys(p)
	rows, err := dbgen.New(s.pool).ListPrincipalPasskeys(ctx, dbgen.ListPrincipalPasskeysParams{WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if err != nil {
		return nil, dbErr("passkey.list", err)
	}
	out := make([]Passkey, 0, len(rows))
	for _, r := range rows {
		out = append(out, Passkey{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt})
	}
	return out, nil
}

// Fresh reports whether the browser session signed in recently enough to
// add a passkey without re-verifying.
func (s *Service) Fresh(p *auth.Principal) bool {
	return p != nil && p.Browser && !p.SignedInAt.IsZero() && s.Now().Sub(p.SignedInAt) < FreshSession
}

// Begin is a ceremony's first half: the challenge id the browser sends
// back, and the options for navigator.credentials (JSON).
type Begin struct {
	ChallengeID uuid.UUID       `json:"challenge_id"`
	Options     json.RawMessage `json:"options"`
}

// BeginRegistration starts adding a passkey for the principal's browser
// session (only a fresh one, FreshSession). label is the account name the
// authenticator shows (the person's email); the user handle is random.
func (s *Service) BeginRegistration(ctx context.Context, p *auth.Principal, label string) (*Begin, error) {
	if !s.Enabled() {
		return nil, ErrDisabled()
	}
	if p == nil || !p.Browser {
		return nil, apperr.Unauthorized()
	}
	if !s.Fresh(p) {
		return nil, ErrStale()
	}
	var out *Begin
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		handle, err := s.handle(ctx, q, p, true)
		if err != nil {
			return err
		}
		u, err := s.loadUser(ctx, q, p, handle, label)
		if err != nil {
			return err
		}
		exclude := make([]protocol.CredentialDescriptor, 0, len(u.creds))
		for _, c := range u.creds {
			exclude = append(exclude, c.Descriptor())
		}
		creation, sd, err := s.wa.BeginRegistration(u, webauthn.WithExclusions(exclude),
			webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
			webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
		if err != nil {
			return err
		}
		sid := p.SessionID
		out, err = s.saveChallenge(ctx, q, p.WorkspaceID, kindRegister, &sid, sd, creation)
		return err
	})
	if err != nil {
		return nil, wrap("passkey.begin_registration", err)
	}
	return out, nil
}

// FinishRegistration checks the authenticator's answer (body, the
// credential as JSON) against the challenge and stores the passkey.
func (s *Service) FinishRegistration(ctx context.Context, p *auth.Principal, challengeID uuid.UUID, name string, body []byte) (*Passkey, error) {
	if !s.Enabled() {
		return nil, ErrDisabled()
	}
	if p == nil || !p.Browser {
		return nil, apperr.Unauthorized()
	}
	name, err := cleanName(name)
	if err != nil {
		return nil, err
	}
	// The challenge goes first, in its own statement: whatever happens
	// next, it cannot be used again.
	sid := p.SessionID
	sd, err := s.consume(ctx, dbgen.New(s.pool), p.WorkspaceID, kindRegister, &sid, challengeID)
	if err != nil {
		return nil, wrap("passkey.finish_registration", err)
	}
	parsed, perr := protocol.ParseCredentialCreationResponseBytes(body)
	if perr != nil {
		return nil, ErrVerify()
	}
	var out *Passkey
	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		handle, err := s.handle(ctx, q, p, false)
		if err != nil {
			return err
		}
		u, err := s.loadUser(ctx, q, p, handle, "")
		if err != nil {
			return err
		}
		cred, err := s.wa.CreateCredential(u, *sd, parsed)
		if err != nil {
			return ErrVerify()
		}
		raw, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		cust, mem := keys(p)
		id, err := q.CreatePasskey(ctx, dbgen.CreatePasskeyParams{WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem,
			UserHandle: handle, CredentialID: cred.ID, Credential: raw, Name: name})
		if isUnique(err) {
			return ErrExists()
		}
		if err != nil {
			return err
		}
		out = &Passkey{ID: id, Name: name, CreatedAt: s.Now()}
		return nil
	})
	if err != nil {
		return nil, wrap("passkey.finish_registration", err)
	}
	return out, nil
}

// BeginLogin starts a passkey sign-in on workspace wsID's sign-in page: a
// discoverable-credential request (no account named), user verification
// required. Counted per IP.
func (s *Service) BeginLogin(ctx context.Context, wsID uuid.UUID, clientIP string) (*Begin, error) {
	if !s.Enabled() {
		return nil, ErrDisabled()
	}
	// Keyed per client as CheckIP does: an IPv6 address counts as its /64
	// (D26), so rotating addresses inside one network gains nothing.
	res, err := s.limiter.Hit(ctx, BucketBegin, s.limiter.Key(ratelimit.ClientKey(clientIP)), BeginLimit, ratelimit.IPWindow, true)
	if err != nil {
		return nil, err
	}
	if !res.Allowed {
		return nil, apperr.RateLimited(res.RetryAfter, "")
	}
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, wrap("passkey.begin_login", err)
	}
	var out *Begin
	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		var err error
		out, err = s.saveChallenge(ctx, q, wsID, kindLogin, nil, sd, assertion)
		return err
	})
	if err != nil {
		return nil, wrap("passkey.begin_login", err)
	}
	return out, nil
}

// FinishLogin checks an assertion (body, the credential as JSON) against
// the challenge and returns whom it signs in. The caller creates the
// browser session exactly as after a code. Counted per IP, right or wrong.
// A refused assertion by a credential registered in this workspace (its
// counter went backwards, verification failed, or its owner was removed or
// blocked) goes in the owner's sign-in history with the caller's masked
// address and browser (userAgent); an unknown credential only in the
// metrics. The answer does not say which.
func (s *Service) FinishLogin(ctx context.Context, wsID uuid.UUID, clientIP, userAgent string, challengeID uuid.UUID, body []byte) (auth.BrowserSubject, error) {
	var subject auth.BrowserSubject
	if !s.Enabled() {
		return subject, ErrDisabled()
	}
	if err := s.limiter.CheckIP(ctx, BucketFinish, clientIP); err != nil {
		return subject, err
	}
	// The challenge goes first, in its own statement: whatever happens
	// next, it cannot be used again.
	sd, err := s.consume(ctx, dbgen.New(s.pool), wsID, kindLogin, nil, challengeID)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Name == "PasskeyChallengeExpired" {
			s.outcome("expired_challenge")
		}
		return subject, wrap("passkey.finish_login", err)
	}
	parsed, perr := protocol.ParseCredentialRequestResponseBytes(body)
	if perr != nil {
		s.outcome("bad_answer")
		return subject, ErrVerify()
	}
	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		row, err := q.GetPasskeyForLogin(ctx, dbgen.GetPasskeyForLoginParams{CredentialID: parsed.RawID, WorkspaceID: wsID})
		if db.IsNotFound(err) {
			return ErrUnknown()
		}
		if err != nil {
			return err
		}
		var stored webauthn.Credential
		if err := json.Unmarshal(row.Credential, &stored); err != nil {
			return fmt.Errorf("stored credential: %w", err)
		}
		u := &user{handle: row.UserHandle, creds: []webauthn.Credential{stored}}
		handler := func(rawID, userHandle []byte) (webauthn.User, error) {
			if string(userHandle) != string(row.UserHandle) {
				return nil, errors.New("user handle mismatch")
			}
			return u, nil
		}
		_, cred, err := s.wa.ValidatePasskeyLogin(handler, *sd, parsed)
		if err != nil {
			return ErrVerify()
		}
		if cred.Authenticator.CloneWarning {
			return ErrSignCount()
		}
		raw, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		if err := q.UsePasskey(ctx, dbgen.UsePasskeyParams{ID: row.ID, Credential: raw}); err != nil {
			return err
		}
		subject = auth.BrowserSubject{WorkspaceID: row.WorkspaceID, CustomerID: row.CustomerID}
		if row.MemberID != nil {
			subject.MemberID = *row.MemberID
		}
		return nil
	})
	if err != nil {
		s.refused(ctx, wsID, parsed.RawID, clientIP, userAgent, err)
		return auth.BrowserSubject{}, wrap("passkey.finish_login", err)
	}
	s.outcome("ok")
	return subject, nil
}

// refused records a refused assertion: in its owner's sign-in history when
// the credential is registered in this workspace (whatever its owner's
// state), and in the metrics. The transaction that refused it was rolled
// back, so this writes on its own.
func (s *Service) refused(ctx context.Context, wsID uuid.UUID, credentialID []byte, clientIP, userAgent string, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return // the database failed: nothing was decided
	}
	q := dbgen.New(s.pool)
	outcome := map[string]string{"PasskeyUnknown": "refused", "PasskeySignCount": "sign_count", "PasskeyNotVerified": "not_verified"}[ae.Name]
	if outcome == "" {
		return
	}
	owner, oerr := q.GetPasskeyOwner(ctx, dbgen.GetPasskeyOwnerParams{CredentialID: credentialID, WorkspaceID: wsID})
	if db.IsNotFound(oerr) {
		s.outcome("unknown")
		return
	}
	s.outcome(outcome)
	if oerr == nil {
		oerr = auth.RecordRefusedPasskey(ctx, q, wsID, owner.CustomerID, owner.MemberID, userAgent, clientIP)
	}
	if oerr != nil && s.Log != nil {
		s.Log.Warn("refused passkey sign-in not recorded in the sign-in history", "error", oerr.Error())
	}
}

// Rename gives one of the principal's passkeys a new name.
func (s *Service) Rename(ctx context.Context, p *auth.Principal, id uuid.UUID, name string) error {
	if p == nil {
		return apperr.Unauthorized()
	}
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	cust, mem := keys(p)
	n, err := dbgen.New(s.pool).RenamePasskey(ctx, dbgen.RenamePasskeyParams{ID: id, WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem, Name: name})
	if err != nil {
		return dbErr("passkey.rename", err)
	}
	if n == 0 {
		return apperr.NotFound("")
	}
	return nil
}

// Remove deletes one of the principal's passkeys: it no longer signs in.
func (s *Service) Remove(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	if p == nil {
		return apperr.Unauthorized()
	}
	cust, mem := keys(p)
	n, err := dbgen.New(s.pool).DeletePasskey(ctx, dbgen.DeletePasskeyParams{ID: id, WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if err != nil {
		return dbErr("passkey.remove", err)
	}
	if n == 0 {
		return apperr.NotFound("")
	}
	return nil
}

// cleanName trims a passkey's name; empty or too long is a field error.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(strings.ToValidUTF8(name, ""))
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", apperr.Invalid(apperr.Field(fmt.Sprintf("Use at most %d characters.", MaxNameLength), name, "body", "name"))
	}
	return name, nil
}

// handle is the principal's user handle, made on first use when create.
func (s *Service) handle(ctx context.Context, q *dbgen.Queries, p *auth.Principal, create bool) ([]byte, error) {
	cust, mem := keys(p)
	get := dbgen.GetPasskeyHandleParams{WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem}
	h, err := q.GetPasskeyHandle(ctx, get)
	if err == nil || !db.IsNotFound(err) || !create {
		if db.IsNotFound(err) {
			return nil, ErrChallenge()
		}
		return h, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	h, err = q.CreatePasskeyHandle(ctx, dbgen.CreatePasskeyHandleParams{Handle: b, WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if db.IsNotFound(err) {
		return q.GetPasskeyHandle(ctx, get) // made concurrently
	}
	return h, err
}

func (s *Service) loadUser(ctx context.Context, q *dbgen.Queries, p *auth.Principal, handle []byte, label string) (*user, error) {
	cust, mem := keys(p)
	rows, err := q.ListPrincipalPasskeys(ctx, dbgen.ListPrincipalPasskeysParams{WorkspaceID: p.WorkspaceID, CustomerID: cust, MemberID: mem})
	if err != nil {
		return nil, err
	}
	u := &user{handle: handle, name: label}
	if u.name == "" {
		u.name = "Portal account"
	}
	for _, r := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal(r.Credential, &c); err != nil {
			return nil, fmt.Errorf("stored credential: %w", err)
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

func (s *Service) saveChallenge(ctx context.Context, q *dbgen.Queries, wsID uuid.UUID, kind string, sid *uuid.UUID, sd *webauthn.SessionData, options any) (*Begin, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return nil, err
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	id, err := q.CreatePasskeyChallenge(ctx, dbgen.CreatePasskeyChallengeParams{WorkspaceID: wsID, Kind: kind, BrowserSessionID: sid,
		SessionData: data, TtlSeconds: ChallengeTTL.Seconds()})
	if err != nil {
		return nil, err
	}
	return &Begin{ChallengeID: id, Options: opts}, nil
}

// consume takes the challenge out (single use) and returns its ceremony
// data; unknown, used, expired or another browser's is ErrChallenge.
func (s *Service) consume(ctx context.Context, q *dbgen.Queries, wsID uuid.UUID, kind string, sid *uuid.UUID, id uuid.UUID) (*webauthn.SessionData, error) {
	row, err := q.ConsumePasskeyChallenge(ctx, dbgen.ConsumePasskeyChallengeParams{ID: id, WorkspaceID: wsID, Kind: kind, BrowserSessionID: sid})
	if db.IsNotFound(err) {
		return nil, ErrChallenge()
	}
	if err != nil {
		return nil, err
	}
	if !row.Live {
		return nil, ErrChallenge()
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(row.SessionData, &sd); err != nil {
		return nil, err
	}
	return &sd, nil
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// wrap keeps apperr errors as they are and maps the rest.
func wrap(op string, err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	return dbErr(op, err)
}

func dbErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 5*time.Second, err)
	}
	return apperr.Internal(op, err)
}
