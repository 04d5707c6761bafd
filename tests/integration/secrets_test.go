package integration

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretCanaries plants a secret in the config and a generated password in the state, runs every command a
// user would, and greps every byte the tool printed or wrote for them.
func TestSecretCanaries(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	canary := randomToken(t, "canary-")
	var printed []result
	run := func(code int, args ...string) result {
		t.Helper()
		r := p.runCode(code, args...)
		printed = append(printed, r)
		return r
	}

	literal := randomToken(t, "literal-canary-")
	fromFile := randomToken(t, "file-canary-")
	run(0, "config", "set", "--secret", "canary", canary)
	// Four ways a secret comes in: stack config, a generated password, infra.Secret in the program, and a team's
	// sops file read through the engine.
	writeSopsFile(t, p, filepath.Join(p.dir, "team.yaml"), "token: "+fromFile+"\n")
	s := spec{
		Resources: []res{{Name: "s", Value: "1", SecretConfig: "canary"}, {Name: "pw", Kind: "password"},
			{Name: "lit", Value: "1", SecretReversed: reverse(literal)}},
		Exports:  map[string]string{"fromConfig": "s.secret", "literal": "lit.secret"},
		SopsFile: filepath.Join(p.dir, "team.yaml"), SopsKey: "token",
	}
	p.setSpec(s)
	run(0, "preview")
	run(0, "up", "--yes")
	s.Resources[0].Value = "2"
	p.setSpec(s)
	run(0, "preview", "--diff")
	run(0, "up", "--yes")

	// The only commands allowed to print the secrets, and proof that they went all the way through provider and
	// state (so the rest of the test is not vacuous).
	var shown map[string]any
	if err := json.Unmarshal([]byte(p.mustRun("outputs", "--json", "--show-secrets").stdout), &shown); err != nil {
		t.Fatal(err)
	}
	if shown["fromConfig"] != canary {
		t.Fatalf("the config secret did not come back through the provider: outputs are %v", shown)
	}
	password := strings.TrimSpace(p.mustRun("outputs", "--show-secrets", "pw").stdout)
	if len(password) < 16 || password == "[secret]" {
		t.Fatalf("the password output is %q", password)
	}
	if shown["literal"] != literal || shown["sops"] != fromFile {
		t.Fatalf("the infra.Secret and sops-file secrets did not come through: outputs are %v", shown)
	}
	all := map[string]string{"the config secret": canary, "the password": password, "the infra.Secret literal": literal,
		"the sops file's value": fromFile}

	for _, args := range [][]string{
		{"outputs"}, {"outputs", "--json"}, {"outputs", "pw"}, {"config", "ls"}, {"config", "ls", "--json"},
		{"stack", "export"}, {"stack", "history"}, {"stack", "history", "--json"},
		{"state", "ls"}, {"stack", "ls"},
		// Reading live state back through the providers, with every display.
		{"refresh", "--yes", "--verbose"}, {"refresh", "--yes", "--json"}, {"preview", "--refresh", "--json"},
		{"up", "--yes", "--refresh", "--diff"}, {"preview", "--markdown", filepath.Join(p.dir, "summary.md")},
		{"stack", "export", "--version", "2"},
	} {
		run(0, args...)
	}
	if got := strings.TrimSpace(run(0, "config", "get", "canary").stdout); got != "[secret]" {
		t.Errorf("config get canary printed %q, want [secret]", got)
	}

	// A failing update of the resource that holds the secret, with provider debug logs.
	s.Resources[0].Value, s.Resources[0].Fail = "3", "the update was refused"
	p.setSpec(s)
	r := run(1, "up", "--yes", "--verbose")
	wantOutput(t, r, "the update was refused")
	p.mustResource(p.state(), p.thing("s")) // a failed update keeps the resource in the state
	p.assertWorldMatchesState()
	run(0, "preview", "--verbose", "--diff", "--show-sames")

	run(0, "destroy", "--yes")
	if w := p.worldObjects(); len(w) != 0 {
		t.Errorf("destroy left objects behind: %v", w)
	}
	run(0, "stack", "history")

	for _, r := range printed {
		for name, secret := range all {
			if strings.Contains(r.output(), secret) {
				t.Errorf("%s was printed:\n%s", name, r)
			}
		}
	}
	// The sops file itself holds its value encrypted; everything else must too.
	for _, root := range []string{p.dir, cacheDir, p.path("home"), p.path("config")} {
		grepTree(t, root, all)
	}
}

// grepTree fails the test for every file under root whose name or bytes contain one of the secrets.
func grepTree(t *testing.T, root string, secrets map[string]string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for name, secret := range secrets {
			if strings.Contains(path, secret) {
				t.Errorf("%s is in a file name: %s", name, path)
			}
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for name, secret := range secrets {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s is written in plaintext in %s", name, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
