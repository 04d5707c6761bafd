package monitor

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

// fakeTarget answers registrations by name: "bad" fails, "boom" panics, anything else succeeds.
type fakeTarget struct {
	mu    sync.Mutex
	diags []string
	regs  []*deploy.Registration
}

func (f *fakeTarget) Register(_ context.Context, reg *deploy.Registration) (*deploy.Result, error) {
	f.mu.Lock()
	f.regs = append(f.regs, reg)
	f.mu.Unlock()
	switch reg.Name {
	case "bad":
		return nil, errors.New("bad: its provider refused it")
	case "boom":
		panic("a bug while registering " + reg.Name)
	}
	return &deploy.Result{URN: resource.NewURN("dev", "shop", "", reg.Type, reg.Name), ID: reg.Name + "-1",
		Outputs: resource.PropertyMap{"id": resource.NewString(reg.Name + "-1")}}, nil
}

func (f *fakeTarget) SetComponentOutputs(urn resource.URN, _ resource.PropertyMap) error {
	return errors.New("no component " + string(urn))
}
func (f *fakeTarget) SetStackOutputs(resource.PropertyMap) {}
func (f *fakeTarget) Invoke(context.Context, string, resource.PropertyMap, resource.ProviderRef) (resource.PropertyMap, []string, error) {
	return nil, nil, errors.New("no functions")
}
func (f *fakeTarget) Diagnose(_ events.Severity, _ resource.URN, msg string) {
	f.mu.Lock()
	f.diags = append(f.diags, msg)
	f.mu.Unlock()
}

func start(t *testing.T, services Services) (*Server, *fakeTarget, pb.ResourceMonitorClient) {
	t.Helper()
	target := &fakeTarget{}
	s, err := Start(context.Background(), target, &pb.ProgramInfo{Project: "shop", Stack: "dev"}, services)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return s, target, pb.NewResourceMonitorClient(conn)
}

func TestTokenIsRequired(t *testing.T) {
	t.Parallel()
	s, _, c := start(t, Services{})
	if _, err := c.GetProgramInfo(context.Background(), &pb.GetProgramInfoRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no token: %v", err)
	}
	bad := metadata.AppendToOutgoingContext(context.Background(), "infra-token", "guess")
	if _, err := c.GetProgramInfo(bad, &pb.GetProgramInfoRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("wrong token: %v", err)
	}
	ok := metadata.AppendToOutgoingContext(context.Background(), "infra-token", s.Token())
	info, err := c.GetProgramInfo(ok, &pb.GetProgramInfoRequest{})
	if err != nil || info.GetStack() != "dev" {
		t.Fatalf("right token: %v %v", info, err)
	}
}

// TestRegistrationErrors: each registration is answered on the stream with its own outcome; a failed one carries
// the error, a malformed one is reported as a diagnostic too, and a panic in the engine fails only that
// registration, as a bug.
func TestRegistrationErrors(t *testing.T) {
	t.Parallel()
	s, target, c := start(t, Services{})
	ctx := metadata.AppendToOutgoingContext(context.Background(), "infra-token", s.Token())
	stream, err := c.Register(ctx)
	if err != nil {
		t.Fatal(err)
	}
	malformed := &propertypb.Map{Fields: map[string]*propertypb.Value{"x": {Kind: &propertypb.Value_RefValue{RefValue: &propertypb.Reference{Urn: "not-a-urn"}}}}}
	reqs := []*pb.RegisterRequest{
		{Id: 1, Type: "aws:ec2:Instance", Name: "web", Custom: true},
		{Id: 2, Type: "aws:ec2:Instance", Name: "bad", Custom: true},
		{Id: 3, Type: "aws:ec2:Instance", Name: "boom", Custom: true},
		{Id: 4, Type: "aws:ec2:Instance", Name: "odd", Custom: true, Inputs: malformed},
	}
	for _, r := range reqs {
		if err := stream.Send(r); err != nil {
			t.Fatal(err)
		}
	}
	got := map[uint64]*pb.RegisterResponse{}
	for range reqs {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got[resp.GetId()] = resp
	}
	_ = stream.CloseSend()
	if r := got[1]; r.GetError() != "" || r.GetResourceId() != "web-1" || !strings.HasSuffix(r.GetUrn(), "::web") {
		t.Errorf("web: %v", r)
	}
	if r := got[2]; !strings.Contains(r.GetError(), "its provider refused it") {
		t.Errorf("bad: %v", r)
	}
	if r := got[3]; !strings.Contains(r.GetError(), "bug in infra") || !strings.Contains(r.GetError(), `"boom"`) {
		t.Errorf("boom: %v", r)
	}
	s.Drain()
	target.mu.Lock()
	defer target.mu.Unlock()
	diags := strings.Join(target.diags, "\n")
	if !strings.Contains(diags, "bug in infra") {
		t.Errorf("the panic was not reported as a diagnostic: %q", diags)
	}
	if r := got[4]; r.GetError() == "" {
		t.Errorf("odd (malformed inputs) was accepted: %v", r)
	} else if !strings.Contains(diags, `"odd": malformed inputs`) {
		t.Errorf("the malformed registration was not reported: %q", diags)
	}
}

func TestServicesOffered(t *testing.T) {
	t.Parallel()
	var secrets []resource.PropertyValue
	var mu sync.Mutex
	s, _, c := start(t, Services{
		DecryptFile: func(context.Context, string, string) (map[string]any, error) {
			return map[string]any{"db": map[string]any{"password": "hunter2"}}, nil
		},
		Secret: func(v resource.PropertyValue) { mu.Lock(); secrets = append(secrets, v); mu.Unlock() },
	})
	ctx := metadata.AppendToOutgoingContext(context.Background(), "infra-token", s.Token())
	if _, err := c.ReadStackOutputs(ctx, &pb.ReadStackOutputsRequest{Name: "net"}); status.Code(err) != codes.Unimplemented {
		t.Errorf("stack references without the service: %v", err)
	}
	resp, err := c.DecryptFile(ctx, &pb.DecryptFileRequest{Path: "secrets.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := propertypb.ToMap(resp.GetValues())
	if err != nil {
		t.Fatal(err)
	}
	pw := vals["db"].MapValue()["password"]
	if !pw.IsSecret() || pw.SecretElement().StringValue() != "hunter2" || len(secrets) != 1 {
		t.Errorf("decrypted value %v (secrets told: %d), want a secret leaf", pw, len(secrets))
	}
	if _, err := c.RegisterOutputs(ctx, &pb.RegisterOutputsRequest{Urn: "urn:infra:dev::shop::x:y:Z::c"}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("outputs of an unknown component: %v", err)
	}
}
