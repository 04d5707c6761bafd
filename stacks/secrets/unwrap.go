package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/shamir"
)

// NoIdentityError is returned by Open when none of the available identities can unwrap the data key.
type NoIdentityError struct {
	// Recipients are the file's recipients (see DescribeKey).
	Recipients []string
	// Tried are the places identities were looked for.
	Tried []IdentitySource
	// Yours are the public keys of the identities that were found (none of which is a recipient).
	Yours []string
	// Detail says why the keys that were tried failed, when it is something else than "not a recipient".
	Detail []string
}

func (e *NoIdentityError) Error() string {
	var b strings.Builder
	b.WriteString("cannot unwrap the stack's data key: no available age identity is one of its recipients")
	b.WriteString("\n  recipients of the data key:")
	if len(e.Recipients) == 0 {
		b.WriteString(" none")
	}
	for _, r := range e.Recipients {
		b.WriteString("\n    " + r)
	}
	b.WriteString("\n  identities tried:")
	for _, s := range e.Tried {
		b.WriteString("\n    " + s.describe())
	}
	for _, d := range e.Detail {
		b.WriteString("\n  " + d)
	}
	yours := "<your public key>"
	if len(e.Yours) > 0 {
		yours = e.Yours[0]
	}
	b.WriteString("\n  to fix: set " + EnvAgeKeyFile + " to a key file holding one of these identities (or put the key in " +
		EnvAgeKey + "), or ask a teammate who can decrypt to run `infra stack rekey --add-recipient " + yours + "`")
	return b.String()
}

// unwrap recovers the data key from sops metadata with the given identities. With one key group any key of the
// group suffices; with several, sops splits the key with Shamir's scheme and a threshold of groups must open.
func unwrap(ctx context.Context, md sops.Metadata, ids *Identities) ([]byte, error) {
	nerr := &NoIdentityError{Tried: ids.sources, Yours: ids.Recipients()}
	for _, k := range masterKeys(md.KeyGroups) {
		nerr.Recipients = append(nerr.Recipients, describeKey(k))
	}
	if len(md.KeyGroups) == 0 {
		nerr.Detail = append(nerr.Detail, "the metadata holds no wrapped data key at all")
		return nil, nerr
	}
	var parts [][]byte
	for _, g := range md.KeyGroups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part, detail := unwrapGroup(g, ids)
		nerr.Detail = append(nerr.Detail, detail...)
		if part != nil {
			parts = append(parts, part)
		}
	}
	var dataKey []byte
	if len(md.KeyGroups) == 1 {
		if len(parts) == 0 {
			return nil, nerr
		}
		dataKey = parts[0]
	} else {
		threshold := md.ShamirThreshold
		if threshold <= 0 {
			threshold = len(md.KeyGroups)
		}
		if len(parts) < threshold {
			nerr.Detail = append(nerr.Detail, fmt.Sprintf("the data key is split over %d key groups and needs %d of them; %d could be opened",
				len(md.KeyGroups), threshold, len(parts)))
			return nil, nerr
		}
		k, err := shamir.Combine(parts)
		if err != nil {
			return nil, fmt.Errorf("combine the data key's Shamir parts: %w", err)
		}
		dataKey = k
	}
	if len(dataKey) != dataKeySize {
		return nil, fmt.Errorf("the unwrapped data key is %d bytes, want %d: the sops metadata is damaged", len(dataKey), dataKeySize)
	}
	return dataKey, nil
}

// unwrapGroup returns the group's part of the data key, or nil and notes about keys that failed for a reason
// other than not matching. Kinds other than age (a file edited with the sops CLI may hold pgp or KMS keys) are
// skipped: they are kept in the file but cannot be used here yet.
func unwrapGroup(g sops.KeyGroup, ids *Identities) ([]byte, []string) {
	var notes []string
	for _, k := range g {
		ak, ok := k.(*sopsage.MasterKey)
		if !ok {
			notes = append(notes, fmt.Sprintf("%s: this kind of key is not supported yet; only age keys are tried", describeKey(k)))
			continue
		}
		if len(ids.ids) == 0 {
			continue
		}
		// A copy, so that the identities are not left attached to the caller's metadata.
		mk := &sopsage.MasterKey{Recipient: ak.Recipient, EncryptedKey: ak.EncryptedKey}
		sopsage.ParsedIdentities(ids.ids).ApplyToMasterKey(mk)
		part, err := mk.Decrypt()
		if err == nil {
			return part, notes
		}
		var nomatch *age.NoIdentityMatchError
		if !errors.As(err, &nomatch) {
			notes = append(notes, fmt.Sprintf("%s: %v", describeKey(k), err))
		}
	}
	return nil, notes
}
