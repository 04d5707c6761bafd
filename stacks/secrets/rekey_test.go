package secrets

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
)

// keyFileIdentities parses a key file written by newKeyFile.
func keyFileIdentities(t *testing.T, files ...string) *Identities {
	t.Helper()
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, b...), '\n')
	}
	ids, err := ParseIdentities("test keys", all)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestRekey(t *testing.T) {
	isolate(t)
	clearPassphraseEnv(t)
	ctx := context.Background()
	fileA, a := newKeyFile(t)
	fileB, b := newKeyFile(t)
	fileC, c := newKeyFile(t)
	m, err := New(ctx, AgeRecipient{PublicKey: a}, AgeRecipient{PublicKey: b})
	if err != nil {
		t.Fatal(err)
	}
	opened, err := Open(ctx, m.Metadata(), WithIdentities(keyFileIdentities(t, fileA)))
	if err != nil {
		t.Fatal(err)
	}
	if opened.OpenedBy() != a {
		t.Fatalf("OpenedBy = %q, want %s", opened.OpenedBy(), a)
	}
	ct, err := opened.EncryptValue(canary, TypeString, "aad")
	if err != nil {
		t.Fatal(err)
	}

	// Add C, remove B: A's wrapped copy stays byte for byte, the data key and ciphertexts stay.
	n, res, err := opened.Rekey(ctx, []Recipient{AgeRecipient{PublicKey: c}, AgeRecipient{PublicKey: a}}, []Recipient{AgeRecipient{PublicKey: b}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, RekeyResult{Added: []string{c}, Removed: []string{b}, Present: []string{a}}) {
		t.Fatalf("result %+v", res)
	}
	if got := n.Recipients(); !reflect.DeepEqual(got, []string{a, c}) {
		t.Fatalf("recipients %v", got)
	}
	if n.Metadata().KeyGroups[0][0].(*sopsage.MasterKey).EncryptedKey != m.Metadata().KeyGroups[0][0].(*sopsage.MasterKey).EncryptedKey {
		t.Fatal("the kept recipient's wrapped key changed")
	}
	if again, _ := n.EncryptValue(canary, TypeString, "aad"); again != ct || !n.SameKey(m) {
		t.Fatal("the rekeyed manager has another key or forgot the ciphertexts")
	}
	if err := n.CheckAccess(ctx, WithIdentities(keyFileIdentities(t, fileA))); err != nil {
		t.Fatalf("A is locked out: %v", err)
	}
	// B's identity no longer opens it; C's does.
	if _, err := Open(ctx, n.Metadata(), WithIdentities(keyFileIdentities(t, fileB))); err == nil {
		t.Fatal("a removed recipient still opens the data key")
	}
	if _, err := Open(ctx, n.Metadata(), WithIdentities(keyFileIdentities(t, fileC))); err != nil {
		t.Fatalf("an added recipient cannot open: %v", err)
	}

	// Removing oneself: the result is fine, but CheckAccess says the caller is locked out.
	self, _, err := opened.Rekey(ctx, nil, []Recipient{AgeRecipient{PublicKey: a}})
	if err != nil {
		t.Fatal(err)
	}
	err = self.CheckAccess(ctx, WithIdentities(keyFileIdentities(t, fileA)))
	if !errors.Is(err, ErrLockedOut) || !strings.Contains(err.Error(), b) {
		t.Fatalf("locked out: %v", err)
	}
	var nerr *NoIdentityError
	if !errors.As(err, &nerr) {
		t.Fatalf("the lock-out error does not carry what was tried: %v", err)
	}

	// The last recipient, and one that is not there.
	only, _, err := opened.Rekey(ctx, nil, []Recipient{AgeRecipient{PublicKey: b}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := only.Rekey(ctx, nil, []Recipient{AgeRecipient{PublicKey: a}}); !errors.Is(err, ErrLastRecipient) {
		t.Fatalf("removed the last recipient: %v", err)
	}
	_, _, err = opened.Rekey(ctx, nil, []Recipient{AgeRecipient{PublicKey: c}, PassphraseRecipient{}})
	if !errors.Is(err, ErrNotRecipient) || !strings.Contains(err.Error(), "its recipients: "+a+", "+b) {
		t.Fatalf("removed a stranger: %v", err)
	}
}

func TestReplaceWithPassphrase(t *testing.T) {
	isolate(t)
	clearPassphraseEnv(t)
	ctx := context.Background()
	fileA, a := newKeyFile(t)
	m, err := New(ctx, AgeRecipient{PublicKey: a})
	if err != nil {
		t.Fatal(err)
	}
	pass := "pass " + canary
	supply := NewPassphrases(func(context.Context, string, bool) (string, error) { return pass, nil })
	n, err := m.Replace(ctx, []Recipient{PassphraseRecipient{WorkFactor: 10}}, WithPassphrases(supply))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Recipients(); !reflect.DeepEqual(got, []string{"passphrase"}) {
		t.Fatalf("recipients %v", got)
	}
	// The caller typed the new passphrase: CheckAccess knows it without asking again.
	if err := n.CheckAccess(ctx, WithIdentities(keyFileIdentities(t, fileA)), WithPassphrases(supply)); err != nil {
		t.Fatalf("CheckAccess: %v", err)
	}
	// A fresh process with the passphrase in the environment opens it, and says who opened it.
	t.Setenv(EnvPassphrase, pass)
	o, err := Open(ctx, n.Metadata(), WithIdentities(&Identities{}))
	if err != nil || !o.SameKey(m) || o.OpenedBy() != "passphrase" {
		t.Fatalf("open with the passphrase: %v", err)
	}
	// The wrapped key is an age scrypt file in a sops age entry marked "passphrase"; it never holds the passphrase.
	mk := n.Metadata().KeyGroups[0][0].(*sopsage.MasterKey)
	if mk.Recipient != "passphrase" || !strings.Contains(mk.EncryptedKey, "BEGIN AGE ENCRYPTED FILE") || strings.Contains(mk.EncryptedKey, canary) {
		t.Fatalf("wrapped key %#v", mk)
	}
	if _, err := m.Replace(ctx, nil); !errors.Is(err, ErrLastRecipient) {
		t.Fatalf("Replace with nobody: %v", err)
	}
}

func TestRekeyRefusesShamirGroups(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	_, a := newKeyFile(t)
	m, err := New(ctx, AgeRecipient{PublicKey: a})
	if err != nil {
		t.Fatal(err)
	}
	split := m.derive([]sops.KeyGroup{m.groups[0], m.groups[0]}, 2)
	if _, _, err := split.Rekey(ctx, nil, nil); err == nil || !strings.Contains(err.Error(), "sops groups add") {
		t.Fatalf("rekeyed a Shamir split: %v", err)
	}
}
