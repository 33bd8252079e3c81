package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	texttemplate "text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"portal/internal/i18n"
)

// InviteArgs is the queued invitation a new team member gets ("<Owner>
// added you to <Team> on <Workspace>"). It is inserted in the transaction
// that adds the member, so the member and the email exist together or not
// at all. It carries no secret: the link leads to the sign-in page with the
// address filled in, where a code is asked for as usual.
type InviteArgs struct {
	To            string `json:"to"`
	Inviter       string `json:"inviter"`
	Team          string `json:"team"`
	WorkspaceName string `json:"workspace_name"`
	WorkspaceSlug string `json:"workspace_slug"`
	ReplyTo       string `json:"reply_to,omitempty"`
	LogoURL       string `json:"logo_url,omitempty"`
	// Lang is the language of the page (or the API request) that added the
	// member, else the workspace's default_locale.
	Lang string `json:"lang,omitempty"`
}

func (InviteArgs) Kind() string { return "portal_invite_mail" }

// InviteData is what the invitation shows.
type InviteData struct {
	To            string
	Inviter       string
	Team          string
	WorkspaceName string
	LogoURL       string
	URL           string // <base>/<slug>/portal/request?email=<to>
	Lang          string // one of i18n.Locales; else English
}

// inviteWords are the invitation's sentences in its language.
type inviteWords struct {
	InviteData
	Heading, Body, Button, NoPassword, Ignore string
}

// InviteSubject is the invitation's subject line, in d's language.
func InviteSubject(d InviteData) string {
	return i18n.New(d.Lang, nil).T("invite.subject", map[string]any{"Inviter": OneLine(d.Inviter), "Team": OneLine(d.Team), "Workspace": OneLine(d.WorkspaceName)})
}

// RenderInvite builds the invitation email.
func RenderInvite(d InviteData, from, replyTo string) (Message, error) {
	l := i18n.New(d.Lang, nil)
	d.Lang = l.Lang
	w := inviteWords{InviteData: d,
		Heading:    l.T("invite.subject", map[string]any{"Inviter": d.Inviter, "Team": d.Team, "Workspace": d.WorkspaceName}),
		Body:       l.T("invite.body", map[string]any{"Portal": l.T("layout.title_workspace", map[string]any{"Workspace": d.WorkspaceName}), "To": d.To}),
		Button:     l.T("invite.button"),
		NoPassword: l.T("invite.no_password"),
		Ignore:     l.T("invite.ignore"),
	}
	var text, html bytes.Buffer
	if err := inviteText.Execute(&text, w); err != nil {
		return Message{}, fmt.Errorf("mail: render invite text: %w", err)
	}
	if err := inviteHTML.Execute(&html, w); err != nil {
		return Message{}, fmt.Errorf("mail: render invite html: %w", err)
	}
	return Message{To: d.To, FromName: l.T("mail.via", map[string]any{"Workspace": OneLine(d.WorkspaceName)}), From: from, ReplyTo: replyTo,
		Subject: InviteSubject(d), Text: text.String(), HTML: html.String()}, nil
}

// EnqueueInviteTx queues the invitation in tx, the transaction that adds
// the member.
func (q *Queue) EnqueueInviteTx(ctx context.Context, tx pgx.Tx, a InviteArgs) error {
	if lang, ok := i18n.Chosen(ctx); ok {
		a.Lang = lang
	}
	if _, err := q.client.InsertTx(ctx, tx, a, &river.InsertOpts{MaxAttempts: 25}); err != nil {
		return fmt.Errorf("mail: enqueue invite: %w", err)
	}
	return nil
}

type inviteWorker struct {
	river.WorkerDefaults[InviteArgs]
	q *Queue
}

func (w *inviteWorker) Work(ctx context.Context, job *river.Job[InviteArgs]) error {
	a := job.Args
	d := InviteData{To: a.To, Inviter: a.Inviter, Team: a.Team, WorkspaceName: a.WorkspaceName, LogoURL: a.LogoURL, Lang: a.Lang,
		URL: w.q.baseURL + "/" + url.PathEscape(a.WorkspaceSlug) + "/portal/request?" + url.Values{"email": {a.To}}.Encode()}
	m, err := RenderInvite(d, w.q.from, a.ReplyTo)
	if err != nil {
		return river.JobCancel(err)
	}
	m.SentAt = time.Now()
	if err := w.q.sender.Send(ctx, m); err != nil {
		w.q.log.Warn("invitation not delivered yet; will retry", "job_id", job.ID, "attempt", job.Attempt, "error", err.Error())
		return err
	}
	return nil
}

// NextRetry backs off like the sign-in mail, capped at a minute.
func (w *inviteWorker) NextRetry(job *river.Job[InviteArgs]) time.Time {
	d := time.Duration(w.q.retryBase.Load())
	for i := 1; i < job.Attempt && d < time.Minute; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, time.Minute))
}

func (w *inviteWorker) Timeout(*river.Job[InviteArgs]) time.Duration { return 30 * time.Second }

var inviteText = texttemplate.Must(texttemplate.New("invite-text").Parse(`{{.WorkspaceName}}

{{.Heading}}

{{.Body}}

{{.URL}}

{{.NoPassword}}

{{.Ignore}}
`))

var inviteHTML = htmltemplate.Must(htmltemplate.New("invite-html").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Heading}}</title></head>
<body style="margin:0;padding:24px;background:#f7f7f8;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1f">
<div style="max-width:480px;margin:0 auto;background:#fff;border-radius:10px;padding:24px">
{{if .LogoURL}}<img src="{{.LogoURL}}" alt="" width="32" height="32" style="border-radius:50%;vertical-align:middle"> {{end}}<strong>{{.WorkspaceName}}</strong>
<h1 style="font-size:20px;margin:20px 0 12px">{{.Heading}}</h1>
<p>{{.Body}}</p>
<p><a href="{{.URL}}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">{{.Button}}</a></p>
<p style="color:#5c5f6a;font-size:14px">{{.NoPassword}} {{.Ignore}}</p>
</div></body></html>
`))
