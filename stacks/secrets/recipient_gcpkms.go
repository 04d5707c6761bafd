package secrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	sopsgcpkms "github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/keys"
)

// GCPKMSRecipient is a Cloud KMS key: gcpkms://projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>. The data
// key is wrapped by sops' own gcpkms key source and stored as sops stores it, so the sops CLI decrypts the file
// with the same key. Credentials are Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
// login, workload identity as google-github-actions/auth sets it up), or sops' GOOGLE_CREDENTIALS and
// GOOGLE_OAUTH_ACCESS_TOKEN; sops' SOPS_GCP_KMS_ENDPOINT and SOPS_GCP_KMS_CLIENT_TYPE apply too.
type GCPKMSRecipient struct {
	// ResourceID is projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>.
	ResourceID string
}

// gcpKMSResource is sops' pattern for the resource IDs it accepts, without white space or URL punctuation.
var gcpKMSResource = regexp.MustCompile(`^projects/[^/\s?#]+/locations/[^/\s?#]+/keyRings/[^/\s?#]+/cryptoKeys/[^/\s?#]+$`)

func parseGCPKMS(s string) (GCPKMSRecipient, error) {
	id := strings.TrimPrefix(s, gcpKMSScheme)
	switch {
	case strings.Contains(id, "?"):
		return GCPKMSRecipient{}, errors.New("gcpkms recipients take no parameters (use SOPS_GCP_KMS_ENDPOINT for another endpoint)")
	case strings.Contains(id, "/cryptoKeyVersions/"):
		return GCPKMSRecipient{}, errors.New("name the crypto key, not one of its versions: drop the /cryptoKeyVersions/<n> part")
	case !gcpKMSResource.MatchString(id):
		return GCPKMSRecipient{}, errors.New("want gcpkms://projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>")
	}
	return GCPKMSRecipient{ResourceID: id}, nil
}

// Kind returns "gcpkms".
func (r GCPKMSRecipient) Kind() string { return KindGCPKMS }

// String returns gcpkms://<resource ID>.
func (r GCPKMSRecipient) String() string { return gcpKMSScheme + r.ResourceID }

func (r GCPKMSRecipient) wrap(ctx context.Context, dataKey []byte, _ *options) (keys.MasterKey, error) {
	ctx, cancel := context.WithTimeout(ctx, kmsTimeout)
	defer cancel()
	mk := sopsgcpkms.NewMasterKeyFromResourceID(r.ResourceID)
	if err := mk.EncryptContext(ctx, dataKey); err != nil {
		return nil, fmt.Errorf("wrap the data key for %s: %w", r, err)
	}
	return mk, nil
}

func (r GCPKMSRecipient) matches(k keys.MasterKey) bool {
	gk, ok := k.(*sopsgcpkms.MasterKey)
	return ok && gk.ResourceID == r.ResourceID
}

// unwrapGCPKMS opens a gcp_kms key with sops' own code (and so its environment variables).
func unwrapGCPKMS(ctx context.Context, k *sopsgcpkms.MasterKey) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, kmsTimeout)
	defer cancel()
	mk := &sopsgcpkms.MasterKey{ResourceID: k.ResourceID, EncryptedKey: k.EncryptedKey, CreationDate: k.CreationDate}
	return mk.DecryptContext(ctx)
}
