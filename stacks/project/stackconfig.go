package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/getsops/sops/v3"

	"github.com/infrago/infra/stacks/secrets"
)

// The layout of Infra.<stack>.yaml: plain values under config, secret values under secrets, and sops' metadata
// under sops. Only the secrets section is encrypted (encrypted_regex), so plain values stay readable and
// diffable, and the MAC covers only encrypted values (mac_only_encrypted), so that a plain value can be edited by
// hand, or merged by git, without breaking the file.
const (
	sectionConfig  = "config"
	sectionSecrets = "secrets"
	sectionSops    = "sops"
	encryptedRegex = "^secrets$"
)

// ErrSecretsLocked is returned when an operation needs the decrypted secrets but OpenSecrets has not been called.
var ErrSecretsLocked = errors.New("the stack's secrets are not decrypted: open them first (OpenSecrets)")

// ErrNoDataKey is returned by OpenSecrets for a stack config that has no sops metadata, and so no data key yet.
var ErrNoDataKey = errors.New("the stack config holds no data key (no sops: block)")

// StackConfig is one stack's configuration file, Infra.<stack>.yaml: a valid sops file that the sops CLI can
// decrypt and edit. Its methods are not safe for concurrent use.
type StackConfig struct {
	path string
	// root is the document without the sops key: the config and secrets sections and any top-level comments,
	// as sops' YAML store reads them (so comments and key order survive a rewrite).
	root sops.TreeBranch
	// md is the file's sops metadata; nil for a file without a sops block.
	md *sops.Metadata
	// decrypted is true when the secrets in root are plaintext (after OpenSecrets or Save, or when there was
	// nothing to decrypt).
	decrypted bool
	// pristine is root as loaded, kept while the secrets are locked so that Save can check the file's MAC after
	// edits made in the meantime.
	pristine sops.TreeBranch
	// macPlain is the verified MAC of the file as last read or written; Save keeps the file's lastmodified and
	// MAC when it is unchanged, so a rewrite with no secret change touches no sops line.
	macPlain string
	// secretsChanged records a secret set or removed since the file was last read or written.
	secretsChanged bool
}

// ConfigValue is one config value handed to a program. Printing it with the fmt package shows "[secret]" in place
// of a secret's value.
type ConfigValue struct {
	// Value is a string, int, float64, bool, nil, map[string]any or []any; always a string for secrets.
	Value any
	// Secret marks a value that must be treated as a secret by the program.
	Secret bool
}

// String implements fmt.Stringer without revealing secrets.
func (v ConfigValue) String() string {
	if v.Secret {
		return "[secret]"
	}
	return fmt.Sprint(v.Value)
}

// GoString implements fmt.GoStringer without revealing secrets.
func (v ConfigValue) GoString() string {
	if v.Secret {
		return "project.ConfigValue{Value:[secret], Secret:true}"
	}
	return fmt.Sprintf("project.ConfigValue{Value:%#v, Secret:false}", v.Value)
}

// NewStackConfig returns an empty stack config for path whose data key is m's. Nothing is written until Save.
func NewStackConfig(path string, m *secrets.Manager) *StackConfig {
	md := m.Metadata()
	return &StackConfig{path: path, md: &md, decrypted: true}
}

// LoadStackConfig reads a stack config without decrypting it: plain values are available at once, secrets after
// OpenSecrets. A missing file gives an error wrapping fs.ErrNotExist; a malformed one, *FileErrors naming the file
// and the line.
func LoadStackConfig(path string) (*StackConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load stack config: %w: create the stack with `infra stack init`", err)
		}
		return nil, fmt.Errorf("load stack config: %w", err)
	}
	return parseStackConfig(path, data)
}

// Path returns the file's path.
func (s *StackConfig) Path() string { return s.path }

// HasDataKey reports whether the file holds sops metadata with a wrapped data key.
func (s *StackConfig) HasDataKey() bool { return s.md != nil }

// Recipients lists who can unwrap the file's data key, in the form `infra stack rekey` takes them (age public
// keys, "passphrase", awskms://<ARN>, gcpkms://<resource>; kinds infra does not manage as "<kind> <id>"), without
// decrypting anything.
func (s *StackConfig) Recipients() []string {
	if s.md == nil {
		return nil
	}
	var out []string
	for _, g := range s.md.KeyGroups {
		for _, k := range g {
			out = append(out, secrets.DescribeMasterKey(k))
		}
	}
	return out
}

// Get returns the value of a full key ("aws:region") and whether it is secret. A secret's value is its plaintext
// string once the secrets are open, and nil before (as is a plain value of a file that sops encrypted whole). The
// value is a copy.
func (s *StackConfig) Get(key string) (value any, secret bool, ok bool) {
	if cfg, _ := section(s.root, sectionConfig); cfg != nil {
		if v, i := lookup(cfg, key); i >= 0 {
			if !s.plainReadable() {
				return nil, false, true
			}
			return toGo(v), false, true
		}
	}
	if sec, _ := section(s.root, sectionSecrets); sec != nil {
		if v, i := lookup(sec, key); i >= 0 {
			if !s.decrypted {
				return nil, true, true
			}
			str, _ := scalarString(v)
			return str, true, true
		}
	}
	return nil, false, false
}

// Set sets a full key ("aws:region") to a plain value or, with secret, to a secret string, moving it between the
// plain and the secret section as needed. Setting a secret needs the secrets open (OpenSecrets), as does any
// change to a file whose sops rules are not infra's own. Plain values may be strings, numbers, booleans, nil,
// and maps (with string keys) and slices of those.
func (s *StackConfig) Set(key string, value any, secret bool) error {
	if err := ValidateConfigKey(key); err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	if err := s.checkEditable(secret); err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	var tv any
	if secret {
		str, ok := value.(string)
		if !ok {
			return fmt.Errorf("set %s: a secret value must be a string, not %T", key, value)
		}
		tv = str
	} else {
		v, err := toTree(value)
		if err != nil {
			return fmt.Errorf("set %s: %w", key, err)
		}
		if !s.decrypted && hasSecretsKey(v) {
			// sops' rule encrypts anything under a key named "secrets", even inside a plain value: writing it
			// needs the data key.
			return fmt.Errorf("set %s: a value with a %q key inside: %w", key, sectionSecrets, ErrSecretsLocked)
		}
		tv = v
	}
	from, to := sectionConfig, sectionSecrets
	if !secret {
		from, to = to, from
	}
	if s.removeFrom(from, key) && from == sectionSecrets {
		s.secretsChanged = true
	}
	sec, i := section(s.root, to)
	sec = upsert(sec, key, tv)
	if i >= 0 {
		s.root[i].Value = sec
	} else {
		s.root = insertSection(s.root, to, sec)
	}
	if secret {
		s.secretsChanged = true
	}
	return nil
}

// Remove deletes a key from the file and reports whether it was there.
func (s *StackConfig) Remove(key string) bool {
	if s.removeFrom(sectionConfig, key) {
		return true
	}
	if s.removeFrom(sectionSecrets, key) {
		s.secretsChanged = true
		return true
	}
	return false
}

// Keys returns every key of the file, plain and secret, sorted.
func (s *StackConfig) Keys() []string {
	var keys []string
	for _, name := range []string{sectionConfig, sectionSecrets} {
		sec, _ := section(s.root, name)
		for _, item := range sec {
			if k, ok := item.Key.(string); ok {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// Values returns every value of the file, for handing to a program. It needs the secrets open when the file has
// any.
func (s *StackConfig) Values() (map[string]ConfigValue, error) {
	out := map[string]ConfigValue{}
	if !s.plainReadable() {
		return nil, fmt.Errorf("config values of %s: %w", s.path, ErrSecretsLocked)
	}
	if cfg, _ := section(s.root, sectionConfig); cfg != nil {
		for _, item := range cfg {
			if k, ok := item.Key.(string); ok {
				out[k] = ConfigValue{Value: toGo(item.Value)}
			}
		}
	}
	if sec, _ := section(s.root, sectionSecrets); sec != nil {
		for _, item := range sec {
			k, ok := item.Key.(string)
			if !ok {
				continue
			}
			if !s.decrypted {
				return nil, fmt.Errorf("config values of %s: %w", s.path, ErrSecretsLocked)
			}
			str, _ := scalarString(item.Value)
			out[k] = ConfigValue{Value: str, Secret: true}
		}
	}
	return out, nil
}

// plainReadable reports whether plain values are plaintext in root. They are not, before decryption, in a file
// whose own sops rules (set by hand-configured sops, not by infra) encrypt them too.
func (s *StackConfig) plainReadable() bool {
	return s.decrypted || s.md == nil || s.md.EncryptedRegex == encryptedRegex
}

// checkEditable refuses edits that could mix plaintext into a tree that still holds ciphertexts.
func (s *StackConfig) checkEditable(secret bool) error {
	if s.decrypted {
		return nil
	}
	if secret {
		return ErrSecretsLocked
	}
	if s.md != nil && s.md.EncryptedRegex != encryptedRegex {
		// The file's own rules may encrypt plain values too; a plaintext value among them would not decrypt.
		return ErrSecretsLocked
	}
	return nil
}

func (s *StackConfig) removeFrom(name, key string) bool {
	sec, i := section(s.root, name)
	if sec == nil {
		return false
	}
	_, j := lookup(sec, key)
	if j < 0 {
		return false
	}
	s.root[i].Value = append(sec[:j:j], sec[j+1:]...)
	return true
}

// insertSection adds a top-level section: config before secrets, both before anything else.
func insertSection(root sops.TreeBranch, name string, sec sops.TreeBranch) sops.TreeBranch {
	at := len(root)
	if name == sectionConfig {
		if _, i := section(root, sectionSecrets); i >= 0 {
			at = i
		}
	}
	root = append(root, sops.TreeItem{})
	copy(root[at+1:], root[at:])
	root[at] = sops.TreeItem{Key: name, Value: sec}
	return root
}
