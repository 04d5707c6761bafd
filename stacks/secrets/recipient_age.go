package secrets

import (
	"context"
	"fmt"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keys"
)

// AgeRecipient is an age public key ("age1...", or a post-quantum "age1pq1...").
type AgeRecipient struct {
	// PublicKey is the Bech32-encoded age public key.
	PublicKey string
}

// Kind returns "age".
func (r AgeRecipient) Kind() string { return KindAge }

// String returns the public key.
func (r AgeRecipient) String() string { return r.PublicKey }

func (r AgeRecipient) parse() (*sopsage.MasterKey, error) {
	if r.PublicKey == passphraseRecipientID {
		return nil, fmt.Errorf("age recipient %q: not an age public key", r.PublicKey)
	}
	if !strings.HasPrefix(r.PublicKey, "age1pq1") && strings.Count(r.PublicKey, "1") > 1 {
		// age1<plugin>1...: wrapping would run an age-plugin-<plugin> program, which infra does not do.
		return nil, fmt.Errorf("age recipient %q: age plugin recipients are not supported", r.PublicKey)
	}
	mk, err := sopsage.MasterKeyFromRecipient(r.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("age recipient %q: %w", r.PublicKey, err)
	}
	return mk, nil
}

func (r AgeRecipient) wrap(_ context.Context, dataKey []byte, _ *options) (keys.MasterKey, error) {
	mk, err := r.parse()
	if err != nil {
		return nil, err
	}
	if err := mk.Encrypt(dataKey); err != nil {
		return nil, fmt.Errorf("wrap the data key for %s: %w", r.PublicKey, err)
	}
	return mk, nil
}

func (r AgeRecipient) matches(k keys.MasterKey) bool {
	ak, ok := k.(*sopsage.MasterKey)
	return ok && ak.Recipient == r.PublicKey
}
