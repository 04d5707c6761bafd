package aws

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// autoName derives a physical name from a resource's URN name: the name (cleaned to the characters AWS allows,
// and cut so the result fits max) followed by a hyphen and 7 random hex digits, so that a replacement can be
// created before the old object is deleted without their names colliding.
func autoName(urn resource.URN, max int) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate a name: %w", err)
	}
	suffix := "-" + hex.EncodeToString(b[:])[:7]
	var sb strings.Builder
	for _, r := range urn.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			sb.WriteRune(r)
		default:
			sb.WriteByte('-')
		}
	}
	base := strings.Trim(sb.String(), "-")
	if base == "" {
		base = "infra"
	}
	if keep := max - len(suffix); len(base) > keep {
		base = strings.TrimRight(base[:keep], "-")
	}
	return base + suffix, nil
}

// str is the value of an optional string ("" when unset).
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// optStr is nil for "" and a pointer to s otherwise: how an optional input reads back from AWS.
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
