package secrets

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
)

// derivedKeySize is the size of keys returned by DeriveKey: the HMAC-SHA256 block of security.
const derivedKeySize = 32

// DeriveKey returns a 32-byte subkey of the data key for one purpose (HKDF-SHA256, the purpose as info), e.g.
// "state-mac" to sign snapshots or "input-hash" to key hashes of inputs. Distinct purposes give independent keys,
// and a subkey reveals nothing about the data key or about other subkeys.
func (m *Manager) DeriveKey(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, m.dataKey, nil, "infra/"+purpose, derivedKeySize)
	if err != nil {
		// hkdf.Key fails only for lengths beyond 255 hash blocks; 32 bytes is one block.
		return nil
	}
	return k
}

// KeyID is a short public fingerprint of the data key (derived, so it says nothing about the key). It lets a
// state file record which data key encrypted it, to tell "wrong stack config" from "tampered state".
func (m *Manager) KeyID() string {
	return hex.EncodeToString(m.DeriveKey("key-id")[:12])
}
