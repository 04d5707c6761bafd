package project

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/infrago/infra/stacks/secrets"
)

func FuzzLoadProject(f *testing.F) {
	f.Add([]byte(fullProject))
	f.Add([]byte("name: web\n"))
	f.Add([]byte("name: web\nnmae: x\nconfig:\n  a:\n    type: strin\n    default: [1, {b: 2}]\n"))
	f.Add([]byte("name: &a web\ndescription: *a\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("name: web\n---\n"))
	f.Add([]byte("\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseProject("Infra.yaml", data)
		if err != nil {
			return
		}
		// Whatever loads must save and load again to the same project.
		p.Dir = t.TempDir()
		if err := p.Save(); err != nil {
			t.Fatalf("a loaded project does not save: %v\n%s", err, data)
		}
	})
}

func FuzzLoadStackConfig(f *testing.F) {
	isolateFuzz(f)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	ids, err := secrets.ParseIdentities("fuzz", []byte(id.String()))
	if err != nil {
		f.Fatal(err)
	}
	m, err := secrets.New(context.Background(), secrets.AgeRecipient{PublicKey: id.Recipient().String()})
	if err != nil {
		f.Fatal(err)
	}
	// Seed with a real file, so that the fuzzer starts from inputs that decrypt.
	path := filepath.Join(f.TempDir(), "Infra.dev.yaml")
	sc := NewStackConfig(path, m)
	for _, kv := range [][2]string{{"a:plain", "p"}, {"b:secret", "s"}, {"c:empty", ""}} {
		if err := sc.Set(kv[0], kv[1], strings.Contains(kv[0], "secret") || kv[0] == "c:empty"); err != nil {
			f.Fatal(err)
		}
	}
	if err := sc.Save(m); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("config:\n  a:b: [1, {c: d}]\n"))
	f.Add([]byte("secrets:\n  a:b: ENC[AES256_GCM,data:AA==,iv:AAAAAAAAAAAAAAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\nsops:\n  lastmodified: \"2024-01-01T00:00:00Z\"\n  mac: \"\"\n  encrypted_regex: ^secrets$\n"))
	f.Add([]byte("sops: {age: [{recipient: x, enc: y}], lastmodified: '2024-01-01T00:00:00Z'}\n"))
	f.Add([]byte("a: &a [*a]\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := parseStackConfig("Infra.dev.yaml", data)
		if err != nil {
			return
		}
		for _, k := range sc.Keys() {
			sc.Get(k)
		}
		_, _ = sc.Values()
		sc.Recipients()
		if !sc.HasDataKey() {
			_, _, _, _ = sc.render(nil)
			return
		}
		m, err := sc.OpenSecrets(context.Background(), secrets.WithIdentities(ids))
		if err != nil {
			return
		}
		if _, err := sc.Values(); err != nil {
			t.Fatalf("opened config has no values: %v", err)
		}
		if _, _, _, err := sc.render(m); err != nil {
			t.Fatalf("an opened config does not render: %v", err)
		}
	})
}

// isolateFuzz is isolate for a fuzz target.
func isolateFuzz(f *testing.F) {
	f.Setenv("XDG_CONFIG_HOME", f.TempDir())
	f.Setenv("HOME", f.TempDir())
	for _, v := range []string{"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE"} {
		f.Setenv(v, "")
		os.Unsetenv(v)
	}
}
