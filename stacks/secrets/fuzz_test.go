package secrets

import (
	"context"
	"errors"
	"testing"

	"filippo.io/age"
)

func FuzzDecryptValue(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	m, err := New(context.Background(), AgeRecipient{PublicKey: id.Recipient().String()})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []struct{ plain, typ string }{{"hello", TypeString}, {"", TypeString}, {"5", TypeInt}, {"true", TypeBool}} {
		ct, err := m.EncryptValue(s.plain, s.typ, "aad")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ct, "aad")
		f.Add(ct, "other")
	}
	f.Add("ENC[AES256_GCM,data:,iv:,tag:,type:str]", "")
	f.Add("ENC[AES256_GCM,data:AA==,iv:AAAAAAAAAAAAAAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:time]", "")
	f.Add("ENC[AES256_GCM,,,,]", "x")
	f.Add("not encrypted", "")

	f.Fuzz(func(t *testing.T, ciphertext, aad string) {
		plain, typ, err := m.DecryptValue(ciphertext, aad)
		if err != nil {
			if !errors.Is(err, ErrNotEncrypted) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		// Whatever decrypts must encrypt back to the very same string.
		again, err := m.EncryptValue(plain, typ, aad)
		if err != nil {
			t.Fatalf("re-encrypt: %v", err)
		}
		if again != ciphertext {
			t.Fatalf("re-encryption changed the ciphertext")
		}
	})
}
