package keycrypt

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	seed := bytes.Repeat([]byte{1}, 32)
	a, _ := KeySecret(seed, "key-a", nil)
	b, _ := KeySecret(seed, "key-b", nil)
	again, _ := KeySecret(seed, "key-a", nil)
	if bytes.Equal(a, b) || !bytes.Equal(a, again) {
		t.Fatal("key secrets are not per key and deterministic")
	}
	blob, err := Seal(a, "key-a", []byte("plain"), []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	if name, err := KeyName(blob); err != nil || name != "key-a" {
		t.Fatalf("KeyName = %q, %v", name, err)
	}
	if p, err := Open(a, blob, []byte("ctx")); err != nil || string(p) != "plain" {
		t.Fatalf("Open = %q, %v", p, err)
	}
	if _, err := Open(a, blob, []byte("other")); !errors.Is(err, ErrWrongContext) {
		t.Fatalf("other context: %v", err)
	}
	if _, err := Open(b, blob, []byte("ctx")); !errors.Is(err, ErrWrongContext) {
		t.Fatalf("other key: %v", err)
	}
	if _, err := Open(a, []byte("short"), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("garbage: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	secret, _ := KeySecret(bytes.Repeat([]byte{2}, 32), "k", nil)
	blob, _ := Seal(secret, "k", []byte("p"), []byte("a"))
	f.Add(blob, []byte("a"))
	f.Add(magic, []byte(nil))
	f.Fuzz(func(t *testing.T, b, aad []byte) {
		_, _ = KeyName(b)
		p, err := Open(secret, b, aad)
		// Seal's nonce is random, so each fuzzing process has its own blob: judge by what decrypted.
		if err == nil && (string(aad) != "a" || string(p) != "p") {
			t.Fatal("a forged blob opened")
		}
		if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrWrongContext) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}
