package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers one message. An error means "try again later".
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPSender sends through the server of SMTP_URL: smtp:// uses STARTTLS
// when the server offers it, smtps:// is TLS from the start; user:pass in
// the URL enables AUTH.
type SMTPSender struct {
	host string
	opts []gomail.Option
}

// NewSMTPSender parses SMTP_URL (already validated by config).
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP_URL: %w", err)
	}
	opts := []gomail.Option{gomail.WithTimeout(15 * time.Second)}
	port := 25
	switch u.Scheme {
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: SMTP_URL port: %w", err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pw, _ := u.User.Password()
		// Credentials go only over TLS, except to a relay on this machine
		// (loopback), where plain AUTH is the norm and never leaves the host.
		mech := gomail.SMTPAuthAutoDiscover
		if isLoopback(u.Hostname()) {
			mech = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(mech),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return &SMTPSender{host: u.Hostname(), opts: opts}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	// Built, not concatenated (D31): net/mail quotes the display name as
	// RFC 5322 needs and encodes non-ASCII as RFC 2047; OneLine has
	// already removed line breaks. The address itself is MAIL_FROM.
	addr, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	msg.FromMailAddress(&mail.Address{Name: OneLine(m.FromName), Address: addr.Address})
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	if m.ReplyTo != "" {
		// A malformed workspace address must not block the sign-in.
		_ = msg.ReplyTo(m.ReplyTo)
	}
	msg.Subject(OneLine(m.Subject))
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}

// Outbox keeps the most recent messages in memory for the development mail
// page (/_dev/mail).
type Outbox struct {
	mu   sync.Mutex
	msgs []Message
	max  int
}

// NewOutbox keeps up to max messages.
func NewOutbox(max int) *Outbox { return &Outbox{max: max} }

// Add records m.
func (o *Outbox) Add(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > o.max {
		o.msgs = append([]Message(nil), o.msgs[len(o.msgs)-o.max:]...)
	}
}

// Recent returns the kept messages, newest first.
func (o *Outbox) Recent() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}

// LogSender is the sender when SMTP_URL is empty: the message is logged
// (with its code only in development) and kept in the outbox.
type LogSender struct {
	Log    *slog.Logger
	Outbox *Outbox
	Dev    bool
}

func (s *LogSender) Send(_ context.Context, m Message) error {
	if s.Dev {
		// The one line a developer signing in needs (issue 16.19).
		s.Log.Info("code for " + m.To + ": " + m.Code + " (also on /_dev/mail)")
		if s.Outbox != nil {
			s.Outbox.Add(m)
		}
		return nil
	}
	s.Log.Info("mail not sent: SMTP_URL is empty", "to", m.To, "subject", m.Subject)
	if s.Outbox != nil {
		s.Outbox.Add(m)
	}
	return nil
}

// recording wraps a sender to keep a copy of every delivered message in the
// outbox (development: the mail page lists everything sent).
type recording struct {
	Sender
	outbox *Outbox
}

func (r recording) Send(ctx context.Context, m Message) error {
	if err := r.Sender.Send(ctx, m); err != nil {
		return err
	}
	r.outbox.Add(m)
	return nil
}
