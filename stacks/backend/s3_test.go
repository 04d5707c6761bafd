package backend_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/backend/backendtest"
)

// The MinIO servers the tests start take these root credentials, and the S3 backend finds them where it finds
// any AWS credentials: in the environment.
const (
	minioAccessKey = "infra-test"
	minioSecretKey = "infra-test-secret"
)

func TestMain(m *testing.M) {
	os.Setenv("AWS_ACCESS_KEY_ID", minioAccessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", minioSecretKey)
	os.Unsetenv("AWS_SESSION_TOKEN")
	os.Unsetenv("AWS_PROFILE")
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}

func openTest(t *testing.T, rawURL string) backend.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := backend.Open(ctx, rawURL, t.TempDir())
	if err != nil {
		t.Fatalf("open %s: %v", rawURL, err)
	}
	return s
}

func TestS3Conformance(t *testing.T) {
	t.Parallel()
	m := backendtest.StartMinIO(t, minioAccessKey, minioSecretKey)
	var n atomic.Int64
	backendtest.Run(t, func(t *testing.T) backend.Store {
		// Every store has a prefix of its own in the one bucket.
		return openTest(t, m.URL(fmt.Sprintf("suite/%d", n.Add(1))))
	})
}

func TestS3Errors(t *testing.T) {
	t.Parallel()
	m := backendtest.StartMinIO(t, minioAccessKey, minioSecretKey)
	ctx := context.Background()
	ref := backend.StackRef{Project: "p", Stack: "dev"}

	// A bucket that does not exist: the error names the backend and says to check the bucket.
	missing := strings.Replace(m.URL("x"), m.Bucket, "no-such-bucket", 1)
	err := openTest(t, missing).CreateStack(ctx, ref)
	if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/x") || !strings.Contains(err.Error(), "check that bucket no-such-bucket exists") {
		t.Fatalf("a missing bucket: %v", err)
	}
	// Nobody listening: the error says to check the network and the endpoint.
	down := "s3://b/p?endpoint=http://127.0.0.1:1&region=us-east-1"
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = openTest(t, down).ListStacks(cctx, "")
	if err == nil || !strings.Contains(err.Error(), "check the network") || !strings.Contains(err.Error(), "http://127.0.0.1:1") {
		t.Fatalf("an endpoint that is down: %v", err)
	}
}

// TestS3EndpointFromEnvironment opens the store the way a user of MinIO or another S3-compatible store would
// without options in the URL: AWS_ENDPOINT_URL_S3 and AWS_REGION; then with wrong credentials. Not parallel: it
// sets the environment.
func TestS3EndpointFromEnvironment(t *testing.T) {
	m := backendtest.StartMinIO(t, minioAccessKey, minioSecretKey)
	t.Setenv("AWS_ENDPOINT_URL_S3", m.Endpoint)
	t.Setenv("AWS_REGION", "us-east-1")
	s := openTest(t, "s3://"+m.Bucket+"/env")
	ctx := context.Background()
	ref := backend.StackRef{Project: "p", Stack: "dev"}
	if err := s.CreateStack(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.ListStacks(ctx, "p"); err != nil || len(ss) != 1 {
		t.Fatalf("list: %+v %v", ss, err)
	}
	if s.URL() != "s3://"+m.Bucket+"/env" {
		t.Fatalf("URL() = %q", s.URL())
	}
	// Wrong credentials: the error names the backend and says to check them.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	err := openTest(t, "s3://"+m.Bucket+"/env").CreateStack(ctx, backend.StackRef{Project: "p", Stack: "other"})
	if err == nil || !strings.Contains(err.Error(), "s3://"+m.Bucket+"/env") || !strings.Contains(err.Error(), "check the AWS credentials") {
		t.Fatalf("wrong credentials: %v", err)
	}
}
