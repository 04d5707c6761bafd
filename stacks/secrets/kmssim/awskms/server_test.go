package awskms

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	sopskms "github.com/getsops/sops/v3/kms"
)

const (
	testAKID   = "AKIDSIMULATOR00001"
	testSecret = "simulator-secret-key"
	otherAKID  = "AKIDSIMULATOR00002"
)

func start(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, l.URL
}

func client(url, region, akid, secret string) *kms.Client {
	return kms.New(kms.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
}

func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestRoundTripWithTheSDK(t *testing.T) {
	ctx := context.Background()
	s, url := start(t, Options{Credentials: map[string]string{testAKID: testSecret, otherAKID: "x"}})
	c := client(url, "us-east-1", testAKID, testSecret)

	created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("stack data keys")})
	if err != nil {
		t.Fatal(err)
	}
	md := created.KeyMetadata
	if !strings.HasPrefix(*md.Arn, "arn:aws:kms:us-east-1:111122223333:key/") || *md.KeyId == "" || md.KeyState != types.KeyStateEnabled ||
		md.CreationDate == nil || time.Since(*md.CreationDate) > time.Minute {
		t.Fatalf("CreateKey metadata %+v", md)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/infra"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{*md.KeyId, *md.Arn, "alias/infra", "arn:aws:kms:us-east-1:111122223333:alias/infra"} {
		d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeKey(%s): %v", id, err)
		}
		if *d.KeyMetadata.Arn != *md.Arn || d.KeyMetadata.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
			t.Fatalf("DescribeKey(%s) = %+v", id, d.KeyMetadata)
		}
	}

	plain := []byte("a 32-byte data key, more or less")
	ec := map[string]string{"stack": "dev"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/infra"), Plaintext: plain, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if *enc.KeyId != *md.Arn || bytes.Contains(enc.CiphertextBlob, plain) {
		t.Fatalf("Encrypt = %+v", enc)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec.Plaintext, plain) || *dec.KeyId != *md.Arn {
		t.Fatalf("Decrypt = %+v", dec)
	}

	// The encryption context is bound to the ciphertext.
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"stack": "prod"}})
	var ice *types.InvalidCiphertextException
	if !errors.As(err, &ice) {
		t.Fatalf("wrong context: %v", err)
	}
	// A ciphertext names its key: decrypting it as another key's is refused.
	other, err := s.CreateKey("", "other")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(other.ARN)})
	var ike *types.IncorrectKeyException
	if !errors.As(err, &ike) {
		t.Fatalf("other key: %v", err)
	}

	gen, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: types.DataKeySpecAes256})
	if err != nil {
		t.Fatal(err)
	}
	if len(gen.Plaintext) != 32 {
		t.Fatalf("GenerateDataKey gave %d bytes", len(gen.Plaintext))
	}
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: gen.CiphertextBlob})
	if err != nil || !bytes.Equal(dec.Plaintext, gen.Plaintext) {
		t.Fatalf("data key does not decrypt: %v", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	s, url := start(t, Options{Credentials: map[string]string{testAKID: testSecret, otherAKID: "other-secret"}})
	c := client(url, "us-east-1", testAKID, testSecret)
	k, err := s.CreateKey("", "")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.ID), Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}

	// Missing keys, in the SDK's modeled error type.
	for _, id := range []string{"1234abcd-12ab-34cd-56ef-1234567890ab", "alias/missing", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "not-a-key"} {
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		var nf *types.NotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("Encrypt with %s: %v, want NotFoundException", id, err)
		}
	}
	// A key of one region is not found through another.
	west := client(url, "us-west-2", testAKID, testSecret)
	_, err = west.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.ID), Plaintext: []byte("x")})
	wantAPIError(t, err, "NotFoundException")

	// Access lists give IAM's AccessDeniedException.
	if err := s.SetAccess(k.ARN, otherAKID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantAPIError(t, err, "AccessDeniedException")
	if !strings.Contains(err.Error(), "is not authorized to perform: kms:Decrypt on resource: "+k.ARN) {
		t.Errorf("access denied message: %v", err)
	}
	if _, err := client(url, "us-east-1", otherAKID, "other-secret").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatalf("allowed caller: %v", err)
	}
	_ = s.SetAccess(k.ARN)

	// Disabled keys.
	_ = s.SetEnabled(k.ARN, false)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	var de *types.DisabledException
	if !errors.As(err, &de) {
		t.Fatalf("disabled key: %v", err)
	}
	_ = s.SetEnabled(k.ARN, true)

	// Authentication.
	_, err = client(url, "us-east-1", testAKID, "wrong").Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantAPIError(t, err, "InvalidSignatureException")
	_, err = client(url, "us-east-1", "AKIDUNKNOWN", testSecret).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantAPIError(t, err, "UnrecognizedClientException")

	// Garbage ciphertexts and validation.
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("not a blob")})
	var ice *types.InvalidCiphertextException
	if !errors.As(err, &ice) {
		t.Fatalf("garbage: %v", err)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.ID), Plaintext: make([]byte, 4097)})
	wantAPIError(t, err, "ValidationException")
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(k.ID)})
	wantAPIError(t, err, "ValidationException")

	// Injected throttling is retried by the SDK; injected internal errors surface once retries run out.
	s.InjectError("Encrypt", "ThrottlingException", "Rate exceeded", 1)
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.ID), Plaintext: []byte("x")}); err != nil {
		t.Fatalf("throttled once: %v", err)
	}
	s.InjectError("Decrypt", "AccessDeniedException", "injected", 1)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantAPIError(t, err, "AccessDeniedException")
}

func TestRawProtocol(t *testing.T) {
	_, url := start(t, Options{})
	post := func(target, ct, auth, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		req.Header.Set("Content-Type", ct)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp, b.String()
	}
	auth := "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00"
	for _, c := range []struct{ target, ct, auth, body, want string }{
		{"TrentService.Encrypt", contentType, "", "{}", `"__type":"MissingAuthenticationTokenException"`},
		{"TrentService.Nope", contentType, auth, "{}", `"__type":"UnknownOperationException"`},
		{"TrentService.Encrypt", "text/plain", auth, "{}", `"__type":"SerializationException"`},
		{"TrentService.Encrypt", contentType, auth, "{", `"__type":"SerializationException"`},
		{"TrentService.Encrypt", contentType, auth, `{"Bogus":1}`, `unknown member`},
		{"TrentService.Encrypt", contentType, auth, `{"KeyId":"alias/x","Plaintext":"eA=="}`, `"__type":"NotFoundException"`},
	} {
		resp, body := post(c.target, c.ct, c.auth, c.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) || resp.Header.Get("x-amzn-RequestId") == "" {
			t.Errorf("%s %s: %d %s", c.target, c.body, resp.StatusCode, body)
		}
	}
}

// sops' own kms key source reaches the simulator through the SDK's standard endpoint override.
func TestSopsKeySource(t *testing.T) {
	s, url := start(t, Options{})
	k, err := s.CreateKey("eu-west-1", "sops")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_KMS", url)
	t.Setenv("AWS_ACCESS_KEY_ID", testAKID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	mk := sopskms.NewMasterKeyFromArn(k.ARN, nil, "")
	dataKey := []byte("0123456789abcdef0123456789abcdef")
	if err := mk.EncryptContext(context.Background(), dataKey); err != nil {
		t.Fatal(err)
	}
	got, err := (&sopskms.MasterKey{Arn: k.ARN, EncryptedKey: mk.EncryptedKey}).DecryptContext(context.Background())
	if err != nil || !bytes.Equal(got, dataKey) {
		t.Fatalf("sops round trip: %v", err)
	}
}

// A restarted simulator with the same seed and key IDs decrypts earlier ciphertexts.
func TestRestartWithSeed(t *testing.T) {
	ctx := context.Background()
	seed := bytes.Repeat([]byte{7}, 32)
	s1, url1 := start(t, Options{Seed: seed})
	k, err := s1.CreateKeyWithID("", "0f0e0d0c-0b0a-4908-8706-050403020100", "")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := client(url1, "us-east-1", testAKID, testSecret).Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.ARN), Plaintext: []byte("kept")})
	if err != nil {
		t.Fatal(err)
	}
	s2, url2 := start(t, Options{Seed: seed})
	if _, err := s2.CreateKeyWithID("", k.ID, ""); err != nil {
		t.Fatal(err)
	}
	dec, err := client(url2, "us-east-1", testAKID, testSecret).Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "kept" {
		t.Fatalf("after restart: %v", err)
	}
}
