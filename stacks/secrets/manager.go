package secrets

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/keys"
)

// dataKeySize is the size of a sops data key (AES-256).
const dataKeySize = 32

// Manager holds a stack's plaintext data key and the sops metadata (key groups) that wrap it. It is safe for
// concurrent use.
type Manager struct {
	dataKey []byte
	// groups are the wrapped copies of the data key, as sops stores them. Never modified after construction:
	// rekeying builds a new Manager.
	groups          []sops.KeyGroup
	shamirThreshold int

	// openedBy names the recipient whose key unwrapped the data key ("" for a new data key).
	openedBy string

	mu sync.Mutex
	// cache maps (aad, type, plaintext) to a ciphertext seen or produced for it, so that an unchanged value keeps
	// its ciphertext across writes. Reusing the IV is safe here: the key, the additional data and the plaintext
	// are all the same, so the output is byte for byte the ciphertext that exists already.
	cache map[cacheKey]string
}

type cacheKey struct {
	aad, typ, plaintext string
}

// New creates a manager for a new stack: a fresh random data key wrapped for every recipient. With no recipients
// it uses the user's default age identity, creating it if needed. It is Create with default options.
func New(ctx context.Context, recipients ...Recipient) (*Manager, error) {
	return Create(ctx, recipients)
}

// Create is New with options (passphrases for passphrase recipients).
func Create(ctx context.Context, recipients []Recipient, opts ...OpenOption) (*Manager, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(recipients) == 0 {
		r, err := DefaultAgeRecipient()
		if err != nil {
			return nil, fmt.Errorf("create data key: %w", err)
		}
		recipients = []Recipient{AgeRecipient{PublicKey: r}}
	}
	dataKey := make([]byte, dataKeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, fmt.Errorf("create data key: %w", err)
	}
	group, err := wrap(ctx, dataKey, recipients, newOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("create data key: %w", err)
	}
	return newManager(dataKey, []sops.KeyGroup{group}, 0), nil
}

// wrap encrypts the data key for each distinct recipient.
func wrap(ctx context.Context, dataKey []byte, recipients []Recipient, o *options) (sops.KeyGroup, error) {
	seen := map[string]bool{}
	var group sops.KeyGroup
	for _, r := range recipients {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if seen[r.Kind()+" "+r.String()] {
			continue
		}
		seen[r.Kind()+" "+r.String()] = true
		mk, err := r.wrap(ctx, dataKey, o)
		if err != nil {
			return nil, err
		}
		// Two spellings of one KMS key (an alias and its ARN) wrap for the same key.
		if id := describeKey(mk); !seen[id] {
			seen[id] = true
			group = append(group, mk)
		}
	}
	return group, nil
}

func newManager(dataKey []byte, groups []sops.KeyGroup, threshold int) *Manager {
	return &Manager{
		dataKey:         dataKey,
		groups:          groups,
		shamirThreshold: threshold,
		cache:           map[cacheKey]string{},
	}
}

// derive returns a manager for the same data key with other key groups. It starts with m's ciphertext cache, so
// that a file rewritten with it keeps every ciphertext (and its MAC) byte for byte.
func (m *Manager) derive(groups []sops.KeyGroup, threshold int) *Manager {
	n := newManager(m.dataKey, groups, threshold)
	m.mu.Lock()
	for k, v := range m.cache {
		n.cache[k] = v
	}
	m.mu.Unlock()
	n.openedBy = m.openedBy
	return n
}

// Open unwraps the data key held in sops metadata (read from a stack config file) with whatever is available:
// age identities first, then a passphrase from the environment, then KMS keys, then a passphrase typed at a
// prompt. When nothing fits, the error is a *NoIdentityError that lists the file's recipients, what was tried
// and how to get access.
func Open(ctx context.Context, md sops.Metadata, opts ...OpenOption) (*Manager, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dataKey, openedBy, err := unwrap(ctx, md, newOptions(opts))
	if err != nil {
		return nil, err
	}
	groups := make([]sops.KeyGroup, len(md.KeyGroups))
	for i, g := range md.KeyGroups {
		groups[i] = append(sops.KeyGroup(nil), g...)
	}
	m := newManager(dataKey, groups, md.ShamirThreshold)
	m.openedBy = openedBy
	return m, nil
}

// OpenedBy is the recipient (as Recipients lists it) whose key unwrapped the data key, or "" for a manager that
// was created rather than opened.
func (m *Manager) OpenedBy() string { return m.openedBy }

// Metadata returns sops metadata holding the wrapped data key: the key groups and the Shamir threshold. The
// caller fills in the rest (encryption rules, MAC, last-modified time) for the file it writes. The master keys are
// shared with the manager and must not be modified.
func (m *Manager) Metadata() sops.Metadata {
	groups := make([]sops.KeyGroup, len(m.groups))
	for i, g := range m.groups {
		groups[i] = append(sops.KeyGroup(nil), g...)
	}
	return sops.Metadata{KeyGroups: groups, ShamirThreshold: m.shamirThreshold}
}

// Recipients describes who can unwrap the data key, in the form ParseRecipient reads (age public keys,
// "passphrase", awskms://<ARN>, gcpkms://<resource>); keys of kinds infra does not manage as "<kind> <id>".
func (m *Manager) Recipients() []string {
	var out []string
	for _, g := range m.groups {
		for _, k := range g {
			out = append(out, describeKey(k))
		}
	}
	return out
}

// SameKey reports whether o holds the same data key as m, in constant time.
func (m *Manager) SameKey(o *Manager) bool {
	return o != nil && subtle.ConstantTimeCompare(m.dataKey, o.dataKey) == 1
}

// EncryptValue encrypts plaintext as a sops value of type typ (str, int, float or bool for scalars in the form
// sops writes them, bytes for anything else), bound to the additional data aad. An int, float or bool plaintext
// must parse as one, so that sops can decrypt it. An unchanged value at the same aad gets back the ciphertext it
// had (see the cache on Manager). Errors never contain the plaintext.
//
// Unlike sops, which leaves empty strings unencrypted, an empty plaintext is encrypted too, so that even the
// emptiness of a secret is hidden and bound to its place.
func (m *Manager) EncryptValue(plaintext, typ, aad string) (string, error) {
	if !publicType(typ) {
		return "", fmt.Errorf("encrypt value: unknown type %q (want str, int, float, bool or bytes)", typ)
	}
	return m.encrypt(plaintext, typ, aad)
}

func (m *Manager) encrypt(plaintext, typ, aad string) (string, error) {
	if err := checkPlaintext(plaintext, typ); err != nil {
		return "", fmt.Errorf("encrypt value: %w", err)
	}
	k := cacheKey{aad: aad, typ: typ, plaintext: plaintext}
	m.mu.Lock()
	ct, ok := m.cache[k]
	m.mu.Unlock()
	if ok {
		return ct, nil
	}
	ct, err := seal(m.dataKey, plaintext, typ, aad)
	if err != nil {
		return "", fmt.Errorf("encrypt value: %w", err)
	}
	m.mu.Lock()
	// A concurrent call may have stored one first; keep the first so every caller sees the same ciphertext.
	if prev, ok := m.cache[k]; ok {
		ct = prev
	} else {
		m.cache[k] = ct
	}
	m.mu.Unlock()
	return ct, nil
}

// DecryptValue decrypts a sops value encrypted with this data key and the same additional data, and returns the
// plaintext and its type. The error wraps ErrNotEncrypted for a string that is not a sops value and ErrDecrypt for
// one that does not authenticate (other key, other aad, tampered); it never contains the plaintext.
func (m *Manager) DecryptValue(ciphertext, aad string) (plaintext, typ string, err error) {
	plaintext, typ, err = m.decrypt(ciphertext, aad)
	if err != nil {
		return "", "", err
	}
	if !publicType(typ) {
		return "", "", fmt.Errorf("decrypt value: %w: type %q is only used inside sops files", ErrNotEncrypted, typ)
	}
	return plaintext, typ, nil
}

func (m *Manager) decrypt(ciphertext, aad string) (string, string, error) {
	ev, err := parseValue(ciphertext)
	if err != nil {
		return "", "", fmt.Errorf("decrypt value: %w", err)
	}
	plaintext, err := open(m.dataKey, ev, aad)
	if err != nil {
		return "", "", fmt.Errorf("decrypt value: %w", err)
	}
	m.mu.Lock()
	m.cache[cacheKey{aad: aad, typ: ev.typ, plaintext: plaintext}] = ciphertext
	m.mu.Unlock()
	return plaintext, ev.typ, nil
}

// keyMatches reports whether key is this manager's data key; TreeCipher refuses any other.
func (m *Manager) keyMatches(key []byte) bool {
	return subtle.ConstantTimeCompare(m.dataKey, key) == 1
}

// errWrongKey is returned by TreeCipher when sops hands it a key other than the manager's.
var errWrongKey = errors.New("sops asked to use a data key that is not this stack's")

// masterKeys lists every master key in the groups (for messages).
func masterKeys(groups []sops.KeyGroup) []keys.MasterKey {
	var out []keys.MasterKey
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
