package secrets

import (
	"context"
	"errors"
	"fmt"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	sopsgcpkms "github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/keys"
	sopskms "github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/shamir"
)

// unwrap recovers the data key from sops metadata and names the recipient whose key opened it. With one key group
// any key of the group suffices; with several, sops splits the key with Shamir's scheme and a threshold of groups
// must open.
func unwrap(ctx context.Context, md sops.Metadata, o *options) ([]byte, string, error) {
	u := &unwrapper{o: o}
	ids := o.identities()
	u.nerr = &NoIdentityError{Tried: ids.sources, Yours: ids.Recipients()}
	for _, k := range masterKeys(md.KeyGroups) {
		u.nerr.Recipients = append(u.nerr.Recipients, describeKey(k))
	}
	if len(md.KeyGroups) == 0 {
		u.nerr.Detail = append(u.nerr.Detail, "the metadata holds no wrapped data key at all")
		return nil, "", u.nerr
	}
	var parts [][]byte
	openedBy := ""
	for _, g := range md.KeyGroups {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		part, by := u.group(ctx, g)
		if part != nil {
			parts = append(parts, part)
			if openedBy == "" {
				openedBy = by
			}
		}
	}
	var dataKey []byte
	if len(md.KeyGroups) == 1 {
		if len(parts) == 0 {
			return nil, "", u.nerr
		}
		dataKey = parts[0]
	} else {
		threshold := md.ShamirThreshold
		if threshold <= 0 {
			threshold = len(md.KeyGroups)
		}
		if len(parts) < threshold {
			u.nerr.Detail = append(u.nerr.Detail, fmt.Sprintf("the data key is split over %d key groups and needs %d of them; %d could be opened",
				len(md.KeyGroups), threshold, len(parts)))
			return nil, "", u.nerr
		}
		k, err := shamir.Combine(parts)
		if err != nil {
			return nil, "", fmt.Errorf("combine the data key's Shamir parts: %w", err)
		}
		dataKey = k
	}
	if len(dataKey) != dataKeySize {
		return nil, "", fmt.Errorf("the unwrapped data key is %d bytes, want %d: the sops metadata is damaged", len(dataKey), dataKeySize)
	}
	return dataKey, openedBy, nil
}

// unwrapper tries the keys of the groups and collects why they did not open, for the error.
type unwrapper struct {
	o    *options
	nerr *NoIdentityError
	// noted keeps each note once: the same failure in several groups is one line.
	noted map[string]bool
}

func (u *unwrapper) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if u.noted == nil {
		u.noted = map[string]bool{}
	}
	if !u.noted[s] {
		u.noted[s] = true
		u.nerr.Detail = append(u.nerr.Detail, s)
	}
}

// group returns the group's part of the data key and the recipient that opened it, or nil. The order keeps
// people and networks out of it as long as possible: local age identities, then a passphrase that needs no
// prompt, then KMS calls, and only then a passphrase prompt.
func (u *unwrapper) group(ctx context.Context, g sops.KeyGroup) ([]byte, string) {
	var ageKeys, passKeys []*sopsage.MasterKey
	var kmsKeys []keys.MasterKey
	for _, k := range g {
		switch k := k.(type) {
		case *sopsage.MasterKey:
			if k.Recipient == passphraseRecipientID {
				passKeys = append(passKeys, k)
			} else {
				ageKeys = append(ageKeys, k)
			}
		case *sopskms.MasterKey, *sopsgcpkms.MasterKey:
			kmsKeys = append(kmsKeys, k)
		default:
			u.note("%s: this kind of key is not supported; infra opens age, passphrase, AWS KMS and GCP KMS keys", describeKey(k))
		}
	}
	if part, by := u.age(ageKeys); part != nil {
		return part, by
	}
	if len(passKeys) > 0 {
		for _, p := range u.o.passphrases.known(ctx) {
			if part := u.passphrase(passKeys, p); part != nil {
				return part, KindPassphrase
			}
		}
	}
	for _, k := range kmsKeys {
		if err := ctx.Err(); err != nil {
			return nil, ""
		}
		var part []byte
		var err error
		switch k := k.(type) {
		case *sopskms.MasterKey:
			part, err = unwrapAWSKMS(ctx, k)
		case *sopsgcpkms.MasterKey:
			part, err = unwrapGCPKMS(ctx, k)
		}
		if err == nil {
			return part, describeKey(k)
		}
		u.note("%s: %v", describeKey(k), err)
	}
	if len(passKeys) > 0 {
		return u.promptPassphrase(ctx, passKeys)
	}
	return nil, ""
}

// age tries the age identities on the age keys, and returns the part and the recipient that opened.
func (u *unwrapper) age(ks []*sopsage.MasterKey) ([]byte, string) {
	ids := u.o.identities()
	if len(ids.ids) == 0 {
		return nil, ""
	}
	for _, k := range ks {
		// A copy, so that the identities are not left attached to the caller's metadata.
		mk := &sopsage.MasterKey{Recipient: k.Recipient, EncryptedKey: k.EncryptedKey}
		sopsage.ParsedIdentities(ids.ids).ApplyToMasterKey(mk)
		part, err := mk.Decrypt()
		if err == nil {
			return part, k.Recipient
		}
		var nomatch *age.NoIdentityMatchError
		if !errors.As(err, &nomatch) {
			u.note("%s: %v", describeKey(k), err)
		}
	}
	return nil, ""
}

// passphrase tries one passphrase on the passphrase keys.
func (u *unwrapper) passphrase(ks []*sopsage.MasterKey, p obtained) []byte {
	for _, k := range ks {
		part, err := unwrapPassphrase(k, p.pass)
		if err == nil {
			return part
		}
		if errors.Is(err, errWrongPassphrase) {
			u.note("passphrase: the passphrase from %s is not this stack's passphrase", p.source)
		} else {
			u.note("passphrase: %v", err)
		}
	}
	return nil
}

// promptPassphrase asks for the passphrase when nothing else opened the group and none was at hand.
func (u *unwrapper) promptPassphrase(ctx context.Context, ks []*sopsage.MasterKey) ([]byte, string) {
	if len(u.o.passphrases.known(ctx)) > 0 {
		return nil, "" // the passphrases at hand were tried and noted
	}
	if u.o.noPrompt || !u.o.passphrases.canPrompt() {
		// Explain what is missing; an error from the environment (both variables set, a missing file) says more.
		if _, err := u.o.passphrases.getCurrent(ctx, false); err != nil && !errors.Is(err, ErrNoPassphrase) {
			u.note("passphrase: %v", err)
		} else {
			u.note("passphrase: no passphrase was given: %s and %s are not set, and there is no terminal to ask on", EnvPassphrase, EnvPassphraseFile)
		}
		return nil, ""
	}
	p, err := u.o.passphrases.getCurrent(ctx, true)
	if err != nil {
		u.note("passphrase: %v", err)
		return nil, ""
	}
	if part := u.passphrase(ks, p); part != nil {
		return part, KindPassphrase
	}
	return nil, ""
}
