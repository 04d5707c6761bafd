package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/stacks/secrets"
)

// canary is planted in every secret of these tests; no file, message or output other than an explicit
// --show-secrets may contain it.
const canary = "CANARY-rekey-4e1d0b-never-in-plaintext"

// person is someone with their own age identity: their own $XDG_CONFIG_HOME, holding
// infra/age/keys.txt.
type person struct {
	configHome, publicKey string
}

func newPerson(t *testing.T) person {
	t.Helper()
	p := person{configHome: t.TempDir()}
	t.Setenv("XDG_CONFIG_HOME", p.configHome)
	pk, err := secrets.DefaultAgeRecipient()
	if err != nil {
		t.Fatal(err)
	}
	p.publicKey = pk
	return p
}

// become makes p the one running the commands that follow.
func (p person) become(t *testing.T) { t.Setenv("XDG_CONFIG_HOME", p.configHome) }

// isolateCLI keeps the tests away from the real home directory, credentials and terminals.
func isolateCLI(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("CI", "true")
	t.Setenv("INFRA_CACHE_DIR", t.TempDir())
	none := filepath.Join(t.TempDir(), "none")
	for _, v := range []string{"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "INFRA_STACK",
		secrets.EnvPassphrase, secrets.EnvPassphraseFile, secrets.EnvNewPassphrase, secrets.EnvNewPassphraseFile,
		"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"GOOGLE_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN", "SOPS_GCP_KMS_ENDPOINT", "SOPS_GCP_KMS_CLIENT_TYPE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", none)
}

// newCLIProject writes an empty project and returns its directory.
func newCLIProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Infra.yaml"), []byte("name: rekeytest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type cliResult struct {
	stdout, stderr string
	err            error
}

func (r cliResult) all() string {
	s := r.stdout + r.stderr
	if r.err != nil {
		s += r.err.Error()
	}
	return s
}

// infra runs the CLI in-process in dir.
func infra(t *testing.T, dir string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newApp(ctx, cancel)
	root := a.rootCommand()
	root.SetArgs(append([]string{"-C", dir, "--non-interactive"}, args...))
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(""))
	err := root.ExecuteContext(ctx)
	return cliResult{stdout: out.String(), stderr: errb.String(), err: err}
}

// mustInfra runs the CLI and fails the test on an error.
func mustInfra(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := infra(t, dir, args...)
	if r.err != nil {
		t.Fatalf("infra %s: %v\n%s%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func noCanary(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, canary) {
		t.Fatalf("%s contains the secret:\n%s", what, s)
	}
}

// sopsSection splits a stack config into its sops: block and the rest.
func sopsSection(data string) (block, rest string) {
	var b, r strings.Builder
	in := false
	for _, l := range strings.SplitAfter(data, "\n") {
		if !strings.HasPrefix(l, " ") && strings.TrimSpace(l) != "" {
			in = strings.TrimSpace(l) == "sops:"
		}
		if in {
			b.WriteString(l)
		} else {
			r.WriteString(l)
		}
	}
	return b.String(), r.String()
}

func readKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
