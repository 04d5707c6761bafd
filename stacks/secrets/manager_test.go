package secrets

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/shamir"
)

func TestNewAndOpen(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	fileA, rcptA := newKeyFile(t)
	fileB, rcptB := newKeyFile(t)
	m, err := New(ctx, AgeRecipient{PublicKey: rcptA}, AgeRecipient{PublicKey: rcptB}, AgeRecipient{PublicKey: rcptA})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Recipients(); len(got) != 2 || got[0] != rcptA || got[1] != rcptB {
		t.Fatalf("recipients %v", got)
	}
	// Each recipient alone can open it, found through SOPS_AGE_KEY_FILE as sops finds keys.
	for _, f := range []string{fileA, fileB} {
		t.Setenv(EnvAgeKeyFile, f)
		m2, err := Open(ctx, m.Metadata())
		if err != nil {
			t.Fatalf("open with %s: %v", f, err)
		}
		if !m2.SameKey(m) {
			t.Fatalf("opened a different data key")
		}
	}
	// The wrapped key is a real sops age key: sops' own master key decrypts it with the same identity.
	t.Setenv(EnvAgeKeyFile, fileA)
	ak := m.Metadata().KeyGroups[0][0].(*sopsage.MasterKey)
	plain, err := (&sopsage.MasterKey{Recipient: ak.Recipient, EncryptedKey: ak.EncryptedKey}).Decrypt()
	if err != nil || len(plain) != 32 || !m.SameKey(&Manager{dataKey: plain}) {
		t.Fatalf("sops cannot unwrap the data key: %v", err)
	}
}

func TestNewUsesDefaultIdentity(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	m, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rcpt, err := DefaultAgeRecipient()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Recipients(); len(got) != 1 || got[0] != rcpt {
		t.Fatalf("recipients %v, want the default identity %s", got, rcpt)
	}
	m2, err := Open(ctx, m.Metadata())
	if err != nil {
		t.Fatalf("the default identity does not open its own stack: %v", err)
	}
	if !m2.SameKey(m) {
		t.Fatal("different key")
	}
}

func TestOpenWithoutMatchingIdentity(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	_, rcptA := newKeyFile(t)
	fileB, rcptB := newKeyFile(t)
	m, err := New(ctx, AgeRecipient{PublicKey: rcptA})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvAgeKeyFile, fileB)
	_, err = Open(ctx, m.Metadata())
	var nerr *NoIdentityError
	if !errors.As(err, &nerr) {
		t.Fatalf("got %v, want *NoIdentityError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		rcptA, // the file's recipient
		fileB, // the key file that was tried
		"infra/age/keys.txt",
		"SOPS_AGE_KEY_FILE",
		"infra stack rekey --add-recipient " + rcptB, // the fix, with the user's own public key
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	key, _ := os.ReadFile(fileB)
	if strings.Contains(msg, "AGE-SECRET-KEY") || strings.Contains(msg, strings.TrimSpace(string(key))) {
		t.Fatalf("error reveals a private key:\n%s", msg)
	}
	// With no identity at all, the message still says what to do.
	os.Unsetenv(EnvAgeKeyFile)
	_, err = Open(ctx, m.Metadata())
	if err == nil || !strings.Contains(err.Error(), "<your public key>") || !strings.Contains(err.Error(), "not set") || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("no-identity error: %v", err)
	}
}

func TestOpenShamirGroups(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	fileA, rcptA := newKeyFile(t)
	fileB, rcptB := newKeyFile(t)
	dataKey := make([]byte, 32)
	for i := range dataKey {
		dataKey[i] = byte(i)
	}
	parts, err := shamir.Split(dataKey, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	var groups []sops.KeyGroup
	for i, r := range []string{rcptA, rcptB} {
		mk, _ := sopsage.MasterKeyFromRecipient(r)
		if err := mk.Encrypt(parts[i]); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, sops.KeyGroup{mk})
	}
	md := sops.Metadata{KeyGroups: groups, ShamirThreshold: 2}
	a, _ := os.ReadFile(fileA)
	b, _ := os.ReadFile(fileB)
	ids, err := ParseIdentities("both", append(append(a, '\n'), b...))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(ctx, md, WithIdentities(ids))
	if err != nil {
		t.Fatal(err)
	}
	if !m.SameKey(&Manager{dataKey: dataKey}) {
		t.Fatal("wrong key from Shamir parts")
	}
	onlyA, _ := ParseIdentities("a", a)
	if _, err := Open(ctx, md, WithIdentities(onlyA)); err == nil || !strings.Contains(err.Error(), "needs 2 of them") {
		t.Fatalf("one of two groups opened the key: %v", err)
	}
}
