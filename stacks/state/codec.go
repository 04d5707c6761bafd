package state

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/infrago/infra/sdk/resource"
)

// Crypter encrypts and decrypts single secret values with the stack's data key, in the sops value format.
// Implemented by secrets.Manager.
type Crypter interface {
	EncryptValue(plaintext, typ, aad string) (string, error)
	DecryptValue(ciphertext, aad string) (plaintext, typ string, err error)
}

// Codec turns snapshots into bytes and back. Secret values are encrypted with Crypter, bound to the resource and
// property they belong to; the whole file is signed with an HMAC keyed by MACKey.
type Codec struct {
	Crypter Crypter
	// MACKey signs the file. Without it the file is written unsigned and read without verification (only for
	// tools that work on a snapshot without the stack's key).
	MACKey []byte
}

// ErrIntegrity is wrapped by errors about a snapshot whose bytes do not match its MAC.
var ErrIntegrity = errors.New("snapshot integrity check failed")

// The file is JSON with one resource per line, so that diffs of state in review tools stay readable:
//
//	{
//	"version": 1,
//	"project": "hello",
//	"stack": "dev",
//	"serial": 4,
//	"outputs": {...},
//	"resources": [
//	{"urn":"...","type":"...",...},
//	...
//	],
//	"mac": "hmac-sha256:<base64>"
//	}
//
// The MAC covers every byte before the line that holds it.

const macPrefix = "hmac-sha256:"

// Marshal encodes a snapshot.
func (c Codec) Marshal(s *Snapshot) ([]byte, error) {
	buf := make([]byte, 0, 256+len(s.Resources)*512)
	buf = append(buf, "{\n\"version\": "...)
	buf = strconv.AppendInt(buf, FormatVersion, 10)
	buf = append(buf, ",\n\"project\": "...)
	buf = appendString(buf, s.Project)
	buf = append(buf, ",\n\"stack\": "...)
	buf = appendString(buf, s.Stack)
	buf = append(buf, ",\n\"serial\": "...)
	buf = strconv.AppendInt(buf, s.Serial, 10)
	if len(s.Secrets) > 0 {
		var compact bytes.Buffer
		if err := json.Compact(&compact, s.Secrets); err != nil {
			return nil, fmt.Errorf("encode the secrets metadata: %w", err)
		}
		buf = append(buf, ",\n\"secrets\": "...)
		buf = append(buf, compact.Bytes()...)
	}
	buf = append(buf, ",\n\"outputs\": "...)
	var err error
	stackAAD := "stack:" + s.Project + "/" + s.Stack
	if buf, err = c.codec(stackAAD, "outputs").AppendMap(buf, s.Outputs); err != nil {
		return nil, fmt.Errorf("encode stack outputs: %w", err)
	}
	buf = append(buf, ",\n\"resources\": ["...)
	for i, r := range s.Resources {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		if buf, err = c.appendResource(buf, r); err != nil {
			return nil, fmt.Errorf("encode %s: %w", r.URN, err)
		}
	}
	buf = append(buf, "\n]"...)
	if c.MACKey != nil {
		buf = append(buf, ",\n"...)
		mac := c.mac(buf)
		buf = append(buf, "\"mac\": \""+macPrefix...)
		buf = append(buf, mac...)
		buf = append(buf, '"')
	}
	buf = append(buf, "\n}\n"...)
	return buf, nil
}

func (c Codec) mac(data []byte) string {
	h := hmac.New(sha256.New, c.MACKey)
	h.Write(data)
	return base64.RawStdEncoding.EncodeToString(h.Sum(nil))
}

func appendString(dst []byte, s string) []byte {
	// Reuse the property codec's string writer through a string value.
	out, _ := resource.JSONCodec{}.AppendValue(dst, resource.NewString(s))
	return out
}

func (c Codec) appendResource(buf []byte, r *Resource) ([]byte, error) {
	var err error
	buf = append(buf, `{"urn":`...)
	buf = appendString(buf, string(r.URN))
	buf = append(buf, `,"type":`...)
	buf = appendString(buf, r.Type)
	if r.Custom {
		buf = append(buf, `,"custom":true`...)
	}
	if r.ID != "" {
		buf = append(buf, `,"id":`...)
		buf = appendString(buf, r.ID)
	}
	if r.Provider != "" {
		buf = append(buf, `,"provider":`...)
		buf = appendString(buf, string(r.Provider))
	}
	if r.Parent != "" {
		buf = append(buf, `,"parent":`...)
		buf = appendString(buf, string(r.Parent))
	}
	if len(r.Inputs) > 0 {
		buf = append(buf, `,"inputs":`...)
		if buf, err = c.codec(string(r.URN), "inputs").AppendMap(buf, r.Inputs); err != nil {
			return nil, err
		}
	}
	if len(r.Outputs) > 0 {
		buf = append(buf, `,"outputs":`...)
		if buf, err = c.codec(string(r.URN), "outputs").AppendMap(buf, r.Outputs); err != nil {
			return nil, err
		}
	}
	if len(r.Dependencies) > 0 {
		buf = append(buf, `,"dependencies":[`...)
		for i, d := range r.Dependencies {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, string(d))
		}
		buf = append(buf, ']')
	}
	if r.Protect {
		buf = append(buf, `,"protect":true`...)
	}
	if r.RetainOnDelete {
		buf = append(buf, `,"retainOnDelete":true`...)
	}
	if r.DeleteBeforeReplace {
		buf = append(buf, `,"deleteBeforeReplace":true`...)
	}
	if r.InputsHash != "" {
		buf = append(buf, `,"inputsHash":`...)
		buf = appendString(buf, r.InputsHash)
	}
	if len(r.InitErrors) > 0 {
		buf = append(buf, `,"initErrors":[`...)
		for i, e := range r.InitErrors {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, e)
		}
		buf = append(buf, ']')
	}
	if r.Delete {
		buf = append(buf, `,"delete":true`...)
	}
	if r.Timeouts != nil {
		b, err := json.Marshal(r.Timeouts)
		if err != nil {
			return nil, err
		}
		buf = append(buf, `,"timeouts":`...)
		buf = append(buf, b...)
	}
	return append(buf, '}'), nil
}

// codec returns the property codec for one section of one resource: secrets are bound to "<owner>|<section>|<path>".
func (c Codec) codec(owner, section string) resource.JSONCodec {
	aad := func(p resource.PropertyPath) string { return owner + "|" + section + "|" + p.String() }
	return resource.JSONCodec{
		Encrypt: func(p resource.PropertyPath, v resource.PropertyValue) (string, error) {
			if c.Crypter == nil {
				return "", resource.ErrNoSecretHook
			}
			plain, typ, err := secretPlaintext(v)
			if err != nil {
				return "", err
			}
			return c.Crypter.EncryptValue(plain, typ, aad(p))
		},
		Decrypt: func(p resource.PropertyPath, ct string) (resource.PropertyValue, error) {
			if c.Crypter == nil {
				return resource.PropertyValue{}, resource.ErrNoSecretHook
			}
			plain, typ, err := c.Crypter.DecryptValue(ct, aad(p))
			if err != nil {
				return resource.PropertyValue{}, err
			}
			return secretValue(plain, typ)
		},
	}
}

// secretPlaintext renders a secret's element in the sops value types: str, int, float and bool for scalars, and
// the element's JSON form as bytes for everything else.
func secretPlaintext(v resource.PropertyValue) (string, string, error) {
	switch v.Kind() {
	case resource.KindString:
		return v.StringValue(), "str", nil
	case resource.KindBool:
		return strconv.FormatBool(v.BoolValue()), "bool", nil
	case resource.KindNumber:
		n := v.NumberValue()
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return strconv.FormatInt(int64(n), 10), "int", nil
		}
		return strconv.FormatFloat(n, 'g', -1, 64), "float", nil
	}
	// Nested secrets inside a secret need no second layer: unwrap them.
	b, err := resource.JSONCodec{}.AppendValue(nil, v.Unsecret())
	if err != nil {
		return "", "", err
	}
	return string(b), "bytes", nil
}

func secretValue(plain, typ string) (resource.PropertyValue, error) {
	switch typ {
	case "str":
		return resource.NewString(plain), nil
	case "bool":
		b, err := strconv.ParseBool(plain)
		if err != nil {
			return resource.PropertyValue{}, fmt.Errorf("secret of type bool holds %d bytes that are not a bool", len(plain))
		}
		return resource.NewBool(b), nil
	case "int", "float":
		f, err := strconv.ParseFloat(plain, 64)
		if err != nil {
			return resource.PropertyValue{}, fmt.Errorf("secret of type %s does not hold a number", typ)
		}
		return resource.NewNumber(f), nil
	case "bytes":
		return resource.JSONCodec{}.UnmarshalValue([]byte(plain))
	}
	return resource.PropertyValue{}, fmt.Errorf("secret has unsupported type %q", typ)
}

type fileHeader struct {
	Version   *int            `json:"version"`
	Project   string          `json:"project"`
	Stack     string          `json:"stack"`
	Serial    int64           `json:"serial"`
	Secrets   json.RawMessage `json:"secrets"`
	Outputs   json.RawMessage `json:"outputs"`
	Resources []fileResource  `json:"resources"`
	MAC       string          `json:"mac"`
}

type fileResource struct {
	URN                 string          `json:"urn"`
	Type                string          `json:"type"`
	Custom              bool            `json:"custom"`
	ID                  string          `json:"id"`
	Provider            string          `json:"provider"`
	Parent              string          `json:"parent"`
	Inputs              json.RawMessage `json:"inputs"`
	Outputs             json.RawMessage `json:"outputs"`
	Dependencies        []string        `json:"dependencies"`
	Protect             bool            `json:"protect"`
	RetainOnDelete      bool            `json:"retainOnDelete"`
	DeleteBeforeReplace bool            `json:"deleteBeforeReplace"`
	InputsHash          string          `json:"inputsHash"`
	InitErrors          []string        `json:"initErrors"`
	Timeouts            *Timeouts       `json:"timeouts"`
	Delete              bool            `json:"delete"`
}

// Unmarshal decodes and verifies a snapshot: the MAC (when the codec has a key), the format version, every
// secret's binding to its resource, and the snapshot's consistency.
func (c Codec) Unmarshal(data []byte) (*Snapshot, error) {
	if c.MACKey != nil {
		if err := c.verifyMAC(data); err != nil {
			return nil, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var h fileHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	if h.Version == nil {
		return nil, errors.New("decode snapshot: no format version: this is not an infra state file")
	}
	if *h.Version > FormatVersion {
		return nil, fmt.Errorf("snapshot format version %d is newer than this infra understands (%d): upgrade infra", *h.Version, FormatVersion)
	}
	if *h.Version < 1 {
		return nil, fmt.Errorf("snapshot format version %d is invalid", *h.Version)
	}
	s := &Snapshot{Project: h.Project, Stack: h.Stack, Serial: h.Serial, Secrets: h.Secrets}
	var err error
	if len(h.Outputs) > 0 {
		if s.Outputs, err = c.codec("stack:"+h.Project+"/"+h.Stack, "outputs").UnmarshalMap(h.Outputs); err != nil {
			return nil, fmt.Errorf("decode stack outputs: %w", err)
		}
	}
	s.Resources = make([]*Resource, 0, len(h.Resources))
	for i, fr := range h.Resources {
		if !resource.URN(fr.URN).IsValid() {
			return nil, fmt.Errorf("decode snapshot: resource #%d has an invalid URN %q", i, fr.URN)
		}
		r, err := c.decodeResource(fr)
		if err != nil {
			return nil, err
		}
		s.Resources = append(s.Resources, r)
	}
	if err := s.Verify(); err != nil {
		return nil, err
	}
	return s, nil
}

// PeekSecrets returns the secrets metadata of a snapshot without verifying or decrypting anything: it is what a
// reader needs to open the snapshot's data key, which then verifies and decrypts the rest.
func PeekSecrets(data []byte) (json.RawMessage, error) {
	var h struct {
		Secrets json.RawMessage `json:"secrets"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("read the snapshot's secrets metadata: %w", err)
	}
	return h.Secrets, nil
}

// decodeResource turns one decoded resource entry into a Resource, decrypting its secrets.
func (c Codec) decodeResource(fr fileResource) (*Resource, error) {
	r := &Resource{
		URN: resource.URN(fr.URN), Type: fr.Type, Custom: fr.Custom, ID: fr.ID,
		Provider: resource.ProviderRef(fr.Provider), Parent: resource.URN(fr.Parent),
		Protect: fr.Protect, RetainOnDelete: fr.RetainOnDelete, DeleteBeforeReplace: fr.DeleteBeforeReplace,
		InputsHash: fr.InputsHash, InitErrors: fr.InitErrors, Timeouts: fr.Timeouts, Delete: fr.Delete,
	}
	if !r.URN.IsValid() {
		return nil, fmt.Errorf("invalid URN %q", fr.URN)
	}
	var err error
	if len(fr.Inputs) > 0 {
		if r.Inputs, err = c.codec(fr.URN, "inputs").UnmarshalMap(fr.Inputs); err != nil {
			return nil, fmt.Errorf("decode inputs of %s: %w", fr.URN, err)
		}
	}
	if len(fr.Outputs) > 0 {
		if r.Outputs, err = c.codec(fr.URN, "outputs").UnmarshalMap(fr.Outputs); err != nil {
			return nil, fmt.Errorf("decode outputs of %s: %w", fr.URN, err)
		}
	}
	for _, d := range fr.Dependencies {
		r.Dependencies = append(r.Dependencies, resource.URN(d))
	}
	return r, nil
}

func (c Codec) verifyMAC(data []byte) error {
	i := bytes.LastIndex(data, []byte("\"mac\": \""+macPrefix))
	if i < 0 {
		return fmt.Errorf("%w: the file has no MAC (it was truncated or not written by infra)", ErrIntegrity)
	}
	rest := data[i+len("\"mac\": \""+macPrefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return fmt.Errorf("%w: the MAC line is cut short", ErrIntegrity)
	}
	want := c.mac(data[:i])
	if !hmac.Equal([]byte(want), rest[:end]) {
		return fmt.Errorf("%w: the file was changed outside infra or is damaged", ErrIntegrity)
	}
	if tail := bytes.TrimSpace(rest[end+1:]); !bytes.Equal(tail, []byte("}")) {
		return fmt.Errorf("%w: unexpected bytes after the MAC", ErrIntegrity)
	}
	return nil
}
