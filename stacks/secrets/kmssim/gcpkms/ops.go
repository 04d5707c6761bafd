package gcpkms

import (
	"context"
	"hash/crc32"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/infrago/infra/stacks/secrets/kmssim/internal/keycrypt"
)

// Limits of the real service.
const (
	maxPlaintext  = 64 * 1024
	maxAAD        = 64 * 1024
	maxCiphertext = 10 * 1024 * 1024
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32c(b []byte) int64 { return int64(crc32.Checksum(b, castagnoli)) }

// checkToken authenticates a caller; token is the bearer token it presented ("" for none).
func (s *Server) checkToken(token string) error {
	if s.tokens == nil || s.tokens[token] {
		return nil
	}
	return status.Error(codes.Unauthenticated, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
}

// key finds a crypto key and checks that the caller may use it for permission.
func (s *Server) key(token, name, permission string) (cryptoKey, error) {
	if err := s.checkToken(token); err != nil {
		return cryptoKey{}, err
	}
	denied := status.Errorf(codes.PermissionDenied, "Permission '%s' denied on resource '%s' (or it may not exist).", permission, name)
	if !cryptoKeyPattern.MatchString(name) {
		return cryptoKey{}, status.Errorf(codes.InvalidArgument, "Resource name [%s] does not match any known resource name pattern.", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[name]
	if !ok {
		if s.tokens != nil {
			// Without access, the service does not say whether the key exists.
			return cryptoKey{}, denied
		}
		return cryptoKey{}, status.Errorf(codes.NotFound, "CryptoKey %s not found.", name)
	}
	if k.allowed != nil && !k.allowed[token] {
		return cryptoKey{}, denied
	}
	return *k, nil
}

func (k cryptoKey) primaryName() string { return k.name + "/cryptoKeyVersions/1" }

func (k cryptoKey) checkEnabled() error {
	if !k.enabled {
		return status.Errorf(codes.FailedPrecondition, "%s is not enabled, current state is: DISABLED.", k.primaryName())
	}
	return nil
}

func checkCRC(field string, data []byte, want *wrapperspb.Int64Value) (bool, error) {
	if want == nil {
		return false, nil
	}
	if crc32c(data) != want.GetValue() {
		return false, status.Errorf(codes.InvalidArgument, "The checksum in field %s did not match the data in field %s.", field+"_crc32c", field)
	}
	return true, nil
}

func (s *Server) fault(method string) error {
	if f, ok := s.takeFault(method); ok {
		return status.Error(f.code, f.msg)
	}
	return nil
}

func (s *Server) encrypt(_ context.Context, token string, req *kmspb.EncryptRequest) (*kmspb.EncryptResponse, error) {
	if err := s.fault("Encrypt"); err != nil {
		return nil, err
	}
	name, version := trimVersion(req.GetName())
	if version != "" && version != "1" {
		return nil, status.Errorf(codes.NotFound, "CryptoKeyVersion %s not found.", req.GetName())
	}
	k, err := s.key(token, name, "cloudkms.cryptoKeyVersions.useToEncrypt")
	if err != nil {
		return nil, err
	}
	if len(req.GetPlaintext()) > maxPlaintext {
		return nil, status.Errorf(codes.InvalidArgument, "The plaintext must be at most %d bytes.", maxPlaintext)
	}
	if len(req.GetAdditionalAuthenticatedData()) > maxAAD {
		return nil, status.Errorf(codes.InvalidArgument, "The additional authenticated data must be at most %d bytes.", maxAAD)
	}
	verifiedPlain, err := checkCRC("plaintext", req.GetPlaintext(), req.GetPlaintextCrc32C())
	if err != nil {
		return nil, err
	}
	verifiedAAD, err := checkCRC("additional_authenticated_data", req.GetAdditionalAuthenticatedData(), req.GetAdditionalAuthenticatedDataCrc32C())
	if err != nil {
		return nil, err
	}
	if err := k.checkEnabled(); err != nil {
		return nil, err
	}
	blob, err := keycrypt.Seal(k.secret, k.name, req.GetPlaintext(), req.GetAdditionalAuthenticatedData())
	if err != nil {
		return nil, status.Errorf(codes.Internal, "encrypt: %v", err)
	}
	return &kmspb.EncryptResponse{
		Name:                    k.primaryName(),
		Ciphertext:              blob,
		CiphertextCrc32C:        wrapperspb.Int64(crc32c(blob)),
		VerifiedPlaintextCrc32C: verifiedPlain,
		VerifiedAdditionalAuthenticatedDataCrc32C: verifiedAAD,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

func (s *Server) decrypt(_ context.Context, token string, req *kmspb.DecryptRequest) (*kmspb.DecryptResponse, error) {
	if err := s.fault("Decrypt"); err != nil {
		return nil, err
	}
	k, err := s.key(token, req.GetName(), "cloudkms.cryptoKeyVersions.useToDecrypt")
	if err != nil {
		return nil, err
	}
	if len(req.GetCiphertext()) == 0 || len(req.GetCiphertext()) > maxCiphertext {
		return nil, status.Errorf(codes.InvalidArgument, "The ciphertext must be between 1 and %d bytes.", maxCiphertext)
	}
	if _, err := checkCRC("ciphertext", req.GetCiphertext(), req.GetCiphertextCrc32C()); err != nil {
		return nil, err
	}
	if _, err := checkCRC("additional_authenticated_data", req.GetAdditionalAuthenticatedData(), req.GetAdditionalAuthenticatedDataCrc32C()); err != nil {
		return nil, err
	}
	if err := k.checkEnabled(); err != nil {
		return nil, err
	}
	invalid := status.Error(codes.InvalidArgument, "Decryption failed: the ciphertext is invalid.")
	owner, err := keycrypt.KeyName(req.GetCiphertext())
	if err != nil || owner != k.name {
		return nil, invalid
	}
	plain, err := keycrypt.Open(k.secret, req.GetCiphertext(), req.GetAdditionalAuthenticatedData())
	if err != nil {
		return nil, invalid
	}
	return &kmspb.DecryptResponse{
		Plaintext:       plain,
		PlaintextCrc32C: wrapperspb.Int64(crc32c(plain)),
		UsedPrimary:     true,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

func (k cryptoKey) proto() *kmspb.CryptoKey {
	state := kmspb.CryptoKeyVersion_ENABLED
	if !k.enabled {
		state = kmspb.CryptoKeyVersion_DISABLED
	}
	return &kmspb.CryptoKey{
		Name:       k.name,
		Purpose:    kmspb.CryptoKey_ENCRYPT_DECRYPT,
		CreateTime: timestamppb.New(k.created),
		Primary: &kmspb.CryptoKeyVersion{
			Name:            k.primaryName(),
			State:           state,
			ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
			Algorithm:       kmspb.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION,
			CreateTime:      timestamppb.New(k.created),
		},
		VersionTemplate: &kmspb.CryptoKeyVersionTemplate{
			ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
			Algorithm:       kmspb.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION,
		},
	}
}

func (s *Server) getCryptoKey(_ context.Context, token string, req *kmspb.GetCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	if err := s.fault("GetCryptoKey"); err != nil {
		return nil, err
	}
	k, err := s.key(token, req.GetName(), "cloudkms.cryptoKeys.get")
	if err != nil {
		return nil, err
	}
	return k.proto(), nil
}

func (s *Server) getKeyRing(_ context.Context, token string, req *kmspb.GetKeyRingRequest) (*kmspb.KeyRing, error) {
	if err := s.fault("GetKeyRing"); err != nil {
		return nil, err
	}
	if err := s.checkToken(token); err != nil {
		return nil, err
	}
	if !keyRingPattern.MatchString(req.GetName()) {
		return nil, status.Errorf(codes.InvalidArgument, "Resource name [%s] does not match any known resource name pattern.", req.GetName())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	created, ok := s.keyRings[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "KeyRing %s not found.", req.GetName())
	}
	return &kmspb.KeyRing{Name: req.GetName(), CreateTime: timestamppb.New(created)}, nil
}

func (s *Server) createKeyRing(_ context.Context, token string, req *kmspb.CreateKeyRingRequest) (*kmspb.KeyRing, error) {
	if err := s.fault("CreateKeyRing"); err != nil {
		return nil, err
	}
	if err := s.checkToken(token); err != nil {
		return nil, err
	}
	if !resourceIDRe.MatchString(req.GetKeyRingId()) {
		return nil, status.Errorf(codes.InvalidArgument, "Invalid key ring id %q: it must match %s.", req.GetKeyRingId(), idPattern)
	}
	name := req.GetParent() + "/keyRings/" + req.GetKeyRingId()
	if !keyRingPattern.MatchString(name) {
		return nil, status.Errorf(codes.InvalidArgument, "Resource name [%s] does not match any known resource name pattern.", req.GetParent())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.keyRings[name]; dup {
		return nil, status.Errorf(codes.AlreadyExists, "KeyRing %s already exists.", name)
	}
	now := s.opts.Now().UTC()
	s.keyRings[name] = now
	return &kmspb.KeyRing{Name: name, CreateTime: timestamppb.New(now)}, nil
}

func (s *Server) createCryptoKey(_ context.Context, token string, req *kmspb.CreateCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	if err := s.fault("CreateCryptoKey"); err != nil {
		return nil, err
	}
	if err := s.checkToken(token); err != nil {
		return nil, err
	}
	if !resourceIDRe.MatchString(req.GetCryptoKeyId()) {
		return nil, status.Errorf(codes.InvalidArgument, "Invalid crypto key id %q: it must match %s.", req.GetCryptoKeyId(), idPattern)
	}
	if p := req.GetCryptoKey().GetPurpose(); p != kmspb.CryptoKey_ENCRYPT_DECRYPT {
		return nil, status.Errorf(codes.InvalidArgument, "The simulator only supports purpose ENCRYPT_DECRYPT, not %s.", p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keyRings[req.GetParent()]; !ok {
		return nil, status.Errorf(codes.NotFound, "KeyRing %s not found.", req.GetParent())
	}
	name := req.GetParent() + "/cryptoKeys/" + req.GetCryptoKeyId()
	if _, dup := s.keys[name]; dup {
		return nil, status.Errorf(codes.AlreadyExists, "CryptoKey %s already exists.", name)
	}
	k, err := s.createKeyLocked(name)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%v", err)
	}
	return k.proto(), nil
}
