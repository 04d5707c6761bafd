package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
)

// randomHex returns n random lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b) // documented never to fail
	return hex.EncodeToString(b)[:n]
}

// newResourceID returns an EC2 ID in the long format: prefix-0 followed by 16 hex digits ("i-0a1b2c...").
func newResourceID(prefix string) string { return prefix + "-0" + randomHex(16) }

// stableID derives an EC2-style ID from a name, for the objects every simulator starts with (the default VPC,
// its subnets, the images), so that they have the same IDs on every start.
func stableID(prefix, name string) string {
	sum := sha256.Sum256([]byte(prefix + "/" + name))
	return prefix + "-0" + hex.EncodeToString(sum[:])[:16]
}

// upperAlnum is the alphabet of Route 53 IDs.
const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newRoute53ID returns a Route 53 ID: prefix followed by n upper-case letters and digits (zones "Z…", changes
// "C…").
func newRoute53ID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var sb strings.Builder
	sb.WriteString(prefix)
	for _, c := range b {
		sb.WriteByte(upperAlnum[int(c)%len(upperAlnum)])
	}
	return sb.String()
}

// newRequestID returns a request ID in the UUID form AWS uses.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
