package payments

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Sandbox is the card sandbox (PORTAL_PAYMENTS=sandbox): the Provider
// interface over three PostgreSQL tables, no network, with Stripe's
// canonical test card numbers and their outcomes, and a local 3-D Secure
// page in place of the bank's. Config refuses it in production.
type Sandbox struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewSandbox builds the sandbox provider on pool.
func NewSandbox(pool *pgxpool.Pool) *Sandbox { return &Sandbox{pool: pool, now: time.Now} }

func (s *Sandbox) Name() string { return ProcessorSandbox }

// Scenarios a sandbox card plays when a SetupIntent confirms it.
const (
	scenarioSucceed      = "succeed"
	scenarioAuthenticate = "authenticate"
	scenarioDecline      = "decline"
	scenarioInsufficient = "insufficient_funds"
	scenarioExpired      = "expired_card"
	scenarioIncorrectCVC = "incorrect_cvc"
)

type testCard struct{ brand, funding, scenario string }

// testCards are Stripe's documented test numbers (docs.stripe.com/testing)
// with the brand and outcome Stripe gives them.
var testCards = map[string]testCard{
	"4242424242424242": {"visa", "credit", scenarioSucceed},
	"4000056655665556": {"visa", "debit", scenarioSucceed},
	"5555555555554444": {"mastercard", "credit", scenarioSucceed},
	"2223003122003222": {"mastercard", "credit", scenarioSucceed},
	"5200828282828210": {"mastercard", "debit", scenarioSucceed},
	"378282246310005":  {"amex", "credit", scenarioSucceed},
	"6011111111111117": {"discover", "credit", scenarioSucceed},
	"3566002020360505": {"jcb", "credit", scenarioSucceed},
	"4000002500003155": {"visa", "credit", scenarioAuthenticate},
	"4000002760003184": {"visa", "credit", scenarioAuthenticate},
	"4000000000003220": {"visa", "credit", scenarioAuthenticate},
	"4000000000000002": {"visa", "credit", scenarioDecline},
	"4000000000009995": {"visa", "credit", scenarioInsufficient},
	"4000000000000069": {"visa", "credit", scenarioExpired},
	"4000000000000127": {"visa", "credit", scenarioIncorrectCVC},
}

// declineMessages are Stripe's user-facing messages for each decline.
var declineMessages = map[string]string{
	scenarioDecline:      "Your card was declined.",
	scenarioInsufficient: "Your card has insufficient funds.",
	scenarioExpired:      "Your card has expired.",
	scenarioIncorrectCVC: "Your card's security code is incorrect.",
}

// CardInput is what the sandbox's card form posts.
type CardInput struct {
	Number string // digits, spaces allowed
	Expiry string // MM/YY or MM/YYYY
	CVC    string
	// FormID identifies one rendering of the card form. The same form
	// posted twice (a double click) yields the same token, and so one
	// SetupIntent, as Stripe.js's one token per submit does.
	FormID string
}

// CreateConfirmationToken is the sandbox's stand-in for Stripe.js
// createConfirmationToken: it checks the card like Stripe's card form does
// and returns a token id (ctoken_sbx_...). Field errors are a 422 whose loc
// names the form field (number, expiry, cvc).
func (s *Sandbox) CreateConfirmationToken(ctx context.Context, in CardInput) (string, error) {
	number := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, in.Number)
	var fields []apperr.FieldError
	card, known := testCards[number]
	switch {
	case number == "":
		fields = append(fields, apperr.Field("Your card number is incomplete.", "", "body", "number").WithCode(apperr.CodeInvalidCard))
	case !luhn(number):
		fields = append(fields, apperr.Field("Your card number is invalid.", "", "body", "number").WithCode(apperr.CodeInvalidCard))
	case !known:
		fields = append(fields, apperr.Field("Your card was declined. This sandbox only accepts Stripe's test card numbers, such as 4242 4242 4242 4242.", "", "body", "number").WithCode(apperr.CodeInvalidCard))
	}
	month, year, expErr := parseExpiry(in.Expiry, s.now())
	if expErr != "" {
		fields = append(fields, apperr.Field(expErr, in.Expiry, "body", "expiry").WithCode(apperr.CodeInvalidCard))
	}
	cvc := strings.TrimSpace(in.CVC)
	wantCVC := 3
	if card.brand == "amex" {
		wantCVC = 4
	}
	if len(cvc) != wantCVC || strings.Trim(cvc, "0123456789") != "" {
		fields = append(fields, apperr.Field("Your card's security code is invalid.", "", "body", "cvc").WithCode(apperr.CodeInvalidCard))
	}
	if len(fields) > 0 {
		return "", apperr.Invalid(fields...)
	}
	suffix := randomID()
	if in.FormID != "" {
		sum := sha256.Sum256([]byte("sandbox-form\x00" + in.FormID + "\x00" + number + "\x00" + in.Expiry))
		suffix = hex.EncodeToString(sum[:12])
	}
	_, err := dbgen.New(s.pool).SandboxCreatePaymentMethod(ctx, dbgen.SandboxCreatePaymentMethodParams{
		ID: "pm_sbx_" + suffix, Brand: card.brand, Last4: number[len(number)-4:], ExpMonth: int32(month), ExpYear: int32(year),
		Funding: card.funding, Scenario: card.scenario,
	})
	if err != nil && db.UniqueViolation(err) == "" {
		return "", sandboxDBError("create confirmation token", err)
	}
	return "ctoken_sbx_" + suffix, nil
}

func (s *Sandbox) CreateCustomer(ctx context.Context, email, name string, metadata map[string]string, _ string) (string, error) {
	md, _ := json.Marshal(metadata)
	var n *string
	if name != "" {
		n = &name
	}
	c, err := dbgen.New(s.pool).SandboxCreateCustomer(ctx, dbgen.SandboxCreateCustomerParams{
		ID: "cus_sbx_" + randomID(), Email: &email, Name: n, Metadata: md})
	if err != nil {
		return "", sandboxDBError("create customer", err)
	}
	return c.ID, nil
}

func (s *Sandbox) UpdateCustomer(ctx context.Context, id string, u CustomerUpdate) error {
	var addr json.RawMessage
	if a := u.Address; a != nil {
		addr, _ = json.Marshal(map[string]string{"line1": a.Line1, "line2": a.Line2, "postal_code": a.PostalCode,
			"city": a.City, "state": a.State, "country": a.Country})
	}
	n, err := dbgen.New(s.pool).SandboxUpdateCustomer(ctx, dbgen.SandboxUpdateCustomerParams{ID: id, Email: u.Email, Name: u.Name, Address: addr})
	if err != nil {
		return sandboxDBError("update customer", err)
	}
	if n == 0 {
		return noSuch("customer", id)
	}
	return nil
}

func (s *Sandbox) CreateSetupIntent(ctx context.Context, in SetupIntentCreate) (*SetupIntent, error) {
	q := dbgen.New(s.pool)
	if in.IdempotencyKey != "" {
		if si, err := q.SandboxGetSetupIntentByIdempotencyKey(ctx, &in.IdempotencyKey); err == nil {
			return s.replay(ctx, si)
		} else if !db.IsNotFound(err) {
			return nil, sandboxDBError("create setup intent", err)
		}
	}
	suffix, ok := strings.CutPrefix(in.ConfirmationToken, "ctoken_sbx_")
	if !ok || suffix == "" {
		return nil, noSuch("confirmationtoken", in.ConfirmationToken)
	}
	if _, err := q.SandboxGetCustomer(ctx, in.CustomerID); err != nil {
		if db.IsNotFound(err) {
			return nil, noSuch("customer", in.CustomerID)
		}
		return nil, sandboxDBError("create setup intent", err)
	}
	var out *SetupIntent
	var declined string
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		pm, err := q.SandboxGetPaymentMethod(ctx, "pm_sbx_"+suffix)
		if err != nil {
			if db.IsNotFound(err) {
				return noSuch("confirmationtoken", in.ConfirmationToken)
			}
			return err
		}
		used, err := q.SandboxSetupIntentUsingPaymentMethod(ctx, &pm.ID)
		if err != nil {
			return err
		}
		if used > 0 || pm.CustomerID != nil {
			return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PaymentMethodError",
				Detail: "This ConfirmationToken has already been used to confirm a previous SetupIntent.",
				Err:    fmt.Errorf("%w: sandbox confirmation token reused", ErrInvalidRequest)}
		}
		status := StatusSucceeded
		switch pm.Scenario {
		case scenarioAuthenticate:
			status = StatusRequiresAction
		case scenarioSucceed:
		default:
			status = StatusRequiresPaymentMethod
			declined = pm.Scenario
		}
		md, _ := json.Marshal(in.Metadata)
		var key *string
		if in.IdempotencyKey != "" {
			key = &in.IdempotencyKey
		}
		id := "seti_sbx_" + randomID()
		si, err := q.SandboxCreateSetupIntent(ctx, dbgen.SandboxCreateSetupIntentParams{
			ID: id, ClientSecret: id + "_secret_" + randomID(), CustomerID: in.CustomerID, PaymentMethodID: &pm.ID,
			Status: status, ReturnUrl: &in.ReturnURL, IdempotencyKey: key, Metadata: md})
		if err != nil {
			return err
		}
		if status == StatusSucceeded {
			if err := q.SandboxAttachPaymentMethod(ctx, dbgen.SandboxAttachPaymentMethodParams{ID: pm.ID, CustomerID: &in.CustomerID}); err != nil {
				return err
			}
			pm.CustomerID = &in.CustomerID
		}
		out = sandboxSI(si, &pm)
		return nil
	})
	if err != nil {
		if in.IdempotencyKey != "" && (db.UniqueViolation(err) != "" || errors.Is(err, ErrInvalidRequest)) {
			// A concurrent twin with the same key won (its SetupIntent now
			// holds the token): answer what it got, as Stripe's idempotency
			// does.
			si, gerr := q.SandboxGetSetupIntentByIdempotencyKey(ctx, &in.IdempotencyKey)
			if gerr == nil {
				return s.replay(ctx, si)
			}
		}
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, sandboxDBError("create setup intent", err)
	}
	if declined != "" {
		return nil, declineError(declined)
	}
	return out, nil
}

// replay answers a repeated create the way Stripe replays the first result:
// the same SetupIntent, or the same decline.
func (s *Sandbox) replay(ctx context.Context, si dbgen.SandboxSetupIntent) (*SetupIntent, error) {
	var pm *dbgen.SandboxPaymentMethod
	if si.PaymentMethodID != nil {
		p, err := dbgen.New(s.pool).SandboxGetPaymentMethod(ctx, *si.PaymentMethodID)
		if err != nil {
			return nil, sandboxDBError("replay setup intent", err)
		}
		pm = &p
		if si.Status == StatusRequiresPaymentMethod {
			if _, ok := declineMessages[p.Scenario]; ok {
				return nil, declineError(p.Scenario)
			}
		}
	}
	return sandboxSI(si, pm), nil
}

func (s *Sandbox) RetrieveSetupIntent(ctx context.Context, id string) (*SetupIntent, error) {
	q := dbgen.New(s.pool)
	si, err := q.SandboxGetSetupIntent(ctx, id)
	if err != nil {
		if db.IsNotFound(err) {
			return nil, noSuch("setupintent", id)
		}
		return nil, sandboxDBError("retrieve setup intent", err)
	}
	var pm *dbgen.SandboxPaymentMethod
	if si.PaymentMethodID != nil && si.Status != StatusRequiresPaymentMethod {
		p, err := q.SandboxGetPaymentMethod(ctx, *si.PaymentMethodID)
		if err != nil {
			return nil, sandboxDBError("retrieve setup intent", err)
		}
		pm = &p
	}
	return sandboxSI(si, pm), nil
}

func (s *Sandbox) SetDefaultPaymentMethod(ctx context.Context, customerID, pmID string) error {
	n, err := dbgen.New(s.pool).SandboxSetDefaultPaymentMethod(ctx, dbgen.SandboxSetDefaultPaymentMethodParams{ID: customerID, PaymentMethod: &pmID})
	if err != nil {
		return sandboxDBError("set default payment method", err)
	}
	if n == 0 {
		return noSuch("customer", customerID)
	}
	return nil
}

func (s *Sandbox) DetachPaymentMethod(ctx context.Context, pmID string) error {
	n, err := dbgen.New(s.pool).SandboxDetachPaymentMethod(ctx, pmID)
	if err != nil {
		return sandboxDBError("detach payment method", err)
	}
	if n == 0 {
		return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PaymentMethodError",
			Detail: "The payment method you provided is not attached to a customer so detachment is impossible.",
			Err:    fmt.Errorf("%w: sandbox detach of unattached %s", ErrInvalidRequest, pmID)}
	}
	return nil
}

// Challenge is what the local 3-D Secure page shows.
type Challenge struct {
	SetupIntentID string
	ClientSecret  string
	Status        string
	Brand, Last4  string
}

// GetChallenge loads a SetupIntent for the 3-D Secure page. The client
// secret is the capability, as on Stripe's own page: without it the
// SetupIntent does not exist.
func (s *Sandbox) GetChallenge(ctx context.Context, id, clientSecret string) (*Challenge, error) {
	q := dbgen.New(s.pool)
	si, err := q.SandboxGetSetupIntent(ctx, id)
	if err != nil || !constantTimeEqual(si.ClientSecret, clientSecret) {
		if err != nil && !db.IsNotFound(err) {
			return nil, sandboxDBError("3-D Secure", err)
		}
		return nil, apperr.NotFound("This verification does not exist or has expired.")
	}
	ch := &Challenge{SetupIntentID: si.ID, ClientSecret: si.ClientSecret, Status: si.Status}
	if si.PaymentMethodID != nil {
		if pm, err := q.SandboxGetPaymentMethod(ctx, *si.PaymentMethodID); err == nil {
			ch.Brand, ch.Last4 = pm.Brand, pm.Last4
		}
	}
	return ch, nil
}

// CompleteChallenge plays the bank's answer: approve makes the SetupIntent
// succeed and attaches the card to the customer; decline sends it back to
// requires_payment_method, as a failed 3-D Secure does on Stripe. It returns
// the return_url with Stripe's redirect parameters.
func (s *Sandbox) CompleteChallenge(ctx context.Context, id, clientSecret string, approve bool) (string, error) {
	if _, err := s.GetChallenge(ctx, id, clientSecret); err != nil {
		return "", err
	}
	var si dbgen.SandboxSetupIntent
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		cur, err := q.SandboxGetSetupIntent(ctx, id)
		if err != nil {
			return err
		}
		status := StatusRequiresPaymentMethod
		if approve {
			status = StatusSucceeded
		}
		si, err = q.SandboxSetSetupIntentStatus(ctx, dbgen.SandboxSetSetupIntentStatusParams{ID: id, Status: status, PaymentMethodID: cur.PaymentMethodID})
		if db.IsNotFound(err) {
			// Already answered (a second click): just go back.
			si = cur
			return nil
		}
		if err != nil {
			return err
		}
		if approve && si.PaymentMethodID != nil {
			return q.SandboxAttachPaymentMethod(ctx, dbgen.SandboxAttachPaymentMethodParams{ID: *si.PaymentMethodID, CustomerID: &si.CustomerID})
		}
		return nil
	})
	if err != nil {
		return "", sandboxDBError("3-D Secure", err)
	}
	ret := ""
	if si.ReturnUrl != nil {
		ret = *si.ReturnUrl
	}
	u, err := url.Parse(ret)
	if err != nil {
		return "", apperr.Internal("3-D Secure return url", err)
	}
	v := u.Query()
	v.Set("setup_intent", si.ID)
	v.Set("setup_intent_client_secret", si.ClientSecret)
	if si.Status == StatusSucceeded {
		v.Set("redirect_status", "succeeded")
	} else {
		v.Set("redirect_status", "failed")
	}
	u.RawQuery = v.Encode()
	return u.String(), nil
}

func sandboxSI(si dbgen.SandboxSetupIntent, pm *dbgen.SandboxPaymentMethod) *SetupIntent {
	out := &SetupIntent{ID: si.ID, Status: si.Status, ClientSecret: si.ClientSecret, Customer: si.CustomerID}
	if pm != nil {
		out.PaymentMethod = &PaymentMethod{ID: pm.ID, Type: pm.Type, Card: &Card{
			Brand: pm.Brand, Last4: pm.Last4, ExpMonth: int64(pm.ExpMonth), ExpYear: int64(pm.ExpYear), Funding: pm.Funding}}
		if pm.CustomerID != nil {
			out.PaymentMethod.Customer = *pm.CustomerID
		}
	}
	return out
}

func declineError(scenario string) error {
	msg, ok := declineMessages[scenario]
	if !ok {
		msg = declineMessages[scenarioDecline]
	}
	return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PaymentMethodError", Detail: msg,
		Err: fmt.Errorf("sandbox card declined: %s", scenario)}
}

// noSuch is Stripe's resource_missing answer.
func noSuch(kind, id string) error {
	return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PaymentMethodError",
		Detail: fmt.Sprintf("No such %s: '%s'", kind, id),
		Err:    fmt.Errorf("%w: sandbox %s %q missing", ErrInvalidRequest, kind, id)}
}

// sandboxDBError: the sandbox's store is the portal's database; when it is
// down, the "provider" is down, exactly as Stripe being unreachable.
func sandboxDBError(op string, err error) error {
	if db.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.ProviderUnavailable(fmt.Errorf("sandbox %s: %w", op, err))
	}
	return apperr.Internal("sandbox "+op, err)
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

func luhn(n string) bool {
	if len(n) < 12 || len(n) > 19 {
		return false
	}
	sum := 0
	for i := 0; i < len(n); i++ {
		d := int(n[len(n)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// parseExpiry reads the expiry as people type it: MM/YY, MM/YYYY, with
// or without spaces around the slash ("09 / 2029"), or only the digits
// ("0929", "092029"); the message is Stripe's when wrong.
func parseExpiry(s string, now time.Time) (int, int, string) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if (len(s) == 4 || len(s) == 6) && strings.Trim(s, "0123456789") == "" {
		s = s[:2] + "/" + s[2:]
	}
	mm, yy, ok := strings.Cut(s, "/")
	if !ok || s == "" {
		return 0, 0, "Your card's expiration date is incomplete."
	}
	month, err1 := strconv.Atoi(mm)
	year, err2 := strconv.Atoi(yy)
	if err1 != nil || err2 != nil || month < 1 || month > 12 || (len(yy) != 2 && len(yy) != 4) {
		return 0, 0, "Your card's expiration date is invalid."
	}
	if len(yy) == 2 {
		year += 2000
	}
	if year < now.Year() || (year == now.Year() && month < int(now.Month())) {
		return 0, 0, "Your card's expiration date is in the past."
	}
	if year > now.Year()+50 {
		return 0, 0, "Your card's expiration year is invalid."
	}
	return month, year, ""
}
