package awskms

import (
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"sort"
	"strings"

	"github.com/infrago/infra/stacks/secrets/kmssim/internal/keycrypt"
)

// Limits of the real service.
const (
	maxPlaintext  = 4096
	maxCiphertext = 6144
	maxDataKey    = 1024
)

const symmetricDefault = "SYMMETRIC_DEFAULT"

// caller is who sent a request, from its SigV4 credential scope.
type caller struct {
	accessKeyID string
	region      string
}

type keyMetadata struct {
	AWSAccountId          string   `json:"AWSAccountId"`
	Arn                   string   `json:"Arn"`
	CreationDate          float64  `json:"CreationDate"`
	CustomerMasterKeySpec string   `json:"CustomerMasterKeySpec"`
	Description           string   `json:"Description"`
	Enabled               bool     `json:"Enabled"`
	EncryptionAlgorithms  []string `json:"EncryptionAlgorithms"`
	KeyId                 string   `json:"KeyId"`
	KeyManager            string   `json:"KeyManager"`
	KeySpec               string   `json:"KeySpec"`
	KeyState              string   `json:"KeyState"`
	KeyUsage              string   `json:"KeyUsage"`
	MultiRegion           bool     `json:"MultiRegion"`
	Origin                string   `json:"Origin"`
}

func (s *Server) metadata(k *key) keyMetadata {
	state := "Enabled"
	if !k.enabled {
		state = "Disabled"
	}
	return keyMetadata{
		AWSAccountId:          s.opts.AccountID,
		Arn:                   k.ARN,
		CreationDate:          float64(k.created.UnixMilli()) / 1000,
		CustomerMasterKeySpec: symmetricDefault,
		Description:           k.description,
		Enabled:               k.enabled,
		EncryptionAlgorithms:  []string{symmetricDefault},
		KeyId:                 k.ID,
		KeyManager:            "CUSTOMER",
		KeySpec:               symmetricDefault,
		KeyState:              state,
		KeyUsage:              "ENCRYPT_DECRYPT",
		Origin:                "AWS_KMS",
	}
}

// resolve finds the key a KeyId names (key ID, key ARN, alias name or alias ARN) in the caller's region. The
// caller must hold s.mu.
func (s *Server) resolve(c caller, keyID string) (*key, *apiError) {
	if keyID == "" {
		return nil, validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	region, rest := c.region, keyID
	if strings.HasPrefix(keyID, "arn:") {
		parts := strings.SplitN(keyID, ":", 6)
		if len(parts) != 6 || parts[1] != "aws" || parts[2] != "kms" || parts[4] != s.opts.AccountID {
			return nil, notFound("Invalid arn %s", keyID)
		}
		if parts[3] != c.region {
			// The real service only sees keys of the region it is called in.
			return nil, notFound("Invalid arn %s", parts[3])
		}
		rest = parts[5]
	}
	prefix := "arn:aws:kms:" + region + ":" + s.opts.AccountID + ":"
	switch {
	case strings.HasPrefix(rest, "alias/"):
		target, ok := s.aliases[prefix+rest]
		if !ok {
			return nil, notFound("Alias %s%s is not found.", prefix, rest)
		}
		return s.keys[target], nil
	case strings.HasPrefix(rest, "key/"):
		rest = strings.TrimPrefix(rest, "key/")
	case strings.HasPrefix(keyID, "arn:"):
		return nil, notFound("Invalid arn %s", keyID)
	}
	if !uuidPattern.MatchString(rest) {
		return nil, notFound("Invalid keyId '%s'", keyID)
	}
	k, ok := s.keys[prefix+"key/"+rest]
	if !ok {
		return nil, notFound("Key '%skey/%s' does not exist", prefix, rest)
	}
	return k, nil
}

// usable checks that the caller may run action with the key now.
func (s *Server) usable(c caller, k *key, action string) *apiError {
	if k.allowed != nil && !k.allowed[c.accessKeyID] {
		return accessDenied(c, s.opts.AccountID, action, k.ARN)
	}
	if !k.enabled {
		return errorf(http.StatusBadRequest, "DisabledException", "%s is disabled.", k.ARN)
	}
	return nil
}

// lookup resolves and checks a key, and returns a copy of what an operation needs.
func (s *Server) lookup(c caller, keyID, action string) (key, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, aerr := s.resolve(c, keyID)
	if aerr != nil {
		return key{}, aerr
	}
	if aerr := s.usable(c, k, action); aerr != nil {
		return key{}, aerr
	}
	return *k, nil
}

// contextAAD encodes an encryption context canonically (sorted, length-prefixed), as the additional data that
// binds a ciphertext to it.
func contextAAD(ec map[string]string) []byte {
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []byte
	for _, k := range keys {
		out = binary.BigEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(ec[k])))
		out = append(out, ec[k]...)
	}
	return out
}

func checkAlgorithm(alg string) *apiError {
	if alg != "" && alg != symmetricDefault {
		return validation("1 validation error detected: Value '%s' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]", alg)
	}
	return nil
}

type encryptInput struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	GrantTokens         []string
	DryRun              bool
}

type encryptOutput struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionAlgorithm string
}

func (s *Server) encrypt(c caller, in encryptInput) (any, *apiError) {
	if len(in.Plaintext) == 0 || len(in.Plaintext) > maxPlaintext {
		return nil, validation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and %d", maxPlaintext)
	}
	if aerr := checkAlgorithm(in.EncryptionAlgorithm); aerr != nil {
		return nil, aerr
	}
	k, aerr := s.lookup(c, in.KeyId, "Encrypt")
	if aerr != nil {
		return nil, aerr
	}
	if in.DryRun {
		return nil, errorf(http.StatusBadRequest, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	}
	blob, err := keycrypt.Seal(k.secret, k.ARN, in.Plaintext, contextAAD(in.EncryptionContext))
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "KMSInternalException", "%v", err)
	}
	return encryptOutput{CiphertextBlob: blob, KeyId: k.ARN, EncryptionAlgorithm: symmetricDefault}, nil
}

type decryptInput struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	GrantTokens         []string
	DryRun              bool
}

type decryptOutput struct {
	Plaintext           []byte
	KeyId               string
	EncryptionAlgorithm string
}

func (s *Server) decrypt(c caller, in decryptInput) (any, *apiError) {
	if len(in.CiphertextBlob) == 0 || len(in.CiphertextBlob) > maxCiphertext {
		return nil, validation("1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length between 1 and %d", maxCiphertext)
	}
	if aerr := checkAlgorithm(in.EncryptionAlgorithm); aerr != nil {
		return nil, aerr
	}
	invalid := errorf(http.StatusBadRequest, "InvalidCiphertextException", "")
	owner, err := keycrypt.KeyName(in.CiphertextBlob)
	if err != nil {
		return nil, invalid
	}
	keyID := in.KeyId
	if keyID == "" {
		keyID = owner
	}
	k, aerr := s.lookup(c, keyID, "Decrypt")
	if aerr != nil {
		if in.KeyId == "" && aerr.Type == "NotFoundException" {
			// A ciphertext of a key that is not in this account and region.
			return nil, invalid
		}
		return nil, aerr
	}
	if k.ARN != owner {
		return nil, errorf(http.StatusBadRequest, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	}
	if in.DryRun {
		return nil, errorf(http.StatusBadRequest, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	}
	plain, err := keycrypt.Open(k.secret, in.CiphertextBlob, contextAAD(in.EncryptionContext))
	if err != nil {
		return nil, invalid
	}
	return decryptOutput{Plaintext: plain, KeyId: k.ARN, EncryptionAlgorithm: symmetricDefault}, nil
}

type generateDataKeyInput struct {
	KeyId             string
	KeySpec           string
	NumberOfBytes     *int
	EncryptionContext map[string]string
	GrantTokens       []string
	DryRun            bool
}

type generateDataKeyOutput struct {
	CiphertextBlob []byte
	Plaintext      []byte
	KeyId          string
}

func (s *Server) generateDataKey(c caller, in generateDataKeyInput) (any, *apiError) {
	n := 0
	switch {
	case in.KeySpec != "" && in.NumberOfBytes != nil:
		return nil, validation("Please specify either number of bytes or key spec.")
	case in.KeySpec == "AES_256":
		n = 32
	case in.KeySpec == "AES_128":
		n = 16
	case in.KeySpec != "":
		return nil, validation("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", in.KeySpec)
	case in.NumberOfBytes == nil:
		return nil, validation("Please specify either number of bytes or key spec.")
	case *in.NumberOfBytes < 1 || *in.NumberOfBytes > maxDataKey:
		return nil, validation("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and %d", *in.NumberOfBytes, maxDataKey)
	default:
		n = *in.NumberOfBytes
	}
	k, aerr := s.lookup(c, in.KeyId, "GenerateDataKey")
	if aerr != nil {
		return nil, aerr
	}
	if in.DryRun {
		return nil, errorf(http.StatusBadRequest, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	}
	plain := make([]byte, n)
	if _, err := rand.Read(plain); err != nil {
		return nil, errorf(http.StatusInternalServerError, "KMSInternalException", "%v", err)
	}
	blob, err := keycrypt.Seal(k.secret, k.ARN, plain, contextAAD(in.EncryptionContext))
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "KMSInternalException", "%v", err)
	}
	return generateDataKeyOutput{CiphertextBlob: blob, Plaintext: plain, KeyId: k.ARN}, nil
}

type describeKeyInput struct {
	KeyId       string
	GrantTokens []string
}

type describeKeyOutput struct {
	KeyMetadata keyMetadata
}

func (s *Server) describeKey(c caller, in describeKeyInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, aerr := s.resolve(c, in.KeyId)
	if aerr != nil {
		return nil, aerr
	}
	if k.allowed != nil && !k.allowed[c.accessKeyID] {
		return nil, accessDenied(c, s.opts.AccountID, "DescribeKey", k.ARN)
	}
	return describeKeyOutput{KeyMetadata: s.metadata(k)}, nil
}

type createKeyInput struct {
	Description           string
	KeyUsage              string
	KeySpec               string
	CustomerMasterKeySpec string
	Origin                string
	MultiRegion           bool
	Tags                  []map[string]string
}

func (s *Server) createKeyOp(c caller, in createKeyInput) (any, *apiError) {
	for _, v := range []struct{ field, value, want string }{
		{"keyUsage", in.KeyUsage, "ENCRYPT_DECRYPT"},
		{"keySpec", in.KeySpec, symmetricDefault},
		{"customerMasterKeySpec", in.CustomerMasterKeySpec, symmetricDefault},
		{"origin", in.Origin, "AWS_KMS"},
	} {
		if v.value != "" && v.value != v.want {
			return nil, errorf(http.StatusBadRequest, "UnsupportedOperationException", "the simulator only supports %s %s", v.field, v.want)
		}
	}
	if in.MultiRegion {
		return nil, errorf(http.StatusBadRequest, "UnsupportedOperationException", "the simulator does not support multi-Region keys")
	}
	if len(in.Description) > 8192 {
		return nil, validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192")
	}
	created, err := s.CreateKey(c.region, in.Description)
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "KMSInternalException", "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return describeKeyOutput{KeyMetadata: s.metadata(s.keys[created.ARN])}, nil
}

type createAliasInput struct {
	AliasName   string
	TargetKeyId string
}

func (s *Server) createAliasOp(c caller, in createAliasInput) (any, *apiError) {
	if !aliasPattern.MatchString(in.AliasName) {
		return nil, validation("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$", in.AliasName)
	}
	if strings.HasPrefix(in.AliasName, "alias/aws/") {
		return nil, errorf(http.StatusBadRequest, "NotAuthorizedException", "Cannot create alias with prefix 'alias/aws/'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, aerr := s.resolve(c, in.TargetKeyId)
	if aerr != nil {
		return nil, aerr
	}
	if strings.HasPrefix(in.TargetKeyId, "alias/") || strings.Contains(in.TargetKeyId, ":alias/") {
		return nil, validation("Aliases must refer to keys. Not aliases")
	}
	if k.allowed != nil && !k.allowed[c.accessKeyID] {
		return nil, accessDenied(c, s.opts.AccountID, "CreateAlias", k.ARN)
	}
	if _, dup := s.aliases["arn:aws:kms:"+k.Region+":"+s.opts.AccountID+":"+in.AliasName]; dup {
		return nil, errorf(http.StatusBadRequest, "AlreadyExistsException", "An alias with the name arn:aws:kms:%s:%s:%s already exists", k.Region, s.opts.AccountID, in.AliasName)
	}
	if err := s.createAliasLocked(in.AliasName, k); err != nil {
		return nil, validation("%v", err)
	}
	return struct{}{}, nil
}
