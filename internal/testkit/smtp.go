package testkit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one mail the sink accepted.
type Message struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO), Bcc included
	Data []byte   // the message exactly as received
	// Username is who authenticated (AUTH PLAIN), if anyone did.
	Username string

	// Parsed from Data. ParseErr says why they are empty when Data is not
	// a readable message.
	Header   mail.Header
	Subject  string // RFC 2047-decoded
	Text     string // the text/plain body, transfer-decoded
	HTML     string // the text/html body, transfer-decoded
	ParseErr error
}

// SMTPSink is an SMTP server on 127.0.0.1 that keeps what it is sent, for
// tests of outgoing mail. It accepts any sender, recipient and credentials,
// with or without AUTH, over plain connections.
type SMTPSink struct {
	srv  *smtp.Server
	ln   net.Listener
	down atomic.Bool
	// refused counts connections and commands turned away while down.
	refused atomic.Int64

	mu       sync.Mutex
	msgs     []Message
	consumed []bool        // by WaitFor
	changed  chan struct{} // closed and replaced on every new message

	closeOnce sync.Once
}

// NewSMTPSink starts a sink on a free port; it is closed when the test ends.
func NewSMTPSink(t testing.TB) *SMTPSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testkit: smtp sink: %v", err)
	}
	s := &SMTPSink{changed: make(chan struct{})}
	s.ln = &downListener{Listener: ln, sink: s}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s}, nil
	}))
	s.srv.Domain = "sink.portal.test"
	s.srv.AllowInsecureAuth = true // AUTH without TLS, as a local relay would
	s.srv.EnableSMTPUTF8 = true
	s.srv.MaxMessageBytes = 25 << 20
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	// Clients hanging up mid-session are expected in outage tests: keep
	// go-smtp from logging about it.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.srv.Serve(s.ln) }()
	t.Cleanup(s.Close)
	return s
}

// URL is the sink's address as smtp://127.0.0.1:PORT.
func (s *SMTPSink) URL() string { return "smtp://" + s.Addr() }

// Addr is the sink's host:port.
func (s *SMTPSink) Addr() string { return s.ln.Addr().String() }

// Messages returns everything received so far, oldest first.
func (s *SMTPSink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Reset forgets every message received so far.
func (s *SMTPSink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.consumed = nil, nil
}

// HeadsUpSubject starts the "New sign-in to your <Workspace> portal"
// mail (issue 18). WaitFor skips those: tests wait for sign-in codes, and a
// heads-up may arrive first when a test signs in from several browsers.
const HeadsUpSubject = "New sign-in to your "

// WaitFor returns the oldest message to recipient to (an envelope recipient,
// compared case-insensitively) that no earlier WaitFor returned, waiting up to
// timeout for it to arrive; it fails the test if none does. Successive calls
// thus return successive messages: the first code mailed, then the resent one.
func (s *SMTPSink) WaitFor(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	want := normAddr(to)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if s.consumed[i] || strings.HasPrefix(m.Subject, HeadsUpSubject) {
				continue
			}
			for _, rcpt := range m.To {
				if normAddr(rcpt) == want {
					s.consumed[i] = true
					s.mu.Unlock()
					return m
				}
			}
		}
		changed := s.changed
		n := len(s.msgs)
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("testkit: no mail to %s within %s (%d messages received: %s)", to, timeout, n, s.summary())
			return Message{}
		}
	}
}

func (s *SMTPSink) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := make([]string, 0, len(s.msgs))
	for _, m := range s.msgs {
		parts = append(parts, fmt.Sprintf("%v %q", m.To, m.Subject))
	}
	return strings.Join(parts, "; ")
}

// SetDown simulates an outage (true) or ends it (false). While down, new
// connections are greeted with "421 service not available" and closed, and
// sessions already open get 421 to their next command, as from a relay
// shutting down.
func (s *SMTPSink) SetDown(down bool) { s.down.Store(down) }

// Refused counts the connections and commands turned away while down, so a
// test can tell that the sender did try (and retried).
func (s *SMTPSink) Refused() int { return int(s.refused.Load()) }

// Close stops the sink. It is called at the end of the test anyway.
func (s *SMTPSink) Close() {
	s.closeOnce.Do(func() { _ = s.srv.Close() })
}

func (s *SMTPSink) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.consumed = append(s.consumed, false)
	close(s.changed)
	s.changed = make(chan struct{})
}

var errDown = &smtp.SMTPError{
	Code:         421,
	EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message:      "Service not available (simulated outage)",
}

// downListener turns connections away at the greeting while the sink is
// down: go-smtp greets before any backend hook runs.
type downListener struct {
	net.Listener
	sink *SMTPSink
}

func (l *downListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.sink.down.Load() {
			return c, err
		}
		l.sink.refused.Add(1)
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, "421 4.3.2 sink.portal.test Service not available (simulated outage)\r\n")
		_ = c.Close()
	}
}

type sinkSession struct {
	sink     *SMTPSink
	from     string
	to       []string
	username string
}

func (s *sinkSession) check() error {
	if s.sink.down.Load() {
		s.sink.refused.Add(1)
		return errDown
	}
	return nil
}

func (s *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *sinkSession) Auth(mech string) (sasl.Server, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		s.username = username
		return nil
	}), nil
}

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if err := s.check(); err != nil {
		return err
	}
	s.from = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.check(); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	m := Message{From: s.from, To: append([]string(nil), s.to...), Data: data, Username: s.username}
	parseMessage(&m)
	s.sink.add(m)
	return nil
}

func (s *sinkSession) Reset() { s.from, s.to = "", nil }

func (s *sinkSession) Logout() error { return nil }

func normAddr(a string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
}

// parseMessage fills m's parsed fields from m.Data.
func parseMessage(m *Message) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		m.ParseErr = err
		return
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	m.ParseErr = walkPart(m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// walkPart collects the first text/plain and text/html bodies, descending
// into multipart/* (mixed, alternative, related) and skipping attachments.
func walkPart(m *Message, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// Raw parts: NextPart would decode quoted-printable itself but
			// not base64; decoding both here keeps it uniform.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); disp == "attachment" {
				continue
			}
			if err := walkPart(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	r := body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
	return nil
}
