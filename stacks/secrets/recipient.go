package secrets

import (
	"fmt"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keys"
)

// Recipient is someone or something the data key is wrapped for. It is a closed sum type (the method set has an
// unexported member) so that every kind is known here; today the only kind is AgeRecipient. Passphrases (age
// scrypt), AWS KMS and GCP KMS recipients will be added as further kinds.
type Recipient interface {
	// Kind is the sops key type of the recipient ("age").
	Kind() string
	// String is the recipient as a user writes it on the command line (an age public key "age1...").
	String() string
	// masterKey returns a fresh sops master key for the recipient, not yet holding a wrapped data key.
	masterKey() (keys.MasterKey, error)
}

// AgeRecipient is an age public key ("age1...", or a post-quantum "age1pq1...").
type AgeRecipient struct {
	// PublicKey is the Bech32-encoded age public key.
	PublicKey string
}

// Kind returns "age".
func (r AgeRecipient) Kind() string { return sopsage.KeyTypeIdentifier }

// String returns the public key.
func (r AgeRecipient) String() string { return r.PublicKey }

func (r AgeRecipient) masterKey() (keys.MasterKey, error) {
	mk, err := sopsage.MasterKeyFromRecipient(r.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("age recipient %q: %w", r.PublicKey, err)
	}
	return mk, nil
}

// ParseRecipient parses a recipient as a user types it. Today it accepts age public keys; other kinds will be
// told apart by their prefix (e.g. "awskms:", "gcpkms:").
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1"):
		r := AgeRecipient{PublicKey: s}
		if _, err := r.masterKey(); err != nil {
			return nil, fmt.Errorf("parse recipient: %w", err)
		}
		return r, nil
	case s == "":
		return nil, fmt.Errorf("parse recipient: empty recipient")
	default:
		return nil, fmt.Errorf("parse recipient %q: unsupported kind: want an age public key (age1...)", s)
	}
}

// describeKey names a sops master key for messages and listings: an age public key as it is (it says what it is:
// "age1..."), any other kind as "<kind> <id>" (a file edited with the sops CLI may carry pgp or KMS keys next to
// age ones).
func describeKey(k keys.MasterKey) string {
	return DescribeKey(k.TypeToIdentifier(), k.ToString())
}

// DescribeKey is how recipients are shown to people: an age public key alone, anything else as "<kind> <id>".
func DescribeKey(kind, id string) string {
	if kind == sopsage.KeyTypeIdentifier {
		return id
	}
	return kind + " " + id
}
