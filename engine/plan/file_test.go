package plan

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// reversing "encrypts" by reversing the text and prefixing the AAD, so that a ciphertext moved to another
// property does not decrypt.
type reversing struct{}

func (reversing) EncryptValue(plaintext, typ, aad string) (string, error) {
	r := []rune(plaintext)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return aad + "|" + typ + "|" + string(r), nil
}

func (reversing) DecryptValue(ciphertext, aad string) (string, string, error) {
	rest, ok := strings.CutPrefix(ciphertext, aad+"|")
	if !ok {
		return "", "", errors.New("wrong AAD")
	}
	typ, text, _ := strings.Cut(rest, "|")
	r := []rune(text)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r), typ, nil
}

var codec = Codec{Crypter: reversing{}, MACKey: []byte("plan mac key for tests")}

func TestPlanFileRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	p := recorded()
	p.Steps[db] = Step{Op: events.OpUpdate, Inputs: resource.PropertyMap{"password": resource.MakeSecret(resource.NewString("hunter2"))}}
	data, err := codec.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("hunter2")) {
		t.Fatal("the plan file holds a secret in plain text")
	}
	got, err := codec.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Project != "shop" || got.BaseVersion != 7 || got.Steps[web].Op != events.OpUpdate ||
		!got.Steps[web].Inputs["subnet"].IsUnknown() || len(got.Deletes[old]) != 1 {
		t.Fatalf("round trip lost something: %+v", got)
	}
	if v := got.Steps[db].Inputs["password"]; !v.IsSecret() || v.SecretElement().StringValue() != "hunter2" {
		t.Fatalf("secret input after the round trip: %v", v)
	}
	tampered := bytes.Replace(data, []byte(`"large"`), []byte(`"small"`), 1)
	if bytes.Equal(tampered, data) {
		t.Fatal("the test's edit did not apply")
	}
	if _, err := codec.Unmarshal(tampered); !errors.Is(err, ErrTampered) {
		t.Fatalf("a changed plan: %v, want ErrTampered", err)
	}
	if _, err := (Codec{Crypter: reversing{}, MACKey: []byte("another stack")}).Unmarshal(data); !errors.Is(err, ErrTampered) {
		t.Fatalf("a plan of another stack: %v, want ErrTampered", err)
	}
}

// FuzzUnmarshal: a plan file is outside data (it travels between CI jobs); whatever it holds, reading it returns
// a plan or an error, never a panic.
func FuzzUnmarshal(f *testing.F) {
	data, err := codec.Marshal(recorded())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2,"steps":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := codec.Unmarshal(b)
		if err == nil && p == nil {
			t.Fatal("no plan and no error")
		}
	})
}
