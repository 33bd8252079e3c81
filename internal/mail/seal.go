package mail

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sealer encrypts a code for its stay in the job table (AES-256-GCM, key
// derived from the server secret), so someone who can read the database
// cannot sign in with a queued code. The code id is the additional data:
// a sealed code only opens for its own job.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the key from secret.
func NewSealer(secret []byte) (*Sealer, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("portal/mail-job-code/v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("mail: sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mail: sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns base64(nonce ‖ ciphertext).
func (s *Sealer) Seal(plain, ad string) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(ad))
	return base64.RawStdEncoding.EncodeToString(out)
}

// Open reverses Seal.
func (s *Sealer) Open(sealed, ad string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("mail: sealed value is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(ad))
	if err != nil {
		return "", errors.New("mail: sealed value does not open")
	}
	return string(plain), nil
}
