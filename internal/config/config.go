// Package config reads Portal's configuration from the environment
// (docs/design.md "Interface") and validates it at start, naming the variable at fault.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting Portal reads. Names are fixed by docs/design.md "Interface".
type Config struct {
	DatabaseURL    string `env:"DATABASE_URL"`
	Addr           string `env:"PORTAL_ADDR" envDefault:"127.0.0.1:8080"`
	BaseURL        string `env:"PORTAL_BASE_URL"`
	Env            string `env:"PORTAL_ENV" envDefault:"production"`
	Secret         string `env:"PORTAL_SECRET"`
	TrustedProxies string `env:"PORTAL_TRUSTED_PROXIES"`
	Migrate        string `env:"PORTAL_MIGRATE" envDefault:"on"`
	MetricsAddr    string `env:"PORTAL_METRICS_ADDR"`
	// PoolMode says what sits between Portal and PostgreSQL: "session" (a
	// direct connection, or a pooler in session mode) or "transaction"
	// (PgBouncer in transaction pooling: no named prepared statements, no
	// LISTEN, no session advisory locks).
	PoolMode string `env:"PORTAL_DB_POOL_MODE" envDefault:"session"`
	// MigrateDatabaseURL is a direct connection (not through the pooler)
	// that migrations take their session lock on; required with
	// PoolMode transaction unless PORTAL_MIGRATE=off.
	MigrateDatabaseURL string `env:"PORTAL_MIGRATE_DATABASE_URL"`
	SMTPURL            string `env:"SMTP_URL"`
	MailFrom           string `env:"MAIL_FROM" envDefault:"portal@localhost"`
	StripeSecretKey    string `env:"STRIPE_SECRET_KEY"`
	StripePublicKey    string `env:"STRIPE_PUBLISHABLE_KEY"`
	StripeAPIURL       string `env:"STRIPE_API_URL"`
	StripeWebhook      string `env:"STRIPE_WEBHOOK_SECRET"`
	Payments           string `env:"PORTAL_PAYMENTS" envDefault:"stripe"`

	MicrosoftClientID     string `env:"OAUTH_MICROSOFT_CLIENT_ID"`
	MicrosoftClientSecret string `env:"OAUTH_MICROSOFT_CLIENT_SECRET"`
	MicrosoftTenant       string `env:"OAUTH_MICROSOFT_TENANT" envDefault:"common"`
	MicrosoftBaseURL      string `env:"OAUTH_MICROSOFT_BASE_URL"`
	DiscordClientID       string `env:"OAUTH_DISCORD_CLIENT_ID"`
	DiscordClientSecret   string `env:"OAUTH_DISCORD_CLIENT_SECRET"`
	DiscordBaseURL        string `env:"OAUTH_DISCORD_BASE_URL"`

	// Derived by Load.
	Trusted []netip.Prefix `env:"-"`

	// ResendCooldown is how long the code page waits before it offers a
	// resend; zero means the default (30 s). Never read from the
	// environment: tests shorten it to watch the countdown end.
	ResendCooldown time.Duration `env:"-"`
}

// Dev reports whether PORTAL_ENV=development.
func (c *Config) Dev() bool { return c.Env == "development" }

// Secure reports whether cookies must be Secure (https base URL).
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// TransactionPooling reports whether PostgreSQL is reached through a pooler
// in transaction mode.
func (c *Config) TransactionPooling() bool { return c.PoolMode == "transaction" }

// PaymentsEnabled reports whether card features can work at all.
func (c *Config) PaymentsEnabled() bool {
	return c.Payments == "sandbox" || c.StripeSecretKey != ""
}

// Error names the variable at fault.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Msg) }

// Load reads and validates the configuration from getenv.
func Load(getenv func(string) string) (*Config, error) {
	env_ := map[string]string{}
	for _, k := range []string{"DATABASE_URL", "PORTAL_ADDR", "PORTAL_BASE_URL", "PORTAL_ENV", "PORTAL_SECRET",
		"PORTAL_TRUSTED_PROXIES", "PORTAL_MIGRATE", "PORTAL_METRICS_ADDR", "PORTAL_DB_POOL_MODE", "PORTAL_MIGRATE_DATABASE_URL", "SMTP_URL", "MAIL_FROM", "STRIPE_SECRET_KEY",
		"STRIPE_PUBLISHABLE_KEY", "STRIPE_API_URL", "STRIPE_WEBHOOK_SECRET", "PORTAL_PAYMENTS",
		"OAUTH_MICROSOFT_CLIENT_ID", "OAUTH_MICROSOFT_CLIENT_SECRET", "OAUTH_MICROSOFT_TENANT",
		"OAUTH_MICROSOFT_BASE_URL", "OAUTH_DISCORD_CLIENT_ID", "OAUTH_DISCORD_CLIENT_SECRET", "OAUTH_DISCORD_BASE_URL"} {
		if v := getenv(k); v != "" {
			env_[k] = v
		}
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: env_}); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) validate() error {
	switch c.Env {
	case "production", "development", "test":
	default:
		return &Error{"PORTAL_ENV", fmt.Sprintf("must be production or development, got %q", c.Env)}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &Error{"PORTAL_ADDR", fmt.Sprintf("must be host:port: %v", err)}
	}
	if c.MetricsAddr != "" {
		// The metrics listener is private (D24): never the public one.
		_, port, err := net.SplitHostPort(c.MetricsAddr)
		if err != nil {
			return &Error{"PORTAL_METRICS_ADDR", fmt.Sprintf("must be host:port: %v", err)}
		}
		if c.MetricsAddr == c.Addr && port != "0" {
			return &Error{"PORTAL_METRICS_ADDR", "must differ from PORTAL_ADDR: metrics are never served on the public listener"}
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return &Error{"PORTAL_BASE_URL", "must be an absolute http(s) URL with no path, e.g. https://portal.example.com"}
	}
	switch {
	case c.Secret == "" && !c.Dev():
		return &Error{"PORTAL_SECRET", "is required in production (32 to 64 bytes)"}
	case c.Secret == "" && c.Dev():
		// portal dev writes one into .data/; a bare `serve` in development
		// without one still needs a key, but it must never be a fixed default.
		return &Error{"PORTAL_SECRET", "is required (32 to 64 bytes); `portal dev` generates one"}
	case len(c.Secret) < 32:
		return &Error{"PORTAL_SECRET", fmt.Sprintf("must be at least 32 bytes, got %d", len(c.Secret))}
	case len(c.Secret) > 64:
		return &Error{"PORTAL_SECRET", fmt.Sprintf("must be at most 64 bytes (BLAKE2b key limit), got %d", len(c.Secret))}
	}
	c.Trusted = nil
	for _, part := range strings.Split(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			if a, err2 := netip.ParseAddr(part); err2 == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return &Error{"PORTAL_TRUSTED_PROXIES", fmt.Sprintf("%q is not a CIDR", part)}
			}
		}
		c.Trusted = append(c.Trusted, p.Masked())
	}
	switch c.Migrate {
	case "on", "off":
	default:
		return &Error{"PORTAL_MIGRATE", fmt.Sprintf("must be on or off, got %q", c.Migrate)}
	}
	switch c.PoolMode {
	case "session", "transaction":
	default:
		return &Error{"PORTAL_DB_POOL_MODE", fmt.Sprintf("must be session or transaction, got %q", c.PoolMode)}
	}
	if c.PoolMode == "transaction" && c.Migrate == "on" && c.MigrateDatabaseURL == "" {
		return &Error{"PORTAL_MIGRATE_DATABASE_URL", "is required with PORTAL_DB_POOL_MODE=transaction (a direct connection for the migration lock), or set PORTAL_MIGRATE=off and run `portal migrate` before serving"}
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return &Error{"SMTP_URL", "must look like smtp://[user:pass@]host:port or smtps://..."}
		}
	}
	if !strings.Contains(c.MailFrom, "@") {
		return &Error{"MAIL_FROM", "must be an email address"}
	}
	switch c.Payments {
	case "stripe":
	case "sandbox":
		if !c.Dev() {
			return &Error{"PORTAL_PAYMENTS", "sandbox is for development and demos only; refused in production"}
		}
	default:
		return &Error{"PORTAL_PAYMENTS", fmt.Sprintf("must be stripe or sandbox, got %q", c.Payments)}
	}
	for _, v := range []struct{ name, val string }{{"STRIPE_API_URL", c.StripeAPIURL}, {"OAUTH_MICROSOFT_BASE_URL", c.MicrosoftBaseURL}, {"OAUTH_DISCORD_BASE_URL", c.DiscordBaseURL}} {
		if v.val == "" {
			continue
		}
		if u, err := url.Parse(v.val); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &Error{v.name, "must be an absolute http(s) URL"}
		}
	}
	if (c.MicrosoftClientID == "") != (c.MicrosoftClientSecret == "") {
		return &Error{"OAUTH_MICROSOFT_CLIENT_SECRET", "OAUTH_MICROSOFT_CLIENT_ID and _SECRET must be set together"}
	}
	if (c.DiscordClientID == "") != (c.DiscordClientSecret == "") {
		return &Error{"OAUTH_DISCORD_CLIENT_SECRET", "OAUTH_DISCORD_CLIENT_ID and _SECRET must be set together"}
	}
	return nil
}

// ErrNoDatabase is returned by commands that need DATABASE_URL.
var ErrNoDatabase = errors.New("DATABASE_URL is required (or use `portal dev`)")
