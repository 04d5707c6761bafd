package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The value types of the sops format. EncryptValue and DecryptValue accept the first five; the last two only
// appear in sops files (timestamps and encrypted comments) and are handled by TreeCipher.
const (
	TypeString = "str"
	TypeInt    = "int"
	TypeFloat  = "float"
	TypeBool   = "bool"
	TypeBytes  = "bytes"

	typeTime    = "time"
	typeComment = "comment"
)

// ErrNotEncrypted is wrapped by DecryptValue errors about a string that is not a sops value at all, so callers can
// tell "this is plaintext" from "this is a damaged or foreign ciphertext".
var ErrNotEncrypted = errors.New("not a sops ENC[AES256_GCM,...] value")

// ErrDecrypt is wrapped by DecryptValue errors about a well-formed value that does not decrypt: wrong data key,
// wrong additional data (the value was moved), or tampered bytes.
var ErrDecrypt = errors.New("value does not decrypt with this stack's data key")

const (
	valuePrefix = "ENC[AES256_GCM,"
	// ivSize is what sops writes. Reading accepts any size GCM accepts within ivMin..ivMax, as sops does.
	ivSize  = 32
	ivMin   = 12
	ivMax   = 128
	tagSize = 16
)

// encodedValue is a parsed sops value string.
type encodedValue struct {
	data, iv, tag []byte
	typ           string
}

// strictB64 rejects non-canonical encodings so that one ciphertext has exactly one spelling: the ciphertext cache
// hands back the string it was given, and two spellings of one value would defeat change detection.
var strictB64 = base64.StdEncoding.Strict()

// parseValue parses ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]. Unlike sops' regular expression it is
// anchored at both ends and rejects anything but the canonical form; its errors never quote the input.
func parseValue(s string) (encodedValue, error) {
	if !strings.HasPrefix(s, valuePrefix) || !strings.HasSuffix(s, "]") {
		return encodedValue{}, ErrNotEncrypted
	}
	parts := strings.Split(s[len(valuePrefix):len(s)-1], ",")
	if len(parts) != 4 {
		return encodedValue{}, fmt.Errorf("%w: want data, iv, tag and type fields, found %d fields", ErrNotEncrypted, len(parts))
	}
	var ev encodedValue
	fields := []struct {
		name string
		dst  *[]byte
	}{{"data", &ev.data}, {"iv", &ev.iv}, {"tag", &ev.tag}}
	for i, f := range fields {
		raw, ok := strings.CutPrefix(parts[i], f.name+":")
		if !ok {
			return encodedValue{}, fmt.Errorf("%w: field %d is not %q", ErrNotEncrypted, i+1, f.name)
		}
		b, err := strictB64.DecodeString(raw)
		if err != nil || strictB64.EncodeToString(b) != raw {
			return encodedValue{}, fmt.Errorf("%w: field %q is not canonical base64", ErrNotEncrypted, f.name)
		}
		*f.dst = b
	}
	typ, ok := strings.CutPrefix(parts[3], "type:")
	if !ok {
		return encodedValue{}, fmt.Errorf("%w: field 4 is not \"type\"", ErrNotEncrypted)
	}
	if !knownType(typ) {
		return encodedValue{}, fmt.Errorf("%w: unknown value type (want str, int, float, bool or bytes)", ErrNotEncrypted)
	}
	if len(ev.iv) < ivMin || len(ev.iv) > ivMax {
		return encodedValue{}, fmt.Errorf("%w: iv is %d bytes (want %d)", ErrNotEncrypted, len(ev.iv), ivSize)
	}
	if len(ev.tag) != tagSize {
		return encodedValue{}, fmt.Errorf("%w: tag is %d bytes (want %d)", ErrNotEncrypted, len(ev.tag), tagSize)
	}
	ev.typ = typ
	return ev, nil
}

func (ev encodedValue) String() string {
	return valuePrefix +
		"data:" + base64.StdEncoding.EncodeToString(ev.data) +
		",iv:" + base64.StdEncoding.EncodeToString(ev.iv) +
		",tag:" + base64.StdEncoding.EncodeToString(ev.tag) +
		",type:" + ev.typ + "]"
}

func knownType(typ string) bool {
	switch typ {
	case TypeString, TypeInt, TypeFloat, TypeBool, TypeBytes, typeTime, typeComment:
		return true
	}
	return false
}

// publicType reports whether typ may be used with EncryptValue and DecryptValue.
func publicType(typ string) bool {
	switch typ {
	case TypeString, TypeInt, TypeFloat, TypeBool, TypeBytes:
		return true
	}
	return false
}

// checkPlaintext makes sure a value of a typed kind parses as sops will parse it on decryption, so that nothing
// this package writes is rejected by `sops -d`. The error names the type, never the value.
func checkPlaintext(plaintext, typ string) error {
	var err error
	switch typ {
	case TypeInt:
		_, err = strconv.Atoi(plaintext)
	case TypeFloat:
		_, err = strconv.ParseFloat(plaintext, 64)
	case TypeBool:
		_, err = strconv.ParseBool(plaintext)
	case typeTime:
		var t time.Time
		err = t.UnmarshalText([]byte(plaintext))
	}
	if err != nil {
		return fmt.Errorf("plaintext of %d bytes is not a valid %s", len(plaintext), typ)
	}
	return nil
}

// newGCM returns AES-256-GCM with the given nonce size. A fresh AEAD per call keeps Manager free of shared cipher
// state; its cost is negligible next to the rest of a write.
func newGCM(key []byte, nonceSize int) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("init AES: %w", err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, fmt.Errorf("init GCM: %w", err)
	}
	return gcm, nil
}

// seal encrypts plaintext with a fresh random IV, exactly as sops' aes.Cipher.Encrypt does.
func seal(key []byte, plaintext, typ, aad string) (string, error) {
	iv := make([]byte, ivSize)
	if _, err := rand.Read(iv); err != nil {
		return "", fmt.Errorf("generate IV: %w", err)
	}
	gcm, err := newGCM(key, ivSize)
	if err != nil {
		return "", err
	}
	out := gcm.Seal(nil, iv, []byte(plaintext), []byte(aad))
	n := len(out) - tagSize
	return encodedValue{data: out[:n], iv: iv, tag: out[n:], typ: typ}.String(), nil
}

// open decrypts a parsed value. Its error says nothing about the plaintext.
func open(key []byte, ev encodedValue, aad string) (string, error) {
	gcm, err := newGCM(key, len(ev.iv))
	if err != nil {
		return "", err
	}
	sealed := make([]byte, 0, len(ev.data)+len(ev.tag))
	sealed = append(append(sealed, ev.data...), ev.tag...)
	plain, err := gcm.Open(nil, ev.iv, sealed, []byte(aad))
	if err != nil {
		return "", ErrDecrypt
	}
	return string(plain), nil
}
