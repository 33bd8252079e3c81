package api

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// The profile (GET /customers/me, the answer the API serves most) is
// encoded by hand, byte for byte what encoding/json makes of CustomerJSON
// (TestCustomerAppendJSONMatchesEncodingJSON and FuzzAppendString hold the
// two together): reflection, the Time marshaler and the compaction of its
// output were a sixth of the request's CPU in the portal process
// (docs/design.md "Performance").

// AppendJSON appends the customer as encoding/json encodes it (HTML-safe
// escaping, map keys sorted), without the trailing newline.
func (c *CustomerJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendUUID(b, c.ID)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, time.Time(c.CreatedAt))
	b = append(b, `,"modified_at":`...)
	if c.ModifiedAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, time.Time(*c.ModifiedAt))
	}
	b = append(b, `,"email":`...)
	b = appendString(b, c.Email)
	b = append(b, `,"email_verified":`...)
	if c.EmailVerified {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	b = append(b, `,"name":`...)
	b = appendStringPtr(b, c.Name)
	b = append(b, `,"billing_name":`...)
	b = appendStringPtr(b, c.BillingName)
	b = append(b, `,"billing_address":`...)
	if a := c.BillingAddress; a == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"line1":`...)
		b = appendStringPtr(b, a.Line1)
		b = append(b, `,"line2":`...)
		b = appendStringPtr(b, a.Line2)
		b = append(b, `,"postal_code":`...)
		b = appendStringPtr(b, a.PostalCode)
		b = append(b, `,"city":`...)
		b = appendStringPtr(b, a.City)
		b = append(b, `,"state":`...)
		b = appendStringPtr(b, a.State)
		b = append(b, `,"country":`...)
		b = appendString(b, a.Country)
		b = append(b, '}')
	}
	b = append(b, `,"oauth_accounts":`...)
	switch {
	case c.OAuthAccounts == nil:
		b = append(b, "null"...)
	case len(c.OAuthAccounts) == 0:
		b = append(b, "{}"...)
	default:
		keys := make([]string, 0, len(c.OAuthAccounts))
		for k := range c.OAuthAccounts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			v := c.OAuthAccounts[k]
			b = appendString(b, k)
			b = append(b, `:{"account_id":`...)
			b = appendString(b, v.AccountID)
			b = append(b, `,"account_username":`...)
			b = appendStringPtr(b, v.AccountUsername)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = append(b, `,"type":`...)
	b = appendStringPtr(b, c.Type)
	return append(b, '}')
}

// writeCustomer answers with the customer as c.JSON would: the same
// Content-Type, the same bytes and trailing newline. ?pretty (echo's
// indented output) still goes through c.JSON.
func writeCustomer(c echo.Context, status int, v CustomerJSON) error {
	if c.Request().URL.RawQuery != "" || c.Echo().Debug {
		if _, pretty := c.QueryParams()["pretty"]; pretty || c.Echo().Debug {
			return c.JSON(status, v)
		}
	}
	b := v.AppendJSON(make([]byte, 0, 512))
	return c.Blob(status, echo.MIMEApplicationJSON, append(b, '\n'))
}

func appendUUID(b []byte, id uuid.UUID) []byte {
	b = append(b, '"')
	var s [36]byte
	encodeUUID(s[:], id)
	b = append(b, s[:]...)
	return append(b, '"')
}

// encodeUUID writes id's canonical text (as uuid.UUID.MarshalText).
func encodeUUID(dst []byte, id uuid.UUID) {
	const hexd = "0123456789abcdef"
	j := 0
	for i, x := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexd[x>>4], hexd[x&0xf]
		j += 2
	}
}

// appendTime appends the quoted FormatTime of t (Time.MarshalJSON).
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = append(b, '"')
	if t.Nanosecond()/1000 == 0 {
		b = t.AppendFormat(b, "2006-01-02T15:04:05Z")
	} else {
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	}
	return append(b, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as encoding/json does with HTML escaping
// on (its default, and echo's): ", \ and control characters escaped, <, >
// and & as \u003c, \u003e, \u0026, U+2028 and U+2029 escaped, invalid
// UTF-8 replaced by \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
