package awskms

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzServeHTTP feeds arbitrary operations and bodies to the simulator: every answer must be one JSON object, an
// AWS error shape unless it is a success, and nothing may panic.
func FuzzServeHTTP(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	k, err := s.CreateKey("", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	if err := s.CreateAlias("alias/fuzz", k.ARN); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct{ op, body string }{
		{"Encrypt", `{"KeyId":"alias/fuzz","Plaintext":"aGVsbG8="}`},
		{"Encrypt", `{"KeyId":"` + k.ARN + `","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"}}`},
		{"Decrypt", `{"CiphertextBlob":"a21zc2ltMQA="}`},
		{"GenerateDataKey", `{"KeyId":"` + k.ID + `","NumberOfBytes":32}`},
		{"GenerateDataKey", `{"KeyId":"` + k.ID + `","KeySpec":"AES_128"}`},
		{"DescribeKey", `{"KeyId":"alias/fuzz"}`},
		{"CreateKey", `{"Description":"x"}`},
		{"CreateAlias", `{"AliasName":"alias/a","TargetKeyId":"` + k.ID + `"}`},
		{"Decrypt", `{"CiphertextBlob":1}`},
		{"Nope", `[]`},
	} {
		f.Add(seed.op, seed.body)
	}
	f.Fuzz(func(t *testing.T, op, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+op)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: response is not a JSON object: %q", op, w.Body.String())
		}
		if w.Code != http.StatusOK {
			if typ, _ := out["__type"].(string); typ == "" {
				t.Fatalf("%s: error without __type: %d %q", op, w.Code, w.Body.String())
			}
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Credential=/a/b/c/aws4_request,SignedHeaders=,Signature=")
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, h string) {
		a, ok := parseAuthorization(h)
		if ok && (a.accessKeyID == "" || a.signature == "" || len(a.signedHeaders) == 0) {
			t.Fatalf("accepted an incomplete header: %+v", a)
		}
	})
}
