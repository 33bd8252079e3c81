package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/fileshare"
)

// Workspace API: file-share sessions, downloads and payments come in from
// the workspace's own servers (docs/design.md "Interface", D17). Every id is confined to
// the token's workspace in SQL; another workspace's id is 404.

type createFileShareBody struct {
	CustomerID    *string `json:"customer_id"`
	Title         *string `json:"title"`
	FileName      *string `json:"file_name"`
	FileSizeBytes *int64  `json:"file_size_bytes"`
	MaxDownloads  *int64  `json:"max_downloads"`
	PriceCents    *int64  `json:"price_cents"`
	Currency      *string `json:"currency"`
	Status        *string `json:"status"`
	TTLSeconds    *int64  `json:"ttl_seconds"`
	ExpiresAt     *string `json:"expires_at"`
}

type updateFileShareBody struct {
	Status        Optional[string] `json:"status"`
	Title         Optional[string] `json:"title"`
	FileName      Optional[string] `json:"file_name"`
	FileSizeBytes Optional[int64]  `json:"file_size_bytes"`
	MaxDownloads  Optional[int64]  `json:"max_downloads"`
	PriceCents    Optional[int64]  `json:"price_cents"`
	Currency      Optional[string] `json:"currency"`
	TTLSeconds    Optional[int64]  `json:"ttl_seconds"`
	ExpiresAt     Optional[string] `json:"expires_at"`
}

type createDownloadBody struct {
	SlotNumber *int64 `json:"slot_number"`
}

type createPaymentBody struct {
	Status                  *string `json:"status"`
	AmountCents             *int64  `json:"amount_cents"`
	Currency                *string `json:"currency"`
	PlatformFeeCents        *int64  `json:"platform_fee_cents"`
	BuyerEmail              *string `json:"buyer_email"`
	BuyerName               *string `json:"buyer_name"`
	StripeCheckoutSessionID *string `json:"stripe_checkout_session_id"`
	StripePaymentIntentID   *string `json:"stripe_payment_intent_id"`
}

// bodyTime parses an ISO-8601 timestamp field, else a 422 at ["body", field].
func bodyTime(field, raw string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, apperr.Invalid(apperr.Typed(apperr.CodeInvalidDate, "datetime_from_date_parsing", "Input should be a valid datetime", raw, "body", field))
}

// optInt converts a merge-patch integer.
func optInt(o Optional[int64]) fileshare.Nullable[int64] {
	if !o.Set || o.Null {
		return fileshare.Nullable[int64]{Set: o.Set}
	}
	v := o.Value
	return fileshare.Nullable[int64]{Set: true, Value: &v}
}

func optString(o Optional[string]) fileshare.Nullable[string] {
	if !o.Set || o.Null {
		return fileshare.Nullable[string]{Set: o.Set}
	}
	v := o.Value
	return fileshare.Nullable[string]{Set: true, Value: &v}
}

// WorkspaceCreateFileShareSession is POST /api/file-sharing/sessions.
func (h *Handlers) WorkspaceCreateFileShareSession(c echo.Context) error {
	var b createFileShareBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	if b.CustomerID == nil {
		return apperr.Invalid(apperr.Required(nil, "body", "customer_id"))
	}
	custID, err := uuid.Parse(*b.CustomerID)
	if err != nil || len(*b.CustomerID) != 36 {
		return apperr.Invalid(apperr.Typed(apperr.CodeInvalidUUID, "uuid_parsing", "Input should be a valid UUID", *b.CustomerID, "body", "customer_id"))
	}
	in := fileshare.CreateInput{CustomerID: custID, Title: b.Title, FileName: b.FileName, FileSizeBytes: b.FileSizeBytes,
		MaxDownloads: b.MaxDownloads, PriceCents: b.PriceCents, Currency: b.Currency, Status: b.Status, TTLSeconds: b.TTLSeconds}
	if b.ExpiresAt != nil {
		t, err := bodyTime("expires_at", *b.ExpiresAt)
		if err != nil {
			return err
		}
		in.ExpiresAt = &t
	}
	s, err := h.S.FileShares.Create(c.Request().Context(), TokenWorkspaceID(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, NewFileShareSession(s))
}

// WorkspaceUpdateFileShareSession is PATCH /api/file-sharing/sessions/{id}
// (merge-patch: absent unchanged, null clears where the field is nullable).
func (h *Handlers) WorkspaceUpdateFileShareSession(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	var b updateFileShareBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	in := fileshare.UpdateInput{
		Status: optString(b.Status), Title: optString(b.Title), FileName: optString(b.FileName),
		FileSizeBytes: optInt(b.FileSizeBytes), MaxDownloads: optInt(b.MaxDownloads), PriceCents: optInt(b.PriceCents),
		Currency: optString(b.Currency), TTLSeconds: optInt(b.TTLSeconds),
		ExpiresAt: fileshare.Nullable[time.Time]{Set: b.ExpiresAt.Set},
	}
	if b.ExpiresAt.Set && !b.ExpiresAt.Null {
		t, err := bodyTime("expires_at", b.ExpiresAt.Value)
		if err != nil {
			return err
		}
		in.ExpiresAt.Value = &t
	}
	s, err := h.S.FileShares.Update(c.Request().Context(), TokenWorkspaceID(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewFileShareSession(s))
}

// WorkspaceCreateDownload is POST /api/file-sharing/sessions/{id}/downloads:
// 201 with the download, 409 when max_downloads is reached.
func (h *Handlers) WorkspaceCreateDownload(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	var b createDownloadBody
	// The body is optional here: an empty body records a download with the
	// next slot number.
	raw, err := ReadBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := DecodeJSONBytes(raw, &b); err != nil {
			return err
		}
	}
	d, err := h.S.FileShares.RecordDownload(c.Request().Context(), TokenWorkspaceID(c), id, fileshare.DownloadInput{SlotNumber: b.SlotNumber})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, NewFileShareDownload(d))
}

// WorkspaceCreatePayment is POST /api/file-sharing/sessions/{id}/payments.
func (h *Handlers) WorkspaceCreatePayment(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	var b createPaymentBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	p, err := h.S.FileShares.RecordPayment(c.Request().Context(), TokenWorkspaceID(c), id, fileshare.PaymentInput{
		Status: b.Status, AmountCents: b.AmountCents, Currency: b.Currency, PlatformFeeCents: b.PlatformFeeCents,
		BuyerEmail: b.BuyerEmail, BuyerName: b.BuyerName,
		StripeCheckoutSessionID: b.StripeCheckoutSessionID, StripePaymentIntentID: b.StripePaymentIntentID,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, NewFileSharePayment(p))
}
