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

const canary = "CANARY-51f0e2-never-in-plaintext"

// isolate points every place age identities are looked for at temporary directories, so that no test reads or
// writes the real home directory.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	for _, v := range []string{"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_CMD"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// identity is an age key file on disk.
type identity struct {
	file, recipient string
}

func newIdentity(t *testing.T) identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "keys.txt")
	content := "# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return identity{file: file, recipient: id.Recipient().String()}
}

// use makes the identity the one sops and infra find, through SOPS_AGE_KEY_FILE.
func (id identity) use(t *testing.T) {
	t.Setenv("SOPS_AGE_KEY_FILE", id.file)
}

func (id identity) manager(t *testing.T) *secrets.Manager {
	t.Helper()
	m, err := secrets.New(context.Background(), secrets.AgeRecipient{PublicKey: id.recipient})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustRead(t *testing.T, path string) string {
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

// changedLines returns the lines of b that are not in a.
func changedLines(a, b string) []string {
	old := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		old[l]++
	}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		if old[l] > 0 {
			old[l]--
			continue
		}
		out = append(out, l)
	}
	return out
}
