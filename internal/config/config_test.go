package config

import (
	"errors"
	"strings"
	"testing"
)

const goodSecret = "0123456789abcdef0123456789abcdef"

func load(kv map[string]string) (*Config, error) {
	return Load(func(k string) string { return kv[k] })
}

// TestLoadDefaults: a production config needs only a secret; the rest has
// the defaults of docs/design.md "Interface".
func TestLoadDefaults(t *testing.T) {
	c, err := load(map[string]string{"PORTAL_SECRET": goodSecret})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.Env != "production" || c.Migrate != "on" ||
		c.MailFrom != "portal@localhost" || c.Payments != "stripe" || c.MetricsAddr != "" || c.Dev() || c.Secure() || c.PaymentsEnabled() || len(c.Trusted) != 0 {
		t.Fatalf("%+v", c)
	}
	c, err = load(map[string]string{"PORTAL_SECRET": goodSecret, "PORTAL_ENV": "development", "PORTAL_PAYMENTS": "sandbox",
		"PORTAL_BASE_URL": "https://portal.example.com/", "PORTAL_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128,10.1.2.3",
		"PORTAL_METRICS_ADDR": "127.0.0.1:9090"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Dev() || !c.Secure() || !c.PaymentsEnabled() || c.BaseURL != "https://portal.example.com" || len(c.Trusted) != 3 ||
		c.Trusted[2].String() != "10.1.2.3/32" || c.MetricsAddr != "127.0.0.1:9090" {
		t.Fatalf("%+v", c)
	}
}

// TestLoadErrorsNameTheVariable: every bad setting fails with one line
// naming its variable.
func TestLoadErrorsNameTheVariable(t *testing.T) {
	base := func(extra ...string) map[string]string {
		m := map[string]string{"PORTAL_SECRET": goodSecret}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing secret in production", map[string]string{}, "PORTAL_SECRET"},
		{"missing secret in development", map[string]string{"PORTAL_ENV": "development"}, "PORTAL_SECRET"},
		{"short secret", base("PORTAL_SECRET", strings.Repeat("s", 31)), "PORTAL_SECRET"},
		{"long secret", base("PORTAL_SECRET", strings.Repeat("s", 65)), "PORTAL_SECRET"},
		{"bad env", base("PORTAL_ENV", "staging"), "PORTAL_ENV"},
		{"bad trusted proxies", base("PORTAL_TRUSTED_PROXIES", "10.0.0.0/8,not-a-cidr"), "PORTAL_TRUSTED_PROXIES"},
		{"trusted proxy mask", base("PORTAL_TRUSTED_PROXIES", "10.0.0.0/33"), "PORTAL_TRUSTED_PROXIES"},
		{"sandbox in production", base("PORTAL_PAYMENTS", "sandbox"), "PORTAL_PAYMENTS"},
		{"unknown payments", base("PORTAL_PAYMENTS", "paypal"), "PORTAL_PAYMENTS"},
		{"bad addr", base("PORTAL_ADDR", "8080"), "PORTAL_ADDR"},
		{"bad metrics addr", base("PORTAL_METRICS_ADDR", "9090"), "PORTAL_METRICS_ADDR"},
		{"metrics on the public listener", base("PORTAL_ADDR", "127.0.0.1:8080", "PORTAL_METRICS_ADDR", "127.0.0.1:8080"), "PORTAL_METRICS_ADDR"},
		{"bad base url", base("PORTAL_BASE_URL", "portal.example.com"), "PORTAL_BASE_URL"},
		{"base url with path", base("PORTAL_BASE_URL", "https://example.com/portal"), "PORTAL_BASE_URL"},
		{"bad migrate", base("PORTAL_MIGRATE", "maybe"), "PORTAL_MIGRATE"},
		{"bad smtp", base("SMTP_URL", "http://mail.example.com"), "SMTP_URL"},
		{"bad mail from", base("MAIL_FROM", "portal"), "MAIL_FROM"},
		{"bad stripe url", base("STRIPE_API_URL", "stripe"), "STRIPE_API_URL"},
		{"half microsoft", base("OAUTH_MICROSOFT_CLIENT_ID", "id"), "OAUTH_MICROSOFT_CLIENT_SECRET"},
		{"half discord", base("OAUTH_DISCORD_CLIENT_SECRET", "s"), "OAUTH_DISCORD_CLIENT_SECRET"},
	}
	for _, c := range cases {
		_, err := load(c.env)
		if err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.Var != c.want || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	// The bounds themselves are accepted.
	for _, n := range []int{32, 64} {
		if _, err := load(base("PORTAL_SECRET", strings.Repeat("s", n))); err != nil {
			t.Fatalf("%d-byte secret: %v", n, err)
		}
	}
	if _, err := load(base("PORTAL_ENV", "development", "PORTAL_PAYMENTS", "sandbox")); err != nil {
		t.Fatalf("sandbox in development: %v", err)
	}
}

// TestPoolMode: session by default; transaction needs a direct connection
// for migrations unless the server does not migrate.
func TestPoolMode(t *testing.T) {
	c, err := load(map[string]string{"PORTAL_SECRET": goodSecret})
	if err != nil || c.PoolMode != "session" || c.TransactionPooling() {
		t.Fatalf("default: %v %+v", err, c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string // "" = accepted
	}{
		{map[string]string{"PORTAL_DB_POOL_MODE": "statement"}, "PORTAL_DB_POOL_MODE"},
		{map[string]string{"PORTAL_DB_POOL_MODE": "transaction"}, "PORTAL_MIGRATE_DATABASE_URL"},
		{map[string]string{"PORTAL_DB_POOL_MODE": "transaction", "PORTAL_MIGRATE": "off"}, ""},
		{map[string]string{"PORTAL_DB_POOL_MODE": "transaction", "PORTAL_MIGRATE_DATABASE_URL": "postgres://db/portal"}, ""},
	} {
		tc.env["PORTAL_SECRET"] = goodSecret
		c, err := load(tc.env)
		var ce *Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want == "" && !c.TransactionPooling():
			t.Errorf("%v: not transaction pooling", tc.env)
		case tc.want != "" && (!errors.As(err, &ce) || ce.Var != tc.want):
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.want)
		}
	}
}
