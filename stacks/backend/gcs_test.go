package backend_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/backend/backendtest"
)

func TestGCSConformance(t *testing.T) {
	t.Parallel()
	f := backendtest.StartFakeGCS(t)
	var n atomic.Int64
	backendtest.Run(t, func(t *testing.T) backend.Store {
		return openTest(t, f.URL(fmt.Sprintf("suite/%d", n.Add(1))))
	})
}

func TestGCSErrors(t *testing.T) {
	t.Parallel()
	f := backendtest.StartFakeGCS(t)
	ctx := context.Background()
	ref := backend.StackRef{Project: "p", Stack: "dev"}
	missing := strings.Replace(f.URL("x"), f.Bucket, "no-such-bucket", 1)
	err := openTest(t, missing).CreateStack(ctx, ref)
	if err == nil || !strings.Contains(err.Error(), "gs://no-such-bucket/x") || !strings.Contains(err.Error(), "check that bucket no-such-bucket exists") {
		t.Fatalf("a missing bucket: %v", err)
	}
	_, err = openTest(t, "gs://b/p?endpoint=http://127.0.0.1:1").ListStacks(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "gs://b/p") || !strings.Contains(err.Error(), "check the network") {
		t.Fatalf("an endpoint that is down: %v", err)
	}
}

// TestGCSEmulatorHost opens the store the way the storage library's users reach an emulator:
// STORAGE_EMULATOR_HOST. Not parallel: it sets the environment.
func TestGCSEmulatorHost(t *testing.T) {
	f := backendtest.StartFakeGCS(t)
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimSuffix(f.Endpoint, "/storage/v1/"))
	s := openTest(t, "gs://"+f.Bucket+"/env")
	ctx := context.Background()
	if err := s.CreateStack(ctx, backend.StackRef{Project: "p", Stack: "dev"}); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.ListStacks(ctx, ""); err != nil || len(ss) != 1 || ss[0].Name != "dev" {
		t.Fatalf("list: %+v %v", ss, err)
	}
}
