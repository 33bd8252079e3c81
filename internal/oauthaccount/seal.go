package oauthaccount

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// keys holds the two keys derived from PORTAL_SECRET: one signs states, one
// encrypts provider tokens at rest. Separate derivations keep a leak of one
// use from weakening the other.
type keys struct {
	state []byte
	aead  cipher.AEAD
}

func deriveKeys(secret []byte) (*keys, error) {
	stateKey, err := hkdf.Key(sha256.New, secret, nil, "portal oauth state v1", 32)
	if err != nil {
		return nil, fmt.Errorf("oauthaccount: derive state key: %w", err)
	}
	encKey, err := hkdf.Key(sha256.New, secret, nil, "portal oauth token encryption v1", 32)
	if err != nil {
		return nil, fmt.Errorf("oauthaccount: derive encryption key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("oauthaccount: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("oauthaccount: gcm: %w", err)
	}
	return &keys{state: stateKey, aead: aead}, nil
}

// signState turns a state row id into the opaque value sent to the provider:
// "<id>.<HMAC>". The signature lets a forged or mangled state be refused
// before any database lookup.
func (k *keys) signState(id uuid.UUID) string {
	return id.String() + "." + base64.RawURLEncoding.EncodeToString(k.stateMAC(id))
}

func (k *keys) stateMAC(id uuid.UUID) []byte {
	m := hmac.New(sha256.New, k.state)
	m.Write([]byte("oauth-state:"))
	m.Write(id[:])
	return m.Sum(nil)
}

// verifyState returns the row id of a well-signed state.
func (k *keys) verifyState(state string) (uuid.UUID, bool) {
	if len(state) > 200 {
		return uuid.Nil, false
	}
	idPart, sigPart, ok := strings.Cut(state, ".")
	if !ok || len(idPart) != 36 {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(idPart)
	if err != nil {
		return uuid.Nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigPart)
	if err != nil {
		return uuid.Nil, false
	}
	if !hmac.Equal(sig, k.stateMAC(id)) {
		return uuid.Nil, false
	}
	return id, true
}

const sealPrefix = "v1."

// seal encrypts a provider token. The associated data binds the ciphertext
// to its account key and field, so a sealed value copied to another record
// or field does not open.
func (k *keys) seal(plain, accountKey, field string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("oauthaccount: nonce: %w", err)
	}
	ct := k.aead.Seal(nonce, nonce, []byte(plain), []byte(accountKey+"\x00"+field))
	return sealPrefix + base64.RawURLEncoding.EncodeToString(ct), nil
}

var errSealed = errors.New("oauthaccount: sealed value does not open")

// open reverses seal.
func (k *keys) open(sealed, accountKey, field string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errSealed
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) < k.aead.NonceSize() {
		return "", errSealed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, b[:n], b[n:], []byte(accountKey+"\x00"+field))
	if err != nil {
		return "", errSealed
	}
	return string(plain), nil
}
