package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/member"
	"portal/web/middleware"
)

// MemberJSON is the contract's CustomerPortalMember.
type MemberJSON struct {
	ID         uuid.UUID `json:"id"`
	CreatedAt  Time      `json:"created_at"`
	ModifiedAt *Time     `json:"modified_at"`
	Email      string    `json:"email"`
	Name       *string   `json:"name"`
	Role       string    `json:"role"`
}

// NewMember serializes a member.
func NewMember(m member.Member) MemberJSON {
	return MemberJSON{ID: m.ID, CreatedAt: Time(m.CreatedAt), ModifiedAt: TimePtr(m.ModifiedAt), Email: m.Email, Name: m.Name, Role: m.Role}
}

type memberCreateBody struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
	Role  *string `json:"role"`
}

type memberUpdateBody struct {
	Role *string `json:"role"`
}

// ListMembers is GET /members.
func (h *Handlers) ListMembers(c echo.Context) error {
	ms, err := h.S.Members.List(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return err
	}
	out := make([]MemberJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, NewMember(m))
	}
	return c.JSON(http.StatusOK, out)
}

// CreateMember is POST /members: 201 with the new, reactivated (D3) or
// already existing member.
func (h *Handlers) CreateMember(c echo.Context) error {
	var b memberCreateBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	if b.Email == nil {
		// As pydantic, a missing key reports the object it is missing from.
		input := map[string]any{}
		if b.Name != nil {
			input["name"] = *b.Name
		}
		if b.Role != nil {
			input["role"] = *b.Role
		}
		return apperr.Invalid(apperr.Required(input, "body", "email"))
	}
	in := member.CreateInput{Email: *b.Email, Name: b.Name, Role: b.Role}
	m, _, err := h.S.Members.Create(c.Request().Context(), middleware.Principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, NewMember(m))
}

// UpdateMember is PATCH /members/{id} (any UUID version, §8.13).
func (h *Handlers) UpdateMember(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	var b memberUpdateBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	m, err := h.S.Members.Update(c.Request().Context(), middleware.Principal(c), id, member.UpdateInput{Role: b.Role})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewMember(m))
}

// DeleteMember is DELETE /members/{id}: 204.
func (h *Handlers) DeleteMember(c echo.Context) error {
	id, err := PathUUID(c, "id", false)
	if err != nil {
		return err
	}
	if err := h.S.Members.Delete(c.Request().Context(), middleware.Principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
