// Package passkeytest is a software WebAuthn authenticator for Go tests:
// it answers the portal's registration and sign-in options the way a
// platform authenticator would (attestation "none", ES256, user verified),
// and lets a test break one thing at a time: the RP ID it signs for, the
// origin in the client data, the signature counter, the UV flag.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator holds one credential after Register.
type Authenticator struct {
	// Origin is put in the client data (the page's origin).
	Origin string
	// RPID, when set, replaces the options' RP ID in the signed data.
	RPID string
	// Counter is the signature counter the next assertion reports; each
	// Assert adds one first. Set it lower to simulate a cloned key.
	Counter uint32
	// NoUV leaves the user-verified flag off.
	NoUV bool

	key        *ecdsa.PrivateKey
	CredID     []byte
	UserHandle []byte
	rpID       string
}

var b64 = base64.RawURLEncoding

type userEntity struct {
	ID string `json:"id"`
}

type creationOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User userEntity `json:"user"`
	} `json:"publicKey"`
}

type requestOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
	} `json:"publicKey"`
}

// New is an authenticator for pages at origin.
func New(origin string) *Authenticator { return &Authenticator{Origin: origin} }

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

func (a *Authenticator) flags(attested bool) byte {
	f := byte(0x01) // user present
	if !a.NoUV {
		f |= 0x04
	}
	if attested {
		f |= 0x40
	}
	return f
}

// Register answers registration options (the JSON the server sent) with a
// new credential, as navigator.credentials.create's JSON form.
func (a *Authenticator) Register(options []byte) ([]byte, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, err
	}
	var err error
	if a.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	a.CredID = make([]byte, 32)
	if _, err := rand.Read(a.CredID); err != nil {
		return nil, err
	}
	if a.UserHandle, err = b64.DecodeString(o.PublicKey.User.ID); err != nil {
		return nil, fmt.Errorf("user id: %w", err)
	}
	a.rpID = o.PublicKey.RP.ID
	rp := a.rpID
	if a.RPID != "" {
		rp = a.RPID
	}
	x, y := a.key.X.FillBytes(make([]byte, 32)), a.key.Y.FillBytes(make([]byte, 32))
	enc, _ := cbor.CTAP2EncOptions().EncMode()
	cose, err := enc.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		return nil, err
	}
	hash := sha256.Sum256([]byte(rp))
	auth := append([]byte{}, hash[:]...)
	auth = append(auth, a.flags(true))
	auth = binary.BigEndian.AppendUint32(auth, a.Counter)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.CredID)))
	auth = append(auth, a.CredID...)
	auth = append(auth, cose...)
	att, err := enc.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
	})
}

// Assert answers sign-in options with an assertion by the registered
// credential, as navigator.credentials.get's JSON form.
func (a *Authenticator) Assert(options []byte) ([]byte, error) {
	if a.key == nil {
		return nil, fmt.Errorf("passkeytest: no credential registered")
	}
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, err
	}
	rp := o.PublicKey.RPID
	if rp == "" {
		rp = a.rpID
	}
	if a.RPID != "" {
		rp = a.RPID
	}
	a.Counter++
	hash := sha256.Sum256([]byte(rp))
	auth := append([]byte{}, hash[:]...)
	auth = append(auth, a.flags(false))
	auth = binary.BigEndian.AppendUint32(auth, a.Counter)
	cd := a.clientData("webauthn.get", o.PublicKey.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.UserHandle),
		},
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
	})
}
