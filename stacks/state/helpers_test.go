package state

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/sdk/resource"
)

// fakeCrypter "encrypts" reversibly as ENC[<b64 plaintext>|<type>|<b64 aad>] and refuses to decrypt with another
// aad, like AES-GCM with additional data. It records every aad it was asked to encrypt with.
type fakeCrypter struct {
	mu   sync.Mutex
	aads []string
}

var errWrongAAD = errors.New("authentication failed: the value belongs to another place")

func (c *fakeCrypter) EncryptValue(plaintext, typ, aad string) (string, error) {
	c.mu.Lock()
	c.aads = append(c.aads, aad)
	c.mu.Unlock()
	enc := base64.StdEncoding.EncodeToString
	return "ENC[" + enc([]byte(plaintext)) + "|" + typ + "|" + enc([]byte(aad)) + "]", nil
}

func (c *fakeCrypter) DecryptValue(ciphertext, aad string) (string, string, error) {
	if !strings.HasPrefix(ciphertext, "ENC[") || !strings.HasSuffix(ciphertext, "]") {
		return "", "", errors.New("not a ciphertext")
	}
	parts := strings.Split(ciphertext[4:len(ciphertext)-1], "|")
	if len(parts) != 3 {
		return "", "", errors.New("malformed ciphertext")
	}
	plain, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		return "", "", err
	}
	boundTo, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", "", err
	}
	if string(boundTo) != aad {
		return "", "", errWrongAAD
	}
	return string(plain), parts[1], nil
}

func (c *fakeCrypter) recorded() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.aads...)
}

const (
	proj  = "hello"
	stack = "dev"
)

func urn(typ, name string) resource.URN { return resource.NewURN(stack, proj, "", typ, name) }

func childURN(parentType, typ, name string) resource.URN {
	return resource.NewURN(stack, proj, parentType, typ, name)
}

var (
	provURN  = urn("infra:providers:random", "default")
	provRef  = resource.NewProviderRef(provURN, "prov-1")
	compURN  = urn("acme:web:Site", "site")
	pwURN    = childURN("acme:web:Site", "random:index:Password", "db")
	strURN   = childURN("acme:web:Site", "random:index:String", "suffix::x")
	canaries = []string{"canary-hunter2", "canary-outputs", "canary-stack", "canary-nested"}
)

// sampleSnapshot has a provider, a component, custom resources with secrets at several depths, a pending delete
// sharing its URN with a live resource, and every optional field set somewhere.
func sampleSnapshot() *Snapshot {
	s, n, b := resource.NewString, resource.NewNumber, resource.NewBool
	sec := resource.MakeSecret
	return &Snapshot{
		Project: proj, Stack: stack, Serial: 7,
		Outputs: resource.PropertyMap{
			"url":   s("https://example.com"),
			"token": sec(s("canary-stack")),
			"$meta": resource.NewMap(resource.PropertyMap{"n": n(1)}),
		},
		Resources: []*Resource{
			{URN: provURN, Type: "infra:providers:random", Custom: true, ID: "prov-1",
				Inputs: resource.PropertyMap{"seed": s("x")}},
			{URN: compURN, Type: "acme:web:Site", Protect: true,
				Outputs: resource.PropertyMap{"name": s("site")}},
			{URN: pwURN, Type: "random:index:Password", Custom: true, ID: "pw-old", Provider: provRef, Parent: compURN,
				Inputs: resource.PropertyMap{"length": n(24)}, Delete: true},
			{URN: pwURN, Type: "random:index:Password", Custom: true, ID: "pw-1", Provider: provRef, Parent: compURN,
				Inputs: resource.PropertyMap{
					"length":  n(24),
					"special": sec(b(true)),
					"ratio":   sec(n(0.25)),
					"big":     sec(n(1 << 60)),
					"keepers": resource.NewMap(resource.PropertyMap{"rotate": sec(s("canary-hunter2")), "plain": s("p")}),
					"list":    resource.NewList([]resource.PropertyValue{n(1), sec(resource.NewList([]resource.PropertyValue{s("canary-nested"), resource.Unknown()}))}),
					"nullSec": sec(resource.Null()),
				},
				Outputs: resource.PropertyMap{
					"result": sec(s("canary-outputs")),
					"map":    sec(resource.NewMap(resource.PropertyMap{"ref": resource.NewRef(provURN, "prov-1")})),
					"id":     resource.Unknown(),
				},
				Dependencies: []resource.URN{provURN}, RetainOnDelete: true, DeleteBeforeReplace: true,
				InputsHash: "hash-1", InitErrors: []string{"not ready", "still not ready"},
				Timeouts: &Timeouts{Create: 60, Delete: 1.5}},
			{URN: strURN, Type: "random:index:String", Custom: true, ID: "str-1", Provider: provRef, Parent: compURN,
				Inputs:       resource.PropertyMap{"length": n(8)},
				Outputs:      resource.PropertyMap{"result": s("abcdefgh")},
				Dependencies: []resource.URN{pwURN, compURN}},
		},
	}
}

// sameSnapshot compares snapshots field by field, treating nil and empty maps and slices alike.
func sameSnapshot(a, b *Snapshot) error {
	if a.Project != b.Project || a.Stack != b.Stack || a.Serial != b.Serial {
		return fmt.Errorf("header differs: %s/%s/%d vs %s/%s/%d", a.Project, a.Stack, a.Serial, b.Project, b.Stack, b.Serial)
	}
	if !a.Outputs.Equal(b.Outputs) {
		return fmt.Errorf("stack outputs differ: %v vs %v", resource.NewMap(a.Outputs), resource.NewMap(b.Outputs))
	}
	if len(a.Resources) != len(b.Resources) {
		return fmt.Errorf("%d resources vs %d", len(a.Resources), len(b.Resources))
	}
	for i := range a.Resources {
		x, y := a.Resources[i], b.Resources[i]
		if x.URN != y.URN || x.Type != y.Type || x.Custom != y.Custom || x.ID != y.ID || x.Provider != y.Provider ||
			x.Parent != y.Parent || x.Protect != y.Protect || x.RetainOnDelete != y.RetainOnDelete ||
			x.DeleteBeforeReplace != y.DeleteBeforeReplace || x.InputsHash != y.InputsHash || x.Delete != y.Delete {
			return fmt.Errorf("resource #%d differs:\n%+v\n%+v", i, x, y)
		}
		if !x.Inputs.Equal(y.Inputs) {
			return fmt.Errorf("resource #%d inputs differ: %v vs %v", i, resource.NewMap(x.Inputs), resource.NewMap(y.Inputs))
		}
		if !x.Outputs.Equal(y.Outputs) {
			return fmt.Errorf("resource #%d outputs differ: %v vs %v", i, resource.NewMap(x.Outputs), resource.NewMap(y.Outputs))
		}
		if fmt.Sprint(x.Dependencies) != fmt.Sprint(y.Dependencies) || len(x.Dependencies) != len(y.Dependencies) {
			return fmt.Errorf("resource #%d dependencies differ: %v vs %v", i, x.Dependencies, y.Dependencies)
		}
		if fmt.Sprintf("%q", x.InitErrors) != fmt.Sprintf("%q", y.InitErrors) {
			return fmt.Errorf("resource #%d init errors differ: %q vs %q", i, x.InitErrors, y.InitErrors)
		}
		if (x.Timeouts == nil) != (y.Timeouts == nil) || x.Timeouts != nil && *x.Timeouts != *y.Timeouts {
			return fmt.Errorf("resource #%d timeouts differ: %v vs %v", i, x.Timeouts, y.Timeouts)
		}
	}
	return nil
}

func mustMarshal(t testing.TB, c Codec, s *Snapshot) []byte {
	t.Helper()
	b, err := c.Marshal(s)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return b
}
