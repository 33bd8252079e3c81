// Package mail owns outgoing email: rendering the sign-in message, sending
// it over SMTP (or logging it and keeping it for the development mail page
// when no SMTP server is configured), and the durable River queue that
// delivers it, written in the same transaction as the code (D20). The queue
// also runs the periodic cleanup of expired sign-in state (G22).
package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"portal/internal/i18n"
)

// Message is one rendered email.
type Message struct {
	To       string
	FromName string
	From     string
	ReplyTo  string // "" when the workspace has no address
	Subject  string
	Text     string
	HTML     string
	// Code is the sign-in code as displayed, kept only for the development
	// mail page; it is never logged outside development.
	Code   string
	SentAt time.Time
}

// SignInData is what the sign-in email shows (§6.2 adapted).
type SignInData struct {
	To            string
	WorkspaceName string
	LogoURL       string
	Code          string // displayed form XXXX-XXXX
	Minutes       int
	URL           string // <base>/<slug>/portal/authenticate
	// Lang is the message's language (one of i18n.Locales; else English).
	Lang string
}

// words are the message's sentences in its language, from the catalog.
type words struct {
	SignInData
	Heading, Intro, Expires, EnterAt, Footer string
	IntroHTML                                htmltemplate.HTML
}

// RenderSignIn builds the sign-in email. from is MAIL_FROM; replyTo is the
// workspace's address, if any.
func RenderSignIn(d SignInData, from, replyTo string) (Message, error) {
	if d.Minutes < 1 {
		d.Minutes = 1
	}
	l := i18n.New(d.Lang, nil)
	d.Lang = l.Lang
	ws := map[string]any{"Workspace": d.WorkspaceName}
	portal := l.T("layout.title_workspace", ws)
	w := words{SignInData: d,
		Heading: l.T("mail.heading", ws),
		Intro:   l.T("mail.intro", map[string]any{"Portal": portal}),
		Expires: l.N("mail.expires", d.Minutes),
		EnterAt: l.T("mail.enter_at", map[string]any{"URL": d.URL}),
		Footer:  l.T("mail.footer", map[string]any{"To": d.To, "Portal": portal}),
	}
	// The HTML intro links the portal's name wherever the language puts it.
	const mark = "\x00portal\x00"
	intro := htmltemplate.HTMLEscapeString(l.T("mail.intro", map[string]any{"Portal": mark}))
	link := `<a href="` + htmltemplate.HTMLEscapeString(d.URL) + `" style="color:#0a66c2">` + htmltemplate.HTMLEscapeString(portal) + `</a>`
	w.IntroHTML = htmltemplate.HTML(strings.Replace(intro, htmltemplate.HTMLEscapeString(mark), link, 1)) //nolint:gosec // every part escaped above
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, w); err != nil {
		return Message{}, fmt.Errorf("mail: render text: %w", err)
	}
	if err := htmlTmpl.Execute(&html, w); err != nil {
		return Message{}, fmt.Errorf("mail: render html: %w", err)
	}
	name := OneLine(d.WorkspaceName)
	return Message{
		To:       d.To,
		FromName: l.T("mail.via", map[string]any{"Workspace": name}),
		From:     from,
		ReplyTo:  replyTo,
		Subject:  l.T("mail.subject", map[string]any{"Workspace": name}),
		Text:     text.String(),
		HTML:     html.String(),
		Code:     d.Code,
	}, nil
}

// OneLine makes text safe for a header: line breaks, tabs and other
// control characters become single spaces, and the ends are trimmed. The
// header encoders then quote and encode what is left (D31).
func OneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

var funcs = map[string]any{"upper": strings.ToUpper}

// The sentences come from the catalog (locales/*.toml, mail.*), in the
// language of the page that asked for the code; times are relative
// ("expires in 10 minutes"), so no time zone is needed.
var textTmpl = texttemplate.Must(texttemplate.New("text").Funcs(funcs).Parse(`{{.WorkspaceName}}

{{.Heading}}

{{.Intro}}

    {{.Code}}

{{.Expires}}

{{.EnterAt}}

{{.Footer}}
`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Funcs(funcs).Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Heading}}</title></head>
<body style="margin:0;padding:0;background:#f5f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f">
<div style="display:none;max-height:0;overflow:hidden">{{.Heading}}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f5f7;padding:32px 0"><tr><td align="center">
<table role="presentation" width="480" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:12px;padding:32px">
<tr><td style="text-align:center;padding-bottom:16px">
{{if .LogoURL}}<img src="{{.LogoURL}}" alt="" width="48" height="48" style="border-radius:8px;display:block;margin:0 auto 8px">{{end}}
<div style="font-size:18px;font-weight:600">{{.WorkspaceName}}</div>
</td></tr>
<tr><td style="font-size:15px;line-height:1.5;padding-bottom:16px">{{.IntroHTML}}</td></tr>
<tr><td style="text-align:center;padding:8px 0 16px"><div data-testid="code" style="display:inline-block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:32px;font-weight:700;letter-spacing:4px;background:#f0f0f3;border-radius:8px;padding:12px 20px">{{.Code}}</div></td></tr>
<tr><td style="font-size:14px;color:#515154;padding-bottom:24px">{{.Expires}}</td></tr>
<tr><td style="font-size:12px;color:#86868b;border-top:1px solid #e5e5ea;padding-top:16px">{{.Footer}}</td></tr>
</table></td></tr></table>
</body></html>
`))
