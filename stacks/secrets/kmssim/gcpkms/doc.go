// Package gcpkms is a wire-level simulator of Google Cloud KMS for tests and offline use.
//
// It serves google.cloud.kms.v1.KeyManagementService over gRPC (Encrypt, Decrypt, GetCryptoKey, GetKeyRing,
// CreateKeyRing, CreateCryptoKey) and the same methods over their REST mapping (POST /v1/{name}:encrypt, ...), on
// one port, in plain text (gRPC with HTTP/2 prior knowledge) or with TLS under a self-signed certificate. So the
// real clients run unchanged against it: cloud.google.com/go/kms's gRPC and REST clients, and sops' gcpkms key
// source built on them. Ciphertexts are AES-256-GCM under a per-key secret, bound to the key and to the
// additional authenticated data; CRC32C integrity fields are checked and filled as the service does. Errors carry
// the service's codes and messages (NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT, FAILED_PRECONDITION,
// UNAUTHENTICATED), as gRPC statuses or as Google's JSON error bodies.
//
// How to point clients at it:
//
//   - sops and infra, over REST in plain HTTP: SOPS_GCP_KMS_CLIENT_TYPE=rest,
//     SOPS_GCP_KMS_ENDPOINT=http://127.0.0.1:<port>, and GOOGLE_OAUTH_ACCESS_TOKEN=<any token> so that no
//     Application Default Credentials are looked up.
//   - sops and infra, over gRPC: SOPS_GCP_KMS_ENDPOINT=127.0.0.1:<port> with a TLS listener, the certificate
//     (Listening.CACertFile) trusted through SSL_CERT_FILE in the client's environment, and
//     GOOGLE_OAUTH_ACCESS_TOKEN as above. gRPC clients of sops always dial with TLS.
//   - Go code: option.WithEndpoint plus, in plain text, option.WithoutAuthentication and a
//     grpc.WithTransportCredentials(insecure.NewCredentials()) dial option.
package gcpkms
