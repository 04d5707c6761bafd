package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	sopsaes "github.com/getsops/sops/v3/aes"
)

const canary = "CANARY-7f3a9c-do-not-leak"

func TestEncryptDecryptRoundTrip(t *testing.T) {
	m, _ := newTestManager(t)
	cases := []struct{ plain, typ string }{
		{canary, TypeString},
		{"", TypeString},
		{"42", TypeInt},
		{"-7", TypeInt},
		{"3.25", TypeFloat},
		{"1e+21", TypeFloat},
		{"true", TypeBool},
		{"False", TypeBool},
		{"{\"a\":[1,2]}", TypeBytes},
		{"\x00\xff binary", TypeBytes},
	}
	for _, c := range cases {
		ct, err := m.EncryptValue(c.plain, c.typ, "urn:a|inputs|x")
		if err != nil {
			t.Fatalf("encrypt %q/%s: %v", c.plain, c.typ, err)
		}
		if !strings.HasPrefix(ct, "ENC[AES256_GCM,data:") || !strings.HasSuffix(ct, ",type:"+c.typ+"]") {
			t.Fatalf("ciphertext %q is not in the sops format", ct)
		}
		// A short plaintext such as "42" turns up inside random base64 now and then, so only a plaintext long
		// enough not to appear by chance is looked for in the text; every one is compared with the payload.
		if len(c.plain) >= 8 && strings.Contains(ct, c.plain) {
			t.Fatalf("ciphertext contains the plaintext")
		}
		data := strings.TrimPrefix(ct, "ENC[AES256_GCM,data:")
		data = data[:strings.IndexByte(data, ',')]
		if payload, err := base64.StdEncoding.DecodeString(data); err != nil || (c.plain != "" && bytes.Equal(payload, []byte(c.plain))) {
			t.Fatalf("ciphertext %q: its data is the plaintext, or not base64 (%v)", ct, err)
		}
		plain, typ, err := m.DecryptValue(ct, "urn:a|inputs|x")
		if err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		if plain != c.plain || typ != c.typ {
			t.Fatalf("round trip gave %q/%s, want %q/%s", plain, typ, c.plain, c.typ)
		}
	}
}

func TestCiphertextStability(t *testing.T) {
	m, ids := newTestManager(t)
	ct1, err := m.EncryptValue(canary, TypeString, "aad-1")
	if err != nil {
		t.Fatal(err)
	}
	ct2, _ := m.EncryptValue(canary, TypeString, "aad-1")
	if ct1 != ct2 {
		t.Fatalf("same value at same aad got two ciphertexts")
	}
	other, _ := m.EncryptValue(canary, TypeString, "aad-2")
	if other == ct1 {
		t.Fatalf("different aad gave the same ciphertext")
	}
	asBytes, _ := m.EncryptValue(canary, TypeBytes, "aad-1")
	if asBytes == ct1 {
		t.Fatalf("different type gave the same ciphertext")
	}

	// A new process (a fresh manager for the same data key) learns the ciphertext by decrypting it and writes it
	// back unchanged.
	m2, err := Open(context.Background(), m.Metadata(), WithIdentities(ids))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m2.DecryptValue(ct1, "aad-1"); err != nil {
		t.Fatal(err)
	}
	again, _ := m2.EncryptValue(canary, TypeString, "aad-1")
	if again != ct1 {
		t.Fatalf("ciphertext changed across a decrypt/encrypt cycle")
	}
	changed, _ := m2.EncryptValue(canary+"x", TypeString, "aad-1")
	if changed == ct1 {
		t.Fatalf("a changed value kept its ciphertext")
	}
}

func TestDecryptFailures(t *testing.T) {
	m, _ := newTestManager(t)
	other, _ := newTestManager(t)
	ct, err := m.EncryptValue(canary, TypeString, "urn:one|outputs|password")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := parseValue(ct)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte) []byte { b = bytes.Clone(b); b[0] ^= 1; return b }
	tampered := map[string]string{
		"data": encodedValue{data: flip(ev.data), iv: ev.iv, tag: ev.tag, typ: ev.typ}.String(),
		"iv":   encodedValue{data: ev.data, iv: flip(ev.iv), tag: ev.tag, typ: ev.typ}.String(),
		"tag":  encodedValue{data: ev.data, iv: ev.iv, tag: flip(ev.tag), typ: ev.typ}.String(),
	}
	for name, bad := range tampered {
		_, _, err := m.DecryptValue(bad, "urn:one|outputs|password")
		if !errors.Is(err, ErrDecrypt) {
			t.Errorf("tampered %s: got %v, want ErrDecrypt", name, err)
		}
		checkNoCanary(t, err)
	}
	if _, _, err := m.DecryptValue(ct, "urn:two|outputs|password"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("aad mismatch: got %v, want ErrDecrypt", err)
	} else {
		checkNoCanary(t, err)
	}
	if _, _, err := other.DecryptValue(ct, "urn:one|outputs|password"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("other key: got %v, want ErrDecrypt", err)
	}
	// Malformed values are told apart from values that do not decrypt, and parsed strictly.
	for _, bad := range []string{
		canary,
		"ENC[AES256_GCM,data:" + canary + "]",
		strings.Replace(ct, "type:str", "type:weird", 1),
		strings.Replace(ct, "ENC[", "ENC[ ", 1),
		ct + " ",
		strings.Replace(ct, ",iv:", ",iv:=", 1),
	} {
		_, _, err := m.DecryptValue(bad, "urn:one|outputs|password")
		if !errors.Is(err, ErrNotEncrypted) {
			t.Errorf("malformed %q: got %v, want ErrNotEncrypted", bad, err)
		}
		checkNoCanary(t, err)
	}
}

func TestEncryptValueChecksType(t *testing.T) {
	m, _ := newTestManager(t)
	for _, c := range []struct{ plain, typ string }{
		{canary, TypeInt}, {canary, TypeFloat}, {canary, TypeBool}, {canary, "time"}, {canary, "comment"}, {canary, "nope"},
	} {
		_, err := m.EncryptValue(c.plain, c.typ, "aad")
		if err == nil {
			t.Errorf("EncryptValue(%s) accepted a bad plaintext", c.typ)
			continue
		}
		checkNoCanary(t, err)
	}
}

// Values are interchangeable with sops' own cipher, both ways.
func TestCompatibleWithSopsCipher(t *testing.T) {
	m, _ := newTestManager(t)
	for _, c := range []struct {
		plain, typ string
		want       any
	}{
		{canary, TypeString, canary}, {"12", TypeInt, 12}, {"2.5", TypeFloat, 2.5}, {"true", TypeBool, true},
	} {
		ct, err := m.EncryptValue(c.plain, c.typ, "path:to:value:")
		if err != nil {
			t.Fatal(err)
		}
		got, err := sopsaes.NewCipher().Decrypt(ct, m.dataKey, "path:to:value:")
		if err != nil {
			t.Fatalf("sops cannot decrypt our %s value: %v", c.typ, err)
		}
		if got != c.want {
			t.Fatalf("sops decrypted %v, want %v", got, c.want)
		}
	}
	for _, v := range []any{canary, 7, 1.5, false} {
		ct, err := sopsaes.NewCipher().Encrypt(v, m.dataKey, "aad")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.DecryptValue(ct, "aad"); err != nil {
			t.Fatalf("cannot decrypt sops' %T value: %v", v, err)
		}
	}
}

func TestDeriveKey(t *testing.T) {
	m, ids := newTestManager(t)
	a, b := m.DeriveKey("state-mac"), m.DeriveKey("input-hash")
	if len(a) != 32 || len(b) != 32 || bytes.Equal(a, b) || bytes.Equal(a, m.dataKey) {
		t.Fatalf("derived keys are not distinct 32-byte keys")
	}
	m2, err := Open(context.Background(), m.Metadata(), WithIdentities(ids))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m2.DeriveKey("state-mac"), a) || m2.KeyID() != m.KeyID() {
		t.Fatalf("derivation is not deterministic")
	}
	other, _ := newTestManager(t)
	if other.KeyID() == m.KeyID() {
		t.Fatalf("two data keys share a key id")
	}
}

func TestConcurrentUse(t *testing.T) {
	m, _ := newTestManager(t)
	var wg sync.WaitGroup
	results := make([]string, 16)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ct, err := m.EncryptValue(canary, TypeString, "shared")
			if err != nil {
				t.Error(err)
				return
			}
			if _, _, err := m.DecryptValue(ct, "shared"); err != nil {
				t.Error(err)
			}
			results[i] = ct
		}(i)
	}
	wg.Wait()
	for _, r := range results {
		if r != results[0] {
			t.Fatalf("concurrent encryptions of one value disagree")
		}
	}
}

func checkNoCanary(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), canary) {
		t.Fatalf("error reveals the secret: %v", err)
	}
}
