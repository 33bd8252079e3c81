package api

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/workspace"
)

// CustomerWorkspaceData is GET /workspaces/{slug}'s body (§3.22).
type CustomerWorkspaceData struct {
	Workspace CustomerWorkspace `json:"workspace"`
	Shares    []CustomerProduct `json:"shares"`
}

// CustomerWorkspace is the contract's CustomerWorkspace plus the fields the
// original sends without documenting them (§8.4).
type CustomerWorkspace struct {
	ID                     uuid.UUID             `json:"id"`
	CreatedAt              Time                  `json:"created_at"`
	ModifiedAt             *Time                 `json:"modified_at"`
	Name                   string                `json:"name"`
	Slug                   string                `json:"slug"`
	AvatarURL              *string               `json:"avatar_url"`
	CustomerPortalSettings portalSettingsJSON    `json:"customer_portal_settings"`
	WorkspaceFeatures      workspaceFeaturesJSON `json:"workspace_features"`
	Email                  *string               `json:"email"`
	Website                *string               `json:"website"`
	Socials                json.RawMessage       `json:"socials"`
	Status                 string                `json:"status"`
	DetailsSubmittedAt     *Time                 `json:"details_submitted_at"`
	FeatureSettings        workspaceFeatureFlags `json:"feature_settings"`
	NotificationSettings   json.RawMessage       `json:"notification_settings"`
	CustomerEmailSettings  json.RawMessage       `json:"customer_email_settings"`
}

type portalSettingsJSON struct {
	Usage struct {
		Show bool `json:"show"`
	} `json:"usage"`
}

type workspaceFeaturesJSON struct {
	MemberModelEnabled bool `json:"member_model_enabled"`
}

// workspaceFeatureFlags is the original's feature_settings; the Tinybird
// flags are echoed as false (Portal has no analytics backend).
type workspaceFeatureFlags struct {
	MemberModelEnabled      bool `json:"member_model_enabled"`
	SeatBasedPricingEnabled bool `json:"seat_based_pricing_enabled"`
	TinybirdRead            bool `json:"tinybird_read"`
	TinybirdCompare         bool `json:"tinybird_compare"`
}

// NewCustomerWorkspace serializes a workspace as the public endpoint does.
func NewCustomerWorkspace(ws workspace.Workspace) CustomerWorkspace {
	out := CustomerWorkspace{
		ID: ws.ID, CreatedAt: Time(ws.CreatedAt), ModifiedAt: TimePtr(ws.ModifiedAt), Name: ws.Name, Slug: ws.Slug,
		AvatarURL: ws.AvatarUrl, Email: ws.Email, Website: ws.Website,
		Socials: jsonOr(ws.Socials, "[]"), Status: legacyStatus(ws.Status), DetailsSubmittedAt: TimePtr(ws.DetailsSubmittedAt),
		WorkspaceFeatures: workspaceFeaturesJSON{MemberModelEnabled: ws.MemberModelEnabled},
		FeatureSettings: workspaceFeatureFlags{MemberModelEnabled: ws.MemberModelEnabled,
			SeatBasedPricingEnabled: ws.SeatBasedPricingEnabled},
		NotificationSettings:  jsonOr(ws.NotificationSettings, `{"new_payment":true}`),
		CustomerEmailSettings: jsonOr(ws.CustomerEmailSettings, `{"payment_confirmation":true}`),
	}
	// Read through the contract's shape, so a hand-edited row cannot make
	// the answer invalid: usage.show defaults to true as the column does.
	out.CustomerPortalSettings.Usage.Show = true
	var stored struct {
		Usage *struct {
			Show *bool `json:"show"`
		} `json:"usage"`
	}
	if json.Unmarshal(ws.CustomerPortalSettings, &stored) == nil && stored.Usage != nil && stored.Usage.Show != nil {
		out.CustomerPortalSettings.Usage.Show = *stored.Usage.Show
	}
	return out
}

// legacyStatus maps the review states to the original's legacy value.
func legacyStatus(s string) string {
	if s == "initial_review" || s == "ongoing_review" {
		return "under_review"
	}
	return s
}

func jsonOr(raw json.RawMessage, def string) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(def)
	}
	return raw
}

// CustomerProduct is a public share (the contract's CustomerProduct).
type CustomerProduct struct {
	ID          uuid.UUID        `json:"id"`
	CreatedAt   Time             `json:"created_at"`
	ModifiedAt  *Time            `json:"modified_at"`
	Name        string           `json:"name"`
	Description *string          `json:"description"`
	Visibility  string           `json:"visibility"`
	IsArchived  bool             `json:"is_archived"`
	WorkspaceID uuid.UUID        `json:"workspace_id"`
	Prices      []any            `json:"prices"`
	Medias      []ShareMediaFile `json:"medias"`
}

type sharePriceBase struct {
	ID            uuid.UUID `json:"id"`
	CreatedAt     Time      `json:"created_at"`
	ModifiedAt    *Time     `json:"modified_at"`
	Source        string    `json:"source"`
	AmountType    string    `json:"amount_type"`
	PriceCurrency string    `json:"price_currency"`
	IsArchived    bool      `json:"is_archived"`
	ShareID       uuid.UUID `json:"share_id"`
}

type sharePriceFixed struct {
	sharePriceBase
	PriceAmount int32 `json:"price_amount"`
}

type sharePriceCustom struct {
	sharePriceBase
	MinimumAmount int32  `json:"minimum_amount"`
	MaximumAmount *int32 `json:"maximum_amount"`
	PresetAmount  *int32 `json:"preset_amount"`
}

// ShareMediaFile is the contract's ShareMediaFileRead.
type ShareMediaFile struct {
	ID                   uuid.UUID `json:"id"`
	WorkspaceID          uuid.UUID `json:"workspace_id"`
	Name                 string    `json:"name"`
	Path                 string    `json:"path"`
	MimeType             string    `json:"mime_type"`
	Size                 int64     `json:"size"`
	StorageVersion       *string   `json:"storage_version"`
	ChecksumEtag         *string   `json:"checksum_etag"`
	ChecksumSha256Base64 *string   `json:"checksum_sha256_base64"`
	ChecksumSha256Hex    *string   `json:"checksum_sha256_hex"`
	LastModifiedAt       *Time     `json:"last_modified_at"`
	Version              *string   `json:"version"`
	Service              string    `json:"service"`
	IsUploaded           bool      `json:"is_uploaded"`
	CreatedAt            Time      `json:"created_at"`
	SizeReadable         string    `json:"size_readable"`
	PublicURL            string    `json:"public_url"`
}

// NewCustomerWorkspaceData serializes the public workspace answer.
func NewCustomerWorkspaceData(p workspace.Public) CustomerWorkspaceData {
	out := CustomerWorkspaceData{Workspace: NewCustomerWorkspace(p.Workspace), Shares: make([]CustomerProduct, 0, len(p.Shares))}
	for _, sh := range p.Shares {
		cp := CustomerProduct{ID: sh.ID, CreatedAt: Time(sh.CreatedAt), ModifiedAt: TimePtr(sh.ModifiedAt), Name: sh.Name,
			Description: sh.Description, Visibility: sh.Visibility, IsArchived: sh.IsArchived, WorkspaceID: sh.WorkspaceID,
			Prices: make([]any, 0, len(sh.Prices)), Medias: make([]ShareMediaFile, 0, len(sh.Medias))}
		for _, pr := range sh.Prices {
			base := sharePriceBase{ID: pr.ID, CreatedAt: Time(pr.CreatedAt), ModifiedAt: TimePtr(pr.ModifiedAt), Source: pr.Source,
				AmountType: pr.AmountType, PriceCurrency: pr.PriceCurrency, IsArchived: pr.IsArchived, ShareID: pr.ShareID}
			switch pr.AmountType {
			case "fixed":
				cp.Prices = append(cp.Prices, sharePriceFixed{sharePriceBase: base, PriceAmount: *pr.PriceAmount})
			case "custom":
				cp.Prices = append(cp.Prices, sharePriceCustom{sharePriceBase: base, MinimumAmount: *pr.MinimumAmount,
					MaximumAmount: pr.MaximumAmount, PresetAmount: pr.PresetAmount})
			default: // free; the service keeps only representable types
				cp.Prices = append(cp.Prices, base)
			}
		}
		for _, m := range sh.Medias {
			cp.Medias = append(cp.Medias, ShareMediaFile{ID: m.ID, WorkspaceID: m.WorkspaceID, Name: m.Name, Path: m.Path,
				MimeType: m.MimeType, Size: m.Size, StorageVersion: m.StorageVersion, ChecksumEtag: m.ChecksumEtag,
				ChecksumSha256Base64: m.ChecksumSha256Base64, ChecksumSha256Hex: m.ChecksumSha256Hex,
				LastModifiedAt: TimePtr(m.LastModifiedAt), Version: m.Version, Service: m.Service, IsUploaded: m.IsUploaded,
				CreatedAt: Time(m.CreatedAt), SizeReadable: m.SizeReadable, PublicURL: m.PublicURL})
		}
		out.Shares = append(out.Shares, cp)
	}
	return out
}

// GetWorkspace is GET /api/customer-portal/workspaces/{slug} (public, §3.22).
func (h *Handlers) GetWorkspace(c echo.Context) error {
	p, err := h.S.Workspaces.Public(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewCustomerWorkspaceData(p))
}

// WorkspaceAPIWorkspace is the workspace API's view of the token's own
// workspace: the public fields plus its settings.
type WorkspaceAPIWorkspace struct {
	CustomerWorkspace
	AccentColor   *string `json:"accent_color"`
	DefaultLocale string  `json:"default_locale"`
}

type workspaceUpdateBody struct {
	Name                    Optional[string]          `json:"name"`
	Email                   Optional[string]          `json:"email"`
	Website                 Optional[string]          `json:"website"`
	AvatarURL               Optional[string]          `json:"avatar_url"`
	AccentColor             Optional[string]          `json:"accent_color"`
	MemberModelEnabled      Optional[bool]            `json:"member_model_enabled"`
	SeatBasedPricingEnabled Optional[bool]            `json:"seat_based_pricing_enabled"`
	CustomerPortalSettings  Optional[json.RawMessage] `json:"customer_portal_settings"`
	DefaultLocale           Optional[string]          `json:"default_locale"`
}

func patchField[T any](o Optional[T]) workspace.Field[T] {
	if !o.Set || o.Null {
		return workspace.Field[T]{Set: o.Set}
	}
	v := o.Value
	return workspace.Field[T]{Set: true, Value: &v}
}

// WorkspaceUpdate is PATCH /api/workspaces/me (merge-patch).
func (h *Handlers) WorkspaceUpdate(c echo.Context) error {
	var b workspaceUpdateBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	in := workspace.UpdateInput{
		Name: patchField(b.Name), Email: patchField(b.Email), Website: patchField(b.Website), AvatarURL: patchField(b.AvatarURL),
		AccentColor: patchField(b.AccentColor), MemberModelEnabled: patchField(b.MemberModelEnabled),
		SeatBasedPricingEnabled: patchField(b.SeatBasedPricingEnabled), DefaultLocale: patchField(b.DefaultLocale),
		// An explicit null reaches the service as a null value to reject.
		CustomerPortalSettings: workspace.Field[json.RawMessage]{Set: b.CustomerPortalSettings.Set},
	}
	if b.CustomerPortalSettings.Set {
		raw := b.CustomerPortalSettings.Value
		if b.CustomerPortalSettings.Null {
			raw = json.RawMessage("null")
		}
		in.CustomerPortalSettings.Value = &raw
	}
	ws, err := h.S.Workspaces.Update(c.Request().Context(), TokenWorkspaceID(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, WorkspaceAPIWorkspace{CustomerWorkspace: NewCustomerWorkspace(ws), AccentColor: ws.AccentColor,
		DefaultLocale: ws.DefaultLocale})
}
