package secrets

import (
	"fmt"
	"strconv"
	"time"

	"github.com/getsops/sops/v3"
)

// TreeCipher returns a sops.Cipher over this manager, for sops' own tree code (sops.Tree.Encrypt and Decrypt) to
// encrypt a whole file: sops walks the tree, computes each value's additional data and the MAC, and this cipher
// does the AES-GCM with the manager's ciphertext cache, so that a rewritten file keeps the ciphertexts of
// unchanged values. It converts values exactly as sops' aes.Cipher does. The key argument of its methods may be
// nil, meaning the manager's data key (so that callers never need the key itself); any other key than the
// manager's is refused.
func (m *Manager) TreeCipher() sops.Cipher {
	return treeCipher{m: m}
}

type treeCipher struct {
	m *Manager
}

// Encrypt implements sops.Cipher.
func (c treeCipher) Encrypt(plaintext interface{}, key []byte, additionalData string) (string, error) {
	if key != nil && !c.m.keyMatches(key) {
		return "", errWrongKey
	}
	if isEmptyValue(plaintext) {
		// sops leaves empty values unencrypted; a file must look the way sops would write it.
		return "", nil
	}
	var s, typ string
	switch v := plaintext.(type) {
	case string:
		s, typ = v, TypeString
	case int:
		s, typ = strconv.Itoa(v), TypeInt
	case float64:
		s, typ = strconv.FormatFloat(v, 'f', -1, 64), TypeFloat
	case bool:
		// sops writes booleans the way its Python ancestor did.
		s, typ = "False", TypeBool
		if v {
			s = "True"
		}
	case time.Time:
		b, err := v.MarshalText()
		if err != nil {
			return "", fmt.Errorf("encrypt timestamp: %w", err)
		}
		s, typ = string(b), typeTime
	case sops.Comment:
		s, typ = v.Value, typeComment
	default:
		return "", fmt.Errorf("cannot encrypt a value of type %T", plaintext)
	}
	return c.m.encrypt(s, typ, additionalData)
}

// Decrypt implements sops.Cipher.
func (c treeCipher) Decrypt(ciphertext string, key []byte, additionalData string) (interface{}, error) {
	if key != nil && !c.m.keyMatches(key) {
		return nil, errWrongKey
	}
	if ciphertext == "" {
		return "", nil
	}
	s, typ, err := c.m.decrypt(ciphertext, additionalData)
	if err != nil {
		return nil, err
	}
	var v interface{}
	switch typ {
	case TypeString:
		v = s
	case TypeInt:
		v, err = strconv.Atoi(s)
	case TypeFloat:
		v, err = strconv.ParseFloat(s, 64)
	case TypeBool:
		v, err = strconv.ParseBool(s)
	case TypeBytes:
		v = []byte(s)
	case typeTime:
		var t time.Time
		err = t.UnmarshalText([]byte(s))
		v = t
	case typeComment:
		v = sops.Comment{Value: s}
	}
	if err != nil {
		return nil, fmt.Errorf("decrypt value: plaintext of %d bytes is not a valid %s", len(s), typ)
	}
	return v, nil
}

func isEmptyValue(v interface{}) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case []byte:
		return len(v) == 0
	case sops.Comment:
		return v.Value == ""
	}
	return false
}
