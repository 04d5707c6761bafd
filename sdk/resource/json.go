package resource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Property values have one JSON form, used by state, plans, events and the wire where JSON is wanted. Plain kinds
// are plain JSON; the others are one-key objects whose key starts with "$":
//
//	{"$secret": "<ciphertext>"}   a secret, its element encrypted by the caller's Encrypt hook
//	{"$unknown": true}            an unknown value
//	{"$ref": {"urn": "...", "id": "..."}}
//
// A map key that itself starts with "$" is written with one more "$" in front, so user data can never be mistaken
// for these forms. Map keys are written in sorted order, so equal values give equal bytes.

// JSONCodec holds the hooks for secrets when property values are written to or read from JSON.
type JSONCodec struct {
	// Encrypt turns a secret's element into the string stored in its place. path is where the secret sits, for
	// callers that bind a ciphertext to its location. Without Encrypt, writing a secret is an error: nothing is
	// ever written in plaintext by accident.
	Encrypt func(path PropertyPath, elem PropertyValue) (string, error)
	// Decrypt is the reverse of Encrypt. Without Decrypt, a secret read from JSON is an error.
	Decrypt func(path PropertyPath, ciphertext string) (PropertyValue, error)
}

// ErrNoSecretHook is returned when a secret is met and the codec has no hook to encrypt or decrypt it.
var ErrNoSecretHook = errors.New("secret value met but no secrets manager is available")

// AppendMap appends the JSON form of m to dst.
func (c JSONCodec) AppendMap(dst []byte, m PropertyMap) ([]byte, error) {
	return c.appendMap(dst, m, nil)
}

// AppendValue appends the JSON form of v to dst.
func (c JSONCodec) AppendValue(dst []byte, v PropertyValue) ([]byte, error) {
	return c.appendValue(dst, v, nil)
}

// MarshalMap returns the JSON form of m.
func (c JSONCodec) MarshalMap(m PropertyMap) ([]byte, error) { return c.AppendMap(nil, m) }

func (c JSONCodec) appendMap(dst []byte, m PropertyMap, path PropertyPath) ([]byte, error) {
	keys := m.Keys()
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		ek := k
		if strings.HasPrefix(k, "$") {
			ek = "$" + k
		}
		dst = AppendJSONString(dst, ek)
		dst = append(dst, ':')
		if dst, err = c.appendValue(dst, m[k], append(path, k)); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func (c JSONCodec) appendValue(dst []byte, v PropertyValue, path PropertyPath) ([]byte, error) {
	var err error
	switch v.kind {
	case KindNull:
		return append(dst, "null"...), nil
	case KindBool:
		return strconv.AppendBool(dst, v.b), nil
	case KindNumber:
		if math.IsNaN(v.n) || math.IsInf(v.n, 0) {
			return nil, fmt.Errorf("%s: number %v cannot be stored", pathOrRoot(path), v.n)
		}
		if v.n == math.Trunc(v.n) && math.Abs(v.n) < 1e15 {
			return strconv.AppendInt(dst, int64(v.n), 10), nil
		}
		return strconv.AppendFloat(dst, v.n, 'g', -1, 64), nil
	case KindString:
		return AppendJSONString(dst, v.s), nil
	case KindList:
		dst = append(dst, '[')
		for i, e := range v.list {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = c.appendValue(dst, e, append(path, i)); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case KindMap:
		return c.appendMap(dst, v.obj, path)
	case KindSecret:
		if c.Encrypt == nil {
			return nil, fmt.Errorf("%s: %w", pathOrRoot(path), ErrNoSecretHook)
		}
		ct, err := c.Encrypt(append(PropertyPath(nil), path...), *v.elem)
		if err != nil {
			return nil, fmt.Errorf("encrypt %s: %w", pathOrRoot(path), err)
		}
		dst = append(dst, `{"$secret":`...)
		dst = AppendJSONString(dst, ct)
		return append(dst, '}'), nil
	case KindUnknown:
		return append(dst, `{"$unknown":true}`...), nil
	case KindRef:
		dst = append(dst, `{"$ref":{"id":`...)
		dst = AppendJSONString(dst, v.ref.ID)
		dst = append(dst, `,"urn":`...)
		dst = AppendJSONString(dst, string(v.ref.URN))
		return append(dst, "}}"...), nil
	}
	return nil, fmt.Errorf("%s: unexpected kind %s", pathOrRoot(path), v.kind)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string. Unlike encoding/json it does not escape <, > and &, which keeps
// state and event streams readable; invalid UTF-8 becomes U+FFFD, so the output is always valid JSON whatever
// the string held; U+2028 and U+2029 are escaped, as encoding/json does, for JavaScript readers.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript consumers of our events.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// UnmarshalMap reads a property map from its JSON form.
func (c JSONCodec) UnmarshalMap(data []byte) (PropertyMap, error) {
	v, err := c.UnmarshalValue(data)
	if err != nil {
		return nil, err
	}
	if v.kind == KindNull {
		return PropertyMap{}, nil
	}
	if v.kind != KindMap {
		return nil, fmt.Errorf("expected a JSON object of properties, got %s", v.kind)
	}
	return v.obj, nil
}

// UnmarshalValue reads a property value from its JSON form.
func (c JSONCodec) UnmarshalValue(data []byte) (PropertyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return PropertyValue{}, fmt.Errorf("decode property JSON: %w", err)
	}
	// Only JSON whitespace may follow the value (dec.More would let a stray "]" or "}" through).
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return PropertyValue{}, errors.New("decode property JSON: trailing data after value")
	}
	return c.FromJSON(raw)
}

// FromJSON converts a value decoded by encoding/json (with or without UseNumber) to a property value.
func (c JSONCodec) FromJSON(raw any) (PropertyValue, error) { return c.fromJSON(raw, nil) }

func (c JSONCodec) fromJSON(raw any, path PropertyPath) (PropertyValue, error) {
	switch x := raw.(type) {
	case nil:
		return Null(), nil
	case bool:
		return NewBool(x), nil
	case float64:
		return NewNumber(x), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return PropertyValue{}, fmt.Errorf("%s: bad number %q", pathOrRoot(path), x)
		}
		return NewNumber(f), nil
	case string:
		return NewString(x), nil
	case []any:
		l := make([]PropertyValue, len(x))
		for i, e := range x {
			v, err := c.fromJSON(e, append(path, i))
			if err != nil {
				return PropertyValue{}, err
			}
			l[i] = v
		}
		return NewList(l), nil
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				switch k {
				case "$secret":
					ct, ok := e.(string)
					if !ok {
						return PropertyValue{}, fmt.Errorf("%s: $secret must hold a string", pathOrRoot(path))
					}
					if c.Decrypt == nil {
						return PropertyValue{}, fmt.Errorf("%s: %w", pathOrRoot(path), ErrNoSecretHook)
					}
					v, err := c.Decrypt(append(PropertyPath(nil), path...), ct)
					if err != nil {
						return PropertyValue{}, fmt.Errorf("decrypt %s: %w", pathOrRoot(path), err)
					}
					return MakeSecret(v), nil
				case "$unknown":
					return Unknown(), nil
				case "$ref":
					r, ok := e.(map[string]any)
					if !ok {
						return PropertyValue{}, fmt.Errorf("%s: $ref must hold an object", pathOrRoot(path))
					}
					urn, _ := r["urn"].(string)
					id, _ := r["id"].(string)
					if !URN(urn).IsValid() {
						return PropertyValue{}, fmt.Errorf("%s: $ref has an invalid urn %q", pathOrRoot(path), urn)
					}
					return NewRef(URN(urn), id), nil
				}
			}
		}
		m := make(PropertyMap, len(x))
		for k, e := range x {
			key := k
			if strings.HasPrefix(k, "$") {
				if !strings.HasPrefix(k, "$$") {
					return PropertyValue{}, fmt.Errorf("%s: unexpected key %q (only $secret, $unknown and $ref stand alone)", pathOrRoot(path), k)
				}
				key = k[1:]
			}
			v, err := c.fromJSON(e, append(path, key))
			if err != nil {
				return PropertyValue{}, err
			}
			m[key] = v
		}
		return NewMap(m), nil
	}
	return PropertyValue{}, fmt.Errorf("%s: unexpected JSON value of type %T", pathOrRoot(path), raw)
}
