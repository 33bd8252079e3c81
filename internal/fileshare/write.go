package fileshare

import (
	"context"
	"crypto/rand"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/validate"
)

// Session and payment statuses (§1.8).
var (
	SessionStatuses = []string{"created", "active", "completed", "expired", "destroyed", "reported"}
	PaymentStatuses = []string{"pending", "completed", "refunded", "failed"}
)

// Nullable is a merge-patch field: Set when the key was present, Value nil
// for an explicit null.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// CreateInput is the workspace API's new session (docs/design.md "Interface").
type CreateInput struct {
	CustomerID    uuid.UUID
	Title         *string
	FileName      *string
	FileSizeBytes *int64
	MaxDownloads  *int64
	PriceCents    *int64
	Currency      *string
	Status        *string
	TTLSeconds    *int64
	ExpiresAt     *time.Time
}

// UpdateInput is the workspace API's merge-patch of a session.
type UpdateInput struct {
	Status        Nullable[string]
	Title         Nullable[string]
	FileName      Nullable[string]
	FileSizeBytes Nullable[int64]
	MaxDownloads  Nullable[int64]
	PriceCents    Nullable[int64]
	Currency      Nullable[string]
	TTLSeconds    Nullable[int64]
	ExpiresAt     Nullable[time.Time]
}

// DownloadInput records one download.
type DownloadInput struct {
	SlotNumber *int64 // default: the session's new download count
}

// PaymentInput records one payment. Status, AmountCents and Currency are
// required.
type PaymentInput struct {
	Status                  *string
	AmountCents             *int64
	Currency                *string
	PlatformFeeCents        *int64
	BuyerEmail              *string
	BuyerName               *string
	StripeCheckoutSessionID *string
	StripePaymentIntentID   *string
}

// maxStripeID bounds Stripe ids (theirs are well under 256 characters).
const maxStripeID = 255

// checker collects field errors so one answer lists every problem.
type checker struct{ errs []apperr.FieldError }

func (c *checker) add(typ, msg string, input any, field string) {
	c.errs = append(c.errs, apperr.OfType(typ, msg, input, "body", field))
}

func (c *checker) missing(field string) {
	c.add("missing", "Field required", nil, field)
}

// int32Range checks 0 <= v <= MaxInt32 (the columns are integer).
func (c *checker) int32Range(field string, v *int64) {
	if v == nil {
		return
	}
	if *v < 0 {
		c.add("greater_than_equal", "Input should be greater than or equal to 0", *v, field)
	} else if *v > math.MaxInt32 {
		c.add("less_than_equal", "Input should be less than or equal to 2147483647", *v, field)
	}
}

func (c *checker) nonNegative(field string, v *int64) {
	if v != nil && *v < 0 {
		c.add("greater_than_equal", "Input should be greater than or equal to 0", *v, field)
	}
}

func (c *checker) maxLen(field string, v *string, max int) {
	if v != nil && validate.TooLong(*v, max) {
		c.add("string_too_long", "String should have at most "+itoa(max)+" characters", *v, field)
	}
}

func (c *checker) oneOf(field string, v *string, allowed []string) {
	if v == nil {
		return
	}
	for _, a := range allowed {
		if *v == a {
			return
		}
	}
	c.add("enum", "Input should be "+quoteList(allowed), *v, field)
}

// currency checks three ASCII letters and returns them lower-cased.
func (c *checker) currency(field string, v *string) *string {
	if v == nil {
		return nil
	}
	s := strings.TrimSpace(*v)
	ok := len(s) == 3
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			ok = false
		}
	}
	if !ok {
		c.add("string_pattern_mismatch", "Currency must be a three-letter ISO 4217 code", *v, field)
		return nil
	}
	lower := strings.ToLower(s)
	return &lower
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return apperr.Invalid(c.errs...)
}

func quoteList(vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		switch {
		case i == 0:
		case i == len(vals)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString("'" + v + "'")
	}
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

func i32(v *int64) *int32 {
	if v == nil {
		return nil
	}
	x := int32(*v)
	return &x
}

// emptyToNil treats "" like an absent optional text.
func emptyToNil(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}

// Create adds a session for one of the workspace's customers, with fresh
// slugs (workspace API). expires_at defaults to now + ttl_seconds when only
// the TTL is given.
func (s *Service) Create(ctx context.Context, workspaceID uuid.UUID, in CreateInput) (Session, error) {
	var c checker
	title, fileName := emptyToNil(in.Title), emptyToNil(in.FileName)
	c.maxLen("title", title, validate.MaxName)
	c.maxLen("file_name", fileName, validate.MaxFileName)
	c.nonNegative("file_size_bytes", in.FileSizeBytes)
	c.int32Range("max_downloads", in.MaxDownloads)
	c.int32Range("price_cents", in.PriceCents)
	c.int32Range("ttl_seconds", in.TTLSeconds)
	c.oneOf("status", in.Status, SessionStatuses)
	cur := c.currency("currency", in.Currency)
	if err := c.err(); err != nil {
		return Session{}, err
	}
	q := dbgen.New(s.pool)
	if in.CustomerID == uuid.Nil {
		return Session{}, apperr.Invalid(apperr.UnknownReference("Customer does not exist.", in.CustomerID.String(), "body", "customer_id"))
	}
	if _, err := q.FileShareCustomerInWorkspace(ctx, dbgen.FileShareCustomerInWorkspaceParams{ID: in.CustomerID, WorkspaceID: workspaceID}); err != nil {
		if db.IsNotFound(err) {
			return Session{}, apperr.Invalid(apperr.UnknownReference("Customer does not exist.", in.CustomerID.String(), "body", "customer_id"))
		}
		return Session{}, dbErr("fileshare.Create", err)
	}
	arg := dbgen.CreateFileShareSessionParams{
		WorkspaceID:   workspaceID,
		CustomerID:    in.CustomerID,
		Status:        "created",
		PriceCents:    i32(in.PriceCents),
		Currency:      "usd",
		Title:         title,
		FileName:      fileName,
		FileSizeBytes: in.FileSizeBytes,
		TtlSeconds:    i32(in.TTLSeconds),
		ExpiresAt:     in.ExpiresAt,
	}
	if in.Status != nil {
		arg.Status = *in.Status
	}
	if in.MaxDownloads != nil {
		arg.MaxDownloads = int32(*in.MaxDownloads)
	}
	if cur != nil {
		arg.Currency = *cur
	}
	if arg.ExpiresAt == nil && in.TTLSeconds != nil {
		t := time.Now().Add(time.Duration(*in.TTLSeconds) * time.Second)
		arg.ExpiresAt = &t
	}
	// Slugs are random; a collision (astronomically unlikely) just draws again.
	for attempt := 0; ; attempt++ {
		arg.ShortSlug, arg.LongSlug = randomSlug(10), randomSlug(32)
		row, err := q.CreateFileShareSession(ctx, arg)
		if err == nil {
			return newSession(row), nil
		}
		if db.UniqueViolation(err) != "" && attempt < 3 {
			continue
		}
		return Session{}, dbErr("fileshare.Create", err)
	}
}

// slugAlphabet avoids look-alike characters (0/o, 1/l/i) since short slugs
// are read aloud and typed.
const slugAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func randomSlug(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		// 256 % 31 leaves a bias under 0.5% per character; fine for a slug
		// whose only job is to be unguessable enough and unique.
		b[i] = slugAlphabet[int(b[i])%len(slugAlphabet)]
	}
	return string(b)
}

// Update applies a merge-patch to one of the workspace's sessions; another
// workspace's (or a deleted) session is 404.
func (s *Service) Update(ctx context.Context, workspaceID, id uuid.UUID, in UpdateInput) (Session, error) {
	var c checker
	notNull := func(field string, set bool, isNil bool, typ, msg string) {
		if set && isNil {
			c.add(typ, msg, nil, field)
		}
	}
	notNull("status", in.Status.Set, in.Status.Value == nil, "enum", "Input should be "+quoteList(SessionStatuses))
	notNull("max_downloads", in.MaxDownloads.Set, in.MaxDownloads.Value == nil, "int_type", "Input should be a valid integer")
	notNull("currency", in.Currency.Set, in.Currency.Value == nil, "string_type", "Input should be a valid string")
	c.oneOf("status", in.Status.Value, SessionStatuses)
	title, fileName := emptyToNil(in.Title.Value), emptyToNil(in.FileName.Value)
	c.maxLen("title", title, validate.MaxName)
	c.maxLen("file_name", fileName, validate.MaxFileName)
	c.nonNegative("file_size_bytes", in.FileSizeBytes.Value)
	c.int32Range("max_downloads", in.MaxDownloads.Value)
	c.int32Range("price_cents", in.PriceCents.Value)
	c.int32Range("ttl_seconds", in.TTLSeconds.Value)
	cur := c.currency("currency", in.Currency.Value)
	if err := c.err(); err != nil {
		return Session{}, err
	}
	row, err := dbgen.New(s.pool).UpdateFileShareSession(ctx, dbgen.UpdateFileShareSessionParams{
		Status:           in.Status.Value,
		MaxDownloads:     i32(in.MaxDownloads.Value),
		Currency:         cur,
		SetTitle:         in.Title.Set,
		Title:            title,
		SetFileName:      in.FileName.Set,
		FileName:         fileName,
		SetFileSizeBytes: in.FileSizeBytes.Set,
		FileSizeBytes:    in.FileSizeBytes.Value,
		SetPriceCents:    in.PriceCents.Set,
		PriceCents:       i32(in.PriceCents.Value),
		SetTtlSeconds:    in.TTLSeconds.Set,
		TtlSeconds:       i32(in.TTLSeconds.Value),
		SetExpiresAt:     in.ExpiresAt.Set,
		ExpiresAt:        in.ExpiresAt.Value,
		ID:               id,
		WorkspaceID:      workspaceID,
	})
	if err != nil {
		if db.IsNotFound(err) {
			return Session{}, apperr.NotFound("")
		}
		return Session{}, dbErr("fileshare.Update", err)
	}
	return newSession(row), nil
}

// RecordDownload takes one download slot and records it, in one
// transaction. The slot is taken by a single conditional UPDATE, so any
// number of concurrent callers can never push download_count past
// max_downloads; when it is reached the answer is 409.
func (s *Service) RecordDownload(ctx context.Context, workspaceID, id uuid.UUID, in DownloadInput) (Download, error) {
	var c checker
	c.int32Range("slot_number", in.SlotNumber)
	if err := c.err(); err != nil {
		return Download{}, err
	}
	var out Download
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		count, err := q.IncrementFileShareDownloads(ctx, dbgen.IncrementFileShareDownloadsParams{ID: id, WorkspaceID: workspaceID})
		if db.IsNotFound(err) {
			// Either not the workspace's session, or no slot left.
			if _, gerr := q.GetWorkspaceFileShareSession(ctx, dbgen.GetWorkspaceFileShareSessionParams{ID: id, WorkspaceID: workspaceID}); gerr != nil {
				if db.IsNotFound(gerr) {
					return apperr.NotFound("")
				}
				return dbErr("fileshare.RecordDownload", gerr)
			}
			return apperr.Conflict("DownloadLimitReached", "This file share has reached its maximum number of downloads.")
		}
		if err != nil {
			return dbErr("fileshare.RecordDownload", err)
		}
		slot := count
		if in.SlotNumber != nil {
			slot = int32(*in.SlotNumber)
		}
		row, err := q.CreateFileShareDownload(ctx, dbgen.CreateFileShareDownloadParams{SessionID: id, SlotNumber: slot})
		if err != nil {
			return dbErr("fileshare.RecordDownload", err)
		}
		out = newDownload(row)
		return nil
	})
	return out, err
}

// RecordPayment records a payment for one of the workspace's sessions. A
// Stripe checkout session id can be recorded once (409 after that).
func (s *Service) RecordPayment(ctx context.Context, workspaceID, id uuid.UUID, in PaymentInput) (Payment, error) {
	var c checker
	if in.Status == nil {
		c.missing("status")
	}
	if in.AmountCents == nil {
		c.missing("amount_cents")
	}
	if in.Currency == nil {
		c.missing("currency")
	}
	c.oneOf("status", in.Status, PaymentStatuses)
	c.int32Range("amount_cents", in.AmountCents)
	c.int32Range("platform_fee_cents", in.PlatformFeeCents)
	cur := c.currency("currency", in.Currency)
	name := emptyToNil(in.BuyerName)
	c.maxLen("buyer_name", name, validate.MaxName)
	checkout, intent := emptyToNil(in.StripeCheckoutSessionID), emptyToNil(in.StripePaymentIntentID)
	c.maxLen("stripe_checkout_session_id", checkout, maxStripeID)
	c.maxLen("stripe_payment_intent_id", intent, maxStripeID)
	var email *string
	if e := emptyToNil(in.BuyerEmail); e != nil {
		norm, err := validate.Email(*e)
		if err != nil {
			c.add("value_error", err.Error(), *e, "buyer_email")
		} else {
			email = &norm
		}
	}
	if err := c.err(); err != nil {
		return Payment{}, err
	}
	var fee int32
	if in.PlatformFeeCents != nil {
		fee = int32(*in.PlatformFeeCents)
	}
	row, err := dbgen.New(s.pool).CreateFileSharePayment(ctx, dbgen.CreateFileSharePaymentParams{
		Status:                  *in.Status,
		AmountCents:             int32(*in.AmountCents),
		Currency:                *cur,
		PlatformFeeCents:        fee,
		StripeCheckoutSessionID: checkout,
		StripePaymentIntentID:   intent,
		BuyerEmail:              email,
		BuyerName:               name,
		SessionID:               id,
		WorkspaceID:             workspaceID,
	})
	if err != nil {
		switch {
		case db.IsNotFound(err):
			return Payment{}, apperr.NotFound("")
		case db.UniqueViolation(err) == "file_share_payments_checkout_key":
			return Payment{}, apperr.Conflict("PaymentAlreadyRecorded", "A payment with this Stripe checkout session is already recorded.")
		}
		return Payment{}, dbErr("fileshare.RecordPayment", err)
	}
	return newPayment(row), nil
}
