// Package kmssim holds wire-level simulators of cloud key management services, for tests and offline use: the
// real SDK clients (aws-sdk-go-v2's kms client, cloud.google.com/go/kms, and sops' own key sources built on them)
// talk to them over loopback exactly as they talk to the cloud.
//
// Subpackages:
//
//   - awskms: AWS KMS over the JSON 1.1 protocol (TrentService), with SigV4 checking, key ARNs, aliases, key
//     states, per-key access lists and AWS's error shapes. Point a client at it with AWS_ENDPOINT_URL_KMS.
//   - gcpkms: Cloud KMS (google.cloud.kms.v1.KeyManagementService) over gRPC and its REST mapping on one port,
//     with optional TLS. Point sops and infra at it with SOPS_GCP_KMS_ENDPOINT (and SOPS_GCP_KMS_CLIENT_TYPE=rest
//     for plain HTTP).
//
// Ciphertexts are real AES-256-GCM under a per-key secret, bound to the key (and, for AWS, to the encryption
// context), so a ciphertext of one key never decrypts under another. Key secrets are derived from a seed: a
// simulator restarted with the same seed and the same keys decrypts what it encrypted before.
package kmssim
