package digitalocean

import (
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/resource"
)

// FuzzIDs feeds arbitrary text to the parsers of the IDs a user gives `infra import` and state holds: they must
// refuse what they cannot read with an error, never panic, and read back what they accept.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"12345", "example.com/12345", "192.0.2.10", "", "/", "a/b/c", "example.com/-1", "0", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if n, err := dropletID(id); err == nil && n <= 0 {
			t.Errorf("dropletID(%q) = %d", id, n)
		}
		if n, err := keyID(id); err == nil && n <= 0 {
			t.Errorf("keyID(%q) = %d", id, n)
		}
		if domain, n, err := recordID(id); err == nil && (n <= 0 || !domainPattern.MatchString(domain)) {
			t.Errorf("recordID(%q) = %q %d", id, domain, n)
		}
		_ = checkIP(id)
	})
}

// FuzzTags checks that the provider's own tags are always tags DigitalOcean accepts, whatever the URN or token.
func FuzzTags(f *testing.F) {
	f.Add("web", "0123456789abcdef0123456789abcdef")
	f.Add(strings.Repeat("long-name/$", 40), "not a token!")
	f.Fuzz(func(t *testing.T, name, token string) {
		urn := resource.NewURN("dev", "proj", "", DropletToken, name)
		for _, tag := range []string{urnTag(urn), tokenTag(token)} {
			if !tagPattern.MatchString(tag) || !isInternalTag(tag) {
				t.Errorf("tag %q is not a valid internal tag", tag)
			}
		}
	})
}
