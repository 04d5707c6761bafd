package secrets

import (
	"fmt"
	"path/filepath"
	"strings"
)

// NoIdentityError is returned when nothing available can unwrap the data key: no age identity is a recipient,
// no passphrase opens it, no KMS key can be used. Its message lists the recipients, what was tried and how to get
// access, for each kind of recipient the file has. It never contains key material.
type NoIdentityError struct {
	// Recipients are the file's recipients (see DescribeKey).
	Recipients []string
	// Tried are the places age identities were looked for.
	Tried []IdentitySource
	// Yours are the public keys of the age identities that were found (none of which is a recipient).
	Yours []string
	// Detail says why recipients other than age keys did not open (wrong passphrase, KMS access denied, ...), and
	// why age keys failed when it is something else than "not a recipient".
	Detail []string
}

// Error says what the data key is wrapped for, what was tried, and how to get access.
func (e *NoIdentityError) Error() string {
	var b strings.Builder
	b.WriteString("cannot unwrap the stack's data key: none of its recipients can be opened with the identities, passphrases and KMS access available here")
	b.WriteString("\n  recipients of the data key:")
	if len(e.Recipients) == 0 {
		b.WriteString(" none")
	}
	var hasAge, hasPass, hasAWS, hasGCP bool
	for _, r := range e.Recipients {
		b.WriteString("\n    " + r)
		switch {
		case strings.HasPrefix(r, "age1"):
			hasAge = true
		case r == KindPassphrase:
			hasPass = true
		case strings.HasPrefix(r, awsKMSScheme):
			hasAWS = true
		case strings.HasPrefix(r, gcpKMSScheme):
			hasGCP = true
		}
	}
	b.WriteString("\n  age identities tried:")
	for _, s := range e.Tried {
		b.WriteString("\n    " + s.describe())
	}
	switch {
	case len(e.Yours) == 0:
		b.WriteString("\n  no age identity was found")
	case hasAge:
		b.WriteString("\n  your age identities (" + strings.Join(e.Yours, ", ") + ") are not recipients of the data key")
	}
	for _, d := range e.Detail {
		b.WriteString("\n  " + d)
	}
	yours := "<your public key>"
	if len(e.Yours) > 0 {
		yours = e.Yours[0]
	}
	b.WriteString("\n  to fix, any one of:")
	if hasAge {
		b.WriteString("\n    - set " + EnvAgeKeyFile + " to a key file holding one of the age recipients' identities (or put the key in " + EnvAgeKey + ")")
	}
	if hasPass {
		b.WriteString("\n    - set " + EnvPassphrase + " (or " + EnvPassphraseFile + ") to the stack's passphrase, or run on a terminal to be asked for it")
	}
	if hasAWS {
		b.WriteString("\n    - use AWS credentials allowed kms:Decrypt on the KMS key (the AWS SDK's default chain: AWS_PROFILE, AWS_ACCESS_KEY_ID, " +
			"web identity; AWS_ENDPOINT_URL_KMS for another endpoint)")
	}
	if hasGCP {
		b.WriteString("\n    - use Google credentials allowed cloudkms.cryptoKeyVersions.useToDecrypt on the key (Application Default Credentials, " +
			"GOOGLE_CREDENTIALS or GOOGLE_OAUTH_ACCESS_TOKEN)")
	}
	b.WriteString("\n    - ask a teammate who can decrypt to run `infra stack rekey --add-recipient " + yours + "`")
	if len(e.Yours) == 0 {
		path := "~/.config/infra/age/keys.txt"
		if p, err := DefaultIdentityPath(); err == nil {
			path = p
		}
		b.WriteString(fmt.Sprintf(" (create your identity first: `mkdir -p %s && age-keygen -o %s` prints its public key)", filepath.Dir(path), path))
	}
	return b.String()
}
