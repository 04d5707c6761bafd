package backendtest

import (
	"io"
	"net/url"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// FakeGCS is a fake-gcs-server running in the test's process on a loopback port.
type FakeGCS struct {
	// Endpoint is the server's JSON API endpoint, http://127.0.0.1:PORT/storage/v1/.
	Endpoint string
	// Bucket exists on the server.
	Bucket string
}

// URL returns the gs:// backend URL of prefix in the server's bucket.
func (f *FakeGCS) URL(prefix string) string {
	return "gs://" + f.Bucket + "/" + prefix + "?" + url.Values{"endpoint": {f.Endpoint}}.Encode()
}

// StartFakeGCS starts a fake GCS server with one bucket, stopped when the test ends.
func StartFakeGCS(t testing.TB) *FakeGCS {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Writer: io.Discard})
	if err != nil {
		t.Fatalf("start fake-gcs-server: %v", err)
	}
	t.Cleanup(srv.Stop)
	f := &FakeGCS{Endpoint: srv.URL() + "/storage/v1/", Bucket: "infra-test"}
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: f.Bucket})
	return f
}
