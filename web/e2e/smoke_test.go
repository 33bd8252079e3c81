package e2e

import "testing"

func TestSmokeSignIn(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	tb.signIn("acme", "alice@example.com", "")
	tb.check("overview")
}
