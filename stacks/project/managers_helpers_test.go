package project

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/stacks/secrets/kmssim/awskms"
	"github.com/infrago/infra/stacks/secrets/kmssim/gcpkms"
)

// Access keys of the AWS KMS simulator: one per recipient, and an admin allowed to use both keys (who rekeys).
const (
	awsAKID1, awsAKID2, awsAdmin = "AKIDSTACKOWNER00001", "AKIDSTACKOWNER00002", "AKIDSTACKADMIN00001"
	awsSecret                    = "simulator-secret"
)

// isolateCloud clears every variable that points the AWS and Google SDKs at real credentials, configuration or
// endpoints, so that tests only ever reach the simulators.
func isolateCloud(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
		"GOOGLE_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN", "SOPS_GCP_KMS_ENDPOINT", "SOPS_GCP_KMS_CLIENT_TYPE", "SOPS_GCP_KMS_UNIVERSE_DOMAIN",
		"INFRA_PASSPHRASE", "INFRA_PASSPHRASE_FILE", "INFRA_NEW_PASSPHRASE", "INFRA_NEW_PASSPHRASE_FILE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", none)
	t.Setenv("CI", "true") // never prompt
}

// awsSim starts an AWS KMS simulator with two keys: key 1 usable by awsAKID1 and the admin, key 2 by awsAKID2
// and the admin.
func awsSim(t *testing.T) (url, key1, key2 string) {
	t.Helper()
	s, err := awskms.New(awskms.Options{Credentials: map[string]string{awsAKID1: awsSecret, awsAKID2: awsSecret, awsAdmin: awsSecret}})
	if err != nil {
		t.Fatal(err)
	}
	k1, err := s.CreateKey("", "stack key 1")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := s.CreateKey("", "stack key 2")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAlias("alias/stack-2", k2.ARN); err != nil {
		t.Fatal(err)
	}
	must(t, s.SetAccess(k1.ARN, awsAKID1, awsAdmin))
	must(t, s.SetAccess(k2.ARN, awsAKID2, awsAdmin))
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = l.Close() })
	return l.URL, k1.ARN, k2.ARN
}

// useAWS makes access key akid the AWS SDK's credentials, against the simulator at url.
func useAWS(t *testing.T, url, akid string) {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL_KMS", url)
	t.Setenv("AWS_ACCESS_KEY_ID", akid)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsSecret)
}

// GCP keys of the simulator; tokens: one per recipient and an admin allowed both.
const (
	gcpKey1 = "projects/infra-test/locations/global/keyRings/stacks/cryptoKeys/one"
	gcpKey2 = "projects/infra-test/locations/global/keyRings/stacks/cryptoKeys/two"

	gcpToken1, gcpToken2, gcpAdmin = "token-one", "token-two", "token-admin"
)

// gcpSim starts a Cloud KMS simulator with gcpKey1 (usable with gcpToken1 and the admin) and gcpKey2 (gcpToken2
// and the admin).
func gcpSim(t *testing.T, tls bool) *gcpkms.Listening {
	t.Helper()
	s, err := gcpkms.New(gcpkms.Options{Tokens: []string{gcpToken1, gcpToken2, gcpAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.CreateCryptoKey(gcpKey1))
	must(t, s.CreateCryptoKey(gcpKey2))
	must(t, s.SetAccess(gcpKey1, gcpToken1, gcpAdmin))
	must(t, s.SetAccess(gcpKey2, gcpToken2, gcpAdmin))
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Listen(ctx, "127.0.0.1:0", gcpkms.ListenOptions{TLS: tls})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = l.Close() })
	return l
}

// useGCPREST points sops' gcpkms client (and so infra) at a plain-text simulator over REST, with token.
func useGCPREST(t *testing.T, l *gcpkms.Listening, token string) {
	t.Helper()
	t.Setenv("SOPS_GCP_KMS_CLIENT_TYPE", "rest")
	t.Setenv("SOPS_GCP_KMS_ENDPOINT", l.URL)
	t.Setenv("GOOGLE_OAUTH_ACCESS_TOKEN", token)
}

// sopsBlock returns the lines of the sops: section of a stack config, and the rest.
func sopsBlock(data string) (block, rest []string) {
	in := false
	for _, l := range strings.Split(data, "\n") {
		if !strings.HasPrefix(l, " ") && l != "" {
			in = l == "sops:"
		}
		if in {
			block = append(block, l)
		} else {
			rest = append(rest, l)
		}
	}
	return block, rest
}
