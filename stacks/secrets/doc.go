// Package secrets is the stack's envelope encryption, built on sops and age.
//
// Every stack has one random 32-byte data key. The data key is wrapped for one or more recipients exactly as sops
// wraps it, and the wrapped copies live in the `sops:` metadata of the stack config file (Infra.<stack>.yaml).
// Recipients (see Recipient and ParseRecipient) are age public keys, passphrases (age scrypt), AWS KMS keys and
// GCP KMS keys; each is stored as the key group entry sops itself writes, so the sops CLI decrypts the file with
// the same keys (passphrases excepted: sops has no notation for them). A Manager holds the plaintext data key
// after it has been unwrapped and encrypts single values in the sops value format
//
//	ENC[AES256_GCM,data:<base64>,iv:<base64>,tag:<base64>,type:<str|int|float|bool|bytes>]
//
// with an additional-data string chosen by the caller (the sops tree path in the stack config, the resource URN
// and property path in the state), so that a ciphertext cannot be moved to another place without detection.
// Rekey, Replace and CheckAccess re-wrap the same data key for other recipients, which leaves every ciphertext
// valid.
//
// Age identities come from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, the infra default identity file
// ($XDG_CONFIG_HOME/infra/age/keys.txt, created on first use) and sops' own default key file, so a user of the sops
// CLI needs no extra setup. Passphrases come from INFRA_PASSPHRASE or INFRA_PASSPHRASE_FILE, or a prompt (see
// Passphrases); KMS credentials from the AWS SDK's default chain and Google's Application Default Credentials.
package secrets
