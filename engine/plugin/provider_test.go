package plugin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// fakeProcess is a provider process that has exited or not.
type fakeProcess struct{ exited bool }

func (f *fakeProcess) Exited() bool                             { return f.exited }
func (f *fakeProcess) Kill()                                    { f.exited = true }
func (f *fakeProcess) ReattachConfig() *goplugin.ReattachConfig { return nil }

// fakeRPC answers every call with err; calls it does not override panic through the nil embedded client.
type fakeRPC struct {
	pb.ResourceProviderClient
	err error
}

func (f fakeRPC) Create(context.Context, *pb.CreateRequest, ...grpc.CallOption) (*pb.CreateResponse, error) {
	return nil, f.err
}

func (f fakeRPC) Lookup(context.Context, *pb.LookupRequest, ...grpc.CallOption) (*pb.ReadResponse, error) {
	return nil, f.err
}

func (f fakeRPC) Delete(context.Context, *pb.DeleteRequest, ...grpc.CallOption) (*pb.DeleteResponse, error) {
	return nil, f.err
}

// TestCallFailuresSayWhatHappened: each way a provider call fails maps to the error the engine acts on (a crash
// keeps the create's outcome open, throttling retries, a timeout names the limit) and names the provider, the
// operation and the resource.
func TestCallFailuresSayWhatHappened(t *testing.T) {
	t.Parallel()
	urn := resource.URN("urn:infra:dev::shop::aws:ec2:Instance::web")
	for _, tc := range []struct {
		name   string
		err    error
		exited bool
		is     error
		says   []string
	}{
		{"process gone", status.Error(codes.Unavailable, "connection refused"), true, ErrCrashed,
			[]string{"provider aws", "exited while creating", string(urn), "panic: boom"}},
		{"unavailable but alive", status.Error(codes.Unavailable, "transport is closing"), false, nil,
			[]string{"provider aws: transport is closing"}},
		{"throttled", status.Error(codes.ResourceExhausted, "Rate exceeded"), false, ErrThrottled,
			[]string{"provider aws", "Rate exceeded"}},
		{"deadline", status.Error(codes.DeadlineExceeded, "deadline"), false, ErrTimeout,
			[]string{"did not finish creating", string(urn), "in time"}},
		{"context deadline", context.DeadlineExceeded, false, ErrTimeout, []string{"in time"}},
		{"provider error", status.Error(codes.Unknown, "InvalidAMIID.NotFound: ami-1"), false, nil,
			[]string{"provider aws: InvalidAMIID.NotFound: ami-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tl := newTail(5)
			_, _ = tl.Write([]byte("panic: boom\n"))
			p := &Provider{pkg: "aws", where: "built in", client: &fakeProcess{exited: tc.exited}, rpc: fakeRPC{err: tc.err}, tail: tl}
			_, err := p.Create(context.Background(), CreateRequest{URN: urn, Type: "aws:ec2:Instance", Inputs: resource.PropertyMap{}, Timeout: time.Minute, Token: "tok"})
			if err == nil {
				t.Fatal("no error")
			}
			for _, sentinel := range []error{ErrCrashed, ErrThrottled, ErrTimeout} {
				if errors.Is(err, sentinel) != (sentinel == tc.is) {
					t.Errorf("errors.Is(%v, %v) = %v", err, sentinel, !(sentinel == tc.is))
				}
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q does not say %q", err, s)
				}
			}
		})
	}
}

func TestLookupUnsupported(t *testing.T) {
	t.Parallel()
	p := &Provider{pkg: "command", client: &fakeProcess{}, rpc: fakeRPC{err: status.Error(codes.Unimplemented, "no lookup")}, tail: newTail(5)}
	_, err := p.Lookup(context.Background(), LookupRequest{URN: "urn:infra:dev::shop::command:index:Command::x", Type: "command:index:Command", Token: "tok"})
	if !errors.Is(err, ErrLookupUnsupported) || !strings.Contains(err.Error(), "command") {
		t.Fatalf("err = %v, want ErrLookupUnsupported naming the provider", err)
	}
	p.rpc = fakeRPC{err: status.Error(codes.Internal, "disk full")}
	if _, err := p.Lookup(context.Background(), LookupRequest{URN: "urn:infra:dev::shop::command:index:Command::x", Type: "command:index:Command", Token: "tok"}); errors.Is(err, ErrLookupUnsupported) || err == nil {
		t.Fatalf("a failed lookup is reported as unsupported: %v", err)
	}
}
