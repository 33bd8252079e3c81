package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/fileshare"
	"portal/web/middleware"
)

// FileShareSession is the contract's FileShareSessionSchema: every field
// present, nulls as null, hidden columns (IP hash, deleted_at) left out.
type FileShareSession struct {
	ID            uuid.UUID  `json:"id"`
	CreatedAt     Time       `json:"created_at"`
	ModifiedAt    *Time      `json:"modified_at"`
	ShortSlug     string     `json:"short_slug"`
	LongSlug      string     `json:"long_slug"`
	Status        string     `json:"status"`
	MaxDownloads  int32      `json:"max_downloads"`
	DownloadCount int32      `json:"download_count"`
	PriceCents    *int32     `json:"price_cents"`
	Currency      string     `json:"currency"`
	Title         *string    `json:"title"`
	FileName      *string    `json:"file_name"`
	FileSizeBytes *int64     `json:"file_size_bytes"`
	TTLSeconds    *int32     `json:"ttl_seconds"`
	ExpiresAt     *Time      `json:"expires_at"`
	ActivatedAt   *Time      `json:"activated_at"`
	CompletedAt   *Time      `json:"completed_at"`
	UserID        *uuid.UUID `json:"user_id"`
	WorkspaceID   *uuid.UUID `json:"workspace_id"`
	ShareID       *uuid.UUID `json:"share_id"`
}

// FileShareDownload is FileShareDownloadSchema.
type FileShareDownload struct {
	ID         uuid.UUID `json:"id"`
	CreatedAt  Time      `json:"created_at"`
	ModifiedAt *Time     `json:"modified_at"`
	SessionID  uuid.UUID `json:"session_id"`
	SlotNumber int32     `json:"slot_number"`
}

// FileSharePayment is FileSharePaymentSchema.
type FileSharePayment struct {
	ID                      uuid.UUID `json:"id"`
	CreatedAt               Time      `json:"created_at"`
	ModifiedAt              *Time     `json:"modified_at"`
	SessionID               uuid.UUID `json:"session_id"`
	Status                  string    `json:"status"`
	AmountCents             int32     `json:"amount_cents"`
	Currency                string    `json:"currency"`
	PlatformFeeCents        int32     `json:"platform_fee_cents"`
	StripeCheckoutSessionID *string   `json:"stripe_checkout_session_id"`
	StripePaymentIntentID   *string   `json:"stripe_payment_intent_id"`
	BuyerEmail              *string   `json:"buyer_email"`
	BuyerName               *string   `json:"buyer_name"`
}

// PageMeta is the contract's PageMeta.
type PageMeta struct {
	Total   int64 `json:"total"`
	Page    int64 `json:"page"`
	PerPage int64 `json:"per_page"`
	Pages   int64 `json:"pages"`
}

// FileShareSessionPage is PaginatedList[FileShareSessionSchema].
type FileShareSessionPage struct {
	Data []FileShareSession `json:"data"`
	Meta PageMeta           `json:"meta"`
}

// NewFileShareSession encodes a session.
func NewFileShareSession(s fileshare.Session) FileShareSession {
	ws := s.WorkspaceID
	return FileShareSession{
		ID: s.ID, CreatedAt: Time(s.CreatedAt), ModifiedAt: TimePtr(s.ModifiedAt),
		ShortSlug: s.ShortSlug, LongSlug: s.LongSlug, Status: s.Status,
		MaxDownloads: s.MaxDownloads, DownloadCount: s.DownloadCount, PriceCents: s.PriceCents,
		Currency: s.Currency, Title: s.Title, FileName: s.FileName, FileSizeBytes: s.FileSizeBytes,
		TTLSeconds: s.TtlSeconds, ExpiresAt: TimePtr(s.ExpiresAt), ActivatedAt: TimePtr(s.ActivatedAt),
		CompletedAt: TimePtr(s.CompletedAt), UserID: s.UserID, WorkspaceID: &ws, ShareID: s.ShareID,
	}
}

// NewFileShareDownload encodes a download.
func NewFileShareDownload(d fileshare.Download) FileShareDownload {
	return FileShareDownload{ID: d.ID, CreatedAt: Time(d.CreatedAt), ModifiedAt: TimePtr(d.ModifiedAt),
		SessionID: d.SessionID, SlotNumber: d.SlotNumber}
}

// NewFileSharePayment encodes a payment.
func NewFileSharePayment(p fileshare.Payment) FileSharePayment {
	return FileSharePayment{ID: p.ID, CreatedAt: Time(p.CreatedAt), ModifiedAt: TimePtr(p.ModifiedAt),
		SessionID: p.SessionID, Status: p.Status, AmountCents: p.AmountCents, Currency: p.Currency,
		PlatformFeeCents: p.PlatformFeeCents, StripeCheckoutSessionID: p.StripeCheckoutSessionID,
		StripePaymentIntentID: p.StripePaymentIntentID, BuyerEmail: p.BuyerEmail, BuyerName: p.BuyerName}
}

// ListFileShareSessions is customer_portal:list_sessions (§3.7, D8).
func (h *Handlers) ListFileShareSessions(c echo.Context) error {
	in, err := fileshare.ParseListQuery(func(k string) []string { return c.QueryParams()[k] })
	if err != nil {
		return err
	}
	page, err := h.S.FileShares.List(c.Request().Context(), middleware.Principal(c), in)
	if err != nil {
		return err
	}
	out := FileShareSessionPage{Data: make([]FileShareSession, 0, len(page.Data)),
		Meta: PageMeta{Total: page.Meta.Total, Page: page.Meta.Page, PerPage: page.Meta.PerPage, Pages: page.Meta.Pages}}
	for _, s := range page.Data {
		out.Data = append(out.Data, NewFileShareSession(s))
	}
	return c.JSON(http.StatusOK, out)
}

// GetFileShareSession is customer_portal:get_session (§3.8).
func (h *Handlers) GetFileShareSession(c echo.Context) error {
	id, err := PathUUID(c, "id", true)
	if err != nil {
		return err
	}
	s, err := h.S.FileShares.Get(c.Request().Context(), middleware.Principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewFileShareSession(s))
}

// ListFileShareDownloads is customer_portal:list_session_downloads (§3.9).
func (h *Handlers) ListFileShareDownloads(c echo.Context) error {
	id, err := PathUUID(c, "id", true)
	if err != nil {
		return err
	}
	rows, err := h.S.FileShares.Downloads(c.Request().Context(), middleware.Principal(c), id)
	if err != nil {
		return err
	}
	out := make([]FileShareDownload, 0, len(rows))
	for _, d := range rows {
		out = append(out, NewFileShareDownload(d))
	}
	return c.JSON(http.StatusOK, out)
}

// ListFileSharePayments is customer_portal:list_session_payments (§3.10).
func (h *Handlers) ListFileSharePayments(c echo.Context) error {
	id, err := PathUUID(c, "id", true)
	if err != nil {
		return err
	}
	rows, err := h.S.FileShares.Payments(c.Request().Context(), middleware.Principal(c), id)
	if err != nil {
		return err
	}
	out := make([]FileSharePayment, 0, len(rows))
	for _, p := range rows {
		out = append(out, NewFileSharePayment(p))
	}
	return c.JSON(http.StatusOK, out)
}
