package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// s3Location is what an s3:// backend URL says.
type s3Location struct {
	bucket, prefix string
	// endpoint overrides the S3 endpoint (MinIO, Ceph, R2...); region and profile override the AWS config.
	endpoint, region, profile string
	// pathStyle addresses the bucket in the path (http://host/bucket/key) instead of the host name; nil means
	// "yes if the endpoint is overridden", which is what S3-compatible servers expect.
	pathStyle *bool
}

// parseS3URL reads s3://bucket/prefix?endpoint=URL&region=R&usePathStyle=true&profile=P.
func parseS3URL(raw string) (s3Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return s3Location{}, fmt.Errorf("backend URL: %w", err)
	}
	if u.Scheme != "s3" {
		return s3Location{}, fmt.Errorf("backend URL %s is not an s3:// URL", u.Redacted())
	}
	if u.User != nil {
		return s3Location{}, fmt.Errorf("backend URL %s: credentials do not belong in the URL: use the AWS credentials chain "+
			"(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role)", u.Redacted())
	}
	loc := s3Location{bucket: u.Host, prefix: strings.Trim(u.Path, "/")}
	if loc.bucket == "" {
		return s3Location{}, fmt.Errorf("backend URL %s has no bucket: use s3://bucket/prefix", u.Redacted())
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return s3Location{}, fmt.Errorf("backend URL %s: endpoint %q must be an http:// or https:// URL", u.Redacted(), v)
			}
			loc.endpoint = v
		case "region":
			loc.region = v
		case "profile":
			loc.profile = v
		case "usePathStyle":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return s3Location{}, fmt.Errorf("backend URL %s: usePathStyle must be true or false, not %q", u.Redacted(), v)
			}
			loc.pathStyle = &b
		default:
			return s3Location{}, fmt.Errorf("backend URL %s: unknown option %q (known: endpoint, region, usePathStyle, profile)", u.Redacted(), k)
		}
	}
	return loc, nil
}

// openS3 returns the store of an s3:// URL. Credentials and, unless the URL gives them, the region and endpoint
// come from the AWS SDK's usual sources: environment (AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL_S3...),
// shared config and credentials files, SSO, instance and container roles.
func openS3(ctx context.Context, raw string) (Store, error) {
	loc, err := parseS3URL(raw)
	if err != nil {
		return nil, err
	}
	display := (&url.URL{Scheme: "s3", Host: loc.bucket, Path: "/" + loc.prefix}).String()
	// The SDK's own warnings (e.g. about the instance metadata service) would interleave with infra's output;
	// what matters reaches the user in the error.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if loc.region != "" {
		opts = append(opts, config.WithRegion(loc.region))
	}
	if loc.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(loc.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: load the AWS configuration: %w; check AWS_PROFILE and ~/.aws/config", display, err)
	}
	endpoint := loc.endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return nil, fmt.Errorf("%s: no AWS region: add ?region=REGION to the backend URL or set AWS_REGION", display)
		}
		cfg.Region = "us-east-1" // S3-compatible servers accept any region in signatures; this is theirs by convention
	}
	pathStyle := endpoint != ""
	if loc.pathStyle != nil {
		pathStyle = *loc.pathStyle
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = pathStyle
	})
	b := &s3Blobs{client: client, bucket: loc.bucket, endpoint: endpoint}
	return newObjectStore(b, display, loc.prefix), nil
}

// s3Blobs is a blobStore on an S3 bucket. Conditional writes use If-None-Match: * (create) and If-Match: ETag
// (replace), which AWS S3 and MinIO honour atomically.
type s3Blobs struct {
	client   *s3.Client
	bucket   string
	endpoint string
}

func (b *s3Blobs) get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		if s3Status(err) == 404 && !isNoSuchBucket(err) {
			return nil, "", errBlobNotFound
		}
		return nil, "", fmt.Errorf("get %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", fmt.Errorf("get %s: %w", key, err)
	}
	return data, aws.ToString(out.ETag), nil
}

func (b *s3Blobs) put(ctx context.Context, key string, data []byte) error {
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: &key, Body: bytes.NewReader(data)})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

func (b *s3Blobs) putIf(ctx context.Context, key string, data []byte, tag string) (string, error) {
	in := &s3.PutObjectInput{Bucket: &b.bucket, Key: &key, Body: bytes.NewReader(data)}
	if tag == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(tag)
	}
	out, err := b.client.PutObject(ctx, in)
	if err != nil {
		switch s3Status(err) {
		case 412, 409: // 409: a concurrent conditional write to the same key is in progress; it wins or we retry
			return "", errPrecondition
		case 404:
			if !isNoSuchBucket(err) {
				return "", errPrecondition // If-Match on an object that is gone
			}
		}
		return "", fmt.Errorf("put %s: %w", key, err)
	}
	return aws.ToString(out.ETag), nil
}

func (b *s3Blobs) delete(ctx context.Context, keys ...string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000) // DeleteObjects takes at most 1000 keys
		ids := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := b.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &b.bucket,
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete %d objects: %w", n, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s: %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		keys = keys[n:]
	}
	return nil
}

func (b *s3Blobs) deleteIf(ctx context.Context, key, tag string) error {
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &key, IfMatch: aws.String(tag)})
	if err != nil {
		switch s3Status(err) {
		case 412, 409:
			return errPrecondition
		case 404:
			if !isNoSuchBucket(err) {
				return nil
			}
		case 501:
			// A store without conditional deletes: the caller compared the lock's token just before, so an
			// unconditional delete only loses to a takeover within that instant.
			return b.delete(ctx, key)
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

func (b *s3Blobs) list(ctx context.Context, prefix, delimiter string) ([]string, []string, error) {
	in := &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: &prefix}
	if delimiter != "" {
		in.Delimiter = &delimiter
	}
	var keys, prefixes []string
	p := s3.NewListObjectsV2Paginator(b.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return keys, prefixes, nil
}

func (b *s3Blobs) close() error { return nil }

// explain says what to check for the usual causes of an S3 error.
func (b *s3Blobs) explain(err error) error {
	where := "the network and the S3 endpoint"
	if b.endpoint != "" {
		where = "the network and that the S3 endpoint " + b.endpoint + " is up"
	}
	var hint string
	var apiErr smithy.APIError
	switch {
	case isNoSuchBucket(err):
		hint = "check that bucket " + b.bucket + " exists (infra does not create it) and that the region is right"
	case errors.As(err, &apiErr) && isS3CredentialsCode(apiErr.ErrorCode()), s3Status(err) == 403,
		strings.Contains(err.Error(), "failed to retrieve credentials"), strings.Contains(err.Error(), "no EC2 IMDS role found"):
		hint = "check the AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the instance role) " +
			"and that they may read, write and list bucket " + b.bucket
	case errors.As(err, &apiErr) && (apiErr.ErrorCode() == "AuthorizationHeaderMalformed" || apiErr.ErrorCode() == "PermanentRedirect"),
		s3Status(err) == 301:
		hint = "check the region: add ?region=REGION to the backend URL or set AWS_REGION"
	case s3Status(err) == 0 && !errors.Is(err, context.Canceled):
		hint = "check " + where
	default:
		return err
	}
	return fmt.Errorf("%w; %s", err, hint)
}

func isS3CredentialsCode(code string) bool {
	switch code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return true
	}
	return false
}

// s3Status returns the HTTP status of an S3 error, 0 if the request got no answer.
func s3Status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isNoSuchBucket(err error) bool {
	var nb *types.NoSuchBucket
	if errors.As(err, &nb) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket"
}
