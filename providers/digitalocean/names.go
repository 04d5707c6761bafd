package digitalocean

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

var (
	regionPattern   = regexp.MustCompile(`^[a-z]{3}[0-9]$`)
	hostnamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)
	tagPattern      = regexp.MustCompile(`^[a-zA-Z0-9_\-:]{1,255}$`)
)

// autoName derives a name from a resource's URN name: lowercased, cleaned to letters, digits and hyphens,
// starting with a letter, cut to fit 63 characters, and followed by a hyphen and 7 random hex digits, so that a
// replacement can be created before the old object is deleted without their names colliding (VPC and load
// balancer names are unique in an account).
func autoName(urn resource.URN) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate a name: %w", err)
	}
	suffix := "-" + hex.EncodeToString(b[:])[:7]
	var sb strings.Builder
	for _, r := range strings.ToLower(urn.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
		default:
			sb.WriteByte('-')
		}
	}
	base := strings.Trim(sb.String(), "-")
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "infra-" + base
	}
	if keep := 63 - len(suffix); len(base) > keep {
		base = base[:keep]
	}
	return strings.TrimRight(base, "-") + suffix, nil
}

// fillName fills in an unset name (see provider.FillName).
func fillName[I any](urn resource.URN, old, in *I, name func(*I) **string) error {
	return provider.FillName(urn, old, in, name, autoName)
}

// failures collects check failures.
type failures []provider.CheckFailure

func (f *failures) add(prop, format string, args ...any) {
	*f = append(*f, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
}

func (f *failures) region(prop, v string) {
	if !regionPattern.MatchString(v) {
		f.add(prop, "%s %q is not a region slug such as nyc3 or fra1", prop, v)
	}
}

func (f *failures) tags(prop string, tags []string) {
	for _, t := range tags {
		switch {
		case !tagPattern.MatchString(t):
			f.add(prop, "tag %q is not valid: use 1 to 255 letters, digits, colons, dashes and underscores", t)
		case isInternalTag(t):
			f.add(prop, "tag %q starts with %s or %s, which the provider keeps for itself", t, urnTagPrefix, tokenTagPrefix)
		}
	}
}
