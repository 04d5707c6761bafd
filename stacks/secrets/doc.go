// Package secrets is the stack's envelope encryption, built on sops and age.
//
// Every stack has one random 32-byte data key. The data key is wrapped for one or more recipients exactly as sops
// wraps it (today: age public keys) and the wrapped copies live in the `sops:` metadata of the stack config file
// (Infra.<stack>.yaml). A Manager holds the plaintext data key after it has been unwrapped and encrypts single
// values in the sops value format
//
//	ENC[AES256_GCM,data:<base64>,iv:<base64>,tag:<base64>,type:<str|int|float|bool|bytes>]
//
// with an additional-data string chosen by the caller (the sops tree path in the stack config, the resource URN
// and property path in the state), so that a ciphertext cannot be moved to another place without detection.
//
// Age identities come from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, the infra default identity file
// ($XDG_CONFIG_HOME/infra/age/keys.txt, created on first use) and sops' own default key file, so a user of the sops
// CLI needs no extra setup.
package secrets
