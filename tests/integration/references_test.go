package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"

	"github.com/infrago/infra/stacks/secrets"
)

// TestStackReference: project b reads the outputs of project a's stack from a shared backend; a's secret output
// arrives in b as a secret (shown as [secret], encrypted in b's state), its plain output as it is.
func TestStackReference(t *testing.T) {
	t.Parallel()
	shared := t.TempDir()
	canary := randomToken(t, "ref-canary")
	a, err := makeProject(t.TempDir(), "a", specDir())
	if err != nil {
		t.Fatal(err)
	}
	a.t = t
	b, err := makeProject(t.TempDir(), "b", specDir())
	if err != nil {
		t.Fatal(err)
	}
	b.t = t
	// The same person (the same identity) works on both projects.
	b.env = append(b.env, "XDG_CONFIG_HOME="+a.path("config"))
	for _, p := range []*project{a, b} {
		rel, _ := filepath.Rel(p.dir, specDir())
		if err := p.writeFile("Infra.yaml", "name: "+p.name+"\nmain: "+filepath.ToSlash(rel)+"\nbackend: file://"+shared+"\n"); err != nil {
			t.Fatal(err)
		}
		p.mustRun("stack", "init", "dev")
	}
	a.setSpec(spec{Resources: []res{{Name: "x", Value: "plain-value", Secret: canary}},
		Exports: map[string]string{"plain": "x.echo", "hidden": "x.secret"}})
	a.up()

	b.setSpec(spec{StackRef: "a/dev"})
	r := b.up()
	wantOutput(t, r, `ref-plain: "plain-value"`, "ref-hidden: [secret]")
	wantNoOutput(t, r, canary)
	out := b.mustRun("outputs", "--json")
	var outs map[string]any
	if err := json.Unmarshal([]byte(out.stdout), &outs); err != nil {
		t.Fatal(err)
	}
	if outs["ref-plain"] != "plain-value" || outs["ref-hidden"] != "[secret]" {
		t.Errorf("b's outputs: %v", outs)
	}
	if got := strings.TrimSpace(b.mustRun("outputs", "--show-secrets", "ref-hidden").stdout); got != canary {
		t.Errorf("the secret output read through the reference is %q", got)
	}
	// b's state keeps the referenced secret encrypted.
	filepath.WalkDir(shared, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); strings.Contains(string(data), canary) {
				t.Errorf("%s holds the secret in plaintext", path)
			}
		}
		return nil
	})
	// A reference to a stack that does not exist says so.
	b.setSpec(spec{StackRef: "a/nope"})
	r = b.runCode(1, "preview")
	wantOutput(t, r, "stack a/nope does not exist")
}

// TestSopsFileAndRedaction: a program reads a team's sops file through the engine (it imports no sops code and
// holds no key); the value is a secret everywhere. A program that prints a secret has it masked in the output.
func TestSopsFileAndRedaction(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	fileSecret := randomToken(t, "sops-canary")
	configSecret := randomToken(t, "config-canary")
	writeSopsFile(t, p, filepath.Join(p.dir, "team-secrets.yaml"), "db:\n  password: "+fileSecret+"\n  user: app\n")
	p.mustRun("config", "set", "--secret", "printed", configSecret)
	p.setSpec(spec{SopsFile: filepath.Join(p.dir, "team-secrets.yaml"), SopsKey: "db.password", PrintSecretConfig: "printed"})
	r := p.up()
	wantOutput(t, r, "sops: [secret]", "the secret is [secret]")
	wantNoOutput(t, r, fileSecret, configSecret)
	if got := strings.TrimSpace(p.mustRun("outputs", "--show-secrets", "sops").stdout); got != fileSecret {
		t.Errorf("the value read from the sops file is %q", got)
	}
	// A file that is not encrypted is refused.
	if err := os.WriteFile(filepath.Join(p.dir, "plain.yaml"), []byte("a: b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.setSpec(spec{SopsFile: filepath.Join(p.dir, "plain.yaml"), SopsKey: "a"})
	wantOutput(t, p.runCode(1, "preview"), "is not encrypted with sops")
}

// writeSopsFile encrypts plaintext YAML the way the sops CLI does, for the project's own age identity.
func writeSopsFile(t *testing.T, p *project, path, plaintext string) {
	t.Helper()
	keys, err := os.ReadFile(filepath.Join(p.path("config"), "infra", "age", "keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var pub string
	for _, l := range strings.Split(string(keys), "\n") {
		if after, ok := strings.CutPrefix(l, "# public key: "); ok {
			pub = strings.TrimSpace(after)
		}
	}
	rcpt, err := secrets.ParseRecipient(pub)
	if err != nil {
		t.Fatal(err)
	}
	m, err := secrets.New(context.Background(), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	store := sopsyaml.NewStore(&config.YAMLStoreConfig{})
	branches, err := store.LoadPlainFile([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	md := m.Metadata()
	md.Version = "3.13.3"
	md.LastModified = time.Now().UTC()
	tree := sops.Tree{Branches: branches, Metadata: md}
	mac, err := tree.Encrypt(nil, m.TreeCipher())
	if err != nil {
		t.Fatal(err)
	}
	if tree.Metadata.MessageAuthenticationCode, err = m.TreeCipher().Encrypt(mac, nil, md.LastModified.Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	out, err := store.EmitEncryptedFile(tree)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}
