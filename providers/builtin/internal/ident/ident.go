// Package ident makes the opaque IDs the built-in providers give objects that exist only in state (a command run,
// a data value, a password), where there is no remote system to hand out an ID.
package ident

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// New returns 16 random bytes as 32 lower-case hex characters. The ID carries no information about the object, so
// it is safe to show even when the object holds secrets.
func New() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate object ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
