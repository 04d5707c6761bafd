package secrets

import (
	"context"
	"fmt"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
	sopsgcpkms "github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/keys"
	sopskms "github.com/getsops/sops/v3/kms"
)

// Recipient is someone or something the data key is wrapped for. It is a closed sum type (the method set has
// unexported members) with four kinds, each stored as the sops key group entry sops itself writes:
//
//	AgeRecipient        "age1..."                          sops age entry
//	PassphraseRecipient "passphrase"                       sops age entry, scrypt-wrapped (see PassphraseRecipient)
//	AWSKMSRecipient     "awskms://<key>?region=&endpoint=" sops kms entry
//	GCPKMSRecipient     "gcpkms://projects/.../cryptoKeys/K" sops gcp_kms entry
type Recipient interface {
	// Kind is the kind of recipient: "age", "passphrase", "awskms" or "gcpkms".
	Kind() string
	// String is the recipient as a user writes it on the command line (see ParseRecipient).
	String() string
	// wrap encrypts the data key for the recipient and returns the sops master key holding it.
	wrap(ctx context.Context, dataKey []byte, o *options) (keys.MasterKey, error)
	// matches reports whether a master key of a file is this recipient's.
	matches(k keys.MasterKey) bool
}

// Recipient kinds, as Recipient.Kind returns them.
const (
	KindAge        = "age"
	KindPassphrase = "passphrase"
	KindAWSKMS     = "awskms"
	KindGCPKMS     = "gcpkms"
)

// URL schemes of the KMS recipients.
const (
	awsKMSScheme = "awskms://"
	gcpKMSScheme = "gcpkms://"
)

// ParseRecipient parses a recipient as a user types it:
//
//	age1...                                       an age public key (X25519 or post-quantum age1pq1...)
//	passphrase                                    a passphrase (age scrypt)
//	awskms://<key-id|alias/name|ARN>[?region=R&endpoint=URL]
//	gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K
//
// Errors quote the input only when it cannot be a secret (it never holds one, but a pasted private key must not
// end up in logs).
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, fmt.Errorf("parse recipient: empty recipient")
	case strings.HasPrefix(s, "AGE-SECRET-KEY-"), strings.HasPrefix(s, "AGE-PLUGIN-"):
		return nil, fmt.Errorf("parse recipient: that is an age private key (identity), not a public key: never share it; " +
			"its public key is printed by `age-keygen -y <key file>`")
	case strings.HasPrefix(s, "age1"):
		r := AgeRecipient{PublicKey: s}
		if _, err := r.parse(); err != nil {
			return nil, fmt.Errorf("parse recipient: %w", err)
		}
		return r, nil
	case s == KindPassphrase:
		return PassphraseRecipient{}, nil
	case strings.HasPrefix(s, awsKMSScheme):
		r, err := parseAWSKMS(s)
		if err != nil {
			return nil, fmt.Errorf("parse recipient %q: %w", s, err)
		}
		return r, nil
	case strings.HasPrefix(s, gcpKMSScheme):
		r, err := parseGCPKMS(s)
		if err != nil {
			return nil, fmt.Errorf("parse recipient %q: %w", s, err)
		}
		return r, nil
	case strings.HasPrefix(s, "arn:aws:kms:"):
		return nil, fmt.Errorf("parse recipient %q: write an AWS KMS key as awskms://%s", s, s)
	case strings.HasPrefix(s, "projects/") && strings.Contains(s, "/cryptoKeys/"):
		return nil, fmt.Errorf("parse recipient %q: write a GCP KMS key as gcpkms://%s", s, s)
	default:
		return nil, fmt.Errorf("parse recipient %q: unsupported kind: want an age public key (age1...), passphrase, awskms://<key ARN> or gcpkms://<key name>", shorten(s))
	}
}

// ParseRecipients parses several recipients (see ParseRecipient).
func ParseRecipients(ss []string) ([]Recipient, error) {
	out := make([]Recipient, 0, len(ss))
	for _, s := range ss {
		r, err := ParseRecipient(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// shorten cuts long input for messages.
func shorten(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// describeKey names a sops master key the way a user writes the recipient (see ParseRecipient), so that what
// `infra stack rekey` lists can be given back to --remove-recipient. Kinds infra does not manage (pgp, Azure Key
// Vault, Vault; a file edited with the sops CLI may have them) are shown as "<sops kind> <id>".
func describeKey(k keys.MasterKey) string {
	switch k := k.(type) {
	case *sopsage.MasterKey:
		if k.Recipient == passphraseRecipientID {
			return KindPassphrase
		}
		return k.Recipient
	case *sopskms.MasterKey:
		return awsKMSScheme + k.Arn
	case *sopsgcpkms.MasterKey:
		return gcpKMSScheme + k.ResourceID
	}
	return k.TypeToIdentifier() + " " + k.ToString()
}

// DescribeKey is how recipients are shown to people, given a sops key type and its sops identifier (as
// keys.MasterKey's TypeToIdentifier and ToString give them): see ParseRecipient for the forms. Keys of kinds
// infra does not manage are shown as "<kind> <id>".
func DescribeKey(kind, id string) string {
	switch kind {
	case sopsage.KeyTypeIdentifier:
		if id == passphraseRecipientID {
			return KindPassphrase
		}
		return id
	case sopskms.KeyTypeIdentifier:
		arn, _, _ := strings.Cut(id, "|")
		arn, _, _ = strings.Cut(arn, "+")
		return awsKMSScheme + arn
	case sopsgcpkms.KeyTypeIdentifier:
		return gcpKMSScheme + id
	}
	return kind + " " + id
}

// DescribeMasterKey is DescribeKey for a master key.
func DescribeMasterKey(k keys.MasterKey) string { return describeKey(k) }
