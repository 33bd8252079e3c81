package testkit

import (
	"context"
	"errors"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// send mails through the sink the way the application does (go-mail).
func send(t *testing.T, sink *SMTPSink, to, subject, text, html string, opts ...gomail.Option) error {
	t.Helper()
	u, err := url.Parse(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	opts = append([]gomail.Option{
		gomail.WithPort(port),
		gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithTimeout(5 * time.Second),
	}, opts...)
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	m := gomail.NewMsg()
	if err := m.From("Portal <noreply@portal.test>"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to); err != nil {
		t.Fatal(err)
	}
	m.Subject(subject)
	m.SetBodyString(gomail.TypeTextPlain, text)
	if html != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, html)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.DialAndSendWithContext(ctx, m)
}

func TestSMTPSinkReceivesAndDecodes(t *testing.T) {
	sink := NewSMTPSink(t)
	if !strings.HasPrefix(sink.URL(), "smtp://127.0.0.1:") {
		t.Fatalf("URL %s", sink.URL())
	}
	// Long lines and non-ASCII force quoted-printable and an encoded subject.
	text := "Votre code : 123456 — valable 10 minutes. " + strings.Repeat("long line ", 20)
	html := `<p>Votre code&nbsp;: <b>123456</b> — <a href="https://portal.test/verify?token=abc=def">vérifier</a></p>`
	if err := send(t, sink, "Alice@Example.com", "Votre code de connexion ✓", text, html); err != nil {
		t.Fatal(err)
	}
	m := sink.WaitFor(t, "alice@example.com", 5*time.Second)
	if m.ParseErr != nil {
		t.Fatal(m.ParseErr)
	}
	if m.From != "noreply@portal.test" || len(m.To) != 1 {
		t.Errorf("envelope %s -> %v", m.From, m.To)
	}
	if m.Subject != "Votre code de connexion ✓" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.Text != text {
		t.Errorf("text\n got %q\nwant %q", m.Text, text)
	}
	if m.HTML != html {
		t.Errorf("html\n got %q\nwant %q", m.HTML, html)
	}
	if !strings.Contains(string(m.Data), "Content-Transfer-Encoding: quoted-printable") {
		t.Errorf("expected a quoted-printable part in:\n%s", m.Data)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
}

func TestSMTPSinkWaitForReturnsSuccessiveMessages(t *testing.T) {
	sink := NewSMTPSink(t)
	sent := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // WaitFor really waits
		var err error
		for _, s := range []string{"first", "second"} {
			if err == nil {
				err = send(t, sink, "bob@example.com", s, s, "")
			}
		}
		sent <- err
	}()
	if m := sink.WaitFor(t, "bob@example.com", 5*time.Second); m.Subject != "first" {
		t.Errorf("got %q", m.Subject)
	}
	if m := sink.WaitFor(t, "bob@example.com", 5*time.Second); m.Subject != "second" {
		t.Errorf("got %q", m.Subject)
	}
	if err := <-sent; err != nil {
		t.Error(err)
	}
}

func TestSMTPSinkAcceptsAuth(t *testing.T) {
	sink := NewSMTPSink(t)
	err := send(t, sink, "carol@example.com", "hi", "hi", "",
		gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername("mailer"), gomail.WithPassword("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if m := sink.WaitFor(t, "carol@example.com", 5*time.Second); m.Username != "mailer" {
		t.Errorf("username %q", m.Username)
	}
}

func TestSMTPSinkDown(t *testing.T) {
	sink := NewSMTPSink(t)
	sink.SetDown(true)
	err := send(t, sink, "dave@example.com", "lost", "lost", "")
	if err == nil {
		t.Fatal("sending to a down sink succeeded")
	}
	// A bare client sees the 421 greeting.
	_, err = smtp.Dial(sink.Addr())
	var tpErr *textproto.Error
	if !errors.As(err, &tpErr) || tpErr.Code != 421 {
		t.Errorf("dial while down: %v, want a 421", err)
	}
	if sink.Refused() < 2 {
		t.Errorf("refused %d", sink.Refused())
	}

	// A session opened before the outage fails at its next command.
	sink.SetDown(false)
	c, err := smtp.Dial(sink.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	sink.SetDown(true)
	if err := c.Mail("x@portal.test"); err == nil || !strings.HasPrefix(err.Error(), "421") {
		t.Errorf("MAIL while down: %v", err)
	}

	sink.SetDown(false)
	if err := send(t, sink, "dave@example.com", "back", "back", ""); err != nil {
		t.Fatal(err)
	}
	if m := sink.WaitFor(t, "dave@example.com", 5*time.Second); m.Subject != "back" {
		t.Errorf("got %q", m.Subject)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("%d messages, want only the one sent after the outage", n)
	}
}

func TestParseMessageBase64AndAttachment(t *testing.T) {
	raw := "From: a@b\r\nTo: c@d\r\nSubject: =?utf-8?b?SMOpbGxv?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=OUT\r\n\r\n" +
		"--OUT\r\nContent-Type: multipart/alternative; boundary=IN\r\n\r\n" +
		"--IN\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nSMOpbGxv\r\nIHdvcmxk\r\n" +
		"--IN\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>H=C3=A9llo=\r\n world</p>\r\n" +
		"--IN--\r\n" +
		"--OUT\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=x.txt\r\n\r\nnot the body\r\n" +
		"--OUT--\r\n"
	m := Message{Data: []byte(raw)}
	parseMessage(&m)
	if m.ParseErr != nil {
		t.Fatal(m.ParseErr)
	}
	if m.Subject != "Héllo" || m.Text != "Héllo world" || m.HTML != "<p>Héllo world</p>" {
		t.Errorf("subject %q text %q html %q", m.Subject, m.Text, m.HTML)
	}
}
