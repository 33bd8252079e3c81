package oauthaccount

import (
	"net/url"
	"strings"

	"portal/internal/validate"
)

// sanitizeReturnTo keeps the callback's redirect on our own origin (§5.1, as
// §4.2): a relative path is prefixed with PORTAL_BASE_URL, an absolute URL on
// PORTAL_BASE_URL's scheme and host is kept, and anything else (another host,
// a scheme-relative "//evil", backslash tricks, control characters, absurd
// length) becomes PORTAL_BASE_URL + "/".
func sanitizeReturnTo(base *url.URL, raw string) string {
	def := base.Scheme + "://" + base.Host + "/"
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > validate.MaxURL {
		return def
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return def
		}
	}
	if strings.HasPrefix(raw, "/") {
		if strings.HasPrefix(raw, "//") {
			return def
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			return def
		}
		return base.Scheme + "://" + base.Host + u.String()
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return def
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// withParams merges params into the query of an already sanitized URL,
// keeping its other parameters (later keys override, §5.2). Outcome keys of
// an earlier attempt are dropped so a success never shows an old error.
func withParams(target string, params url.Values) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	for _, k := range []string{"linked", "error", "error_platform", "error_retry_after"} {
		q.Del(k)
	}
	for k, vs := range params {
		q.Del(k)
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
