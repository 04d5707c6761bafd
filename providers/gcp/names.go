package gcp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

var (
	projectPattern = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	namePattern    = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$`)
)

// autoName derives a Compute Engine name from a resource's URN name: lowercased, cleaned to letters, digits and
// hyphens, starting with a letter, cut to fit 63 characters, and followed by a hyphen and 7 random hex digits,
// so that a replacement can be created before the old object is deleted without their names colliding.
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

// checkName is the failure for a name Compute Engine would refuse, or nil.
func checkName(prop, name string) *string {
	if namePattern.MatchString(name) {
		return nil
	}
	msg := fmt.Sprintf("%s %q is not a valid Compute Engine name: 1 to 63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", prop, name)
	return &msg
}

// requestID turns an idempotency token into the UUID Compute Engine wants as a requestId (the token's first 32
// hex digits; a token that is not hex is hashed first).
func requestID(token string) string {
	h := strings.ToLower(token)
	if len(h) < 32 || strings.Trim(h[:32], "0123456789abcdef") != "" {
		sum := sha256.Sum256([]byte(token))
		h = hex.EncodeToString(sum[:])
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// urnLabel is the value of the infra-urn label: label values cannot hold a URN's characters, so it is the first
// 32 hex digits of the URN's SHA-256, which tells a resource's objects apart from every other's.
func urnLabel(urn resource.URN) string {
	sum := sha256.Sum256([]byte(urn))
	return hex.EncodeToString(sum[:16])
}

// rel turns a selfLink or a partial URL into the path the provider uses as IDs and references
// ("projects/p/global/networks/n").
func rel(link string) string {
	if i := strings.Index(link, "projects/"); i >= 0 {
		return link[i:]
	}
	return link
}

// last is a path's last segment: the name of the object a link names.
func last(link string) string {
	if i := strings.LastIndexByte(link, '/'); i >= 0 {
		return link[i+1:]
	}
	return link
}

// sameRef reports whether two references name the same object (a full URL, a path, a partial URL or a name).
func sameRef(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := rel(a), rel(b)
	if ra == rb {
		return true
	}
	// A partial reference ("global/networks/default", "default") names the object whose path ends with it.
	short, long := ra, rb
	if len(short) > len(long) {
		short, long = long, short
	}
	return strings.HasSuffix(long, "/"+short)
}

// keepRef is what a read reports for a reference: the program's own spelling when it names the live object,
// the live object's path otherwise.
func keepRef(old *string, live string) *string {
	if live == "" {
		return nil
	}
	if old != nil && sameRef(*old, live) {
		return old
	}
	r := rel(live)
	return &r
}

// keepRefs is keepRef for lists, in the program's order when they name the same objects.
func keepRefs(old []string, live []string) []string {
	if len(live) == 0 {
		return nil
	}
	if len(old) == len(live) {
		used := make([]bool, len(live))
		out := make([]string, 0, len(old))
		for _, o := range old {
			found := false
			for i, l := range live {
				if !used[i] && sameRef(o, l) {
					used[i], found = true, true
					break
				}
			}
			if !found {
				break
			}
			out = append(out, o)
		}
		if len(out) == len(old) {
			return out
		}
	}
	out := make([]string, len(live))
	for i, l := range live {
		out[i] = rel(l)
	}
	return out
}

// regionOfZone is the region of a zone ("us-central1-a" → "us-central1").
func regionOfZone(zone string) string {
	if i := strings.LastIndexByte(zone, '-'); i > 0 {
		return zone[:i]
	}
	return zone
}

// objectID is a Compute Engine object's ID: its path, projects/P/(global|regions/R|zones/Z)/COLLECTION/NAME.
type objectID struct {
	project string
	// location is the region or zone ("" for global objects).
	location, name string
}

// parseID reads an ID of a collection; scopeKind is "global", "regions" or "zones".
func parseID(id, scopeKind, collection string) (objectID, error) {
	parts := strings.Split(rel(id), "/")
	want := "projects/P/" + scopeKind + "/"
	if scopeKind != "global" {
		want += strings.TrimSuffix(scopeKind, "s") + "/"
	}
	want += collection + "/NAME"
	bad := fmt.Errorf("ID %q is not of the form %s", id, want)
	switch {
	case scopeKind == "global" && len(parts) == 5 && parts[0] == "projects" && parts[2] == "global" && parts[3] == collection:
		return objectID{project: parts[1], name: parts[4]}, nil
	case scopeKind != "global" && len(parts) == 6 && parts[0] == "projects" && parts[2] == scopeKind && parts[4] == collection:
		if parts[3] == "" || parts[5] == "" || parts[1] == "" {
			return objectID{}, bad
		}
		return objectID{project: parts[1], location: parts[3], name: parts[5]}, nil
	}
	return objectID{}, bad
}

// path renders an ID.
func (o objectID) path(scopeKind, collection string) string {
	if scopeKind == "global" {
		return "projects/" + o.project + "/global/" + collection + "/" + o.name
	}
	return "projects/" + o.project + "/" + scopeKind + "/" + o.location + "/" + collection + "/" + o.name
}

func strPtr(s string) *string { return &s }

// str is the value of an optional string ("" when unset).
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// optStr is nil for "" and a pointer to s otherwise: how an optional input reads back.
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
