package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/secrets/kmssim/awskms"
	"github.com/infrago/infra/stacks/secrets/kmssim/gcpkms"
)

func TestStackInitWithPassphrase(t *testing.T) {
	isolateCLI(t)
	dir := newCLIProject(t)
	newPerson(t)
	pass := "pass " + canary
	t.Setenv(secrets.EnvPassphrase, pass)
	out := mustInfra(t, dir, "stack", "init", "ci", "--secrets-provider", "passphrase")
	if !strings.Contains(out, "Its secrets are encrypted for: passphrase") {
		t.Fatalf("init output:\n%s", out)
	}
	mustInfra(t, dir, "config", "set", "--secret", "app:token", canary)
	path := filepath.Join(dir, "Infra.ci.yaml")
	data := readFile(t, path)
	noCanary(t, "the stack config", data)
	if !strings.Contains(data, "recipient: passphrase") || strings.Contains(data, "recipient: age1") {
		t.Fatalf("the stack config is not wrapped for the passphrase alone:\n%s", data)
	}

	// From a file, as CI mounts secrets.
	os.Unsetenv(secrets.EnvPassphrase)
	file := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(file, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(secrets.EnvPassphraseFile, file)
	if got := strings.TrimSpace(mustInfra(t, dir, "config", "get", "app:token", "--show-secrets")); got != canary {
		t.Fatalf("config get = %q", got)
	}

	// Without it, and with a wrong one: clear errors, no secret in them.
	os.Unsetenv(secrets.EnvPassphraseFile)
	r := infra(t, dir, "config", "get", "app:token")
	if r.err == nil || !strings.Contains(r.err.Error(), "no passphrase was given: INFRA_PASSPHRASE and INFRA_PASSPHRASE_FILE are not set") {
		t.Fatalf("no passphrase: %v", r.err)
	}
	t.Setenv(secrets.EnvPassphrase, "wrong "+canary)
	r = infra(t, dir, "config", "get", "app:token")
	if r.err == nil || !strings.Contains(r.err.Error(), "the passphrase from $INFRA_PASSPHRASE is not this stack's passphrase") {
		t.Fatalf("wrong passphrase: %v", r.err)
	}
	noCanary(t, "the output", r.all())

	// A new stack with no passphrase anywhere and nobody to ask: a clear error, and no file.
	os.Unsetenv(secrets.EnvPassphrase)
	r = infra(t, dir, "stack", "init", "other", "--secrets-provider", "passphrase")
	if r.err == nil || !strings.Contains(r.err.Error(), "set INFRA_PASSPHRASE or INFRA_PASSPHRASE_FILE") {
		t.Fatalf("init without a passphrase: %v", r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Infra.other.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a failed init wrote the stack config")
	}
}

func TestStackInitForATeam(t *testing.T) {
	isolateCLI(t)
	dir := newCLIProject(t)
	stranger, mate, me := newPerson(t), newPerson(t), newPerson(t)

	// Only others: refused unless --force, and nothing written.
	r := infra(t, dir, "stack", "init", "theirs", "--recipient", stranger.publicKey)
	if r.err == nil || !strings.Contains(r.err.Error(), "you could not decrypt the stack any more") {
		t.Fatalf("init for others only: %v", r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Infra.theirs.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a refused init wrote the stack config")
	}
	mustInfra(t, dir, "stack", "init", "theirs", "--recipient", stranger.publicKey, "--force", "--no-select")

	out := mustInfra(t, dir, "stack", "init", "team", "--recipient", me.publicKey, "--recipient", mate.publicKey)
	if !strings.Contains(out, "Its secrets are encrypted for: "+me.publicKey+", "+mate.publicKey) {
		t.Fatalf("init output:\n%s", out)
	}
	mustInfra(t, dir, "config", "set", "--secret", "app:token", canary)
	mate.become(t)
	if got := strings.TrimSpace(mustInfra(t, dir, "config", "get", "app:token", "--show-secrets")); got != canary {
		t.Fatalf("the teammate reads %q", got)
	}
}

// KMS providers at init, against the simulators, with an age key as second recipient; then a change of
// provider from a passphrase to KMS, as a team does for CI.
func TestKMSSecretsProviders(t *testing.T) {
	isolateCLI(t)
	me := newPerson(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	aws, err := awskms.New(awskms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := aws.CreateKey("eu-west-1", "infra")
	if err != nil {
		t.Fatal(err)
	}
	if err := aws.CreateAlias("alias/infra", key.ARN); err != nil {
		t.Fatal(err)
	}
	al, err := aws.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	gcp, err := gcpkms.New(gcpkms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gcpKey := "projects/acme/locations/global/keyRings/infra/cryptoKeys/prod"
	if err := gcp.CreateCryptoKey(gcpKey); err != nil {
		t.Fatal(err)
	}
	gl, err := gcp.Listen(ctx, "127.0.0.1:0", gcpkms.ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer gl.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDCLITEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("SOPS_GCP_KMS_CLIENT_TYPE", "rest")
	t.Setenv("SOPS_GCP_KMS_ENDPOINT", gl.URL)
	t.Setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "token")

	dir := newCLIProject(t)
	// The endpoint given in the recipient is used for wrapping; reading needs AWS_ENDPOINT_URL_KMS.
	mustInfra(t, dir, "stack", "init", "aws", "--secrets-provider", "awskms://alias/infra?region=eu-west-1&endpoint="+al.URL, "--recipient", me.publicKey)
	mustInfra(t, dir, "stack", "init", "gcp", "--secrets-provider", "gcpkms://"+gcpKey)
	for _, stack := range []string{"aws", "gcp"} {
		t.Setenv("AWS_ENDPOINT_URL_KMS", al.URL)
		mustInfra(t, dir, "config", "set", "--stack", stack, "--secret", "app:token", canary)
		data := readFile(t, filepath.Join(dir, "Infra."+stack+".yaml"))
		noCanary(t, "the stack config", data)
		// Someone without an age identity reads it through KMS alone.
		newPerson(t)
		if got := strings.TrimSpace(mustInfra(t, dir, "config", "get", "--stack", stack, "app:token", "--show-secrets")); got != canary {
			t.Fatalf("%s: KMS access reads %q", stack, got)
		}
		me.become(t)
	}
	if data := readFile(t, filepath.Join(dir, "Infra.aws.yaml")); !strings.Contains(data, "arn: "+key.ARN) || !strings.Contains(data, "recipient: "+me.publicKey) {
		t.Fatalf("the alias was not resolved to the key's ARN, or the age recipient is missing:\n%s", data)
	}

	// From a passphrase to KMS plus age, then a new passphrase.
	t.Setenv(secrets.EnvPassphrase, "old "+canary)
	mustInfra(t, dir, "stack", "init", "moving", "--secrets-provider", "passphrase", "--no-select")
	mustInfra(t, dir, "config", "set", "--stack", "moving", "--secret", "app:token", canary)
	out := mustInfra(t, dir, "stack", "change-secrets-provider", "--stack", "moving", "awskms://"+key.ARN, "age")
	for _, want := range []string{"awskms://" + key.ARN, me.publicKey} {
		if !strings.Contains(out, "  "+want+"\n") {
			t.Errorf("change-secrets-provider output does not list %s:\n%s", want, out)
		}
	}
	if strings.Contains(readFile(t, filepath.Join(dir, "Infra.moving.yaml")), "recipient: passphrase") {
		t.Fatal("the passphrase recipient is still there")
	}
	t.Setenv(secrets.EnvNewPassphrase, "new "+canary)
	mustInfra(t, dir, "stack", "change-secrets-provider", "--stack", "moving", "passphrase")
	os.Unsetenv(secrets.EnvNewPassphrase)
	newPerson(t) // no age identity: only the passphrase can open it now
	t.Setenv(secrets.EnvPassphrase, "new "+canary)
	if got := strings.TrimSpace(mustInfra(t, dir, "config", "get", "--stack", "moving", "app:token", "--show-secrets")); got != canary {
		t.Fatalf("after the passphrase change: %q", got)
	}
	t.Setenv(secrets.EnvPassphrase, "old "+canary)
	if r := infra(t, dir, "config", "get", "--stack", "moving", "app:token"); r.err == nil {
		t.Fatal("the old passphrase still opens the stack")
	}
}
