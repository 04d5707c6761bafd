package backendtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MinIOEnv names the variable holding the path of the minio binary the tests start.
const MinIOEnv = "INFRA_TEST_MINIO"

// MinIO is a MinIO server started for a test on a loopback port, with one bucket.
type MinIO struct {
	// Endpoint is the server's S3 endpoint, http://127.0.0.1:PORT.
	Endpoint string
	// AccessKey and SecretKey are the server's root credentials.
	AccessKey, SecretKey string
	// Bucket exists on the server.
	Bucket string
}

// URL returns the s3:// backend URL of prefix in the server's bucket.
func (m *MinIO) URL(prefix string) string {
	q := url.Values{"endpoint": {m.Endpoint}, "region": {"us-east-1"}, "usePathStyle": {"true"}}
	return "s3://" + m.Bucket + "/" + prefix + "?" + q.Encode()
}

// StartMinIO starts the minio binary named by $INFRA_TEST_MINIO (or found on PATH) with a temporary data
// directory and the given root credentials (the secret key needs 8 characters at least), creates a bucket, and
// stops the server when the test ends. Without a minio binary the test is skipped.
func StartMinIO(t testing.TB, accessKey, secretKey string) *MinIO {
	t.Helper()
	bin := os.Getenv(MinIOEnv)
	if bin == "" {
		bin, _ = exec.LookPath("minio")
	}
	if bin == "" {
		unavailable(t, "MinIO is not available: set %s to a minio binary", MinIOEnv)
	}
	if _, err := os.Stat(bin); err != nil {
		unavailable(t, "MinIO is not available: %s=%s: %v", MinIOEnv, bin, err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // another process may take the free port before minio does
		m, err := startMinIO(t, bin, accessKey, secretKey)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatal(lastErr)
	return nil
}

func startMinIO(t testing.TB, bin, accessKey, secretKey string) (*MinIO, error) {
	dir := t.TempDir()
	port, console := freePort(t), freePort(t)
	cmd := exec.Command(bin, "server", "--quiet",
		"--address", fmt.Sprintf("127.0.0.1:%d", port),
		"--console-address", fmt.Sprintf("127.0.0.1:%d", console),
		"--certs-dir", dir+"/certs", dir+"/data")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+accessKey, "MINIO_ROOT_PASSWORD="+secretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=on")
	p, err := start("minio", cmd)
	if err != nil {
		return nil, err
	}
	m := &MinIO{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), AccessKey: accessKey, SecretKey: secretKey, Bucket: "infra-test"}
	err = p.waitReady(60*time.Second, func() error {
		resp, err := http.Get(m.Endpoint + "/minio/health/live")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		p.stop(syscall.SIGKILL, time.Second)
		return nil, err
	}
	t.Cleanup(func() { p.stop(syscall.SIGTERM, 10*time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(m.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(m.Bucket)}); err != nil {
		t.Fatalf("create bucket %s on MinIO: %v\n%s", m.Bucket, err, p.out.String())
	}
	return m, nil
}
