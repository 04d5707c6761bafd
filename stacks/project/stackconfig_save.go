package project

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	sopsversion "github.com/getsops/sops/v3/version"

	"github.com/infrago/infra/stacks/secrets"
)

// OpenSecrets unwraps the stack's data key with the user's identities, decrypts the secrets and checks the file's
// MAC. It returns the manager, which also encrypts the stack's state.
func (s *StackConfig) OpenSecrets(ctx context.Context, opts ...secrets.OpenOption) (*secrets.Manager, error) {
	if s.md == nil {
		return nil, fmt.Errorf("open secrets of %s: %w", s.path, ErrNoDataKey)
	}
	m, err := secrets.Open(ctx, *s.md, opts...)
	if err != nil {
		return nil, fmt.Errorf("open secrets of %s: %w", s.path, err)
	}
	if err := s.decryptWith(m); err != nil {
		return nil, err
	}
	return m, nil
}

// decryptWith decrypts the secrets in place with m's data key and verifies the MAC of the file as it was read.
func (s *StackConfig) decryptWith(m *secrets.Manager) error {
	if s.decrypted {
		return nil
	}
	cipher := m.TreeCipher()
	// Verify the file as read: the MAC is over the loaded tree, not over edits made since.
	verify := s.root
	if s.pristine != nil {
		verify = s.pristine
	}
	check := sops.Tree{Branches: sops.TreeBranches{copyBranch(verify)}, Metadata: *s.md}
	computed, err := check.Decrypt(nil, cipher)
	if err != nil {
		return fmt.Errorf("decrypt %s: %s: if the file was edited by hand, edit it with `sops %s` instead, or restore it from version control",
			s.path, sanitizeSopsError(err), s.path)
	}
	lastModified := s.md.LastModified.Format(time.RFC3339)
	stored, err := cipher.Decrypt(s.md.MessageAuthenticationCode, nil, lastModified)
	if err != nil || stored != computed {
		return fmt.Errorf("decrypt %s: integrity check failed (the sops MAC does not match the file's content): "+
			"the file was changed by something that does not hold its key; restore it from version control, or edit it with `sops %s`", s.path, s.path)
	}
	plain := copyBranch(s.root)
	if s.pristine != nil {
		tree := sops.Tree{Branches: sops.TreeBranches{plain}, Metadata: *s.md}
		if _, err := tree.Decrypt(nil, cipher); err != nil {
			return fmt.Errorf("decrypt %s: %s", s.path, sanitizeSopsError(err))
		}
	} else {
		plain = check.Branches[0]
	}
	if err := checkDecrypted(plain); err != nil {
		return fmt.Errorf("decrypt %s: %w", s.path, err)
	}
	s.root = plain
	s.decrypted = true
	s.pristine = nil
	s.macPlain = computed
	return nil
}

// checkDecrypted refuses a file whose own sops rules left the secrets section unencrypted (possible in a file
// written by hand-configured sops): its secrets would read back as ciphertext.
func checkDecrypted(root sops.TreeBranch) error {
	sec, _ := section(root, sectionSecrets)
	for _, item := range sec {
		v := item.Value
		if str, ok := v.(string); ok && strings.HasPrefix(str, encPrefix) {
			return fmt.Errorf("secret %v is still encrypted after decryption: the file's sops rules do not cover the secrets section; set encrypted_regex: %s in its sops metadata", item.Key, encryptedRegex)
		}
		if _, ok := scalarString(v); !ok {
			return fmt.Errorf("secret %v is not a string: put structured values under the config section", item.Key)
		}
	}
	return nil
}

// sanitizeSopsError keeps sops' message but cuts anything after a colon that sops' tree code could have filled
// with a value ("Could not convert %s to bytes"); what remains says which step failed.
func sanitizeSopsError(err error) string {
	msg := err.Error()
	for _, step := range []string{"Could not decrypt value", "Could not encrypt value", "Could not convert", "Cannot walk value"} {
		if i := strings.Index(msg, step); i >= 0 {
			return msg[:i] + step
		}
	}
	return msg
}

// Save writes the file atomically (temp file and rename; 0600 for a new file) as a valid sops file, with its
// data key wrapped as in m. Unchanged secrets keep their ciphertexts, and when no secret changed the sops
// lastmodified and MAC lines stay as they were, so a rewrite makes no churn in git.
//
// m may be nil when no secret was set or removed and the file's MAC covers only its encrypted values (as in every
// file infra creates): plain values can then be changed by someone who does not hold the key. When the secrets
// were opened with another manager, Save re-encrypts them with m (a key rotation).
func (s *StackConfig) Save(m *secrets.Manager) error {
	data, md, macPlain, err := s.render(m)
	if err != nil {
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	if err := writeFileAtomic(s.path, data, 0o600); err != nil {
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	s.md = md
	if m != nil {
		s.macPlain = macPlain
		s.pristine = nil
	} else if !s.decrypted {
		s.pristine = copyBranch(s.root)
	}
	s.secretsChanged = false
	return nil
}

// render produces the file's bytes, its new metadata and the MAC's plaintext.
func (s *StackConfig) render(m *secrets.Manager) ([]byte, *sops.Metadata, string, error) {
	if m == nil {
		return s.renderWithoutKey()
	}
	if s.md != nil && !s.decrypted {
		if err := s.decryptWith(m); err != nil {
			return nil, nil, "", err
		}
	}
	md := m.Metadata()
	md.EncryptedRegex = encryptedRegex
	md.MACOnlyEncrypted = true
	if s.md != nil && s.md.EncryptedRegex == encryptedRegex {
		// Keep the MAC mode of a file that already follows infra's layout (sops' default covers every value).
		md.MACOnlyEncrypted = s.md.MACOnlyEncrypted
	}
	md.Version = sopsversion.Version

	root := copyBranch(pruneEmptySections(s.root))
	tree := sops.Tree{Branches: sops.TreeBranches{root}, Metadata: md}
	cipher := m.TreeCipher()
	macPlain, err := tree.Encrypt(nil, cipher)
	if err != nil {
		return nil, nil, "", fmt.Errorf("encrypt: %s", sanitizeSopsError(err))
	}
	md.LastModified = time.Now().UTC().Truncate(time.Second)
	if s.md != nil && macPlain == s.macPlain && s.md.MACOnlyEncrypted == md.MACOnlyEncrypted && s.md.EncryptedRegex == md.EncryptedRegex {
		md.LastModified = s.md.LastModified
	}
	mac, err := cipher.Encrypt(macPlain, nil, md.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, nil, "", fmt.Errorf("encrypt MAC: %w", err)
	}
	md.MessageAuthenticationCode = mac
	tree.Metadata = md
	data, err := newSopsStore().EmitEncryptedFile(tree)
	if err != nil {
		return nil, nil, "", fmt.Errorf("encode: %w", err)
	}
	return data, &md, macPlain, nil
}

// errNeedKey explains why a Save without a manager is refused.
var errNeedKey = errors.New("this change needs the stack's data key: open the secrets and save with the manager")

// renderWithoutKey writes a file whose encrypted values and MAC stay exactly as they are.
func (s *StackConfig) renderWithoutKey() ([]byte, *sops.Metadata, string, error) {
	store := newSopsStore()
	root := pruneEmptySections(s.root)
	if s.md == nil {
		if sec, _ := section(root, sectionSecrets); len(sec) > 0 {
			return nil, nil, "", errNeedKey
		}
		data, err := store.EmitPlainFile(sops.TreeBranches{root})
		if err != nil {
			return nil, nil, "", fmt.Errorf("encode: %w", err)
		}
		return data, nil, "", nil
	}
	if s.decrypted || s.secretsChanged || !s.md.MACOnlyEncrypted || s.md.EncryptedRegex != encryptedRegex {
		return nil, nil, "", errNeedKey
	}
	data, err := store.EmitEncryptedFile(sops.Tree{Branches: sops.TreeBranches{root}, Metadata: *s.md})
	if err != nil {
		return nil, nil, "", fmt.Errorf("encode: %w", err)
	}
	md := *s.md
	return data, &md, "", nil
}

// pruneEmptySections drops config and secrets sections that hold nothing, so a file never says `secrets: {}`.
func pruneEmptySections(root sops.TreeBranch) sops.TreeBranch {
	out := make(sops.TreeBranch, 0, len(root))
	for _, item := range root {
		if item.Key == sectionConfig || item.Key == sectionSecrets {
			if b, _ := item.Value.(sops.TreeBranch); len(b) == 0 {
				continue
			}
		}
		out = append(out, item)
	}
	return out
}
