package mail

import (
	"strings"
	"testing"
)

func TestSealerRoundTripIsBoundToItsJob(t *testing.T) {
	s, err := NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("ABCD2345", "job-1")
	if strings.Contains(sealed, "ABCD2345") || sealed == s.Seal("ABCD2345", "job-1") {
		t.Error("sealed value leaks the code or is not randomized")
	}
	if got, err := s.Open(sealed, "job-1"); err != nil || got != "ABCD2345" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.Open(sealed, "job-2"); err == nil {
		t.Error("opened under another job's id")
	}
	other, _ := NewSealer([]byte("another secret of at least 32 bytes!!"))
	if _, err := other.Open(sealed, "job-1"); err == nil {
		t.Error("opened with another secret")
	}
	if _, err := s.Open("!!", "job-1"); err == nil {
		t.Error("opened garbage")
	}
}

func TestOutboxKeepsNewestFirstBounded(t *testing.T) {
	o := NewOutbox(3)
	for _, to := range []string{"a", "b", "c", "d"} {
		o.Add(Message{To: to})
	}
	got := o.Recent()
	if len(got) != 3 || got[0].To != "d" || got[2].To != "b" {
		t.Errorf("recent %+v", got)
	}
}

func TestRenderSignInEscapesWorkspaceName(t *testing.T) {
	m, err := RenderSignIn(SignInData{To: "a@example.com", WorkspaceName: `<script>x</script>`, Code: "ABCD-2345", Minutes: 1, URL: "https://p/x/portal/authenticate"}, "from@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>x") {
		t.Error("workspace name not escaped in HTML")
	}
	if !strings.Contains(m.Text, "This code expires in 1 minute.") || m.FromName != "<script>x</script> (via Portal)" {
		t.Errorf("text %q from %q", m.Text, m.FromName)
	}
}
