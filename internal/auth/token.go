// Package auth owns who the caller is: token and code hashing, session
// principals, and the sign-in flow. Nothing here knows HTTP.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/blake2b"
)

// Token prefixes, as the original (§2.5).
const (
	PrefixCustomerSession = "rapidly_cst_"
	PrefixMemberSession   = "rapidly_mst_"
	PrefixWorkspaceToken  = "rapidly_wat_"
)

// Hasher computes keyed BLAKE2b-256 hex digests of codes and tokens with the
// server secret as key (D13, G29), so stored hashes match the original's.
type Hasher struct{ key []byte }

// NewHasher needs a key of 1..64 bytes (BLAKE2b's key limit).
func NewHasher(secret []byte) (*Hasher, error) {
	if len(secret) == 0 || len(secret) > 64 {
		return nil, fmt.Errorf("auth: secret must be 1..64 bytes, got %d", len(secret))
	}
	k := make([]byte, len(secret))
	copy(k, secret)
	return &Hasher{key: k}, nil
}

// Hash returns the 64-char lowercase hex keyed digest of s.
func (h *Hasher) Hash(s string) string {
	m, err := blake2b.New256(h.key)
	if err != nil {
		// Only possible with a key over 64 bytes, which NewHasher refuses.
		panic(err)
	}
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// Key returns a copy of the secret for other keyed uses (cookies, HMACs).
func (h *Hasher) Key() []byte { return append([]byte(nil), h.key...) }

// NewToken returns prefix + base64url(32 random bytes ‖ 4-byte BLAKE2b tag of
// them): 48 characters after the prefix, as §2.5.
func NewToken(prefix string) string {
	var body [36]byte
	if _, err := rand.Read(body[:32]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	tag, _ := blake2b.New(4, nil)
	tag.Write(body[:32])
	copy(body[32:], tag.Sum(nil))
	return prefix + base64.RawURLEncoding.EncodeToString(body[:])
}
