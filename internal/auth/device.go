package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Device cookie (D26): a browser that has signed in to an account carries a
// long-lived HttpOnly cookie naming that account's principal (the member
// for member sessions, else the customer) with an HMAC keyed from the
// server secret. It never signs anyone in by itself; it only exempts that
// browser from the per-address limits of sign-in (the code cap of D12 and
// the wrong-code cap of D26), so nobody can lock the account's own browser
// out. One browser may have signed in as several principals (workspaces,
// accounts): the value is up to MaxDevicePrincipals entries
// "<principal id>.<hmac>", most recent last, joined by "_".
const (
	// DeviceCookieSecure is the cookie's name over https, DeviceCookiePlain
	// on http development servers.
	DeviceCookieSecure = "__Host-portal-device"
	DeviceCookiePlain  = "portal-device"
	// DeviceMaxAge is the cookie's lifetime, renewed at every sign-in.
	DeviceMaxAge = 365 * 24 * time.Hour
	// MaxDevicePrincipals bounds the entries of one cookie (about 70 bytes
	// each, well under browsers' 4 KB).
	MaxDevicePrincipals = 10
	deviceMACHex        = 32 // 128 bits of HMAC-SHA256, hex
)

// Devices mints and verifies device cookie values.
type Devices struct{ key []byte }

// NewDevices derives the device key from the server secret (HKDF-SHA256, a
// purpose of its own, so it is independent of the hash and cookie keys).
func NewDevices(secret []byte) *Devices {
	k, err := hkdf.Key(sha256.New, secret, nil, "portal device cookie", 32)
	if err != nil {
		panic(err) // only for absurd lengths
	}
	return &Devices{key: k}
}

func (d *Devices) mac(principal uuid.UUID) string {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte("device\x00"))
	m.Write(principal[:])
	return hex.EncodeToString(m.Sum(nil))[:deviceMACHex]
}

// Remember returns the cookie value after a sign-in as principal: the
// verified entries of value (forged or malformed ones are dropped) with
// principal moved to the end, at most MaxDevicePrincipals, oldest dropped.
func (d *Devices) Remember(value string, principal uuid.UUID) string {
	ids := d.Known(value)
	keep := make([]uuid.UUID, 0, len(ids)+1)
	for _, id := range ids {
		if id != principal {
			keep = append(keep, id)
		}
	}
	keep = append(keep, principal)
	if n := len(keep) - MaxDevicePrincipals; n > 0 {
		keep = keep[n:]
	}
	parts := make([]string, 0, len(keep))
	for _, id := range keep {
		parts = append(parts, id.String()+"."+d.mac(id))
	}
	return strings.Join(parts, "_")
}

// Known returns the principals a device cookie value proves this browser
// signed in as; entries whose HMAC does not verify are ignored.
func (d *Devices) Known(value string) []uuid.UUID {
	if value == "" || len(value) > 2*MaxDevicePrincipals*(36+1+deviceMACHex+1) {
		return nil
	}
	var out []uuid.UUID
	for _, entry := range strings.Split(value, "_") {
		raw, mac, ok := strings.Cut(entry, ".")
		if !ok {
			continue
		}
		id, err := uuid.Parse(raw)
		if err != nil || id == uuid.Nil || len(raw) != 36 {
			continue
		}
		if !hmac.Equal([]byte(mac), []byte(d.mac(id))) {
			continue
		}
		out = append(out, id)
		if len(out) == MaxDevicePrincipals {
			break
		}
	}
	return out
}

// DeviceID is the principal a device cookie names for p: the member for
// member sessions, else the customer.
func (p *Principal) DeviceID() uuid.UUID {
	if p.IsMember() {
		return p.MemberID
	}
	return p.CustomerID
}
