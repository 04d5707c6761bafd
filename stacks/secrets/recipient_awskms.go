package secrets

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/getsops/sops/v3/keys"
	sopskms "github.com/getsops/sops/v3/kms"
)

// AWSKMSRecipient is an AWS KMS key: awskms://<key>?region=<region>&endpoint=<url>. The data key is wrapped with
// kms:Encrypt and stored as sops stores a kms key (its ARN and the ciphertext), so the sops CLI decrypts the file
// with the same key. Credentials come from the AWS SDK's default chain (environment, shared config and SSO
// profiles, web identity tokens as GitHub Actions' OIDC provides them, container and instance roles).
type AWSKMSRecipient struct {
	// KeyID is a key ARN (arn:aws:kms:<region>:<account>:key/<id>), an alias ARN, a key ID or an alias name
	// (alias/<name>). Key IDs and alias names are resolved to the key's ARN with kms:DescribeKey when wrapping,
	// because sops records keys by ARN.
	KeyID string
	// Region is the key's region, needed for key IDs and alias names when the SDK's configuration has none
	// (AWS_REGION); an ARN names its own.
	Region string
	// Endpoint overrides the KMS endpoint for this command (a simulator, a VPC endpoint). The sops file has no
	// place for it, so reading the stack later needs AWS_ENDPOINT_URL_KMS instead; that variable also applies
	// when Endpoint is empty.
	Endpoint string
}

// kmsARN is sops' pattern for the ARNs it accepts.
var kmsARN = regexp.MustCompile(`^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$`)

// kmsKeyID matches key IDs (UUIDs, multi-Region mrk- IDs) and alias names.
var kmsKeyID = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32}|alias/[a-zA-Z0-9/_-]{1,250})$`)

var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// kmsTimeout bounds one KMS call, retries included, so that an unreachable endpoint fails instead of hanging.
const kmsTimeout = 45 * time.Second

// parseAWSKMS parses awskms://<key>[?region=R&endpoint=URL].
func parseAWSKMS(s string) (AWSKMSRecipient, error) {
	rest := strings.TrimPrefix(s, awsKMSScheme)
	id, query, _ := strings.Cut(rest, "?")
	r := AWSKMSRecipient{KeyID: id}
	if id == "" {
		return r, errors.New("no key: want awskms://<key ARN, key ID or alias/name>")
	}
	if !kmsARN.MatchString(id) && !kmsKeyID.MatchString(id) {
		return r, errors.New("not a KMS key ARN, key ID or alias/name")
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return r, fmt.Errorf("invalid query: %w", err)
	}
	for name, vs := range params {
		if len(vs) != 1 {
			return r, fmt.Errorf("parameter %s is given %d times", name, len(vs))
		}
		switch name {
		case "region":
			r.Region = vs[0]
			if !awsRegion.MatchString(r.Region) {
				return r, fmt.Errorf("region %q is not an AWS region", r.Region)
			}
		case "endpoint":
			r.Endpoint = vs[0]
			u, err := url.Parse(r.Endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				return r, fmt.Errorf("endpoint %q is not an http(s) URL", r.Endpoint)
			}
		default:
			return r, fmt.Errorf("unknown parameter %q (want region or endpoint)", name)
		}
	}
	if m := kmsARN.FindStringSubmatch(id); m != nil && r.Region != "" && r.Region != m[1] {
		return r, fmt.Errorf("region %s differs from the region of the ARN, %s", r.Region, m[1])
	}
	return r, nil
}

// Kind returns "awskms".
func (r AWSKMSRecipient) Kind() string { return KindAWSKMS }

// String returns awskms://<key> with its parameters, in a canonical order.
func (r AWSKMSRecipient) String() string {
	q := url.Values{}
	if r.Region != "" {
		q.Set("region", r.Region)
	}
	if r.Endpoint != "" {
		q.Set("endpoint", r.Endpoint)
	}
	s := awsKMSScheme + r.KeyID
	if len(q) > 0 {
		s += "?" + q.Encode() // Encode sorts by parameter name.
	}
	return s
}

// client returns a KMS client for the key's region, with the SDK's default credentials.
func (r AWSKMSRecipient) client(ctx context.Context) (*kms.Client, error) {
	region := r.Region
	if m := kmsARN.FindStringSubmatch(r.KeyID); m != nil {
		region = m[1]
	}
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region for KMS key %s: write awskms://%s?region=<region>, or set AWS_REGION", r.KeyID, r.KeyID)
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		if r.Endpoint != "" {
			o.BaseEndpoint = aws.String(r.Endpoint)
		}
	}), nil
}

// resolve returns the recipient with KeyID replaced by the key's ARN (kms:DescribeKey), unless it is an ARN.
func (r AWSKMSRecipient) resolve(ctx context.Context) (AWSKMSRecipient, error) {
	if kmsARN.MatchString(r.KeyID) {
		return r, nil
	}
	ctx, cancel := context.WithTimeout(ctx, kmsTimeout)
	defer cancel()
	c, err := r.client(ctx)
	if err != nil {
		return r, err
	}
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(r.KeyID)})
	if err != nil {
		return r, fmt.Errorf("find the ARN of KMS key %s: %w", r.KeyID, err)
	}
	if out.KeyMetadata == nil || out.KeyMetadata.Arn == nil || !kmsARN.MatchString(*out.KeyMetadata.Arn) {
		return r, fmt.Errorf("find the ARN of KMS key %s: DescribeKey returned no valid ARN", r.KeyID)
	}
	r.KeyID = *out.KeyMetadata.Arn
	return r, nil
}

func (r AWSKMSRecipient) wrap(ctx context.Context, dataKey []byte, _ *options) (keys.MasterKey, error) {
	r, err := r.resolve(ctx)
	if err != nil {
		return nil, fmt.Errorf("wrap the data key for %s: %w", r, err)
	}
	ctx, cancel := context.WithTimeout(ctx, kmsTimeout)
	defer cancel()
	c, err := r.client(ctx)
	if err != nil {
		return nil, fmt.Errorf("wrap the data key for %s: %w", r, err)
	}
	out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(r.KeyID), Plaintext: dataKey})
	if err != nil {
		return nil, fmt.Errorf("wrap the data key for %s: %w", r, err)
	}
	// Exactly what sops' kms.MasterKey.Encrypt stores.
	mk := sopskms.NewMasterKey(r.KeyID, "", nil)
	mk.EncryptedKey = base64.StdEncoding.EncodeToString(out.CiphertextBlob)
	return mk, nil
}

func (r AWSKMSRecipient) matches(k keys.MasterKey) bool {
	kk, ok := k.(*sopskms.MasterKey)
	if !ok {
		return false
	}
	if kk.Arn == r.KeyID {
		return true
	}
	// A bare key ID names the key of that ID in any region and account.
	return !strings.HasPrefix(r.KeyID, "alias/") && !strings.HasPrefix(r.KeyID, "arn:") && strings.HasSuffix(kk.Arn, ":key/"+r.KeyID)
}

// unwrapAWSKMS opens a kms key with sops' own code, so that whatever opens the key for infra opens it for
// `sops -d` (same SDK configuration: AWS_PROFILE, AWS_ENDPOINT_URL_KMS, the key's role and profile).
func unwrapAWSKMS(ctx context.Context, k *sopskms.MasterKey) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, kmsTimeout)
	defer cancel()
	mk := &sopskms.MasterKey{Arn: k.Arn, Role: k.Role, EncryptedKey: k.EncryptedKey, EncryptionContext: k.EncryptionContext,
		AwsProfile: k.AwsProfile, CreationDate: k.CreationDate}
	return mk.DecryptContext(ctx)
}
