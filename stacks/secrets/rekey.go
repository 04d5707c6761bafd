package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/keys"
)

// ErrLastRecipient is returned by Rekey when the removals would leave nobody able to unwrap the data key.
var ErrLastRecipient = errors.New("refusing to remove the last recipient: nobody could decrypt the stack any more")

// ErrNotRecipient is wrapped by Rekey errors about a recipient to remove that the data key is not wrapped for.
var ErrNotRecipient = errors.New("not a recipient of the data key")

// ErrLockedOut is wrapped by CheckAccess errors: none of the recipients can be opened by the caller.
var ErrLockedOut = errors.New("you could not decrypt the stack any more")

// RekeyResult says what Rekey changed, in the form Recipients lists recipients.
type RekeyResult struct {
	// Added are the recipients the data key was newly wrapped for.
	Added []string
	// Removed are the recipients whose wrapped copies were dropped.
	Removed []string
	// Present are recipients asked to be added that were recipients already (left as they were).
	Present []string
}

// Rekey returns a manager for the same data key, wrapped for m's recipients less remove plus add; a recipient in
// both is wrapped afresh (a new passphrase). Recipients that stay keep their wrapped copies byte for byte, so a
// stack config saved with the result differs only in the added and removed entries of its sops metadata;
// secrets, state, journal and history stay as they are, because the data key does not change. Removing every
// recipient fails with ErrLastRecipient, removing one that is not there with ErrNotRecipient. Rekey does not check
// that the caller can still decrypt: see CheckAccess.
func (m *Manager) Rekey(ctx context.Context, add, remove []Recipient, opts ...OpenOption) (*Manager, RekeyResult, error) {
	var res RekeyResult
	if err := ctx.Err(); err != nil {
		return nil, res, err
	}
	if len(m.groups) != 1 {
		return nil, res, fmt.Errorf("rekey: the data key is split over %d sops key groups (Shamir's scheme), which infra does not rekey: "+
			"use `sops groups add` and `sops groups delete`", len(m.groups))
	}
	o := newOptions(opts)
	remove, err := resolveAll(ctx, remove)
	if err != nil {
		return nil, res, fmt.Errorf("rekey: %w", err)
	}
	var kept sops.KeyGroup
	matched := make([]bool, len(remove))
	for _, k := range m.groups[0] {
		drop := false
		for i, r := range remove {
			if r.matches(k) {
				matched[i], drop = true, true
			}
		}
		if drop {
			res.Removed = append(res.Removed, describeKey(k))
		} else {
			kept = append(kept, k)
		}
	}
	for i, r := range remove {
		if !matched[i] {
			return nil, res, fmt.Errorf("rekey: remove %s: %w (its recipients: %s)", r, ErrNotRecipient, strings.Join(m.Recipients(), ", "))
		}
	}
	var fresh []Recipient
	for _, r := range add {
		if slices.ContainsFunc(kept, r.matches) {
			res.Present = append(res.Present, r.String())
			continue
		}
		fresh = append(fresh, r)
	}
	added, err := wrap(ctx, m.dataKey, fresh, o)
	if err != nil {
		return nil, res, fmt.Errorf("rekey: %w", err)
	}
	group := append(sops.KeyGroup(nil), kept...)
	for _, k := range added {
		id := describeKey(k)
		if slices.ContainsFunc(kept, func(old keys.MasterKey) bool { return describeKey(old) == id }) {
			// An alias that resolved to a key that is a recipient already.
			res.Present = append(res.Present, id)
			continue
		}
		group = append(group, k)
		res.Added = append(res.Added, id)
	}
	if len(group) == 0 {
		return nil, res, ErrLastRecipient
	}
	return m.derive([]sops.KeyGroup{group}, 0), res, nil
}

// Replace returns a manager for the same data key wrapped for exactly recipients, all of them afresh: a change of
// secrets provider (say from a passphrase to a KMS key for CI), or of the passphrase. The rest is as for Rekey.
func (m *Manager) Replace(ctx context.Context, recipients []Recipient, opts ...OpenOption) (*Manager, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(recipients) == 0 {
		return nil, ErrLastRecipient
	}
	group, err := wrap(ctx, m.dataKey, recipients, newOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("change the secrets provider: %w", err)
	}
	return m.derive([]sops.KeyGroup{group}, 0), nil
}

// CheckAccess makes sure the caller can still unwrap m's data key with what is at hand (age identities, the
// passphrases the options' Passphrases holds or the environment gives, KMS access), without asking anyone. The
// recipient that opened the stack is trusted to open it again without a new try. The error wraps ErrLockedOut
// and the *NoIdentityError saying what was tried.
func (m *Manager) CheckAccess(ctx context.Context, opts ...OpenOption) error {
	if m.openedBy != "" && m.openedBy != KindPassphrase && slices.Contains(m.Recipients(), m.openedBy) {
		return nil
	}
	o := newOptions(opts)
	o.noPrompt = true
	key, _, err := unwrap(ctx, m.Metadata(), o)
	var nerr *NoIdentityError
	if errors.As(err, &nerr) {
		return &lockedOutError{nerr: nerr}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrLockedOut, err)
	}
	if !m.SameKey(&Manager{dataKey: key}) {
		return fmt.Errorf("%w: the recipients unwrap another data key", ErrLockedOut)
	}
	return nil
}

// resolveAll resolves AWS KMS aliases and key IDs to ARNs where a plain comparison cannot match them.
func resolveAll(ctx context.Context, rs []Recipient) ([]Recipient, error) {
	out := make([]Recipient, len(rs))
	for i, r := range rs {
		out[i] = r
		if a, ok := r.(AWSKMSRecipient); ok && strings.HasPrefix(a.KeyID, "alias/") {
			res, err := a.resolve(ctx)
			if err != nil {
				return nil, err
			}
			out[i] = res
		}
	}
	return out, nil
}

// lockedOutError says that the caller could not open a new set of recipients: shorter than the NoIdentityError
// it wraps, whose advice (ask a teammate to add you) does not fit someone who is changing the recipients.
type lockedOutError struct {
	nerr *NoIdentityError
}

// Error names the recipients the caller could not open.
func (e *lockedOutError) Error() string {
	var b strings.Builder
	b.WriteString(ErrLockedOut.Error())
	b.WriteString(": its recipients would be " + strings.Join(e.nerr.Recipients, ", ") + ", and none of them opens with what is available here")
	if len(e.nerr.Yours) > 0 {
		b.WriteString(" (your age identities: " + strings.Join(e.nerr.Yours, ", ") + ")")
	} else {
		b.WriteString(" (no age identity was found)")
	}
	for _, d := range e.nerr.Detail {
		b.WriteString("; " + d)
	}
	return b.String()
}

func (e *lockedOutError) Unwrap() []error { return []error{ErrLockedOut, e.nerr} }
