package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// NewSignInArgs is the queued "New sign-in to your <Workspace> portal"
// heads-up (issue 18): sent when a browser that never signed in to the
// account before does, except at the account's first sign-in ever. It
// carries only what the message shows: no session or device ids.
type NewSignInArgs struct {
	To            string    `json:"to"`
	WorkspaceName string    `json:"workspace_name"`
	WorkspaceSlug string    `json:"workspace_slug"`
	ReplyTo       string    `json:"reply_to,omitempty"`
	Device        string    `json:"device"`  // "Chrome on macOS"
	Address       string    `json:"address"` // masked: "203.0.113.x"
	Method        string    `json:"method"`  // "a code", "a passkey", "a link"
	At            time.Time `json:"at"`      // when
}

func (NewSignInArgs) Kind() string { return "portal_new_sign_in_mail" }

// NewSignInData is what the heads-up shows.
type NewSignInData struct {
	NewSignInArgs
	When       string // "7 Dec 2026, 21:05 UTC"
	DevicesURL string // <base>/<slug>/portal/settings#devices
}

// RenderNewSignIn builds the heads-up message.
func RenderNewSignIn(d NewSignInData, from string) (Message, error) {
	var text, html bytes.Buffer
	if err := newSignInText.Execute(&text, d); err != nil {
		return Message{}, fmt.Errorf("mail: render text: %w", err)
	}
	if err := newSignInHTML.Execute(&html, d); err != nil {
		return Message{}, fmt.Errorf("mail: render html: %w", err)
	}
	name := OneLine(d.WorkspaceName)
	return Message{To: d.To, FromName: name + " (via Portal)", From: from, ReplyTo: d.ReplyTo,
		Subject: "New sign-in to your " + name + " portal", Text: text.String(), HTML: html.String()}, nil
}

var newSignInText = texttemplate.Must(texttemplate.New("text").Parse(`New sign-in to your {{.WorkspaceName}} portal

Someone signed in to your account with {{.Method}}:

  Device:  {{.Device}}
  Address: {{.Address}}
  Time:    {{.When}}

If this was you, there is nothing to do. If not, sign out that browser and
see every browser signed in to your account here:
{{.DevicesURL}}
`))

var newSignInHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<h1 style="font-size:20px">New sign-in to your {{.WorkspaceName}} portal</h1>
<p>Someone signed in to your account with {{.Method}}:</p>
<table role="presentation"><tr><td>Device</td><td><strong>{{.Device}}</strong></td></tr>
<tr><td>Address</td><td>{{.Address}}</td></tr><tr><td>Time</td><td>{{.When}}</td></tr></table>
<p>If this was you, there is nothing to do. If not, <a href="{{.DevicesURL}}">sign out that browser</a> and see every browser signed in to your account.</p>
</body></html>
`))

// EnqueueNewSignInTx queues the heads-up in tx, the transaction that
// records the sign-in.
func (q *Queue) EnqueueNewSignInTx(ctx context.Context, tx pgx.Tx, a NewSignInArgs) error {
	if _, err := q.client.InsertTx(ctx, tx, a, &river.InsertOpts{MaxAttempts: 25}); err != nil {
		return fmt.Errorf("mail: enqueue: %w", err)
	}
	return nil
}

type newSignInWorker struct {
	river.WorkerDefaults[NewSignInArgs]
	q *Queue
}

func (w *newSignInWorker) Work(ctx context.Context, job *river.Job[NewSignInArgs]) error {
	d := NewSignInData{NewSignInArgs: job.Args, When: job.Args.At.UTC().Format("2 Jan 2006, 15:04 UTC"),
		DevicesURL: w.q.baseURL + "/" + job.Args.WorkspaceSlug + "/portal/settings#devices"}
	m, err := RenderNewSignIn(d, w.q.from)
	if err != nil {
		return river.JobCancel(err)
	}
	m.SentAt = time.Now()
	if err := w.q.sender.Send(ctx, m); err != nil {
		w.q.log.Warn("new sign-in mail not delivered yet; will retry", "job_id", job.ID, "attempt", job.Attempt, "error", err.Error())
		return err
	}
	return nil
}

func (w *newSignInWorker) Timeout(*river.Job[NewSignInArgs]) time.Duration { return 30 * time.Second }
