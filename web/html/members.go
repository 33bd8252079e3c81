package html

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/i18n"
	"portal/internal/member"
	memberview "portal/views/member"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/httperr"
	"portal/web/middleware"
)

// The team page (§3.11–3.14, docs/design.md "Pages", "Team members"): the same service
// methods as the JSON API. Every action works as a plain POST (303 with a
// flash) and with HTMX (the panel is swapped in place).

const (
	msgNoTeamHeading  = "team.no_team_heading"
	msgIndividualTeam = "team.individual"
	msgLegacyTeam     = "team.legacy"
)

const msgCustomerSessionTeam = "team.customer_session"

// Team is GET /{slug}/portal/team.
func (h *Handlers) Team(c echo.Context) error {
	var form memberview.AddForm
	if kept := h.takeKept(c, paths.TeamPage(Workspace(c).Slug, "")); kept != nil {
		// Typed before the last session ended: shown, not added.
		form = memberview.AddForm{Email: kept.Get("email"), Name: kept.Get("name"), Role: kept.Get("role"),
			Notice: h.locale(c).T("kept.notice")}
	}
	return h.renderTeam(c, http.StatusOK, form, "", nil)
}

// renderTeam draws the page (or, for HTMX, the panel). rowErr puts a rule
// violation on one row.
func (h *Handlers) renderTeam(c echo.Context, status int, form memberview.AddForm, notice string, rowErr map[uuid.UUID]string) error {
	p := middleware.Principal(c)
	l := h.locale(c)
	tok, field := csrfToken(c)
	props := memberview.TeamProps{Form: form, Notice: notice, AddAction: paths.TeamPage(Workspace(c).Slug, "/members"), CSRFField: field, CSRFToken: tok}
	ms, err := h.S.Members.List(c.Request().Context(), p)
	switch {
	case err == nil:
		props.Allowed = true
		// The page lists the owner first, then billing managers, then
		// members, each by name: a stable order people can scan (the
		// API keeps the contract's creation order).
		slices.SortStableFunc(ms, func(a, b member.Member) int {
			if c := cmp.Compare(roleRank(a.Role), roleRank(b.Role)); c != 0 {
				return c
			}
			return cmp.Or(cmp.Compare(strings.ToLower(memberLabel(a)), strings.ToLower(memberLabel(b))), cmp.Compare(a.Email, b.Email))
		})
		for _, m := range ms {
			r := h.teamRow(c, p, m)
			r.Error = rowErr[m.ID]
			props.Members = append(props.Members, r)
			if r.IsSelf {
				props.ViewerIsOwner, props.ViewerName = m.Role == auth.RoleOwner, r.Label()
			}
		}
		props.TeamName = h.teamName(c)
	case apperr.IsKind(err, apperr.KindUnauthenticated) && p != nil && !p.IsMember():
		// A customer session: say why teams don't apply rather than send
		// someone to a sign-in that cannot give them a team.
		switch {
		case p.CustomerType != "team":
			props.Heading, props.Reason = l.T(msgNoTeamHeading), l.T(msgIndividualTeam)
		case !Workspace(c).MemberModelEnabled:
			props.Heading, props.Reason = l.T(msgNoTeamHeading), l.T(msgLegacyTeam)
		default:
			props.Reason = l.T(msgCustomerSessionTeam)
		}
	case apperr.IsKind(err, apperr.KindForbidden):
		e, _ := apperr.As(err)
		props.Reason = detail(l, e.Detail, "error.forbidden_message")
		if e.Detail == member.MsgInsufficientRole {
			props.Reason = l.T("team.only_admins")
		}
	default:
		return err
	}
	if !props.Allowed && status == http.StatusOK {
		status = http.StatusForbidden
	}
	if htmx.IsRequest(c) && c.Request().Method == http.MethodPost && props.Allowed {
		props.Swap = true
		return Render(c, status, memberview.Panel(props))
	}
	return Render(c, status, memberview.Team(h.Meta(c, "nav.team", "team"), props))
}

func roleRank(role string) int {
	switch role {
	case auth.RoleOwner:
		return 0
	case auth.RoleBillingManager:
		return 1
	}
	return 2
}

func memberLabel(m member.Member) string {
	if m.Name != nil && *m.Name != "" {
		return *m.Name
	}
	return m.Email
}

func (h *Handlers) teamRow(c echo.Context, p *auth.Principal, m member.Member) memberview.Row {
	id := m.ID.String()
	return memberview.Row{ID: id, Name: strOr(m.Name), Email: m.Email, Role: m.Role, IsSelf: p != nil && p.MemberID == m.ID,
		RoleAction: paths.TeamPage(Workspace(c).Slug, "/members/"+id+"/role"), RemoveAction: paths.TeamPage(Workspace(c).Slug, "/members/"+id+"/remove"),
		SignInLink: h.S.Config.BaseURL + paths.SignIn(Workspace(c).Slug) + "?" + url.Values{"email": {m.Email}}.Encode()}
}

// teamName is how the handover question names the team: the customer's
// name, else its email.
func (h *Handlers) teamName(c echo.Context) string {
	prof, err := h.S.Customers.Get(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return ""
	}
	if prof.Name != nil && *prof.Name != "" {
		return *prof.Name
	}
	return prof.Email
}

// teamDone answers a successful action: 303 with a flash, or the panel.
func (h *Handlers) teamDone(c echo.Context, msg string) error {
	if htmx.IsRequest(c) {
		return h.renderTeam(c, http.StatusOK, memberview.AddForm{}, msg, nil)
	}
	if err := h.setFlash(c, "success", msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, paths.TeamPage(Workspace(c).Slug, ""))
}

// TeamAdd is POST /{slug}/portal/team/members.
func (h *Handlers) TeamAdd(c echo.Context) error {
	p := middleware.Principal(c)
	form := memberview.AddForm{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role")}
	in := member.CreateInput{Email: form.Email, Name: &form.Name}
	if form.Role != "" {
		in.Role = &form.Role
	}
	m, created, err := h.S.Members.Create(c.Request().Context(), p, in)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindBadRequest && e.Kind != apperr.KindConflict) {
			return err
		}
		status := httperr.StatusOf(c.Response().Header(), e)
		if e.Kind == apperr.KindInvalid {
			form.Errors = map[string]string{}
			for _, f := range e.Fields {
				key := f.Name()
				if key == "" {
					key = "email"
				}
				form.Errors[key] = teamFieldMessage(h.locale(c), f)
			}
		} else {
			form.Error = detail(h.locale(c), e.Detail, "error.generic_message")
		}
		return h.renderTeam(c, status, form, "", nil)
	}
	l := h.locale(c)
	if !created {
		return h.teamDone(c, l.T("team.already", map[string]any{"Email": m.Email}))
	}
	// The service queued the invitation with the member (docs/design.md "Team members").
	return h.teamDone(c, l.T("team.added_invited", map[string]any{"Email": m.Email}))
}

// teamFieldMessage words a field error of the add form, by its code, in
// l's language.
func teamFieldMessage(l *i18n.Locale, f apperr.FieldError) string {
	switch f.Code {
	case apperr.CodeInvalidEmail, apperr.CodeRequired:
		return l.T("team.err_email")
	case apperr.CodeTooLong:
		return l.T("team.err_name_long")
	case apperr.CodeInvalidChoice:
		return l.T("team.err_role_add")
	}
	return fieldMsg(l, f)
}

func (h *Handlers) teamTarget(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, apperr.NotFound(member.MsgNotFound)
	}
	return id, nil
}

// teamRuleError shows a rule violation (400) on the member's row; other
// errors go to the error page.
func (h *Handlers) teamRuleError(c echo.Context, id uuid.UUID, err error) error {
	e, ok := apperr.As(err)
	if !ok || (e.Kind != apperr.KindBadRequest && e.Kind != apperr.KindInvalid) {
		return err
	}
	l := h.locale(c)
	msg := detail(l, e.Detail, "error.generic_message")
	if e.Kind == apperr.KindInvalid {
		msg = l.T("team.err_role")
	}
	return h.renderTeam(c, httperr.StatusOf(c.Response().Header(), e), memberview.AddForm{}, "", map[uuid.UUID]string{id: msg})
}

// TeamRole is POST /{slug}/portal/team/members/:id/role.
func (h *Handlers) TeamRole(c echo.Context) error {
	id, err := h.teamTarget(c)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	p := middleware.Principal(c)
	if role == auth.RoleOwner && p != nil && p.Role == auth.RoleOwner && c.FormValue("confirm") != "yes" && !htmx.IsRequest(c) {
		// Handing ownership over demotes the viewer: confirmed first, like
		// a removal (with JavaScript the dialog asks and sends confirm=yes).
		target, err := h.S.Members.Get(c.Request().Context(), p, id)
		if err != nil {
			return err
		}
		tok, field := csrfToken(c)
		m := h.Meta(c, h.locale(c).T("team.transfer_title"), "team")
		viewer := ""
		if self, err := h.S.Members.Get(c.Request().Context(), p, p.MemberID); err == nil {
			viewer = memberLabel(self)
		}
		return Render(c, http.StatusOK, memberview.TransferConfirm(m, memberview.TransferProps{Member: h.teamRow(c, p, target),
			ViewerName: viewer, TeamName: h.teamName(c), CancelURL: paths.TeamPage(Workspace(c).Slug, ""), CSRFField: field, CSRFToken: tok}))
	}
	m, err := h.S.Members.Update(c.Request().Context(), middleware.Principal(c), id, member.UpdateInput{Role: &role})
	if err != nil {
		return h.teamRuleError(c, id, err)
	}
	l := h.locale(c)
	msg := l.T("team.role_changed", map[string]any{"Email": m.Email, "Role": l.T("role." + m.Role)})
	if m.Role == auth.RoleOwner {
		msg = l.T("team.now_owner", map[string]any{"Email": m.Email})
	}
	return h.teamDone(c, msg)
}

// TeamRemove is POST /{slug}/portal/team/members/:id/remove. Without the
// confirmation (no JavaScript to ask), it shows the confirmation step.
func (h *Handlers) TeamRemove(c echo.Context) error {
	p := middleware.Principal(c)
	id, err := h.teamTarget(c)
	if err != nil {
		return err
	}
	m, err := h.S.Members.Get(c.Request().Context(), p, id)
	if c.FormValue("confirm") != "yes" && !htmx.IsRequest(c) {
		if err != nil {
			return err
		}
		tok, field := csrfToken(c)
		return Render(c, http.StatusOK, memberview.RemoveConfirm(h.Meta(c, "title.remove_member", "team"),
			memberview.RemoveProps{Member: h.teamRow(c, p, m), CancelURL: paths.TeamPage(Workspace(c).Slug, ""), CSRFField: field, CSRFToken: tok}))
	}
	l := h.locale(c)
	label := l.T("team.the_member")
	if err == nil {
		label = m.Email
	}
	if err := h.S.Members.Delete(c.Request().Context(), p, id); err != nil {
		return h.teamRuleError(c, id, err)
	}
	return h.teamDone(c, l.T("team.removed", map[string]any{"Email": label}))
}
