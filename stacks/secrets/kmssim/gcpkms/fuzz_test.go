package gcpkms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cloud.google.com/go/kms/apiv1/kmspb"
)

// FuzzServeREST feeds arbitrary paths, methods and bodies to the REST face: every answer is a JSON object, an
// error body in Google's shape unless it is a success, and nothing panics.
func FuzzServeREST(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.CreateCryptoKey(keyName); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/v1/" + keyName + ":encrypt", `{"plaintext":"aGVsbG8="}`},
		{"POST", "/v1/" + keyName + ":encrypt", `{"plaintext":"aGVsbG8=","plaintextCrc32c":"1"}`},
		{"POST", "/v1/" + keyName + ":decrypt", `{"ciphertext":"a21zc2ltMQA="}`},
		{"GET", "/v1/" + keyName, ``},
		{"POST", "/v1/projects/p/locations/l/keyRings?keyRingId=r", `{}`},
		{"POST", "/v1/projects/p/locations/l/keyRings/r/cryptoKeys?cryptoKeyId=k", `{"purpose":"ENCRYPT_DECRYPT"}`},
		{"POST", "/v1/x:rotate", `[`},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		u, err := url.ParseRequestURI(path)
		if err != nil || strings.ContainsAny(path, "#?") {
			return
		}
		switch method {
		case "GET", "POST", "PUT", "DELETE":
		default:
			return
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL = u
		w := httptest.NewRecorder()
		s.ServeREST(w, req)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: response is not a JSON object: %q", method, path, w.Body.String())
		}
		if w.Code != http.StatusOK {
			e, _ := out["error"].(map[string]any)
			if e == nil || e["status"] == "" {
				t.Fatalf("%s %s: error not in Google's shape: %d %q", method, path, w.Code, w.Body.String())
			}
		}
	})
}

// FuzzDecrypt decrypts arbitrary ciphertexts and additional data with a real key: only a ciphertext the
// simulator made, with its own additional data, decrypts.
func FuzzDecrypt(f *testing.F) {
	// A fixed seed, so that every fuzzing process has the same key secret.
	s, err := New(Options{Seed: []byte("fuzz-seed-fuzz-seed-fuzz-seed-32")})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.CreateCryptoKey(keyName); err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	enc, err := s.encrypt(ctx, "", &kmspb.EncryptRequest{Name: keyName, Plaintext: []byte("seed"), AdditionalAuthenticatedData: []byte("aad")})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc.Ciphertext, []byte("aad"))
	f.Add(enc.Ciphertext, []byte("other"))
	f.Add([]byte("kmssim1\x00\x00\x01k"), []byte(nil))
	f.Fuzz(func(t *testing.T, ciphertext, aad []byte) {
		dec, err := s.decrypt(ctx, "", &kmspb.DecryptRequest{Name: keyName, Ciphertext: ciphertext, AdditionalAuthenticatedData: aad})
		if err != nil {
			return
		}
		if string(aad) != "aad" || string(dec.Plaintext) != "seed" {
			t.Fatalf("a ciphertext the simulator did not make decrypted")
		}
	})
}
