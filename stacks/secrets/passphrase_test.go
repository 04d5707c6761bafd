package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func clearPassphraseEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{EnvPassphrase, EnvPassphraseFile, EnvNewPassphrase, EnvNewPassphraseFile} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

func TestPassphraseSources(t *testing.T) {
	ctx := context.Background()
	clearPassphraseEnv(t)
	if _, _, err := NewPassphrases(nil).Current(ctx); !errors.Is(err, ErrNoPassphrase) || !strings.Contains(err.Error(), "set INFRA_PASSPHRASE or INFRA_PASSPHRASE_FILE") {
		t.Fatalf("no source: %v", err)
	}

	t.Setenv(EnvPassphrase, canary)
	pass, src, err := NewPassphrases(nil).Current(ctx)
	if err != nil || pass != canary || src != "$INFRA_PASSPHRASE" {
		t.Fatalf("Current = %q, %q, %v", pass, src, err)
	}
	// Without a new passphrase of its own, a new passphrase is the current one.
	if pass, _, err := NewPassphrases(nil).New(ctx); err != nil || pass != canary {
		t.Fatalf("New = %q, %v", pass, err)
	}

	file := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(file, []byte("from file "+canary+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvPassphraseFile, file)
	_, _, err = NewPassphrases(nil).Current(ctx)
	if err == nil || !strings.Contains(err.Error(), "both INFRA_PASSPHRASE and INFRA_PASSPHRASE_FILE are set") {
		t.Fatalf("both set: %v", err)
	}
	os.Unsetenv(EnvPassphrase)
	if pass, src, err := NewPassphrases(nil).Current(ctx); err != nil || pass != "from file "+canary || !strings.Contains(src, file) {
		t.Fatalf("file: %q, %q, %v", pass, src, err)
	}
	t.Setenv(EnvNewPassphrase, "new "+canary)
	if pass, src, err := NewPassphrases(nil).New(ctx); err != nil || pass != "new "+canary || src != "$INFRA_NEW_PASSPHRASE" {
		t.Fatalf("new: %q, %q, %v", pass, src, err)
	}

	for name, content := range map[string]string{"empty": "\n", "two lines": "a\nb\n"} {
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := NewPassphrases(nil).Current(ctx)
		if err == nil {
			t.Errorf("%s passphrase file accepted", name)
		}
	}
	t.Setenv(EnvPassphraseFile, filepath.Join(t.TempDir(), "missing"))
	if _, _, err := NewPassphrases(nil).Current(ctx); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing file: %v", err)
	}
}

// A person is asked once per supply, and twice (to confirm) only for a new passphrase.
func TestPassphrasePrompt(t *testing.T) {
	ctx := context.Background()
	clearPassphraseEnv(t)
	var asked []string
	p := NewPassphrases(func(_ context.Context, q string, confirm bool) (string, error) {
		asked = append(asked, q)
		if confirm {
			return "new", nil
		}
		return "old", nil
	})
	for range 3 {
		if pass, src, err := p.Current(ctx); err != nil || pass != "old" || src != "the passphrase typed at the prompt" {
			t.Fatalf("Current = %q, %q, %v", pass, src, err)
		}
		if pass, _, err := p.New(ctx); err != nil || pass != "new" {
			t.Fatalf("New = %q, %v", pass, err)
		}
	}
	if len(asked) != 2 {
		t.Fatalf("asked %d times: %q", len(asked), asked)
	}
	if k := p.known(ctx); len(k) != 2 {
		t.Fatalf("known = %d passphrases", len(k))
	}
	failing := NewPassphrases(func(context.Context, string, bool) (string, error) {
		return "", errors.New("the two passphrases differ")
	})
	if _, _, err := failing.New(ctx); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("failed prompt: %v", err)
	}
}

func FuzzParsePassphraseFile(f *testing.F) {
	for _, s := range []string{"secret\n", "secret\r\n", "secret", "\n", "a\nb", "x\r\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pass, err := parsePassphraseFile(data)
		if err != nil {
			if strings.Contains(err.Error(), string(data)) && len(data) > 3 {
				t.Fatalf("the error quotes the file")
			}
			return
		}
		if strings.Contains(pass, "\n") || len(pass) > len(data) || !strings.HasPrefix(string(data), pass) {
			t.Fatalf("parsed %q from %q", pass, data)
		}
	})
}
