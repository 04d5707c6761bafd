package gcpkms

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	kms "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	sopsgcpkms "github.com/getsops/sops/v3/gcpkms"
	"github.com/googleapis/gax-go/v2/apierror"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const keyName = "projects/infra-test/locations/global/keyRings/stacks/cryptoKeys/dev"

func start(t *testing.T, opts Options, tls bool) (*Server, *Listening) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Listen(ctx, "127.0.0.1:0", ListenOptions{TLS: tls})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, l
}

func plainGRPCClient(t *testing.T, addr string) *kms.KeyManagementClient {
	t.Helper()
	c, err := kms.NewKeyManagementClient(context.Background(), option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func tlsGRPCClient(t *testing.T, l *Listening, token string) *kms.KeyManagementClient {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(l.CACert)
	c, err := kms.NewKeyManagementClient(context.Background(), option.WithEndpoint(l.Addr),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, ""))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if st, _ := status.FromError(err); st.Code() != code {
		var ae *apierror.APIError
		if errors.As(err, &ae) && ae.GRPCStatus().Code() == code {
			return
		}
		if errors.As(err, &ae) && ae.HTTPCode() == httpStatus[code] {
			return
		}
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestGRPCRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, l := start(t, Options{}, false)
	c := plainGRPCClient(t, l.Addr)

	ring, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: "projects/infra-test/locations/global", KeyRingId: "stacks"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateCryptoKey(ctx, &kmspb.CreateCryptoKeyRequest{Parent: ring.Name, CryptoKeyId: "dev",
		CryptoKey: &kmspb.CryptoKey{Purpose: kmspb.CryptoKey_ENCRYPT_DECRYPT}})
	if err != nil {
		t.Fatal(err)
	}
	if key.Name != keyName || key.Primary.GetState() != kmspb.CryptoKeyVersion_ENABLED {
		t.Fatalf("CreateCryptoKey = %v", key)
	}
	if got, err := c.GetCryptoKey(ctx, &kmspb.GetCryptoKeyRequest{Name: keyName}); err != nil || got.Name != keyName {
		t.Fatalf("GetCryptoKey = %v, %v", got, err)
	}

	plain, aad := []byte("a data key of 32 bytes, roughly."), []byte("stack dev")
	enc, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName, Plaintext: plain, AdditionalAuthenticatedData: aad,
		PlaintextCrc32C: wrapperspb.Int64(crc32c(plain)), AdditionalAuthenticatedDataCrc32C: wrapperspb.Int64(crc32c(aad))})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Name != keyName+"/cryptoKeyVersions/1" || !enc.VerifiedPlaintextCrc32C || !enc.VerifiedAdditionalAuthenticatedDataCrc32C ||
		enc.CiphertextCrc32C.GetValue() != crc32c(enc.Ciphertext) || bytes.Contains(enc.Ciphertext, plain) {
		t.Fatalf("Encrypt = %v", enc)
	}
	dec, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName, Ciphertext: enc.Ciphertext, AdditionalAuthenticatedData: aad})
	if err != nil || !bytes.Equal(dec.Plaintext, plain) || dec.PlaintextCrc32C.GetValue() != crc32c(plain) {
		t.Fatalf("Decrypt = %v, %v", dec, err)
	}

	// Bound to the additional data and to the key.
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName, Ciphertext: enc.Ciphertext})
	wantCode(t, err, codes.InvalidArgument)
	other := "projects/infra-test/locations/global/keyRings/stacks/cryptoKeys/other"
	if err := s.CreateCryptoKey(other); err != nil {
		t.Fatal(err)
	}
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: other, Ciphertext: enc.Ciphertext, AdditionalAuthenticatedData: aad})
	wantCode(t, err, codes.InvalidArgument)

	// Other errors.
	_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName + "x", Plaintext: plain})
	wantCode(t, err, codes.NotFound)
	_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: "projects/p/keys/k", Plaintext: plain})
	wantCode(t, err, codes.InvalidArgument)
	_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName, Plaintext: plain, PlaintextCrc32C: wrapperspb.Int64(1)})
	wantCode(t, err, codes.InvalidArgument)
	_ = s.SetEnabled(keyName, false)
	_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName, Plaintext: plain})
	wantCode(t, err, codes.FailedPrecondition)
	_ = s.SetEnabled(keyName, true)
	s.InjectError("Decrypt", codes.Unavailable, "injected", 1)
	if _, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName, Ciphertext: enc.Ciphertext, AdditionalAuthenticatedData: aad}); err != nil {
		t.Fatalf("the client retries UNAVAILABLE: %v", err)
	}
}

func TestTLSAndAccess(t *testing.T) {
	ctx := context.Background()
	s, l := start(t, Options{Tokens: []string{"alice", "bob"}}, true)
	if err := s.CreateCryptoKey(keyName); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAccess(keyName, "alice"); err != nil {
		t.Fatal(err)
	}
	enc, err := tlsGRPCClient(t, l, "alice").Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tlsGRPCClient(t, l, "bob").Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName, Ciphertext: enc.Ciphertext})
	wantCode(t, err, codes.PermissionDenied)
	if !strings.Contains(err.Error(), "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied on resource") {
		t.Errorf("permission message: %v", err)
	}
	_, err = tlsGRPCClient(t, l, "mallory").Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName, Ciphertext: enc.Ciphertext})
	wantCode(t, err, codes.Unauthenticated)
}

func TestREST(t *testing.T) {
	ctx := context.Background()
	s, l := start(t, Options{Tokens: []string{"tok"}}, false)
	if err := s.CreateCryptoKey(keyName); err != nil {
		t.Fatal(err)
	}
	c, err := kms.NewKeyManagementRESTClient(ctx, option.WithEndpoint(l.URL),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"})))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	enc, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName, Plaintext: []byte("over rest")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName, Ciphertext: enc.Ciphertext})
	if err != nil || string(dec.Plaintext) != "over rest" {
		t.Fatalf("Decrypt = %v, %v", dec, err)
	}
	// With tokens required, a key the caller cannot see is "denied (or it may not exist)", as on GCP.
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: keyName + "x", Ciphertext: enc.Ciphertext})
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.HTTPCode() != http.StatusForbidden || !strings.Contains(err.Error(), "or it may not exist") {
		t.Fatalf("missing key over REST: %v", err)
	}
	_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: keyName, Plaintext: make([]byte, maxPlaintext+1)})
	if !errors.As(err, &ae) || ae.HTTPCode() != http.StatusBadRequest {
		t.Fatalf("oversized plaintext over REST: %v", err)
	}
	if got, err := c.GetCryptoKey(ctx, &kmspb.GetCryptoKeyRequest{Name: keyName}); err != nil || got.GetPrimary().GetName() != keyName+"/cryptoKeyVersions/1" {
		t.Fatalf("GetCryptoKey over REST = %v, %v", got, err)
	}
}

// sops' own gcpkms key source reaches the simulator through the environment variables it honours (REST in plain
// HTTP), and through its client options (gRPC with TLS).
func TestSopsKeySource(t *testing.T) {
	ctx := context.Background()
	s, l := start(t, Options{}, false)
	if err := s.CreateCryptoKey(keyName); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_GCP_KMS_CLIENT_TYPE", "rest")
	t.Setenv("SOPS_GCP_KMS_ENDPOINT", l.URL)
	t.Setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "any")
	dataKey := []byte("0123456789abcdef0123456789abcdef")
	mk := sopsgcpkms.NewMasterKeyFromResourceID(keyName)
	if err := mk.EncryptContext(ctx, dataKey); err != nil {
		t.Fatal(err)
	}
	got, err := (&sopsgcpkms.MasterKey{ResourceID: keyName, EncryptedKey: mk.EncryptedKey}).DecryptContext(ctx)
	if err != nil || !bytes.Equal(got, dataKey) {
		t.Fatalf("sops over REST: %v", err)
	}

	t.Setenv("SOPS_GCP_KMS_CLIENT_TYPE", "grpc")
	t.Setenv("SOPS_GCP_KMS_ENDPOINT", "")
	s2, l2 := start(t, Options{}, true)
	if err := s2.CreateCryptoKey(keyName); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(l2.CACert)
	mk2 := &sopsgcpkms.MasterKey{ResourceID: keyName}
	sopsgcpkms.ClientOptions{option.WithEndpoint(l2.Addr)}.ApplyToMasterKey(mk2)
	sopsgcpkms.DialOptions{grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, ""))}.ApplyToMasterKey(mk2)
	if err := mk2.EncryptContext(ctx, dataKey); err != nil {
		t.Fatal(err)
	}
	got, err = mk2.DecryptContext(ctx)
	if err != nil || !bytes.Equal(got, dataKey) {
		t.Fatalf("sops over gRPC: %v", err)
	}
}
