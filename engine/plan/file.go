package plan

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// Crypter encrypts secret values for the plan file; the stack's secrets manager implements it.
type Crypter interface {
	EncryptValue(plaintext, typ, aad string) (string, error)
	DecryptValue(ciphertext, aad string) (plaintext, typ string, err error)
}

// Codec writes and reads plan files: secrets encrypted with the stack's key (bound to the plan, the resource
// and the property), the whole file signed.
type Codec struct {
	Crypter Crypter
	MACKey  []byte
}

type fileStep struct {
	URN    string          `json:"urn"`
	Op     string          `json:"op"`
	Inputs json.RawMessage `json:"inputs,omitempty"`
}

type fileDelete struct {
	URN string `json:"urn"`
	Op  string `json:"op"`
}

type file struct {
	Version     int          `json:"version"`
	Project     string       `json:"project"`
	Stack       string       `json:"stack"`
	BaseVersion int64        `json:"baseVersion"`
	BaseJournal int64        `json:"baseJournal"`
	Steps       []fileStep   `json:"steps"`
	Deletes     []fileDelete `json:"deletes"`
	MAC         string       `json:"mac,omitempty"`
}

func (c Codec) props(urn resource.URN) resource.JSONCodec {
	aad := func(p resource.PropertyPath) string { return "plan|" + string(urn) + "|" + p.String() }
	return resource.JSONCodec{
		Encrypt: func(p resource.PropertyPath, v resource.PropertyValue) (string, error) {
			b, err := resource.JSONCodec{}.AppendValue(nil, v.Unsecret())
			if err != nil {
				return "", err
			}
			return c.Crypter.EncryptValue(string(b), "bytes", aad(p))
		},
		Decrypt: func(p resource.PropertyPath, ct string) (resource.PropertyValue, error) {
			plain, _, err := c.Crypter.DecryptValue(ct, aad(p))
			if err != nil {
				return resource.PropertyValue{}, err
			}
			return resource.JSONCodec{}.UnmarshalValue([]byte(plain))
		},
	}
}

func (c Codec) mac(f file) (string, error) {
	f.MAC = ""
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	h := hmac.New(sha256.New, c.MACKey)
	h.Write(b)
	return base64.RawStdEncoding.EncodeToString(h.Sum(nil)), nil
}

// Marshal writes a plan file.
func (c Codec) Marshal(p *Plan) ([]byte, error) {
	f := file{Version: FormatVersion, Project: p.Project, Stack: p.Stack, BaseVersion: p.BaseVersion, BaseJournal: p.BaseJournal}
	urns := make([]string, 0, len(p.Steps))
	for u := range p.Steps {
		urns = append(urns, string(u))
	}
	sort.Strings(urns)
	for _, u := range urns {
		s := p.Steps[resource.URN(u)]
		fs := fileStep{URN: u, Op: string(s.Op)}
		if len(s.Inputs) > 0 {
			b, err := c.props(resource.URN(u)).MarshalMap(s.Inputs)
			if err != nil {
				return nil, fmt.Errorf("encode the planned inputs of %s: %w", u, err)
			}
			fs.Inputs = b
		}
		f.Steps = append(f.Steps, fs)
	}
	urns = urns[:0]
	for u := range p.Deletes {
		urns = append(urns, string(u))
	}
	sort.Strings(urns)
	for _, u := range urns {
		for _, op := range p.Deletes[resource.URN(u)] {
			f.Deletes = append(f.Deletes, fileDelete{URN: u, Op: string(op)})
		}
	}
	mac, err := c.mac(f)
	if err != nil {
		return nil, err
	}
	f.MAC = mac
	out, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ErrTampered is wrapped by the error for a plan file changed after it was written.
var ErrTampered = errors.New("the plan file was changed after it was written")

// Unmarshal reads and verifies a plan file.
func (c Codec) Unmarshal(data []byte) (*Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read the plan: %w", err)
	}
	if f.Version != FormatVersion {
		return nil, fmt.Errorf("the plan has format version %d; this infra reads version %d: make the plan again with this infra", f.Version, FormatVersion)
	}
	want, err := c.mac(f)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(want), []byte(f.MAC)) {
		return nil, fmt.Errorf("%w (or was made for another stack)", ErrTampered)
	}
	p := New(f.Project, f.Stack, f.BaseVersion, f.BaseJournal)
	for _, s := range f.Steps {
		urn, err := resource.ParseURN(s.URN)
		if err != nil {
			return nil, fmt.Errorf("read the plan: %w", err)
		}
		step := Step{Op: events.Op(s.Op)}
		if len(s.Inputs) > 0 {
			if step.Inputs, err = c.props(urn).UnmarshalMap(s.Inputs); err != nil {
				return nil, fmt.Errorf("read the planned inputs of %s: %w", urn, err)
			}
		}
		p.Steps[urn] = step
	}
	for _, d := range f.Deletes {
		urn, err := resource.ParseURN(d.URN)
		if err != nil {
			return nil, fmt.Errorf("read the plan: %w", err)
		}
		p.Deletes[urn] = append(p.Deletes[urn], events.Op(d.Op))
	}
	return p, nil
}
