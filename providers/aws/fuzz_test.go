package aws

import (
	"strings"
	"testing"
)

// FuzzImportIDs feeds arbitrary import IDs to the parsers of the composite IDs (attachments and records): they
// must fail with a message or round-trip, never panic.
func FuzzImportIDs(f *testing.F) {
	for _, s := range []string{
		"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/abc,i-0123,8080",
		"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/abc,i-0123",
		"Z123_www.example.com_A", "Z123_a_b_c_TXT", "_x_", ",,", "a,b,c,d", "a,b,99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if in, err := parseAttachmentID(id); err == nil {
			if got := attachmentID(in); got != id && !strings.Contains(id, ",0") && !strings.Contains(id, ",+") {
				// Ports may be written with leading zeros or signs in the ID; the canonical form drops them.
				if back, err := parseAttachmentID(got); err != nil || attachmentID(back) != got {
					t.Fatalf("attachment ID %q parses to %+v, which renders as %q and does not round-trip", id, in, got)
				}
			}
		}
		if zone, name, typ, err := parseRecordID(id); err == nil {
			if zone == "" || name == "" || typ == "" {
				t.Fatalf("record ID %q parsed to empty parts", id)
			}
		}
	})
}
