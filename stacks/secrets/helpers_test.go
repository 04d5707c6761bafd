package secrets

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// isolate points every place identities are looked for at temporary directories, so that no test reads or
// writes the real home directory.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	for _, v := range []string{EnvAgeKey, EnvAgeKeyFile, "SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_CMD"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// newKeyFile writes a fresh age identity file and returns its path and public key.
func newKeyFile(t *testing.T) (path, recipient string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "keys.txt")
	content := "# created: 2024-01-01T00:00:00Z\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, id.Recipient().String()
}

// newManager returns a manager for a fresh identity and the identities that open it.
func newTestManager(t *testing.T) (*Manager, *Identities) {
	t.Helper()
	path, rcpt := newKeyFile(t)
	m, err := New(context.Background(), AgeRecipient{PublicKey: rcpt})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentities(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return m, ids
}
