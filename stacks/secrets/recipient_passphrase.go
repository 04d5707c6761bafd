package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keys"
)

// passphraseRecipientID is the recipient field of a passphrase-wrapped key in the sops age key group. sops has
// no notation for age's scrypt recipients, so this marker (which no age public key can equal) stands in: sops
// reads and writes the entry unchanged, but cannot decrypt it (see docs/secrets.md).
const passphraseRecipientID = "passphrase"

// PassphraseRecipient wraps the data key with a passphrase: an age scrypt recipient (the scrypt work factor makes
// guessing slow), stored as an age entry of the sops key group whose recipient is "passphrase". The passphrase
// itself comes from a Passphrases supply (see WithPassphrases), never from this value.
type PassphraseRecipient struct {
	// WorkFactor is the scrypt work factor log2(N) (0: age's default, 18, about a second of work). Unwrapping
	// accepts up to age's limit of 22.
	WorkFactor int
}

// Kind returns "passphrase".
func (PassphraseRecipient) Kind() string { return KindPassphrase }

// String returns "passphrase".
func (PassphraseRecipient) String() string { return KindPassphrase }

func (r PassphraseRecipient) wrap(ctx context.Context, dataKey []byte, o *options) (keys.MasterKey, error) {
	pass, _, err := o.passphrases.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("wrap the data key for a passphrase: %w", err)
	}
	rcpt, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, fmt.Errorf("wrap the data key for a passphrase: %w", err)
	}
	if r.WorkFactor != 0 {
		if r.WorkFactor < 10 || r.WorkFactor > 22 {
			return nil, fmt.Errorf("wrap the data key for a passphrase: work factor %d is outside 10..22", r.WorkFactor)
		}
		rcpt.SetWorkFactor(r.WorkFactor)
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rcpt)
	if err != nil {
		return nil, fmt.Errorf("wrap the data key for a passphrase: %w", err)
	}
	if _, err := w.Write(dataKey); err != nil {
		return nil, fmt.Errorf("wrap the data key for a passphrase: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("wrap the data key for a passphrase: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("wrap the data key for a passphrase: %w", err)
	}
	// The same armored age file sops writes for an age recipient, with the marker as recipient.
	return &sopsage.MasterKey{Recipient: passphraseRecipientID, EncryptedKey: buf.String()}, nil
}

func (PassphraseRecipient) matches(k keys.MasterKey) bool {
	ak, ok := k.(*sopsage.MasterKey)
	return ok && ak.Recipient == passphraseRecipientID
}

// errWrongPassphrase is returned by unwrapPassphrase when the passphrase does not open the key.
var errWrongPassphrase = errors.New("wrong passphrase")

// unwrapPassphrase opens a passphrase-wrapped key. It returns errWrongPassphrase for another passphrase.
func unwrapPassphrase(k *sopsage.MasterKey, pass string) ([]byte, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader([]byte(k.EncryptedKey))), id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, errWrongPassphrase
		}
		return nil, fmt.Errorf("the wrapped key is damaged: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, 1024))
	if err != nil {
		return nil, fmt.Errorf("the wrapped key is damaged: %w", err)
	}
	return b, nil
}
