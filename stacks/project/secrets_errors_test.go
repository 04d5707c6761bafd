package project

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/stacks/secrets"
)

// TestOpenErrors: each way of not being able to decrypt gives an error that lists who can decrypt and how to get
// access, and nothing is written.
func TestOpenErrors(t *testing.T) {
	owner, stranger := newIdentity(t), newIdentity(t)
	pass := "right " + canary
	wrongPass := "wrong " + canary
	cases := []struct {
		name string
		// recipients of the stack; "owner" and "passphrase".
		recipients []string
		// access sets up what the opener has.
		access func(t *testing.T)
		want   []string
	}{
		{
			name:       "missing age identity",
			recipients: []string{"owner"},
			access:     func(t *testing.T) {},
			want: []string{
				"cannot unwrap the stack's data key",
				"recipients of the data key:\n    " + owner.recipient,
				"$SOPS_AGE_KEY: not set", "$SOPS_AGE_KEY_FILE: not set", "infra/age/keys.txt: does not exist",
				"no age identity was found",
				"set SOPS_AGE_KEY_FILE to a key file holding one of the age recipients' identities",
				"ask a teammate who can decrypt to run `infra stack rekey --add-recipient <your public key>`",
				"create your identity first: `mkdir -p ",
			},
		},
		{
			name:       "age identity not a recipient",
			recipients: []string{"owner"},
			access:     stranger.use,
			want: []string{
				"recipients of the data key:\n    " + owner.recipient,
				stranger.file + ": 1 identity (" + stranger.recipient + ")",
				"your age identities (" + stranger.recipient + ") are not recipients of the data key",
				"ask a teammate who can decrypt to run `infra stack rekey --add-recipient " + stranger.recipient + "`",
			},
		},
		{
			name:       "key file that does not exist",
			recipients: []string{"owner"},
			access:     func(t *testing.T) { t.Setenv("SOPS_AGE_KEY_FILE", filepath.Join(t.TempDir(), "gone.txt")) },
			want:       []string{"gone.txt: does not exist", "no age identity was found"},
		},
		{
			name:       "wrong passphrase",
			recipients: []string{"passphrase"},
			access:     func(t *testing.T) { t.Setenv(secrets.EnvPassphrase, wrongPass) },
			want: []string{
				"recipients of the data key:\n    passphrase\n",
				"passphrase: the passphrase from $INFRA_PASSPHRASE is not this stack's passphrase",
				"set INFRA_PASSPHRASE (or INFRA_PASSPHRASE_FILE) to the stack's passphrase",
			},
		},
		{
			name:       "no passphrase in CI",
			recipients: []string{"passphrase", "owner"},
			access:     stranger.use,
			want: []string{
				"recipients of the data key:\n    passphrase\n    " + owner.recipient,
				"passphrase: no passphrase was given: INFRA_PASSPHRASE and INFRA_PASSPHRASE_FILE are not set, and there is no terminal to ask on",
				"set INFRA_PASSPHRASE (or INFRA_PASSPHRASE_FILE)",
				"set SOPS_AGE_KEY_FILE",
				"infra stack rekey --add-recipient " + stranger.recipient,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolate(t)
			isolateCloud(t)
			t.Setenv(secrets.EnvPassphrase, pass)
			var rs []secrets.Recipient
			for _, r := range c.recipients {
				if r == "owner" {
					rs = append(rs, secrets.AgeRecipient{PublicKey: owner.recipient})
				} else {
					rs = append(rs, secrets.PassphraseRecipient{WorkFactor: 10})
				}
			}
			m, err := secrets.Create(context.Background(), rs)
			must(t, err)
			path := filepath.Join(t.TempDir(), "Infra.prod.yaml")
			sc := NewStackConfig(path, m)
			must(t, sc.Set("db:password", canary, true))
			must(t, sc.Save(m))
			before := mustRead(t, path)
			os.Unsetenv(secrets.EnvPassphrase)
			c.access(t)

			sc2, err := LoadStackConfig(path)
			must(t, err)
			_, err = sc2.OpenSecrets(context.Background())
			var nerr *secrets.NoIdentityError
			if !errors.As(err, &nerr) {
				t.Fatalf("got %v, want a NoIdentityError", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "open secrets of "+path+": ") {
				t.Errorf("the error does not name the file:\n%s", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the error does not say %q:\n%s", w, msg)
				}
			}
			noCanary(t, "the error", msg)
			if strings.Contains(msg, "AGE-SECRET-KEY") {
				t.Fatalf("the error reveals a private key:\n%s", msg)
			}
			// Nothing was written, and a save attempt with the locked file changes nothing either.
			if err := sc2.Set("db:password", "x", true); err == nil {
				t.Fatal("set a secret in a file that did not open")
			}
			if mustRead(t, path) != before {
				t.Fatal("the file changed")
			}
		})
	}
}
