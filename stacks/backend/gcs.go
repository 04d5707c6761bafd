package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// gcsLocation is what a gs:// backend URL says.
type gcsLocation struct {
	bucket, prefix string
	// endpoint is the JSON API's base URL (an emulator, a proxy), ending in /storage/v1/; "" for Google's.
	endpoint string
}

// parseGCSURL reads gs://bucket/prefix?endpoint=URL.
func parseGCSURL(raw string) (gcsLocation, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return gcsLocation{}, fmt.Errorf("backend URL: %w", err)
	}
	if u.Scheme != "gs" {
		return gcsLocation{}, fmt.Errorf("backend URL %s is not a gs:// URL", u.Redacted())
	}
	if u.User != nil {
		return gcsLocation{}, fmt.Errorf("backend URL %s: credentials do not belong in the URL: use GOOGLE_APPLICATION_CREDENTIALS "+
			"or `gcloud auth application-default login`", u.Redacted())
	}
	loc := gcsLocation{bucket: u.Host, prefix: strings.Trim(u.Path, "/")}
	if loc.bucket == "" {
		return gcsLocation{}, fmt.Errorf("backend URL %s has no bucket: use gs://bucket/prefix", u.Redacted())
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return gcsLocation{}, fmt.Errorf("backend URL %s: endpoint %q must be an http:// or https:// URL", u.Redacted(), v)
			}
			// Like STORAGE_EMULATOR_HOST, a bare host means the JSON API under /storage/v1/.
			if strings.Trim(e.Path, "/") == "" {
				e.Path = "/storage/v1/"
			} else if !strings.HasSuffix(e.Path, "/") {
				e.Path += "/"
			}
			loc.endpoint = e.String()
		default:
			return gcsLocation{}, fmt.Errorf("backend URL %s: unknown option %q (known: endpoint)", u.Redacted(), k)
		}
	}
	return loc, nil
}

// openGCS returns the store of a gs:// URL. Credentials are Google's application default credentials
// (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, the metadata server). With
// STORAGE_EMULATOR_HOST set, or an http:// endpoint in the URL, no credentials are used: that is an emulator.
func openGCS(ctx context.Context, raw string) (Store, error) {
	loc, err := parseGCSURL(raw)
	if err != nil {
		return nil, err
	}
	display := (&url.URL{Scheme: "gs", Host: loc.bucket, Path: "/" + loc.prefix}).String()
	// Reads go through the JSON API like everything else: one API to allow through proxies, and the one the
	// emulators implement fully.
	opts := []option.ClientOption{storage.WithJSONReads()}
	if loc.endpoint != "" {
		opts = append(opts, option.WithEndpoint(loc.endpoint))
		if strings.HasPrefix(loc.endpoint, "http://") {
			opts = append(opts, option.WithoutAuthentication())
		}
	}
	client, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: create the Google Cloud Storage client: %w; check the credentials "+
			"(GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`)", display, err)
	}
	// The library retries transient errors until the context ends; a store that cannot be reached must fail a
	// command within seconds instead, as S3's three attempts do.
	client.SetRetry(storage.WithMaxAttempts(4), storage.WithPolicy(storage.RetryIdempotent))
	endpoint := loc.endpoint
	if endpoint == "" {
		endpoint = os.Getenv("STORAGE_EMULATOR_HOST")
	}
	b := &gcsBlobs{client: client, bucket: client.Bucket(loc.bucket), name: loc.bucket, endpoint: endpoint}
	return newObjectStore(b, display, loc.prefix), nil
}

// gcsBlobs is a blobStore on a GCS bucket. Conditional writes use the object generation: ifGenerationMatch=0
// creates only if absent, ifGenerationMatch=G replaces only generation G.
type gcsBlobs struct {
	client   *storage.Client
	bucket   *storage.BucketHandle
	name     string
	endpoint string
}

func (b *gcsBlobs) get(ctx context.Context, key string) ([]byte, string, error) {
	r, err := b.bucket.Object(key).NewReader(ctx)
	if err != nil {
		if errors.Is(err, storage.ErrObjectNotExist) {
			return nil, "", errBlobNotFound
		}
		return nil, "", fmt.Errorf("get %s: %w", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("get %s: %w", key, err)
	}
	return data, strconv.FormatInt(r.Attrs.Generation, 10), nil
}

// write uploads data in one request (no resumable session: the objects are small and written whole).
func (b *gcsBlobs) write(ctx context.Context, obj *storage.ObjectHandle, data []byte) (int64, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := obj.NewWriter(wctx)
	w.ChunkSize = 0
	if _, err := w.Write(data); err != nil {
		cancel() // abandons the upload
		_ = w.Close()
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return w.Attrs().Generation, nil
}

func (b *gcsBlobs) put(ctx context.Context, key string, data []byte) error {
	if _, err := b.write(ctx, b.bucket.Object(key), data); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

func (b *gcsBlobs) putIf(ctx context.Context, key string, data []byte, tag string) (string, error) {
	cond := storage.Conditions{DoesNotExist: true}
	if tag != "" {
		gen, err := strconv.ParseInt(tag, 10, 64)
		if err != nil {
			return "", fmt.Errorf("put %s: invalid generation %q", key, tag)
		}
		cond = storage.Conditions{GenerationMatch: gen}
	}
	gen, err := b.write(ctx, b.bucket.Object(key).If(cond), data)
	if err != nil {
		if gcsCode(err) == 412 || (tag != "" && errors.Is(err, storage.ErrObjectNotExist)) {
			return "", errPrecondition
		}
		return "", fmt.Errorf("put %s: %w", key, err)
	}
	return strconv.FormatInt(gen, 10), nil
}

func (b *gcsBlobs) delete(ctx context.Context, keys ...string) error {
	return forEach(ctx, len(keys), func(ctx context.Context, i int) error {
		err := b.bucket.Object(keys[i]).Delete(ctx)
		if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
			return fmt.Errorf("delete %s: %w", keys[i], err)
		}
		return nil
	})
}

func (b *gcsBlobs) deleteIf(ctx context.Context, key, tag string) error {
	gen, err := strconv.ParseInt(tag, 10, 64)
	if err != nil {
		return fmt.Errorf("delete %s: invalid generation %q", key, tag)
	}
	err = b.bucket.Object(key).If(storage.Conditions{GenerationMatch: gen}).Delete(ctx)
	switch {
	case err == nil, errors.Is(err, storage.ErrObjectNotExist):
		return nil
	case gcsCode(err) == 412:
		return errPrecondition
	}
	return fmt.Errorf("delete %s: %w", key, err)
}

func (b *gcsBlobs) list(ctx context.Context, prefix, delimiter string) ([]string, []string, error) {
	q := &storage.Query{Prefix: prefix, Delimiter: delimiter}
	if err := q.SetAttrSelection([]string{"Name"}); err != nil {
		return nil, nil, err
	}
	var keys, prefixes []string
	it := b.bucket.Objects(ctx, q)
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		if attrs.Prefix != "" {
			prefixes = append(prefixes, attrs.Prefix)
		} else {
			keys = append(keys, attrs.Name)
		}
	}
	return keys, prefixes, nil
}

func (b *gcsBlobs) close() error { return b.client.Close() }

// explain says what to check for the usual causes of a GCS error.
func (b *gcsBlobs) explain(err error) error {
	var hint string
	switch code := gcsCode(err); {
	case errors.Is(err, storage.ErrBucketNotExist) || code == 404:
		// Reads of missing objects never get here (they are errBlobNotFound): a 404 is the bucket's.
		hint = "check that bucket " + b.name + " exists (infra does not create it)"
	case code == 401 || code == 403 || strings.Contains(err.Error(), "credentials"):
		hint = "check the credentials (GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`) and that they " +
			"may read, write and list bucket " + b.name
	case code == 0 && !errors.Is(err, context.Canceled):
		if b.endpoint != "" {
			hint = "check the network and that the storage endpoint " + b.endpoint + " is up"
		} else {
			hint = "check the network"
		}
	default:
		return err
	}
	return fmt.Errorf("%w; %s", err, hint)
}

// gcsCode returns the HTTP status of a GCS error, 0 if the request got no answer.
func gcsCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}
