package secrets

import (
	"strings"
	"testing"

	"filippo.io/age"
)

func TestParseRecipientKinds(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	pk := id.Recipient().String()
	arn := "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	gcp := "projects/p-1/locations/global/keyRings/r/cryptoKeys/k"
	for _, c := range []struct {
		in, kind, str string
	}{
		{pk, KindAge, pk},
		{" passphrase\n", KindPassphrase, "passphrase"},
		{"awskms://" + arn, KindAWSKMS, "awskms://" + arn},
		{"awskms://" + arn + "?region=eu-west-1", KindAWSKMS, "awskms://" + arn + "?region=eu-west-1"},
		{"awskms://alias/infra?region=us-east-1&endpoint=http://127.0.0.1:4566", KindAWSKMS, "awskms://alias/infra?endpoint=http%3A%2F%2F127.0.0.1%3A4566&region=us-east-1"},
		{"awskms://1234abcd-12ab-34cd-56ef-1234567890ab", KindAWSKMS, "awskms://1234abcd-12ab-34cd-56ef-1234567890ab"},
		{"gcpkms://" + gcp, KindGCPKMS, "gcpkms://" + gcp},
	} {
		r, err := ParseRecipient(c.in)
		if err != nil {
			t.Errorf("ParseRecipient(%q): %v", c.in, err)
			continue
		}
		if r.Kind() != c.kind || r.String() != c.str {
			t.Errorf("ParseRecipient(%q) = %s %s, want %s %s", c.in, r.Kind(), r, c.kind, c.str)
		}
		// What String gives parses back to the same recipient.
		again, err := ParseRecipient(r.String())
		if err != nil || again != r {
			t.Errorf("%s does not round-trip: %v, %v", r, again, err)
		}
	}
	if r, _ := ParseRecipient("awskms://alias/x?region=us-east-1&endpoint=http://h:1"); r.(AWSKMSRecipient).Endpoint != "http://h:1" {
		t.Errorf("endpoint not parsed: %#v", r)
	}
}

func TestParseRecipientErrors(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	for _, c := range []struct{ in, want string }{
		{"", "empty recipient"},
		{"age1notakey", "age recipient"},
		{id.String(), "that is an age private key"},
		{"arn:aws:kms:us-east-1:1:key/x", "write an AWS KMS key as awskms://arn:aws:kms:us-east-1:1:key/x"},
		{"projects/p/locations/l/keyRings/r/cryptoKeys/k", "write a GCP KMS key as gcpkms://"},
		{"awskms://", "no key"},
		{"awskms://not a key", "not a KMS key ARN"},
		{"awskms://alias/x?regoin=us-east-1", `unknown parameter "regoin"`},
		{"awskms://alias/x?region=mars", "is not an AWS region"},
		{"awskms://alias/x?region=us-east-1&region=us-east-2", "given 2 times"},
		{"awskms://alias/x?endpoint=ftp://x", "is not an http(s) URL"},
		{"awskms://arn:aws:kms:us-east-1:111122223333:key/abc?region=eu-west-1", "differs from the region of the ARN"},
		{"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1", "not one of its versions"},
		{"gcpkms://projects/p/keyRings/r", "want gcpkms://projects/"},
		{"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k?endpoint=x", "take no parameters"},
		{"age1" + strings.Repeat("q", 10) + "1" + strings.Repeat("p", 40), "age recipient"},
		{"pgp:ABCD", "unsupported kind"},
	} {
		_, err := ParseRecipient(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseRecipient(%q) = %v, want an error saying %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "AGE-SECRET-KEY") {
			t.Errorf("the error quotes a private key: %v", err)
		}
	}
}

func TestDescribeKey(t *testing.T) {
	for _, c := range []struct{ kind, id, want string }{
		{"age", "age1abc", "age1abc"},
		{"age", passphraseRecipientID, "passphrase"},
		{"kms", "arn:aws:kms:r:1:key/k+arn:aws:iam::1:role/x|a:b|profile", "awskms://arn:aws:kms:r:1:key/k"},
		{"gcp_kms", "projects/p/locations/l/keyRings/r/cryptoKeys/k", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k"},
		{"pgp", "ABCDEF", "pgp ABCDEF"},
	} {
		if got := DescribeKey(c.kind, c.id); got != c.want {
			t.Errorf("DescribeKey(%s, %s) = %s, want %s", c.kind, c.id, got, c.want)
		}
	}
}

// FuzzParseRecipient: whatever parses has a String that parses back to the same recipient, and no error quotes
// an age private key.
func FuzzParseRecipient(f *testing.F) {
	for _, s := range []string{
		"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", "passphrase",
		"awskms://arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab?region=us-east-1",
		"awskms://alias/a?endpoint=http://127.0.0.1:1&region=eu-west-1", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
		"awskms://alias/x?%zz", "gcpkms://", "AGE-SECRET-KEY-1QQQ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecipient(s)
		if err != nil {
			if strings.Contains(err.Error(), "AGE-SECRET-KEY-") {
				t.Fatalf("the error quotes a private key: %v", err)
			}
			return
		}
		again, err := ParseRecipient(r.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", s, r, err)
		}
		if again != r {
			t.Fatalf("%q: %#v became %#v", s, r, again)
		}
	})
}
