// Package keycrypt is the cryptography shared by the KMS simulators: per-key secrets derived from a seed, and
// ciphertext blobs that name their key and authenticate it together with caller-supplied context.
package keycrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// magic starts every blob, so that a blob of another system is told apart from a damaged one.
var magic = []byte("kmssim1\x00")

const (
	nonceSize = 12
	// MaxKeyName bounds the key name stored in a blob.
	MaxKeyName = 1024
)

// ErrInvalid is returned by Open for a blob that is not a simulator blob at all, or that is damaged.
var ErrInvalid = errors.New("ciphertext is not valid")

// ErrWrongContext is returned by Open for a well-formed blob that does not authenticate with the given key and
// context: another key's secret, another encryption context, or tampered bytes.
var ErrWrongContext = errors.New("ciphertext does not authenticate")

// NewSeed returns a random 32-byte seed.
func NewSeed() ([]byte, error) {
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("generate seed: %w", err)
	}
	return seed, nil
}

// KeySecret derives the 32-byte secret of the key named name (an ARN, a resource name) from the simulator's seed
// and a per-key salt, so that a key deleted and created again under the same name gets a new secret.
func KeySecret(seed []byte, name string, salt []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, seed, salt, "kmssim key "+name, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key secret: %w", err)
	}
	return k, nil
}

// Seal encrypts plaintext under secret with AES-256-GCM. The blob names the key (keyName, so that a decrypt
// request without a key can find it) and authenticates keyName and aad.
func Seal(secret []byte, keyName string, plaintext, aad []byte) ([]byte, error) {
	if len(keyName) > MaxKeyName {
		return nil, fmt.Errorf("key name is %d bytes, more than %d", len(keyName), MaxKeyName)
	}
	gcm, err := newGCM(secret)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	out := make([]byte, 0, len(magic)+2+len(keyName)+nonceSize+len(plaintext)+gcm.Overhead())
	out = append(out, magic...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(keyName)))
	out = append(out, keyName...)
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plaintext, associated(keyName, aad)), nil
}

// KeyName returns the name of the key a blob was sealed with, or ErrInvalid.
func KeyName(blob []byte) (string, error) {
	name, _, _, err := split(blob)
	return name, err
}

// Open decrypts a blob sealed with Seal.
func Open(secret []byte, blob, aad []byte) ([]byte, error) {
	name, nonce, sealed, err := split(blob)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(secret)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, sealed, associated(name, aad))
	if err != nil {
		return nil, ErrWrongContext
	}
	return plain, nil
}

func split(blob []byte) (name string, nonce, sealed []byte, err error) {
	rest, ok := cut(blob, len(magic))
	if !ok || string(blob[:len(magic)]) != string(magic) {
		return "", nil, nil, ErrInvalid
	}
	if len(rest) < 2 {
		return "", nil, nil, ErrInvalid
	}
	n := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if n > MaxKeyName || len(rest) < n+nonceSize+16 {
		return "", nil, nil, ErrInvalid
	}
	return string(rest[:n]), rest[n : n+nonceSize], rest[n+nonceSize:], nil
}

func cut(b []byte, n int) ([]byte, bool) {
	if len(b) < n {
		return nil, false
	}
	return b[n:], true
}

// associated binds the key name and the caller's context, length-prefixed so that no two pairs collide.
func associated(keyName string, aad []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(keyName)))
	out = append(out, keyName...)
	return append(out, aad...)
}

func newGCM(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("init AES: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("init GCM: %w", err)
	}
	return gcm, nil
}
