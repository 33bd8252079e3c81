package mail_test

// An external test package: testkit (its SMTP sink) builds on packages that
// import mail.

import (
	"context"
	"strings"
	"testing"
	"time"

	"portal/internal/mail"
	"portal/internal/testkit"
)

func TestSMTPSenderDeliversWithAuth(t *testing.T) {
	sink := testkit.NewSMTPSink(t)
	s, err := mail.NewSMTPSender("smtp://user:secret@" + sink.Addr())
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.RenderSignIn(mail.SignInData{To: "to@example.com", WorkspaceName: "Shop", Code: "ABCD-2345", Minutes: 10, URL: "https://p/shop/portal/authenticate"}, "portal@example.com", "help@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	got := sink.WaitFor(t, "to@example.com", 5*time.Second)
	if got.Username != "user" || got.Subject != "Sign in to your Shop file shares" || !strings.Contains(got.Text, "ABCD-2345") || !strings.Contains(got.HTML, "ABCD-2345") {
		t.Errorf("got %+v", got)
	}
	sink.SetDown(true)
	if err := s.Send(ctx, m); err == nil {
		t.Error("send succeeded while the server was down")
	}
}
