package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// DefaultAgeRecipient returns the public key of the user's default identity, creating the identity on first use
// (see EnsureDefaultIdentity).
func DefaultAgeRecipient() (string, error) {
	_, recipient, _, err := EnsureDefaultIdentity()
	return recipient, err
}

// EnsureDefaultIdentity makes sure the default identity file exists and returns its path and the public key of
// its first identity. created is true when this call generated it: directories are made 0700 and the file 0600,
// in the format age-keygen writes, so the age and sops CLIs can use it too. Two processes racing to create it end
// up with the same identity: the file is published with a hard link, which never replaces an existing file.
func EnsureDefaultIdentity() (path, recipient string, created bool, err error) {
	path, err = DefaultIdentityPath()
	if err != nil {
		return "", "", false, fmt.Errorf("default age identity: %w", err)
	}
	recipient, err = readDefaultIdentity(path)
	if err == nil {
		return path, recipient, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", false, err
	}
	recipient, err = createIdentityFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process won the race; use its identity.
		recipient, err = readDefaultIdentity(path)
		return path, recipient, false, err
	}
	if err != nil {
		return "", "", false, err
	}
	return path, recipient, true, nil
}

func readDefaultIdentity(path string) (string, error) {
	data, err := readBounded(path)
	if err != nil {
		return "", err
	}
	_, recipients, err := parseIdentities(data, false)
	if err != nil {
		return "", fmt.Errorf("default age identity %s: %w: fix the file, or move it away and a new identity will be created", path, err)
	}
	return recipients[0], nil
}

// createIdentityFile writes a new X25519 identity to path. It fails with an error wrapping fs.ErrExist if the file
// appeared meanwhile. X25519 rather than post-quantum keeps the file usable by sops and age releases older than
// age 1.3.
func createIdentityFile(path string) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("generate age identity: %w", err)
	}
	recipient := id.Recipient().String()
	content := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", time.Now().Format(time.RFC3339), recipient, id)

	tmp, err := os.CreateTemp(dir, ".keys-*.tmp")
	if err != nil {
		return "", fmt.Errorf("create identity file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	// CreateTemp already uses 0600; Chmod makes it independent of that detail.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("create identity file: %w", err)
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write identity file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write identity file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write identity file: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", err
		}
		return "", fmt.Errorf("publish identity file %s: %w", path, err)
	}
	syncDir(dir)
	return recipient, nil
}

// syncDir makes a new directory entry durable. Failure is not reported: some file systems cannot sync
// directories, and the file itself is already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
