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
}

// InviteSubject is the invitation's subject line.
func InviteSubject(d InviteData) string {
	return OneLine(d.Inviter) + " added you to " + OneLine(d.Team) + " on " + OneLine(d.WorkspaceName)
}

// RenderInvite builds the invitation email.
func RenderInvite(d InviteData, from, replyTo string) (Message, error) {
	var text, html bytes.Buffer
	if err := inviteText.Execute(&text, d); err != nil {
		return Message{}, fmt.Errorf("mail: render invite text: %w", err)
	}
	if err := inviteHTML.Execute(&html, d); err != nil {
		return Message{}, fmt.Errorf("mail: render invite html: %w", err)
	}
	return Message{To: d.To, FromName: OneLine(d.WorkspaceName) + " (via Portal)", From: from, ReplyTo: replyTo,
		Subject: InviteSubject(d), Text: text.String(), HTML: html.String()}, nil
}

// EnqueueInviteTx queues the invitation in tx, the transaction that adds
// the member.
func (q *Queue) EnqueueInviteTx(ctx context.Context, tx pgx.Tx, a InviteArgs) error {
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
	d := InviteData{To: a.To, Inviter: a.Inviter, Team: a.Team, WorkspaceName: a.WorkspaceName, LogoURL: a.LogoURL,
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

{{.Inviter}} added you to {{.Team}} on {{.WorkspaceName}}.

You can now sign in to the {{.WorkspaceName}} customer portal with this email address ({{.To}}) to see what the team shares there:

{{.URL}}

There is no password: the portal emails you a one-time code each time you sign in.

If you did not expect this, you can ignore this email or reply to it.
`))

var inviteHTML = htmltemplate.Must(htmltemplate.New("invite-html").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Inviter}} added you to {{.Team}}</title></head>
<body style="margin:0;padding:24px;background:#f7f7f8;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1f">
<div style="max-width:480px;margin:0 auto;background:#fff;border-radius:10px;padding:24px">
{{if .LogoURL}}<img src="{{.LogoURL}}" alt="" width="32" height="32" style="border-radius:50%;vertical-align:middle"> {{end}}<strong>{{.WorkspaceName}}</strong>
<h1 style="font-size:20px;margin:20px 0 12px">{{.Inviter}} added you to {{.Team}} on {{.WorkspaceName}}</h1>
<p>You can now sign in to the {{.WorkspaceName}} customer portal with this email address ({{.To}}) to see what the team shares there.</p>
<p><a href="{{.URL}}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Sign in to the portal</a></p>
<p style="color:#5c5f6a;font-size:14px">There is no password: the portal emails you a one-time code each time you sign in. If you did not expect this, you can ignore this email or reply to it.</p>
</div></body></html>
`))
