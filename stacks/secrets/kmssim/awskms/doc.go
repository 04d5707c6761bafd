// Package awskms is a wire-level simulator of AWS KMS for tests and offline use.
//
// It speaks the JSON 1.1 protocol of the real service (POST / with X-Amz-Target: TrentService.<Operation>) for
// CreateKey, CreateAlias, DescribeKey, Encrypt, Decrypt and GenerateDataKey, so aws-sdk-go-v2's kms client (and
// sops' kms key source, which is built on it) run unchanged against it. Keys have real ARNs
// (arn:aws:kms:<region>:<account>:key/<uuid>) and aliases; the region of a request is the one its SigV4
// credential scope names, so one simulator serves every region. Ciphertexts are AES-256-GCM under a per-key
// secret, bound to the key and the encryption context. Errors have AWS's shapes and codes (NotFoundException,
// AccessDeniedException, DisabledException, IncorrectKeyException, InvalidCiphertextException,
// ValidationException, UnrecognizedClientException, InvalidSignatureException).
//
// Point clients at it with the SDK's standard endpoint override:
//
//	AWS_ENDPOINT_URL_KMS=http://127.0.0.1:<port>
//
// (or AWS_ENDPOINT_URL for every service, or kms.Options.BaseEndpoint in code), with any static credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) unless Options.Credentials restricts them.
package awskms
