package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/static"
	"portal/views/paths"
	"portal/web/api"
	"portal/web/html"
	"portal/web/middleware"
)

// routes is the one route table for every surface.
func (s *Server) routes() {
	e := s.E
	a := &api.Handlers{S: s.svc}
	h := html.New(s.svc)
	s.pageError = h.RenderError

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	// /metrics is not here: it is served only on PORTAL_METRICS_ADDR (D24).

	// Static assets: our own plus the npm-vendored files.
	// Content-hashed URLs are cached for good, precompressed (docs/design.md
	// "Assets").
	dev := s.svc.Config.Dev()
	e.GET(static.Prefix+"*", echo.WrapHandler(http.StripPrefix(static.Prefix, static.Handler(func(name string) bool {
		return !dev && devOnlyAssets[name]
	}))))

	// Customer portal API (the contract). The API ignores cookies (D21).
	cp := e.Group("/api/customer-portal", middleware.Bearer(s.svc.Resolver), noStore, api.RejectUnparseableJSON, api.Language)
	// --- profile (issue 4)
	cp.GET("/customers/me", a.GetCustomer, middleware.RequireSession)
	cp.PATCH("/customers/me", a.UpdateCustomer, middleware.RequireBilling)
	// --- sign-in (issue 3)
	cp.GET("/customer-session/user", a.GetUser, middleware.RequireSession)
	cp.GET("/customer-session/introspect", a.Introspect, middleware.RequireSession)
	cp.POST("/customer-session/request", a.RequestCode)
	cp.POST("/customer-session/authenticate", a.Authenticate)
	s.signInMetrics()
	// --- file sharing (issue 5)
	cp.GET("/file-sharing/sessions", a.ListFileShareSessions, middleware.RequireSession)
	cp.GET("/file-sharing/sessions/:id", a.GetFileShareSession, middleware.RequireSession)
	cp.GET("/file-sharing/sessions/:id/downloads", a.ListFileShareDownloads, middleware.RequireSession)
	cp.GET("/file-sharing/sessions/:id/payments", a.ListFileSharePayments, middleware.RequireSession)
	// --- team (issue 4)
	cp.GET("/members", a.ListMembers, middleware.RequireTeamAdmin)
	cp.POST("/members", a.CreateMember, middleware.RequireTeamAdmin)
	cp.PATCH("/members/:id", a.UpdateMember, middleware.RequireTeamAdmin)
	cp.DELETE("/members/:id", a.DeleteMember, middleware.RequireTeamAdmin)
	// --- linked accounts (issue 7)
	cp.GET("/oauth-accounts/authorize", a.OAuthAuthorize)
	cp.GET("/oauth-accounts/callback", a.OAuthCallback, api.CallbackBrowserSession(h.BrowserSessionIDs))
	// --- cards (issue 6)
	cp.GET("/payment-methods", a.ListPaymentMethods, middleware.RequireBilling)
	cp.POST("/payment-methods", a.CreatePaymentMethod, middleware.RequireBilling)
	cp.POST("/payment-methods/confirm", a.ConfirmPaymentMethod, middleware.RequireBilling)
	cp.DELETE("/payment-methods/:id", a.DeletePaymentMethod, middleware.RequireBilling)
	cp.POST("/payment-methods/:id/default", a.SetDefaultPaymentMethod, middleware.RequireBilling)
	// --- public workspace (issue 2)
	cp.GET("/workspaces/:slug", a.GetWorkspace)

	// Workspace API, for the workspace's own servers (docs/design.md "Interface").
	wa := e.Group("/api", a.RequireWorkspaceToken, noStore)
	both := func(method, path string, fn echo.HandlerFunc) {
		wa.Add(method, path, fn)
		wa.Add(method, path+"/", fn)
	}
	both(http.MethodPost, "/customers", a.WorkspaceCreateCustomer)
	wa.GET("/customers/:id", a.WorkspaceGetCustomer)
	wa.PATCH("/customers/:id", a.WorkspaceUpdateCustomer)
	both(http.MethodPost, "/members", a.WorkspaceCreateMember)
	both(http.MethodPost, "/customer-sessions", a.WorkspaceCreateCustomerSession)
	both(http.MethodPost, "/member-sessions", a.WorkspaceCreateMemberSession)
	both(http.MethodPost, "/file-sharing/sessions", a.WorkspaceCreateFileShareSession)
	wa.PATCH("/file-sharing/sessions/:id", a.WorkspaceUpdateFileShareSession)
	wa.POST("/file-sharing/sessions/:id/downloads", a.WorkspaceCreateDownload)
	wa.POST("/file-sharing/sessions/:id/payments", a.WorkspaceCreatePayment)
	wa.PATCH("/workspaces/me", a.WorkspaceUpdate)

	// Webhooks (issue 6).
	e.POST("/webhooks/stripe", a.StripeWebhook)
	if s.svc.Sandbox != nil {
		// The card sandbox's stand-in for Stripe.js createConfirmationToken.
		e.POST("/api/sandbox/confirmation-tokens", a.SandboxConfirmationToken, noStore)
	}

	// Pages.
	s.pageRoutes(h)
}

// pageRoutes registers every page, each under its name in views/paths (the
// links the handlers and views build come from there too).
func (s *Server) pageRoutes(h *html.Handlers) {
	e := s.E
	e.GET("/", func(c echo.Context) error { return apperr.NotFound("") })
	// The session is loaded before the CSRF check so a refused form still
	// gets the page shell of whoever is signed in.
	mw := append([]echo.MiddlewareFunc{h.LoadWorkspace, h.PageSession, h.Locale}, html.CSRF(s.svc.Config.Secure())...)
	g := e.Group(paths.Prefix, mw...)
	signedIn, billing := h.RequireSignedIn, middleware.RequireBilling
	g.GET("", h.Entry).Name = paths.Entry
	g.GET("/", h.Entry)
	// --- sign-in (issue 3), links (D23)
	g.GET("/request", h.RequestPage).Name = paths.Request
	g.POST("/request", h.RequestSubmit).Name = paths.RequestSubmit
	g.GET("/authenticate", h.AuthenticatePage).Name = paths.Authenticate
	g.POST("/authenticate", h.AuthenticateSubmit).Name = paths.AuthSubmit
	g.POST("/authenticate/resend", h.ResendCode).Name = paths.Resend
	g.POST("/sign-out", h.SignOut).Name = paths.SignOut
	g.POST("/timezone", h.TimeZone).Name = paths.TimeZone
	g.GET("/continue", h.ContinuePage).Name = paths.Continue
	g.POST("/continue", h.ContinueSubmit).Name = paths.ContinueSubmit
	// --- passkeys (issue 18): sign-in ceremony, JSON for static/js/passkey.js
	g.POST("/passkeys/sign-in/begin", h.PasskeyLoginBegin).Name = paths.PasskeyBegin
	g.POST("/passkeys/sign-in/finish", h.PasskeyLoginFinish).Name = paths.PasskeyFinish
	// --- file sharing (issue 5)
	g.GET("/overview", h.Overview, signedIn).Name = paths.Overview
	g.GET("/sessions/:id", h.SessionDetail, signedIn).Name = paths.Session
	g.GET("/sessions/:id/activity", h.SessionActivity, signedIn).Name = paths.SessionActivity
	g.GET("/sessions/:id/export.csv", h.SessionCSV, signedIn).Name = paths.SessionCSV
	// --- profile, linked accounts (issues 4, 7)
	g.GET("/settings", h.Settings, signedIn, h.AllowProviderFormAction).Name = paths.Settings
	g.POST("/settings", h.SettingsSave, signedIn, h.AllowProviderFormAction).Name = paths.SettingsSave
	g.POST("/settings/oauth/:platform/connect", h.OAuthConnect, signedIn).Name = paths.OAuthConnect
	g.POST("/settings/oauth/disconnect", h.OAuthDisconnect, signedIn).Name = paths.OAuthDisconnect
	// --- devices, sign-in history (issue 18)
	g.POST("/settings/devices/sign-out-others", h.DevicesSignOutOthers, signedIn).Name = paths.DevicesOthers
	g.POST("/settings/devices/:id/sign-out", h.DeviceSignOut, signedIn).Name = paths.DeviceSignOut
	g.POST("/settings/passkeys/begin", h.PasskeyAddBegin, signedIn).Name = paths.PasskeyAdd
	g.POST("/settings/passkeys/finish", h.PasskeyAddFinish, signedIn).Name = paths.PasskeyAdded
	g.POST("/settings/passkeys/reverify", h.PasskeyReverify, signedIn).Name = paths.PasskeyReverifR
	g.POST("/settings/passkeys/:id/rename", h.PasskeyRename, signedIn).Name = paths.PasskeyRenameR
	g.POST("/settings/passkeys/:id/remove", h.PasskeyRemove, signedIn).Name = paths.PasskeyRemoveR
	// --- cards (issue 6)
	g.GET("/billing", h.Billing, signedIn).Name = paths.Billing
	g.POST("/billing/cards", h.BillingAddCard, signedIn, billing).Name = paths.BillingAddCard
	g.POST("/billing/confirm", h.BillingConfirm, signedIn, billing).Name = paths.BillingConfirm
	g.GET("/billing/return", h.BillingReturn, signedIn, billing).Name = paths.BillingReturn
	g.POST("/billing/cards/:id/default", h.BillingMakeDefault, signedIn, billing).Name = paths.BillingDefault
	g.POST("/billing/cards/:id/delete", h.BillingDeleteCard, signedIn, billing).Name = paths.BillingDelete
	if s.svc.Sandbox != nil {
		// The card sandbox's 3-D Secure page (development and demos only).
		e.GET("/sandbox/3ds/:id", h.SandboxChallenge).Name = paths.SandboxThreeDS
		e.POST("/sandbox/3ds/:id", h.SandboxChallengeAnswer)
	}
	// --- team (issue 4)
	g.GET("/team", h.Team, signedIn).Name = paths.Team
	g.POST("/team/members", h.TeamAdd, signedIn).Name = paths.TeamAdd
	g.POST("/team/members/:id/role", h.TeamRole, signedIn).Name = paths.TeamRole
	g.POST("/team/members/:id/remove", h.TeamRemove, signedIn).Name = paths.TeamRemove
	// Development only: every message the portal sent.
	if s.svc.Config.Dev() && s.svc.Mail != nil {
		e.GET("/_dev/mail", h.DevMail, html.CSRF(s.svc.Config.Secure())...).Name = paths.DevMail
	}
}

// noStore keeps API answers (tokens, personal data) out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// devOnlyAssets are test tools vendored beside htmx: served only in
// development (D28), where the browser page sweep may load them.
var devOnlyAssets = map[string]bool{"vendor/axe.min.js": true}
