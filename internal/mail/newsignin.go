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

	"portal/internal/i18n"
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
	// Lang is the language of the page the sign-in happened on, else the
	// workspace's default_locale (auth.RecordSignIn); "" (an older job) is
	// English.
	Lang string `json:"lang,omitempty"`
	// MethodID is "code", "passkey" or "link"; Method is its English
	// wording, kept for jobs queued before MethodID existed.
	MethodID string `json:"method_id,omitempty"`
	// Zone is the IANA time zone the signing-in browser reported
	// ("Europe/Berlin"), when it had; the time is shown in it, else in
	// UTC, labelled either way.
	Zone string `json:"zone,omitempty"`
}

func (NewSignInArgs) Kind() string { return "portal_new_sign_in_mail" }

// NewSignInData is what the heads-up shows.
type NewSignInData struct {
	NewSignInArgs
	When       string // "7 Dec 2026, 21:05 UTC"
	DevicesURL string // <base>/<slug>/portal/settings#devices
}

// newSignInView is what the templates fill in: every word from the
// catalog in the message's language.
type newSignInView struct {
	NewSignInData
	Lang, Subject, Intro, DeviceLabel, AddressLabel, TimeLabel, Outro, Review string
}

// RenderNewSignIn builds the heads-up message in d.Lang (English when
// unknown); the time is in the zone the browser reported (d.Zone), else
// UTC, and carries the zone's name either way.
func RenderNewSignIn(d NewSignInData, from string) (Message, error) {
	zone, _ := i18n.Zone(d.Zone)
	l := i18n.New(d.Lang, zone)
	name := OneLine(d.WorkspaceName)
	method := d.Method
	switch d.MethodID {
	case "code":
		method = l.T("mail.new_sign_in.method_code")
	case "passkey":
		method = l.T("mail.new_sign_in.method_passkey")
	case "link":
		method = l.T("mail.new_sign_in.method_link")
	}
	if d.When == "" {
		d.When = l.DateTime(d.At)
	}
	if d.Address == "" || d.Address == "unknown" {
		d.Address = l.T("mail.new_sign_in.unknown")
	}
	v := newSignInView{NewSignInData: d, Lang: l.Lang,
		Subject:     l.T("mail.new_sign_in.subject", map[string]any{"Workspace": name}),
		Intro:       l.T("mail.new_sign_in.intro", map[string]any{"Method": method}),
		DeviceLabel: l.T("mail.new_sign_in.device"), AddressLabel: l.T("mail.new_sign_in.address"), TimeLabel: l.T("mail.new_sign_in.time"),
		Outro: l.T("mail.new_sign_in.outro"), Review: l.T("mail.new_sign_in.review")}
	var text, html bytes.Buffer
	if err := newSignInText.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("mail: render text: %w", err)
	}
	if err := newSignInHTML.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("mail: render html: %w", err)
	}
	return Message{To: d.To, FromName: l.T("mail.via", map[string]any{"Workspace": name}), From: from, ReplyTo: d.ReplyTo,
		Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

var newSignInText = texttemplate.Must(texttemplate.New("text").Parse(`{{.Subject}}

{{.Intro}}

  {{.DeviceLabel}}: {{.Device}}
  {{.AddressLabel}}: {{.Address}}
  {{.TimeLabel}}: {{.When}}

{{.Outro}}
{{.DevicesURL}}
`))

var newSignInHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<h1 style="font-size:20px">{{.Subject}}</h1>
<p>{{.Intro}}</p>
<table role="presentation"><tr><td>{{.DeviceLabel}}</td><td><strong>{{.Device}}</strong></td></tr>
<tr><td>{{.AddressLabel}}</td><td>{{.Address}}</td></tr><tr><td>{{.TimeLabel}}</td><td>{{.When}}</td></tr></table>
<p>{{.Outro}} <a href="{{.DevicesURL}}">{{.Review}}</a></p>
</body></html>
`))

// EnqueueNewSignInTx queues the heads-up in tx, the transaction that
// records the sign-in.
func (q *Queue) EnqueueNewSignInTx(ctx context.Context, tx pgx.Tx, a NewSignInArgs) error {
	if lang, ok := i18n.Chosen(ctx); ok && a.Lang == "" {
		a.Lang = lang
	}
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
	d := NewSignInData{NewSignInArgs: job.Args,
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
